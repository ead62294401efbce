"""Canonical URLs, exact text hashes and near-duplicate signatures (wire copies).

Near duplicates use a bottom-k MinHash sketch of word 5-shingles: the k smallest 64-bit
hashes of the shingle set. Two sketches estimate the Jaccard similarity of the sets.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.models import NewArticle, PendingEntry, StoredArticle
from monitor.text import words

SKETCH_SIZE = 64
SHINGLE = 5
NEAR_DUPLICATE = 0.6  # estimated Jaccard at or above which two texts are one story copy
MIN_SHINGLES = 20  # shorter texts are compared by exact hash only

_TRACKING_PREFIXES = ("utm_", "at_", "mc_", "pk_", "itm_", "ga_")
_TRACKING = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "ocid",
    "cmpid",
    "smid",
    "smtyp",
    "taid",
    "ref",
    "ref_src",
    "referrer",
    "src",
    "spm",
    "cid",
    "rss",
    "feed",
    "partner",
    "igshid",
    "mkt_tok",
    "s_cid",
    "xtor",
    "amp",
    "outputtype",
    "output",
}
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def canonical_url(url: str) -> str:
    """One spelling per article: tracking parameters, fragments, AMP/mobile variants removed."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = parts.port
    if port and not (
        (parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    path = parts.path or "/"
    for suffix in ("/amp/", "/amp", ".amp"):
        if path.endswith(suffix):
            path = path[: -len(suffix)] or "/"
            break
    if path.startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    # https and http of one page are one article
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def content_hash(text: str, ws: list[str] | None = None) -> str:
    ws = words(text) if ws is None else ws
    return hashlib.sha256(" ".join(ws).encode("utf-8")).hexdigest()


_MASK32 = 0xFFFFFFFF


def _word_hash(w: str) -> int:
    """A stable 64-bit hash of a word (two CRC-32s: fast, and the same in every process)."""
    b = w.encode("utf-8")
    return (zlib.crc32(b) << 32) | (zlib.crc32(b, 0x9E3779B9) & _MASK32)


def sketch(text: str, ws: list[str] | None = None) -> tuple[int, ...]:
    """Bottom-k MinHash of the text's word shingles (empty when the text is too short).

    Vectorised: each distinct word is hashed once; a shingle's hash combines its words'
    hashes (multiply-add modulo 2^64, then the splitmix64 finaliser to spread the bits).
    """
    import numpy as np

    ws = words(text) if ws is None else ws
    if len(ws) - SHINGLE + 1 < MIN_SHINGLES:
        return ()
    hashed = {w: _word_hash(w) for w in set(ws)}
    wh = np.fromiter(map(hashed.__getitem__, ws), dtype=np.uint64, count=len(ws))
    n = len(ws) - SHINGLE + 1
    h = wh[:n].copy()
    for k in range(1, SHINGLE):
        h = h * np.uint64(0x100000001B3) + wh[k : k + n]  # wraps modulo 2^64, as meant
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    distinct = np.unique(h)  # sorted
    if len(distinct) < MIN_SHINGLES:
        return ()
    return tuple(int(x) for x in distinct[:SKETCH_SIZE])


def fingerprint(text: str) -> tuple[str, tuple[int, ...]]:
    """content_hash and sketch of a text, its words split once."""
    ws = words(text)
    return content_hash(text, ws), sketch(text, ws)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two bottom-k sketches."""
    if not a or not b:
        return 0.0
    k = min(SKETCH_SIZE, len(a), len(b))
    union_bottom = sorted(set(a) | set(b))[:k]
    sa, sb = set(a), set(b)
    both = sum(1 for h in union_bottom if h in sa and h in sb)
    return both / k


def encode_sketch(s: tuple[int, ...]) -> str:
    return ",".join(f"{h:x}" for h in s)


def decode_sketch(text: str | None) -> tuple[int, ...]:
    return tuple(int(h, 16) for h in text.split(",")) if text else ()


class DuplicateIndex:
    """Texts seen so far, indexed by exact hash and by sketch values.

    A near-duplicate must share many bottom-k values with its original, so only texts that
    share at least a few are compared: the cost grows with the matches, not with the corpus.
    """

    MIN_SHARED = 4

    def __init__(self) -> None:
        self._by_hash: dict[str, int] = {}
        self._by_value: dict[int, list[int]] = {}
        self._sketches: dict[int, tuple[int, ...]] = {}
        self._order: dict[int, int] = {}

    def add(self, item_id: int, text_hash: str, sig: tuple[int, ...]) -> None:
        self._by_hash.setdefault(text_hash, item_id)
        self._order[item_id] = len(self._order)
        self._sketches[item_id] = sig
        for value in sig:
            self._by_value.setdefault(value, []).append(item_id)

    def find(self, text_hash: str, sig: tuple[int, ...]) -> int | None:
        """The earliest indexed text this one duplicates (exact first, then the nearest)."""
        if text_hash in self._by_hash:
            return self._by_hash[text_hash]
        shared: Counter[int] = Counter()
        for value in sig:
            shared.update(self._by_value.get(value, ()))
        best: tuple[float, int, int] | None = None
        for cid, n in shared.items():
            if n < self.MIN_SHARED:
                continue
            score = similarity(sig, self._sketches[cid])
            key = (score, -self._order[cid], cid)
            if score >= NEAR_DUPLICATE and (best is None or key > best):
                best = key
        return best[2] if best else None


@dataclass(frozen=True)
class Folded:
    """New articles with what each duplicates: None for an original, the id of a stored
    article, or the canonical URL of an earlier new one (not stored yet, so it has no id)."""

    articles: tuple[tuple[NewArticle, int | str | None], ...]
    originals: tuple[tuple[int, NewArticle], ...]  # temporary (negative) ids, for clustering


def fold(articles: Sequence[NewArticle], neighbours: Iterable[StoredArticle]) -> Folded:
    """Fold wire copies and republished texts into their originals: each of `articles`
    (oldest first) against the stored `neighbours` and the new articles before it."""
    seen = DuplicateIndex()
    for a in neighbours:
        if a.duplicate_of is None and a.content_hash:
            seen.add(a.id, a.content_hash, decode_sketch(a.sketch))
    # New articles get negative ids until stored; duplicates of one of them name it by URL.
    batch_url = {-(i + 1): a.canonical_url for i, a in enumerate(articles)}
    out: list[tuple[NewArticle, int | str | None]] = []
    originals: list[tuple[int, NewArticle]] = []
    for i, art in enumerate(articles):
        sig = decode_sketch(art.sketch)
        dup = seen.find(art.content_hash, sig) if art.text else None
        if dup is None:
            seen.add(-(i + 1), art.content_hash, sig)
            originals.append((-(i + 1), art))
            out.append((art, None))
        else:
            out.append((art, batch_url.get(dup, dup)))
    return Folded(tuple(out), tuple(originals))


def by_canonical_url(entries: Iterable[PendingEntry]) -> dict[str, list[PendingEntry]]:
    """Entries grouped by the canonical URL of their links (oldest first): one article each."""
    groups: dict[str, list[PendingEntry]] = {}
    for e in sorted(entries, key=lambda e: (e.published, e.id)):
        groups.setdefault(canonical_url(e.link), []).append(e)
    return groups
