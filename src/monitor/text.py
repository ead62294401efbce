"""Text helpers shared by stages: HTML to plain text, whitespace, hashing, the tokenizer and
stemmer, and the background table of word frequencies in general news."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "tr",
    "table",
    "figcaption",
    "pre",
    "hr",
}
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGLIKE = re.compile(r"<[a-zA-Z/!]")


# What must not reach a terminal or an e-mail from feed text: control characters (ESC starts
# terminal escape sequences) and the bidirectional overrides that reorder what is shown.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` without control characters (line breaks and tabs kept) or bidi overrides."""
    return _INVISIBLE.sub("", text)


def clean_line(text: str) -> str:
    """One line: control characters dropped, whitespace collapsed."""
    return _WS.sub(" ", _CONTROL.sub("", text).replace("\n", " ")).strip()


def clean_block(text: str) -> str:
    """Paragraphs kept (blank-line separated), whitespace inside them collapsed."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    paras = [_WS.sub(" ", p).strip() for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paras if p)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment, one paragraph per block element."""
    if not markup:
        return ""
    if not _TAGLIKE.search(markup):
        return clean_block(html.unescape(markup))
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_block(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    for bad in root.xpath("//script|//style|//noscript|//iframe|//object|//svg"):
        bad.drop_tree()
    pieces: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _BLOCK:
            pieces.append("\n")
        if el.text and tag:
            pieces.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if tag in _BLOCK:
            pieces.append("\n")

    walk(root)
    return clean_block("".join(pieces))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can cannot could did do does doing down during each
few for from further had has have having he her here hers herself him himself his how i if in
into is it its itself just let me more most my myself no nor not now of off on once only or
other ought our ours ourselves out over own said same say says she should so some such than
that the their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves new one two three also like told after could may might must per via
mr mrs ms year years day days week weeks month months time times last first next get got
make made many much even still back well way since according people monday tuesday wednesday
thursday friday saturday sunday percent including amid news report reports
""".split()
)


# -- words: one tokenizer for the topic query, clustering, summaries and keywords ----------

_WORD = re.compile(r"\w+", re.UNICODE)
STEM_LENGTH = 6


@lru_cache(maxsize=1)
def _combining() -> re.Pattern[str]:
    """Every combining mark of the BMP (what NFKD splits diacritics into), as one class."""
    marks = "".join(chr(c) for c in range(0x10000) if unicodedata.combining(chr(c)))
    return re.compile("[" + re.escape(marks) + "]")


def normalize(text: str) -> str:
    """Case- and diacritic-insensitive form used on both sides of a match."""
    if text.isascii():  # most news text: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return _combining().sub("", decomposed).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


@lru_cache(maxsize=200_000)
def stem(w: str) -> str:
    """Plural 's' dropped, then cut to six letters.

    Truncation is a crude stemmer that suits news well: Russia/Russian, Ukraine/Ukrainian,
    negotiations/negotiators and official/officials meet at the same stem.
    """
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    return w[:STEM_LENGTH]


@dataclass(frozen=True)
class Background:
    """Document frequencies of profile terms in a corpus of general news."""

    documents: int
    df: dict[str, int]


@lru_cache(maxsize=1)
def background() -> Background:
    """The table shipped with the project (`data/background_df.json`, built by
    benchmarks/build_background.py from ~1,200 real news articles of many publishers).

    Without it a word's weight would come from the batch alone: among 40 articles of one
    topic its own words ("earthquake", "Iran") are in every article and weigh nothing, so
    articles of one event look unrelated; among 500 articles of 20 topics they weigh a lot.
    Counted as if the background articles were part of every batch, the weights hardly
    depend on the batch (ECB+ tuning topics clustered one topic at a time: B-cubed F1 0.871
    without it, 0.913 with it, the same as all at once)."""
    import json
    from importlib.resources import files

    raw = json.loads(files("monitor").joinpath("data/background_df.json").read_text("utf-8"))
    if raw.get("stem_length") != STEM_LENGTH:
        raise RuntimeError("background_df.json was built for other stems: rebuild it")
    return Background(int(raw["documents"]), {str(k): int(v) for k, v in raw["df"].items()})


def known_word(word: str) -> bool:
    """Whether a word occurs in the background news corpus (as a word or a name)."""
    key = stem(word.lower())
    df = background().df
    return key in df or "=" + key in df
