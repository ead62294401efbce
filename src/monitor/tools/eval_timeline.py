"""`monitor eval timeline`: one evolving story, day by day, against a dated timeline.

DIR/articles.jsonl holds the story's articles, `{id, date, title, text, url?}` a line (dates
YYYY-MM-DD; titles may be empty; a text may hold one paragraph or one sentence a line);
DIR/timeline.jsonl the reference, `{date, summary}` a line (two entries of one date are read
as one, in file order). Other keys are ignored. The topic query is not applied: the whole
file is the story.

Every date that has articles, up to the last reference date, is built as a digest of its
own, oldest first: the story's points that day are the ones `compose.digest.story_points`
(what the digest's sections print) chooses from that day's articles, with every point of the
previous NOVELTY_DIGESTS days as the recent digests' points (a digest is built every day) and
every earlier point as the story's own history. Dates without a reference are built too:
their articles are that day's reports, and what a digest printed from them is what later
days must not repeat. Only reference dates are scored; one without articles scores 0.

A date's points, joined in digest order and cut to the reference's word count, are scored
with ROUGE-1/2 F (rouge-score, stemmed) beside a lead baseline: the first sentence of each
of the day's articles, in file order, joined and cut the same way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.config import Settings
from monitor.errors import EvalDataError
from monitor.models import StoredArticle
from monitor.tools.evaluate import eval_library, jsonl_rows, mean, rouge_at_length

ARTICLES, TIMELINE = "articles.jsonl", "timeline.jsonl"
STORY = "timeline"  # the one story every article belongs to
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text(where: str, row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        raise EvalDataError(f"{where}: no {key!r}")
    if not isinstance(value, str):
        raise EvalDataError(f"{where}: {key!r} is not a string")
    return value


def _date(where: str, row: dict[str, Any]) -> date:
    value = _text(where, row, "date")
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise EvalDataError(f"{where}: date {value!r} is not a date written YYYY-MM-DD")


def read_articles(path: Path) -> list[StoredArticle]:
    """The articles as the store would hold them, in file order (their ids)."""
    out = []
    for k, (n, row) in enumerate(jsonl_rows(path), 1):
        where = f"{path}:{n}"
        day = _date(where, row)
        text = _text(where, row, "text")
        title = row.get("title") or ""
        if not isinstance(title, str):
            raise EvalDataError(f"{where}: 'title' is not a string")
        url = row.get("url") or f"timeline:{row.get('id', k)}"
        if not isinstance(url, str):
            raise EvalDataError(f"{where}: 'url' is not a string")
        out.append(
            StoredArticle(
                id=k,
                canonical_url=url,
                url=url,
                title=title,
                source=STORY,
                feed_id=0,
                published=datetime(day.year, day.month, day.day, tzinfo=UTC),
                window_date=day,
                text=text,
                text_origin="page",
                content_hash="",
                sketch="",
                duplicate_of=None,
                story_id=STORY,
            )
        )
    return out


def read_timeline(path: Path) -> dict[date, str]:
    """Reference date -> summary, oldest first."""
    entries: dict[date, list[str]] = defaultdict(list)
    for n, row in jsonl_rows(path):
        where = f"{path}:{n}"
        day = _date(where, row)
        entries[day].append(_text(where, row, "summary"))
    if not entries:
        raise EvalDataError(f"{path}: no reference entries")
    return {day: " ".join(entries[day]) for day in sorted(entries)}


def story_timeline(
    articles: list[StoredArticle], until: date, settings: Settings
) -> dict[date, tuple[str, ...]]:
    """The points the digest of each date with articles (up to `until`) prints for the story,
    oldest first, each day's novelty judged against the days before."""
    from monitor.compose.digest import story_points
    from monitor.compose.inputs import NOVELTY_DIGESTS

    by_day: dict[date, list[StoredArticle]] = defaultdict(list)
    for a in articles:
        by_day[a.window_date].append(a)
    printed: dict[date, tuple[str, ...]] = {}
    for day in sorted(d for d in by_day if d <= until):
        window_start = day - timedelta(days=NOVELTY_DIGESTS)
        recent = [p for d, points in printed.items() if d >= window_start for p in points]
        earlier = [p for points in printed.values() for p in points]
        points = story_points(by_day[day], settings, recent, earlier, day.year)
        printed[day] = tuple(p.text for p in points)
    return printed


def lead(articles: list[StoredArticle]) -> str:
    """The first sentence of each article, in order."""
    from monitor.compose.sentences import split_sentences

    firsts = (split_sentences(a.text) for a in articles)
    return " ".join(sentences[0] for sentences in firsts if sentences)


def eval_timeline(folder: Path, settings: Settings) -> dict[str, Any]:
    rouge_scorer = eval_library("rouge_score.rouge_scorer")
    articles = read_articles(folder / ARTICLES)
    references = read_timeline(folder / TIMELINE)
    printed = story_timeline(articles, max(references), settings)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    per_date: list[dict[str, Any]] = []
    for day, reference in references.items():
        of_day = [a for a in articles if a.window_date == day]
        points = printed.get(day, ())
        ours = rouge_at_length(scorer, reference, " ".join(points))
        base = rouge_at_length(scorer, reference, lead(of_day))
        per_date.append(
            {
                "date": day.isoformat(),
                "articles": len(of_day),
                "reference_words": len(reference.split()),
                "points": list(points),
                "rouge1": ours["rouge1"],
                "rouge2": ours["rouge2"],
                "lead_rouge1": base["rouge1"],
                "lead_rouge2": base["rouge2"],
            }
        )
    return {
        "dates": len(per_date),
        "days_built": len(printed),
        "articles": len(articles),
        **{
            key: mean(d[key] for d in per_date)
            for key in ("rouge1", "rouge2", "lead_rouge1", "lead_rouge2")
        },
        "per_date": per_date,
    }
