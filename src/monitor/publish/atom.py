"""The Atom feed of the digests (feed.xml beside them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from monitor.config import DigestConfig
from monitor.files import atomic_write
from monitor.models import DigestRecord
from monitor.publish.render import plain, utc
from monitor.publish.write import digest_link


def to_atom(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> str:
    """An Atom feed of the digests, newest first, with ids that never change."""
    import uuid
    import xml.etree.ElementTree as ET

    ns = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", ns)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    feed_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"monitor:{topic}")
    feed = ET.Element(f"{{{ns}}}feed")
    el(feed, "id", f"urn:uuid:{feed_uuid}")
    el(feed, "title", f"{topic} — daily breakdown")
    el(feed, "subtitle", "Every point is quoted from the linked article.")
    newest = max((r.window_end for r in records), default=None)
    el(feed, "updated", utc(newest) if newest else "1970-01-01T00:00:00Z")
    el(feed, "generator", "monitor")
    author = el(feed, "author")
    el(author, "name", "monitor")
    if config.base_url:
        el(feed, "link", rel="self", href=config.base_url + "feed.xml", type="application/atom+xml")
        el(feed, "link", rel="alternate", href=config.base_url)
    for r in sorted(records, key=lambda r: r.date, reverse=True):
        entry = el(feed, "entry")
        el(entry, "id", f"urn:uuid:{uuid.uuid5(feed_uuid, r.date.isoformat())}")
        el(entry, "title", plain(r.title) or f"Digest of {r.date.isoformat()}")
        el(entry, "updated", utc(r.window_end))
        el(entry, "published", utc(r.window_end))
        el(entry, "link", rel="alternate", type="text/html", href=digest_link(config, r.date))
        el(entry, "summary", _atom_summary(r), type="html")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _atom_summary(record: DigestRecord) -> str:
    """The entry's HTML summary: the story titles with their first point (escaped)."""
    from markupsafe import escape

    try:
        data = json.loads(record.body_json) if record.body_json else {}
    except ValueError:
        data = {}
    items = []
    for s in data.get("stories", [])[:10]:
        point = s["points"][0]["text"] if s.get("points") else ""
        items.append(
            f"<li><strong>{escape(s.get('title', ''))}</strong>"
            + (f" – {escape(point)}" if point else "")
            + "</li>"
        )
    head = f"<p>{record.articles} new articles, {record.stories} stories.</p>"
    return head + (f"<ol>{''.join(items)}</ol>" if items else "")


def write_atom(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> Path:
    path = config.directory / "feed.xml"
    atomic_write(path, to_atom(config, topic, records))
    return path
