"""Small text helpers shared by stages: HTML to plain text, whitespace, hashing."""

from __future__ import annotations

import hashlib
import html
import re

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
