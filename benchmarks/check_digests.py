"""Read built digests as a reader would check them: repeats, leads, and that every quoted
point and fact is in the stored text of the article it links to.

    python benchmarks/check_digests.py --config FOLDER/monitor.toml [DATE …] [--json]

FOLDER is one kept by `monitor demo --keep FOLDER` (or any configuration with digests built);
without dates every digest of the archive is read. Two bullets of one story repeat each other
when they share four or more content words (three letters or more, not stop words) that are
also half or more of the shorter bullet's. A lead other than a facet's name is bad when it
ends on a function word.
Exit 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from monitor.compose.facets import FACETS
from monitor.config import load_settings
from monitor.store import Store
from monitor.text import STOPWORDS, words

# Words a lead may not end on (articles, prepositions, conjunctions, pronouns, auxiliaries).
ENDINGS = frozenset(
    "a an the this that these those of in on at by for from to with about into over under "
    "after before since during against between through and or but nor so yet as than if "
    "while because although who which whose whom he she it they we you i is are was were be "
    "been being has have had do does did will would can could may might must shall should "
    "said says say told tells met meets".split()
)


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) >= 3 and w not in STOPWORDS}


def repeats(a: str, b: str) -> bool:
    wa, wb = content_words(a), content_words(b)
    shared = wa & wb
    return len(shared) >= 4 and len(shared) >= 0.5 * min(len(wa), len(wb))


def check(digest: dict[str, Any], texts: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stories": len(digest["stories"]),
        "points": 0,
        "pairs": 0,
        "repeat_pairs": [],
        "repeated_leads": [],
        "bad_leads": [],
        "points_not_verbatim": [],
        "facts": 0,
        "facts_not_verbatim": [],
    }
    for story in digest["stories"]:
        points = story["points"]
        out["points"] += len(points)
        for p, q in combinations(points, 2):
            out["pairs"] += 1
            if repeats(p["text"], q["text"]):
                out["repeat_pairs"].append([p["text"], q["text"]])
        leads = [p["lead"].lower() for p in points]
        out["repeated_leads"] += sorted({x for x in leads if leads.count(x) > 1})
        for p in points:
            last = p["lead"].split()[-1].strip(".,;:’'\"“”()").lower() if p["lead"] else ""
            if last in ENDINGS and p["lead"] not in FACETS:  # "What was said" is a facet
                out["bad_leads"].append(p["lead"])
            if p["text"] not in texts.get(p["url"], ""):
                out["points_not_verbatim"].append(p["url"])
        for f in story.get("facts", []):
            out["facts"] += 1
            if not (f["value"] in f["sentence"] and f["sentence"] in texts.get(f["url"], "")):
                out["facts_not_verbatim"].append([f["label"], f["value"], f["url"]])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("dates", nargs="*", type=date.fromisoformat)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings(args.config, cwd=args.config.parent)
    folder = settings.digest.directory
    paths = sorted(folder.glob("*/*/*.json"))
    if args.dates:
        wanted = {d.isoformat() for d in args.dates}
        paths = [p for p in paths if p.stem in wanted]
    results = {}
    with Store.open(settings.database) as store:
        for path in paths:
            digest = json.loads(path.read_text(encoding="utf-8"))
            day = date.fromisoformat(path.stem)
            # a story's points may quote articles of earlier windows (late reports)
            start = datetime.combine(day, datetime.min.time(), UTC)
            stored = store.articles_between(start - timedelta(days=60), start + timedelta(days=2))
            texts = {a.url: a.text for a in stored}
            results[path.stem] = check(digest, texts)
    failed = any(
        r["repeat_pairs"]
        or r["repeated_leads"]
        or r["bad_leads"]
        or r["points_not_verbatim"]
        or r["facts_not_verbatim"]
        for r in results.values()
    )
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    else:
        for day, r in results.items():
            print(
                f"{day}: {r['stories']} stories, {r['points']} points, {r['pairs']} pairs in a "
                f"story, {len(r['repeat_pairs'])} repeating; leads repeated "
                f"{len(r['repeated_leads'])}, ending on a function word {len(r['bad_leads'])}; "
                f"points not verbatim {len(r['points_not_verbatim'])}; facts {r['facts']}, "
                f"not verbatim {len(r['facts_not_verbatim'])}"
            )
            for a, b in r["repeat_pairs"]:
                print(f"   repeat: {a!r}\n           {b!r}")
            for lead in r["repeated_leads"] + r["bad_leads"]:
                print(f"   lead: {lead!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
