"""Everything a built digest is turned into: its files (Markdown, HTML, JSON), the bodies
the outbox sends, the Atom feed of digests and the archive site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from monitor.compose.model import Digest
from monitor.config import DigestConfig
from monitor.models import DigestRecord, RenderedBodies, WrittenDigest
from monitor.publish import archive, atom, digest_json, render, write


def write_files(digest: Digest, config: DigestConfig) -> WrittenDigest:
    """Render every format, write the files (atomically; the digest's own file is the first
    configured format), and the bodies delivery sends."""
    json_text = digest_json.to_json(digest)
    paths = write.write_digest(digest, config, json_text)
    bodies = RenderedBodies(
        title=render.title_of(digest),
        json=json_text,
        # E-mail gets the archive's links only where the archive is published.
        html=render.to_html(
            digest, root=config.base_url if config.site and config.base_url else None
        ),
        text=render.to_text(digest),
    )
    return WrittenDigest(
        day=digest.date,
        path=str(paths[0]),
        window=(digest.window_start, digest.window_end),
        content_hash=digest_json.content_hash(digest, json_text),
        articles=digest.totals.articles,
        stories=len(digest.stories) + len(digest.more_stories),
        points=tuple(
            (s.id, i, p.text, p.url) for s in digest.stories for i, p in enumerate(s.points)
        ),
        bodies=bodies,
    )


def write_feed(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> None:
    """The Atom feed of the digests, newest first."""
    atom.write_atom(config, topic, records)


def write_site(config: DigestConfig, topic: str, records: Sequence[DigestRecord]) -> list[Path]:
    """The archive site (index, story timelines, search index) from every digest's record."""
    return archive.build_site(config.directory, topic, list(records))
