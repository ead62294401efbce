from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.cluster import ClusterItem, assign_stories, story_id_for

T0 = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)

# Titles and summaries from the 17-18 February 2026 feed captures.
GENEVA = [
    (
        "First day of Russia-Ukraine peace talks ends in Geneva",
        "Negotiations will continue on Wednesday, but expectations for a breakthrough on ending "
        "the war are low.",
    ),
    (
        "Ukraine, Russia hold peace talks in Geneva as Trump puts pressure on Kyiv",
        "Ukraine and Russia began a new round of U.S.-mediated peace talks in Geneva.",
    ),
    (
        "Russian and Ukrainian officials meet in Geneva for US-brokered talks after almost 4 years "
        "of war",
        "Russian and Ukrainian officials are meeting in Geneva for US-brokered talks.",
    ),
]
IRAN = [
    (
        "US and Iran reach 'guiding principles' in Geneva nuclear talks",
        "Iran's foreign minister says the nuclear talks with the United States made progress.",
    ),
    (
        "Iran says 'guiding principles' agreed with US at nuclear talks",
        "Iran's foreign minister Abbas Araghchi says the nuclear talks were constructive.",
    ),
]


def _items(pairs: list[tuple[str, str]], start: int) -> list[ClusterItem]:
    return [
        ClusterItem(start + i, t, s, T0 + timedelta(hours=i), seed=f"u{start + i}")
        for i, (t, s) in enumerate(pairs)
    ]


def test_same_event_joins_and_other_event_stays_apart() -> None:
    new = _items(GENEVA, 1) + _items(IRAN, 10)
    result = assign_stories([], new)
    geneva = {result[i] for i in (1, 2, 3)}
    iran = {result[i] for i in (10, 11)}
    assert len(geneva) == 1 and len(iran) == 1 and geneva != iran


def test_a_later_article_joins_an_existing_story() -> None:
    sid = story_id_for("u1")
    existing = [ClusterItem(i, t, s, T0, story_id=sid) for i, (t, s) in enumerate(GENEVA, 1)]
    later = [
        ClusterItem(
            99,
            "Second day of Ukraine-Russia peace talks in Geneva ends early",
            "Talks between Ukraine and Russia in Geneva ended after two hours.",
            T0 + timedelta(days=1),
            seed="u99",
        )
    ]
    assert assign_stories(existing, later) == {99: sid}
    # but not once the story has gone quiet for longer than the window
    stale = [ClusterItem(100, later[0].title, later[0].text, T0 + timedelta(days=10), seed="x")]
    assert assign_stories(existing, stale)[100] != sid


def test_assignment_is_deterministic_and_ids_stable() -> None:
    new = _items(GENEVA, 1) + _items(IRAN, 10)
    assert assign_stories([], new) == assign_stories([], list(reversed(new)))
    assert story_id_for("https://example.org/a") == story_id_for("https://example.org/a")


def test_large_batches_are_taken_in_time_order_and_still_join(monkeypatch: object) -> None:
    import monitor.cluster as C

    monkeypatch.setattr(C, "BATCH", 2)  # type: ignore[attr-defined]
    new = _items(GENEVA, 1) + _items(IRAN, 10)
    result = assign_stories([], new)
    assert len({result[i] for i in (1, 2, 3)}) == 1  # the third Geneva report, in a later
    assert len({result[i] for i in (10, 11)}) == 1  # batch, joins the story of the first two
    assert {result[i] for i in (1, 2, 3)} != {result[i] for i in (10, 11)}
