"""The topic query language: a query's text parsed into a tree of terms.

Grammar (operators are upper-case words; everything else is a search term):

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= not_expr (["AND"] not_expr)*      # juxtaposition means AND
    not_expr:= "NOT" not_expr | atom
    atom    := "(" or_expr ")" | '"exact phrase"' | word | prefix*

AND binds tighter than OR. Terms are normalised as text is (`monitor.text.words`): case and
diacritics do not count. Matching is `monitor.judge.topic`; the configuration checks a query
here, without loading the stages.

Parentheses nest at most MAX_DEPTH levels deep: the parser and the matcher recurse once per
level, so a deeper query is refused rather than ending in a RecursionError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.errors import QueryError
from monitor.text import words

MAX_DEPTH = 32  # levels of parentheses


_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|([^\s()"]+))')


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or


def _term(raw: str) -> Term | Phrase:
    prefix = raw.endswith("*")
    parts = words(raw.rstrip("*"))
    if not parts:
        raise QueryError(f"search term {raw!r} has no letters or digits")
    if len(parts) == 1:
        return Term(parts[0], prefix)
    # "russia-ukraine" is written as one term but text splits it into words: match a phrase.
    terms = (*(Term(p) for p in parts[:-1]), Term(parts[-1], prefix))
    return Phrase(terms)


def _tokenize(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    query = query.rstrip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise QueryError(f"unbalanced quote at position {pos + 1}")
        pos = m.end()
        if m.group(1):
            tokens.append(("(", "("))
        elif m.group(2):
            tokens.append((")", ")"))
        elif m.group(3) is not None:
            tokens.append(("phrase", m.group(3)))
        else:
            word = m.group(4)
            tokens.append((word, word) if word in ("AND", "OR", "NOT") else ("word", word))
    if query.count('"') % 2:
        raise QueryError("unbalanced quote")
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.not_expr()]
        while self.peek() in ("AND", "NOT", "(", "phrase", "word"):
            if self.peek() == "AND":
                self.take()
            children.append(self.not_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_expr(self) -> Node:
        # A loop, not recursion: NOT NOT … x is x, however long the chain.
        negated = False
        while self.peek() == "NOT":
            self.take()
            negated = not negated
        node = self.atom()
        return Not(node) if negated else node

    def atom(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise QueryError("the query ends where a term was expected")
        kind, value = self.take()
        if kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"parentheses nested more than {MAX_DEPTH} levels deep")
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError("missing closing parenthesis")
            self.take()
            self.depth -= 1
            return node
        if kind == "phrase":
            parts = [_term(w) for w in value.split()]
            flat: list[Term] = []
            for p in parts:
                flat.extend(p.terms if isinstance(p, Phrase) else (p,))
            if not flat:
                raise QueryError('empty phrase ""')
            return flat[0] if len(flat) == 1 else Phrase(tuple(flat))
        if kind == "word":
            return _term(value)
        raise QueryError(f"unexpected {value!r}")


@lru_cache(maxsize=32)
def parse_query(query: str) -> Node:
    tokens = _tokenize(query)
    if not tokens:
        raise QueryError("the query is empty")
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.peek() is not None:
        raise QueryError(f"unexpected {parser.tokens[parser.i][1]!r}")
    return node
