"""Build the hand-labelled story-clustering corpus of February 2026 (`clusters-feb2026`).

    python benchmarks/build_feb_clusters.py FEEDS_DIR          # items.jsonl
    python benchmarks/build_feb_clusters.py --join             # clusters-feb2026.jsonl

FEEDS_DIR holds the real feed captures (`feeds/` of the project's shared development data,
with its `MANIFEST.tsv`). The first step reads every item of the 24 captures dated 16, 17 or
18 February 2026 (by their file names) and writes
`benchmarks/data/clusters-feb2026/items.jsonl`, one item a line: id (`<file stem>#<index in
the feed>`), feed (the publisher, from the manifest), title, text (the longer of the item's
summary and content, tags stripped, whitespace collapsed), date (published, else updated, in
UTC; null when the feed gives neither) and url. Items repeated inside one feed stay separate
lines.

`--join` joins those items with the hand-written `labels.tsv` (id, cluster_id, topic_id)
into `benchmarks/data/clusters-feb2026.jsonl`, the file `monitor eval clustering` reads. It
stops with an error when an item has no label, a label names an unknown id, or an id is
labelled twice.
"""

from __future__ import annotations

import calendar
import html
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
ITEMS = DATA / "clusters-feb2026" / "items.jsonl"
LABELS = DATA / "clusters-feb2026" / "labels.tsv"
JOINED = DATA / "clusters-feb2026.jsonl"
DAYS = ("2026-02-16", "2026-02-17", "2026-02-18")

_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def plain(text: str) -> str:
    """HTML to one line of plain text: scripts and tags dropped, entities decoded."""
    text = _DROP.sub(" ", text)
    text = _BLOCK.sub(" ", text)
    text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())


def _publishers(feeds: Path) -> dict[str, str]:
    rows = (feeds / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    head = rows[0].split("\t")
    out = {}
    for row in rows[1:]:
        cells = dict(zip(head, row.split("\t"), strict=False))
        out[cells["file"]] = cells["publisher"]
    return out


def _date(entry: dict) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _text(entry: dict) -> str:
    summary = plain(entry.get("summary", "") or "")
    content = max((plain(c.get("value", "") or "") for c in entry.get("content", [])), default="")
    return max(summary, content, key=len)


def feed_files(feeds: Path) -> list[Path]:
    return sorted(p for p in feeds.iterdir() if any(day in p.name for day in DAYS))


def items(feeds: Path) -> list[dict[str, str | None]]:
    publishers = _publishers(feeds)
    out = []
    for path in feed_files(feeds):
        stem = path.name.split(".")[0]
        parsed = feedparser.parse(path.read_bytes())
        for index, entry in enumerate(parsed.entries):
            out.append(
                {
                    "id": f"{stem}#{index}",
                    "feed": publishers[path.name],
                    "title": plain(entry.get("title", "") or ""),
                    "text": _text(entry),
                    "date": _date(entry),
                    "url": entry.get("link"),
                }
            )
    return out


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def join() -> list[dict]:
    rows = [json.loads(line) for line in ITEMS.read_text(encoding="utf-8").splitlines()]
    labels: dict[str, tuple[str, str]] = {}
    problems = []
    for number, line in enumerate(LABELS.read_text(encoding="utf-8").splitlines(), 1):
        if number == 1 and line.startswith("id\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 3 or not all(cells):
            problems.append(f"labels.tsv line {number}: want id, cluster_id, topic_id")
            continue
        if cells[0] in labels:
            problems.append(f"labels.tsv line {number}: {cells[0]} labelled twice")
        labels[cells[0]] = (cells[1], cells[2])
    known = {row["id"] for row in rows}
    problems += [f"label for unknown id {key}" for key in labels if key not in known]
    problems += [f"no label for {key}" for key in sorted(known) if key not in labels]
    if problems:
        sys.exit("\n".join(problems))
    out = []
    for row in rows:
        cluster_id, topic_id = labels[row["id"]]
        out.append(
            {
                "id": row["id"],
                "title": row["title"],
                "text": row["text"],
                "date": row["date"],
                "url": row["url"],
                "cluster_id": cluster_id,
                "topic_id": topic_id,
                "feed": row["feed"],
            }
        )
    return out


def main(argv: list[str]) -> None:
    if argv == ["--join"]:
        rows = join()
        _write(JOINED, rows)
        print(f"{len(rows)} items, {len({r['cluster_id'] for r in rows})} clusters -> {JOINED}")
    elif len(argv) == 1:
        rows = items(Path(argv[0]))
        ITEMS.parent.mkdir(parents=True, exist_ok=True)
        _write(ITEMS, rows)
        print(f"{len(rows)} items -> {ITEMS}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
