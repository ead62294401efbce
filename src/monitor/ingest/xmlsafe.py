"""XML feed bytes made safe and plain for feedparser: no entity declarations, ASCII markup.

Declarations in the prolog (DOCTYPE, ENTITY, ...) are removed, with the references to the
entities they declared, and a document whose markup is not in ASCII bytes (UTF-16, UTF-32,
EBCDIC, or a charset such as UTF-7 named by HTTP) is re-encoded as UTF-8 first.
"""

from __future__ import annotations

import codecs
import re

# Entity declarations are never needed by a news feed and are the vector of billion-laughs
# and quadratic blow-up attacks: every declaration in the prolog goes before feedparser sees
# the bytes. Only the prolog (before the root element) can hold a DOCTYPE; the same text in
# CDATA or a comment is content.
_ENTITY_NAME = re.compile(rb"<!ENTITY\s+(?:%\s*)?([A-Za-z_][\w.-]*)", re.IGNORECASE)
_PREDEFINED = frozenset((b"amp", b"lt", b"gt", b"quot", b"apos"))
_ROOT_START = re.compile(rb"<[A-Za-z_:\x80-\xff]")
_DECL_TOKEN = re.compile(rb"[\"'\[\]>]|<!--|<\?")

_XML_DECL_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding=[\"'])[^\"']*([\"'])", re.IGNORECASE)
# Byte-order marks, the four-byte ones first (FF FE 00 00 also starts a UTF-16LE BOM).
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, ""),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC, which feedparser also recognises
_MARKUP = "<?xml <!DOCTYPE [<!ENTITY % \"'>]&;"


def _markup_codec(head: bytes, charset: str) -> tuple[str, bool]:
    """The codec of a document whose markup is not in ASCII bytes ("" when it is), and
    whether it was only named by the HTTP charset (then it must decode without errors)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, False
    # No BOM: the first characters are "<?xml" or "<!" or whitespace, each with NUL bytes
    # in UTF-16 and UTF-32 (00 00 00 3C, 3C 00 00 00, 00 3C 00 3F, 3C 00 3F 00).
    if len(head) >= 4 and 0 in head[:4]:
        if head[:3] == b"\0\0\0":
            return "utf-32-be", False
        if head[1:4] == b"\0\0\0":
            return "utf-32-le", False
        return ("utf-16-be" if head[0] == 0 else "utf-16-le"), False
    if head.startswith(_EBCDIC_XML):
        return "cp037", False
    if charset:  # feedparser decodes by the HTTP charset first (EBCDIC, UTF-7, ...)
        try:
            if _MARKUP.encode(charset) != _MARKUP.encode("ascii"):
                return charset, True
        except (LookupError, UnicodeError):
            pass
    return "", False


def as_utf8(data: bytes, charset: str = "") -> bytes | None:
    """The document re-encoded as UTF-8 when its markup is not ASCII bytes, else None."""
    codec, strict = _markup_codec(data[:4], charset)
    if not codec:
        return None
    try:
        text = data.decode(codec, "strict" if strict else "replace")
    except (UnicodeDecodeError, LookupError):
        return None  # feedparser cannot decode it by that charset either, and moves on
    out = text.lstrip("\ufeff").encode("utf-8")
    return _XML_DECL_ENCODING.sub(rb"\1utf-8\2", out, count=1)


def _declaration_end(data: bytes, start: int) -> int:
    """Where the markup declaration at `start` ends: its closing ">" outside quoted
    literals, comments, processing instructions and an internal subset ("[ ... ]")."""
    depth = 0
    pos = start + 2
    while match := _DECL_TOKEN.search(data, pos):
        token = match.group()
        close = {b'"': b'"', b"'": b"'", b"<!--": b"-->", b"<?": b"?>"}.get(token)
        if close is not None:
            end = data.find(close, match.end())
            if end < 0:
                break
            pos = end + len(close)
            continue
        pos = match.end()
        if token == b"[":
            depth += 1
        elif token == b"]":
            depth = max(0, depth - 1)
        elif depth == 0:  # ">"
            return pos
    return len(data)


def _prolog_declarations(data: bytes) -> list[tuple[int, int]]:
    """Spans of the markup declarations (DOCTYPE, ENTITY, ...) before the root element,
    skipping the XML declaration, processing instructions and comments as XML does."""
    spans: list[tuple[int, int]] = []
    pos = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    while (lt := data.find(b"<", pos)) >= 0:
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->"), (b"<![CDATA[", b"]]>")):
            if data.startswith(opener, lt):
                end = data.find(closer, lt + len(opener))
                pos = len(data) if end < 0 else end + len(closer)
                break
        else:
            if data.startswith(b"<!", lt):
                pos = _declaration_end(data, lt)
                spans.append((lt, pos))
            elif _ROOT_START.match(data, lt):
                break
            else:
                pos = lt + 1
    return spans


def neutralize_xml(data: bytes, *, charset: str = "") -> bytes:
    """Remove the DOCTYPE (and any other declaration in the prolog) so no entity can be
    expanded.

    A document whose markup is not ASCII bytes (UTF-16 or UTF-32, with or without a
    byte-order mark, EBCDIC, or an HTTP `charset` such as UTF-7) is re-encoded as UTF-8
    first, so that the declarations cannot hide from a byte-level search.
    """
    data = as_utf8(data, charset) or data
    spans = _prolog_declarations(data)
    if not spans:
        return data
    declared: set[bytes] = set()
    for start, end in spans:
        declared.update(_ENTITY_NAME.findall(data, start, end))
    kept = [data[: spans[0][0]]]
    for (_, end), (start, _) in zip(spans, [*spans[1:], (len(data), 0)], strict=True):
        kept.append(data[end:start])
    data = b"".join(kept)
    names = sorted(n for n in declared if n not in _PREDEFINED)
    if names:
        # References to the removed entities are dropped too: left undefined they would push
        # feedparser onto its slow lenient parser (10,000 of them cost most of a second).
        pattern = b"|".join(re.escape(n) for n in names)
        data = re.sub(rb"&(?:" + pattern + rb");", b"", data)
    return data
