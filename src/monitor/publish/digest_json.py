"""Digest -> JSON: the archived form of a digest (the archive site is built from it).

Text is kept as the feed gave it (JSON escapes it); links that are not http(s) are blanked.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from monitor.compose.digest import Digest
from monitor.publish.render import safe_url, title_of, utc


def to_json_obj(digest: Digest) -> dict[str, Any]:
    return {
        "date": digest.date.isoformat(),
        "topic": digest.topic,
        "title": title_of(digest),
        "timezone": digest.timezone,
        "window": {"start": utc(digest.window_start), "end": utc(digest.window_end)},
        "totals": {
            "articles": digest.totals.articles,
            "duplicates": digest.totals.duplicates,
            "sources": len(digest.totals.sources),
        },
        "stories": [
            {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "since": s.since.isoformat(),
                "since_digest": s.since_digest.isoformat() if s.since_digest else None,
                "shown": s in digest.stories,
                "articles": [
                    {
                        "url": safe_url(a.url),
                        "source": a.source,
                        "title": a.title,
                        "published": utc(a.published),
                        "text_origin": a.text_origin,
                        "duplicates": [
                            {"url": safe_url(c.url), "source": c.source} for c in a.duplicates
                        ],
                    }
                    for a in s.articles
                ],
                "points": [
                    {
                        "lead": p.lead,
                        "facet": p.facet,
                        "text": p.text,
                        "url": safe_url(p.url),
                        "source": p.source,
                        "from": p.origin,
                    }
                    for p in s.points
                ],
                "facts": [
                    {
                        "label": f.label,
                        "value": f.value,
                        "sentence": f.sentence,
                        "url": safe_url(f.url),
                        "source": f.source,
                        "side": f.side or None,
                        "from": f.origin,
                    }
                    for f in s.facts
                ],
                "reports": len(s.articles),
                "outlets": max(s.outlets, len(s.sources)),
                "groups": list(s.groups),
            }
            for s in (*digest.stories, *digest.more_stories)
        ],
        "quotes": [
            {
                "speaker": q.speaker,
                "text": q.text,
                "url": safe_url(q.url),
                "source": q.source,
                "from": q.origin,
            }
            for q in digest.quotes
        ],
        "keywords": list(digest.keywords),
        "most_mentioned": [{"name": n, "articles": c} for n, c in digest.most_mentioned],
        "sources": [
            {
                "name": s.name,
                "url": safe_url(s.url),
                "articles": s.articles,
                "status": s.status,
                "error": s.error or None,
                "last_success": utc(s.last_success) if s.last_success else None,
                "consecutive_errors": s.consecutive_errors,
                "polls": s.polls,
                "failed_polls": s.failed_polls,
                "entries_rejected": s.rejected,
            }
            for s in digest.sources
        ],
    }


def to_json(digest: Digest) -> str:
    return json.dumps(to_json_obj(digest), ensure_ascii=False, indent=2) + "\n"


def content_hash(digest: Digest, json_text: str | None = None) -> str:
    """The hash of the digest's JSON (`json_text` when the caller already rendered it)."""
    text = to_json(digest) if json_text is None else json_text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
