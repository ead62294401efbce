from __future__ import annotations

from pathlib import Path

from monitor.ingest.extract import extract_text
from monitor.judge.dedupe import DuplicateIndex, canonical_url, content_hash, similarity, sketch

REPLAY = Path(__file__).parent / "data" / "replay" / "pages"


def test_canonical_url_removes_tracking_fragments_amp_and_mobile() -> None:
    base = "https://example.org/world/story-1"
    for variant in (
        "https://www.example.org/world/story-1",
        "http://example.org/world/story-1/",
        "https://example.org/world/story-1?utm_source=rss&utm_medium=feed",
        "https://m.example.org/world/story-1#comments",
        "https://example.org/world/story-1/amp",
        "https://amp.example.org/world/story-1?at_medium=RSS&at_campaign=rss",
        "https://EXAMPLE.org:443/world/story-1",
    ):
        assert canonical_url(variant) == base, variant
    # a real parameter is kept (and sorted), so different articles stay different
    assert canonical_url("https://example.org/a?id=2&b=1") == "https://example.org/a?b=1&id=2"
    assert canonical_url("https://example.org/a?id=2") != canonical_url(
        "https://example.org/a?id=3"
    )


def test_wire_copy_under_another_template_is_a_near_duplicate() -> None:
    original = extract_text(
        (REPLAY / "whitehouse_2025-11-23-readout-of-peace-talks-in-geneva.html").read_bytes(),
        "https://www.whitehouse.gov/x",
    )
    copy = extract_text(
        (REPLAY / "wire_copy_readout.html").read_bytes(), "https://wire.example.org/x"
    )
    other = extract_text(
        (
            REPLAY / "whitehouse_2025-11-23-joint-statement-on-united-states-ukraine-meeting.html"
        ).read_bytes(),
        "https://www.whitehouse.gov/y",
    )
    a, b, c = sketch(original), sketch(copy), sketch(other)
    assert similarity(a, b) >= 0.6
    assert similarity(a, c) < 0.3
    index = DuplicateIndex()
    index.add(1, content_hash(original), a)
    assert index.find(content_hash(other), c) is None
    index.add(2, content_hash(other), c)
    assert index.find(content_hash(copy), b) == 1
    assert index.find(content_hash(original), ()) == 1  # exact text


def test_exact_hash_ignores_case_and_spacing() -> None:
    assert content_hash("Peace  talks\nresume.") == content_hash("peace talks resume")
    assert sketch("too short to sketch") == ()


def test_sketches_are_the_same_in_every_process() -> None:
    """Stored sketches are compared with ones made by later processes: no per-process hash."""
    import os
    import subprocess
    import sys

    text = " ".join(f"word{i % 37} talks{i % 11} geneva{i % 5}" for i in range(200))
    code = (
        "import sys; from monitor.judge.dedupe import sketch; "
        "print(','.join(map(str, sketch(sys.stdin.read()))))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            input=text,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert outs == {",".join(map(str, sketch(text)))}
    assert len(sketch(text)) == 64
