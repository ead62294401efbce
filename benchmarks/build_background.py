"""Build the background document frequencies the story clustering weighs words by.

    python benchmarks/build_background.py FEEDS_DIR AEB_GROUND_TRUTH.json \
        > src/monitor/data/background_df.json

FEEDS_DIR holds real news feed captures (the project's development data: `feeds/` of the
shared data set), AEB_GROUND_TRUTH.json the article bodies of the article-extraction
benchmark's dev half. Only the English-language news feeds named below are read. Every
article counts once (the same text in two feeds is one document); terms are the clustering's
own (`features.profile`), so rebuild after changing how it stems or marks names; terms found
in a single document are left out (they would weigh almost as much as unseen ones).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from monitor.errors import FeedError
from monitor.ingest.feeds import parse_feed
from monitor.judge.features import profile
from monitor.text import STEM_LENGTH

NEWS_FEEDS = (
    "404media_2026-02-17.rss.xml",
    "abc_au_topstories_2026-02-18.rss.xml",
    "abcnews_international_2026-02-17.rss.xml",
    "aljazeera_all_2026-02-18.rss.xml",
    "allafrica_latest_2026-02-17.rss.xml",
    "almonitor_2026-02-17.rss.xml",
    "bbc_world_2026-02-18.rss.xml",
    "boston_world_2026-02-16.rss.xml",
    "cbsnews_world_2026-02-17.rss.xml",
    "csmonitor_all_2026-02-17.rss.xml",
    "dawn_world_2026-02-18.rss.xml",
    "dw_all_2026-02-18.rdf.xml",
    "economist_asia_2026-02-17.rss.xml",
    "elpais_english_2026-02-18.rss.xml",
    "foreignpolicy_2026-02-17.rss.xml",
    "guardian_us_2018-01-31.rss.xml",
    "japantoday_world_2026-02-18.rss.xml",
    "mercopress_2026-02-18.rss.xml",
    "nbc_newyork.rss.xml",
    "ndtv_search_2026-02-18.rss.xml",
    "newyorker_news_2019.rss.xml",
    "npr_world_2026-02-17.rss.xml",
    "nyt_world_2026-02-18.rss.xml",
    "restofworld_2026-02-17.rss.xml",
    "theweek_2026-02-17.rss.xml",
    "time_world_2026-02-16.rss.xml",
    "washingtonpost_world_2026-02-18.rss.xml",
    "wsj_world_2025-01-27.rss.xml",
)
MIN_DF = 2


def main(feeds_dir: Path, ground_truth: Path) -> dict[str, object]:
    docs: dict[str, tuple[str, str]] = {}
    now = datetime(2026, 3, 1, tzinfo=UTC)
    for name in NEWS_FEEDS:
        try:
            feed = parse_feed((feeds_dir / name).read_bytes(), url="https://example.org/", now=now)
        except (OSError, FeedError) as exc:
            sys.exit(f"{name}: {exc}")
        for e in feed.entries:
            text = e.content or e.summary
            docs.setdefault(e.title + "\n" + text, (e.title, text))
    truth = json.loads(ground_truth.read_text(encoding="utf-8"))
    for page in truth.values():
        body = str(page.get("articleBody") or "")
        docs.setdefault("\n" + body, ("", body))
    df: Counter[str] = Counter()
    for title, text in docs.values():
        df.update(profile(title, text).terms.keys())
    return {
        "about": (
            "Document frequencies of the story clustering's terms in real English news: "
            f"{len(NEWS_FEEDS)} publishers' feed captures (most of 16-18 February 2026; "
            "test fixtures of kagisearch/fastfeedparser, rbren/rss-parser and feed-rs/feed-rs, "
            "MIT, texts (c) their publishers) and the article bodies of the "
            "article-extraction benchmark's dev half (scrapinghub/article-extraction-benchmark, "
            "MIT). Counts only; built by benchmarks/build_background.py."
        ),
        "documents": len(docs),
        "stem_length": STEM_LENGTH,
        "df": {t: c for t, c in sorted(df.items()) if c >= MIN_DF},
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    table = main(Path(sys.argv[1]), Path(sys.argv[2]))
    json.dump(table, sys.stdout, ensure_ascii=False, indent=0, sort_keys=False)
    sys.stdout.write("\n")
