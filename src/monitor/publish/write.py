"""Writing a digest's files, atomically, and their addresses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitor.compose.digest import Digest
from monitor.config import DigestConfig
from monitor.files import atomic_write
from monitor.publish.digest_json import to_json
from monitor.publish.render import to_html, to_markdown


def digest_path(config: DigestConfig, digest: Digest, ext: str) -> Path:
    d = digest.date
    return config.directory / f"{d:%Y}" / f"{d:%m}" / f"{d.isoformat()}.{ext}"


def write_digest(digest: Digest, config: DigestConfig, json_text: str | None = None) -> list[Path]:
    """Write every configured format; the first path returned is the main one."""
    renderers: dict[str, Callable[[Digest], str]] = {
        "md": to_markdown,
        "html": lambda d: to_html(d, root="../../"),
        "json": to_json if json_text is None else lambda d: json_text,
    }
    paths: list[Path] = []
    # The archive site links to every digest's page, so with the site on it is always written.
    formats = [*config.formats, *(["html"] if config.site and "html" not in config.formats else [])]
    for ext in formats:
        path = digest_path(config, digest, ext)
        atomic_write(path, renderers[ext](digest))
        paths.append(path)
    return paths


def digest_link(config: DigestConfig, day: Any) -> str:
    """The HTML digest's address: absolute with base_url, else relative to the digest folder."""
    rel = f"{day:%Y}/{day:%m}/{day.isoformat()}.html"
    return config.base_url + rel if config.base_url else rel
