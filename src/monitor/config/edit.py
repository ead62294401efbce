"""Editing the configured feeds: add, remove, OPML in and out (discovery and checks are
`monitor.ingest.discover`).

The configuration file is edited with tomlkit, so the user's comments, order and layout
stay as they were; every edit is validated as a whole configuration before it replaces the
file (atomically), so a bad edit never leaves a broken config behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.config.load import load_settings
from monitor.config.settings import FeedConfig, Settings
from monitor.config.values import clean_text, shorten, url_problem
from monitor.errors import ConfigError, FeedAdminError
from monitor.files import atomic_write


@dataclass(frozen=True)
class ImportResult:
    added: tuple[FeedConfig, ...]
    skipped: tuple[tuple[str, str], ...]  # (url or text, why)


# -- editing the configuration --------------------------------------------------------------


BOM = "\ufeff"


def _read(path: Path) -> tuple[Any, str]:
    """The document and the byte-order mark it starts with ("" if none), to write back."""
    import tomlkit

    try:
        text = path.read_text(encoding="utf-8")
        bom = BOM if text.startswith(BOM) else ""
        return tomlkit.parse(text.removeprefix(BOM)), bom
    except OSError as exc:
        raise FeedAdminError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomlkit.exceptions.ParseError as exc:
        raise FeedAdminError(f"{path}: not valid TOML: {exc}") from None


def _write(path: Path, doc: Any, bom: str) -> Settings:
    """Validate the edited configuration as a whole, then replace the file atomically; the
    file keeps its mode (the user chose who may read it) and its byte-order mark."""
    import tomlkit

    loaded: list[Settings] = []

    def validate(tmp: Path) -> None:
        # Relative paths in the file resolve as they will once it is in place.
        try:
            loaded.append(load_settings(tmp, cwd=Path.cwd()))
        except ConfigError as exc:  # name the user's file, not the temporary one
            raise ConfigError(str(path), exc.problems) from None

    atomic_write(path, bom + tomlkit.dumps(doc), keep_mode=True, check=validate)
    return loaded[0]


def same_url(a: str, b: str) -> bool:
    """Feed URLs equal but for scheme/host case and a trailing slash."""

    def key(u: str) -> tuple[str, str, str, str]:
        p = urlsplit(u.strip())
        return (p.scheme.lower(), (p.netloc or "").lower(), p.path.rstrip("/") or "/", p.query)

    return key(a) == key(b)


def _feeds_array(doc: Any) -> Any:
    """The document's feeds: an array of tables (`[[feeds]]`), created at the end if absent
    (an empty `feeds = []` is replaced); an inline array the user wrote is kept as it is."""
    import tomlkit
    from tomlkit.items import Array

    feeds = doc.get("feeds")
    if isinstance(feeds, Array) and len(feeds) == 0:
        del doc["feeds"]
        feeds = None
    if feeds is None:
        feeds = tomlkit.aot()
        if not tomlkit.dumps(doc).endswith("\n\n"):
            doc.add(tomlkit.nl())
        doc.append("feeds", feeds)
    return feeds


def _feed_table(feeds: Any, f: FeedConfig) -> Any:
    import tomlkit
    from tomlkit.items import Array

    table = tomlkit.inline_table() if isinstance(feeds, Array) else tomlkit.table()
    table.add("name", f.name)
    table.add("url", f.url)
    if f.group:
        table.add("group", f.group)
    return table


def add_feeds(path: Path, new: Sequence[FeedConfig]) -> tuple[list[FeedConfig], list[str]]:
    """Append feeds not already configured; returns (added, URLs already there)."""
    doc, bom = _read(path)
    feeds = _feeds_array(doc)
    existing = [str(t.get("url", "")) for t in feeds]
    added: list[FeedConfig] = []
    present: list[str] = []
    for f in new:
        if any(same_url(f.url, u) for u in [*existing, *(a.url for a in added)]):
            present.append(f.url)
            continue
        feeds.append(_feed_table(feeds, f))
        added.append(f)
    if added:
        _write(path, doc, bom)
    return added, present


def remove_feeds(path: Path, which: str) -> list[FeedConfig]:
    """Remove the feed whose URL is `which`, or every feed named `which` (case-insensitive)."""
    doc, bom = _read(path)
    feeds = doc.get("feeds")
    if feeds is None:
        raise FeedAdminError(f"{path} has no feeds")
    by_url = [i for i, t in enumerate(feeds) if same_url(str(t.get("url", "")), which)]
    by_name = [
        i
        for i, t in enumerate(feeds)
        if str(t.get("name", "")).casefold() == which.strip().casefold()
    ]
    hits = by_url or by_name
    if not hits:
        raise FeedAdminError(f"no feed with the URL or name {which!r} in {path}")
    if len(hits) > 1:
        urls = ", ".join(str(feeds[i].get("url")) for i in hits)
        raise FeedAdminError(f"{len(hits)} feeds are named {which!r} ({urls}); give the URL")
    removed = []
    for i in reversed(hits):
        t = feeds[i]
        removed.append(
            FeedConfig(str(t.get("name", "")), str(t.get("url", "")), str(t.get("group", "")))
        )
        del feeds[i]
    if len(feeds) == 0:  # tomlkit would leave "feeds = []" at the top of the file
        del doc["feeds"]
    _write(path, doc, bom)
    return removed


# -- OPML -----------------------------------------------------------------------------------


def parse_opml(data: bytes) -> tuple[list[FeedConfig], list[tuple[str, str]]]:
    """Feeds in an OPML file: outlines with an xmlUrl; a parent outline's text is the group.

    Parsed without DTDs, entities or network access (an OPML file is untrusted input).
    """
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedAdminError(f"not valid OPML (XML): {exc}") from None
    if root.tag != "opml":
        raise FeedAdminError(f"not OPML: the root element is <{root.tag}>")
    body = root.find("body")
    if body is None:
        raise FeedAdminError("not valid OPML: no <body>")
    feeds: list[FeedConfig] = []
    skipped: list[tuple[str, str]] = []

    def walk(node: Any, group: str) -> None:
        for outline in node.iterfind("outline"):
            # Titles may carry control characters (XML allows C1 and DEL): cleaned, so that
            # the configuration written stays valid.
            text = clean_text(outline.get("text") or outline.get("title") or "")
            url = (outline.get("xmlUrl") or "").strip()
            if url:
                problem = url_problem(url)
                if problem is not None:
                    skipped.append((shorten(url), problem))
                else:
                    name = clean_text(text[:200]) or urlsplit(url).hostname or url
                    feeds.append(FeedConfig(name, url, clean_text(group[:100])))
            walk(outline, text if not url else group)

    walk(body, "")
    return feeds, skipped


def import_opml(path: Path, data: bytes) -> ImportResult:
    feeds, skipped = parse_opml(data)
    added, present = add_feeds(path, feeds)
    return ImportResult(
        tuple(added), tuple(skipped) + tuple((u, "already configured") for u in present)
    )


def to_opml(title: str, feeds: Sequence[FeedConfig]) -> str:
    """OPML 2.0: feeds with a group inside an outline named after it, the others at the top."""
    import xml.etree.ElementTree as ET

    # The configuration refuses control characters; cleaning here as well makes sure that an
    # export is always XML that `feeds import` (and any feed reader) can read.
    title = clean_text(title)
    feeds = [FeedConfig(clean_text(f.name), f.url, clean_text(f.group)) for f in feeds]
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}

    def outline(parent: ET.Element, f: FeedConfig) -> None:
        ET.SubElement(parent, "outline", type="rss", text=f.name, title=f.name, xmlUrl=f.url)

    for f in feeds:
        if f.group:
            if f.group not in groups:
                groups[f.group] = ET.SubElement(body, "outline", text=f.group, title=f.group)
            outline(groups[f.group], f)
        else:
            outline(body, f)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
