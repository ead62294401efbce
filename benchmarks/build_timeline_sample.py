"""Build the articles of the timeline development sample (`monitor eval timeline`).

    python benchmarks/build_timeline_sample.py FEEDS_DIR STATEMENTS_DIR \
        > benchmarks/data/timeline-feb2026/articles.jsonl

FEEDS_DIR holds the real feed captures of February 2026 (`feeds/` of the project's shared
development data), STATEMENTS_DIR the White House statements on the Geneva talks
(`ukraine/`). The articles are the feed items labelled on topic in
`benchmarks/data/relevance-feb2026.jsonl` (the Russia–Ukraine peace talks), with the feed's
longest text (summary or content) as the feed parser turns it into plain text, dated by
their publication time in UTC, and the statements of 23 November 2025 (the statement of 4
December on the children's reunification initiative is about another matter), dated as the
White House dates them, one paragraph a line. Sorted by date and time of publication: the
order a digest's window lists them in. `timeline.jsonl` is written by hand, not here.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.ingest.feeds import parse_feed

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "data" / "relevance-feb2026.jsonl"
STATEMENTS = (
    "whitehouse_2025-11-23-joint-statement-on-united-states-ukraine-meeting.md",
    "whitehouse_2025-11-23-readout-of-peace-talks-in-geneva.md",
)
CAPTURED = datetime(2026, 2, 19, tzinfo=UTC)  # after the last capture: every date plausible


def _publishers(feeds: Path) -> dict[str, str]:
    rows = (feeds / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    head = rows[0].split("\t")
    out = {}
    for row in rows[1:]:
        cells = dict(zip(head, row.split("\t"), strict=False))
        out[cells["file"]] = cells["publisher"]
    return out


def feed_articles(feeds: Path) -> list[dict[str, str]]:
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    on_topic = {(r["feed"], r["title"]): r["id"] for r in labels if r["label"] == 1}
    publishers = _publishers(feeds)
    out = []
    for name in sorted({feed for feed, _ in on_topic}):
        parsed = parse_feed((feeds / name).read_bytes(), url=f"file:{name}", now=CAPTURED)
        for e in parsed.entries:
            key = (name, e.title)
            if key not in on_topic or e.published is None:
                continue
            when = e.published.astimezone(UTC)
            out.append(
                {
                    "id": on_topic.pop(key),  # the item's id in the relevance sample
                    "date": when.date().isoformat(),
                    "published": when.isoformat(),
                    "source": publishers[name],
                    "title": e.title,
                    "text": max(e.summary, e.content, key=len),
                    "url": e.link,
                }
            )
    if on_topic:
        sys.exit(f"on-topic items not found in the feeds: {sorted(on_topic)}")
    return out


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    _, head, body = text.split("---\n", 2)
    fields = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip().strip("'\"")
    return fields, body


def statement(path: Path) -> dict[str, str]:
    fields, body = _front_matter(path.read_text(encoding="utf-8"))
    # Markdown wraps paragraphs at 72 columns: one paragraph a line, emphasis marks dropped.
    paragraphs = [" ".join(p.split()).strip("*").strip() for p in re.split(r"\n\s*\n", body)]
    published = datetime.fromisoformat(fields["published_time"]).astimezone(UTC)
    return {
        "id": path.stem,
        "date": fields["date"],
        "published": published.isoformat(),
        "source": "The White House",
        "title": fields["title"],
        "text": "\n".join(p for p in paragraphs if p),
        "url": fields["source_url"],
    }


def main(feeds: Path, statements: Path) -> list[dict[str, str]]:
    rows = feed_articles(feeds) + [statement(statements / name) for name in STATEMENTS]
    return sorted(rows, key=lambda r: (r["date"], r["published"], r["id"]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for row in main(Path(sys.argv[1]), Path(sys.argv[2])):
        print(json.dumps(row, ensure_ascii=False))
