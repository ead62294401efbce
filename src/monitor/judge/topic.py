"""The topic query: does an entry belong to the topic?

The query language is `monitor.query`. Matching ignores case and diacritics and works on
whole words: `talks` does not match `stalks`; `negotiat*` matches `negotiations`.
"""

from __future__ import annotations

from monitor.query import And, Node, Not, Phrase, Term, parse_query
from monitor.text import words


class _Text:
    """A document prepared once for many term look-ups."""

    def __init__(self, text: str) -> None:
        self.seq = words(text)
        self.set = frozenset(self.seq)
        self.sorted = sorted(self.set)

    def has(self, t: Term) -> bool:
        if not t.prefix:
            return t.word in self.set
        import bisect

        i = bisect.bisect_left(self.sorted, t.word)
        return i < len(self.sorted) and self.sorted[i].startswith(t.word)

    def word_matches(self, t: Term, w: str) -> bool:
        return w.startswith(t.word) if t.prefix else w == t.word

    def has_phrase(self, p: Phrase) -> bool:
        if not all(self.has(t) for t in p.terms):
            return False
        n = len(p.terms)
        seq = self.seq
        for i in range(len(seq) - n + 1):
            if all(self.word_matches(t, seq[i + k]) for k, t in enumerate(p.terms)):
                return True
        return False


def _eval(node: Node, doc: _Text) -> bool:
    if isinstance(node, Term):
        return doc.has(node)
    if isinstance(node, Phrase):
        return doc.has_phrase(node)
    if isinstance(node, Not):
        return not _eval(node.child, doc)
    if isinstance(node, And):
        return all(_eval(c, doc) for c in node.children)
    return any(_eval(c, doc) for c in node.children)


LEAD_WORDS = 120


def entry_text(title: str, summary: str, content: str) -> str:
    """What the query is matched against: the title, the summary and the lead of the body.

    A long feed body (a 5,000-word feature) mentions almost everything somewhere; whether an
    item is *about* the topic shows in its title and opening.
    """
    lead = " ".join(content.split()[:LEAD_WORDS])
    return f"{title}\n{summary}\n{lead}"


def matches(query: str, text: str) -> bool:
    """True when `text` satisfies the topic query."""
    return _eval(parse_query(query), _Text(text))


def query_terms(query: str) -> list[str]:
    """The positive words of a query (for highlighting and keyword weighting)."""
    out: list[str] = []

    def walk(node: Node, negated: bool) -> None:
        if isinstance(node, Term):
            if not negated:
                out.append(node.word)
        elif isinstance(node, Phrase):
            for t in node.terms:
                walk(t, negated)
        elif isinstance(node, Not):
            walk(node.child, not negated)
        else:
            for c in node.children:
                walk(c, negated)

    walk(parse_query(query), False)
    return out
