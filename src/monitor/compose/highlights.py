"""The day's highlights, across stories: the most mentioned names, key phrases (YAKE) and
what officials said (attributed quotations) — each verbatim from the articles."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from monitor.compose import phrases, sentences
from monitor.compose.model import Quote, Story
from monitor.compose.phrases import NAME_WORD
from monitor.models import StoredArticle
from monitor.text import STOPWORDS, background, stem, words

_NAME_RUN = re.compile(rf"(?<![\w’'-]){NAME_WORD}(?:[^\S\n]+{NAME_WORD})*")


# Function words that open a sentence before a name ("Both Russia and ..."); "New" and
# "First" start names ("New York", "First Lady").
_NOT_FIRST = phrases.FUNCTION_WORDS - {"new", "first"}


_TITLE_ENDS = frozenset({"State", "General"})


@lru_cache(maxsize=50_000)
def _common_word(lower: str) -> bool:
    """Whether news writes a word more often in lower case than capitalised (the background
    table of general news: "negotiators", "high", "meeting"); a word it does not know counts
    as a name."""
    df = background().df
    key = stem(lower)
    return df.get("=" + key, 0) * 2 < df.get(key, 0)


def _name_parts(run: str, title_case: bool) -> list[str]:
    """The names in a run of capitalised words: cut at titles and other words that are not
    names ("Russian President Vladimir Putin" -> "Russian", "Vladimir Putin"), at a function
    word that opens a sentence ("Both Russia and ..."), and at a common word capitalised
    because it opens a sentence or stands in a headline ("Negotiations will continue",
    "Russia Hold New Round": see _common_word). A common word that opens a longer run is
    kept: names begin with them ("New York", "White House")."""
    out: list[str] = []
    part: list[str] = []

    def close() -> None:
        name = " ".join(part)
        if len(name) > 2 and name.lower() not in phrases.FUNCTION_WORDS:  # not "New" alone
            out.append(name)
        part.clear()

    run_words = run.split()
    for i, word in enumerate(run_words):
        w = phrases.plain(word)
        lower = w.lower()
        doubtful = title_case or i == 0
        if (
            w in phrases.NOT_NAMES
            # the end of a title before a name: "Secretary of State Marco Rubio", "NATO
            # Secretary General Mark Rutte" (not "Islamic State", "General Assembly")
            or (not part and len(run_words) - i > 2 and w in _TITLE_ENDS)
            or (doubtful and re.split("[’']", lower)[0] in _NOT_FIRST)  # Both, He’d
            or ((title_case or len(run_words) == 1) and _common_word(lower))
        ):
            close()
            continue
        part.append(w)
        if w != word:  # a possessive ends the name
            close()
    close()
    return out


def _merged_forms(counts: Counter[str]) -> dict[str, str]:
    """Each name mapped to the form shown for it (itself when it has no other form):

    - spellings of one name to the most used ("Zelenskiy", "Zelenskyy" -> "Zelensky": see
      phrases.spelling);
    - a name that ends fuller ones to the fullest ("Trump" -> "Donald Trump"), when those
      are one name written more or less fully ("Johnson" stays apart from "Boris Johnson"
      and "Mike Johnson"; "Korea" from "North Korea");
    - a place's adjective or plural to the place ("Russians" -> "Russia": phrases.place_of).
    """
    spelt: dict[str, list[str]] = {}
    for name in counts:
        spelt.setdefault(phrases.spelling(name), []).append(name)
    shown = {key: max(forms, key=lambda n: (counts[n], n)) for key, forms in spelt.items()}
    fuller: dict[str, list[str]] = {}
    for key in spelt:
        ws = key.split()
        if ws[0] in phrases.REGIONS:  # "Eastern Ukraine" is not a fuller "Ukraine"
            continue
        for k in range(1, len(ws)):
            if (tail := " ".join(ws[k:])) in spelt:
                fuller.setdefault(tail, []).append(key)
    target: dict[str, str] = {}
    for short, longer in fuller.items():
        fullest = max(longer, key=lambda n: (len(n.split()), n))
        if all(fullest.endswith(" " + n) or n == fullest for n in longer):
            target[short] = fullest
    places = {shown[k]: k for k in spelt if " " not in k}
    for key in places.values():
        if key not in target and (place := phrases.place_of(shown[key], places)):
            target[key] = target.get(places[place], places[place])
    return {n: shown[target.get(key, key)] for key, forms in spelt.items() for n in forms}


def names(texts: list[str]) -> Counter[str]:
    """Capitalised names, counted once per text that mentions them in any of their forms
    (Russia, Russian and Russians count once, as "Russia"). Each text is a title, a line
    break and the running text."""
    parts: dict[tuple[str, bool], list[str]] = {}  # the same runs recur: "Russia", "The"
    per_text: list[set[str]] = []
    for t in texts:
        title, _, body = t.partition("\n")
        found: set[str] = set()
        for text, title_case in ((title, True), (body, False)):
            for run in _NAME_RUN.findall(text):
                if (got := parts.get((run, title_case))) is None:
                    got = parts[run, title_case] = _name_parts(run, title_case)
                found.update(got)
        per_text.append(found)
    raw: Counter[str] = Counter(n for found in per_text for n in found)
    forms = _merged_forms(raw)
    counts: Counter[str] = Counter()
    for found in per_text:
        counts.update({forms[n] for n in found})
    return counts


def ranked_counts(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most common first, ties by name: Counter.most_common breaks ties by insertion order,
    which follows set iteration and so changes from one process to the next."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def is_topic_word(word: str, topic_words: set[str]) -> bool:
    w = word.lower()
    return any(w.startswith(t) for t in topic_words)


KEYWORD_ARTICLES = 30  # the top stories' articles read for key phrases (YAKE: ~80 µs a word)
KEYWORD_WORDS = 50  # words of each article's opening read
STALE_SHARE = 0.5  # a word in more than this share of the earlier digests is not news
STALE_MIN = 3  # ... and in at least this many (the first digests of a topic keep theirs)
# A one-word keyword in lower case used by more than this share of general news is too
# general to tell the day apart ("war" 7 %, "security" 8 %; "ceasefire" 0.6 %, "round" 1.8 %).
GENERIC_SHARE = 0.02


def _news_share(word: str) -> float:
    """The share of general news articles that use a word (the background table)."""
    table = background()
    return table.df.get(stem(word), 0) / max(1, table.documents)


def stale_words(earlier: Sequence[str]) -> frozenset[str]:
    """The stems of the words used by most of the earlier digests (more than half of them,
    and at least three): a keyword made only of those tells a reader nothing new."""
    seen: Counter[str] = Counter()
    for text in earlier:
        seen.update({stem(w) for w in words(text) if len(w) > 1 and w not in STOPWORDS})
    floor = max(STALE_MIN, int(len(earlier) * STALE_SHARE) + 1)
    return frozenset(w for w, c in seen.items() if c >= floor)


def keywords(
    stories: list[list[StoredArticle]],
    names: Counter[str],
    topic_words: set[str],
    stale: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """Key phrases of the day's coverage (YAKE), as written in the articles; the most
    mentioned names when YAKE finds too few.

    YAKE scores 1–3-word phrases by statistics of the text itself (casing, position,
    frequency, spread over sentences), so each keyword is a phrase of the articles, never a
    paraphrase. It reads the titles and openings of the top stories' articles, in story
    order. A phrase is kept when it is a whole name or noun phrase (a name YAKE cut is
    completed from the running text, see phrases.completed and phrases.is_noun_phrase), at
    least two articles use it, it is not made only of the topic query's words (every
    article has those) or of `stale` words (see stale_words), and, when it is one word in
    lower case, that word is not one of all news (GENERIC_SHARE). One entry per name: a
    place's adjective shows as the place ("Russian" -> "Russia"), and of a name and a fuller
    form of it the fuller is kept ("President Donald Trump", not "Trump").
    """
    import yake

    texts: list[str] = []
    openings: list[str] = []
    for members in stories:
        for a in members:
            if len(texts) >= KEYWORD_ARTICLES:
                break
            opening = " ".join(a.text.split()[:KEYWORD_WORDS])
            texts.append(f"{a.title.rstrip('.')}.\n{opening}")
            openings.append(opening)
    out: list[str] = []
    taken: list[set[str]] = []
    lowered = [t.lower() for t in texts]
    lowered_openings = [o.lower() for o in openings]
    places = {n for n in names if " " not in n}

    def keep(phrase: str) -> None:
        phrase = phrases.completed(phrase, openings)
        if " " not in phrase:
            phrase = phrases.place_of(phrase, places) or phrase
        ws = words(phrase)
        # Whole content words only ("anniversary of Russia" and "Russia ’s" are not kept),
        # not only the topic's own words, and said by at least two of the articles.
        if not ws or any(len(w) < 2 or w in STOPWORDS for w in ws):
            return
        if not phrases.is_noun_phrase(phrase):
            return
        if all(is_topic_word(w, topic_words) or w.isdigit() for w in ws):
            return
        if all(is_topic_word(w, topic_words) or stem(w) in stale for w in ws):
            return
        if len(ws) == 1 and phrase.islower() and _news_share(ws[0]) > GENERIC_SHARE:
            return
        # A capitalised common word that is not one of the day's names is a headline's
        # ("Meeting" from "… United States-Ukraine Meeting").
        if len(ws) == 1 and phrase.istitle() and phrase not in names and _common_word(ws[0]):
            return
        if sum(1 for t in lowered if phrase.lower() in t) < 2:
            return
        # Headlines clip grammar ("Russia Hold New Round…"): a longer phrase must also be
        # found in running text.
        if len(ws) > 1 and not any(phrase.lower() in o for o in lowered_openings):
            return
        key = set(ws)
        if any(key <= t for t in taken):
            return
        # A name by its capitals: in running text, where headline title case does not count.
        is_name = all(p[:1].isupper() for p in phrase.split()) and any(
            phrase in o for o in openings
        )
        for i, t in enumerate(taken):
            # The fuller name takes the shorter one's place, and so does a name with more of
            # its description ("special envoy Steve Witkoff" over "envoy Steve Witkoff").
            fuller = is_name or (phrase.endswith(" " + out[i]) and out[i].split()[-1][:1].isupper())
            if t < key and fuller:
                taken[i], out[i] = key, phrase
                return
        taken.append(key)
        out.append(phrase)

    if texts:
        extractor = yake.KeywordExtractor(lan="en", n=3, dedupLim=0.7, top=40)
        for phrase, _score in extractor.extract_keywords("\n".join(texts)):
            if len(out) >= 10:
                break
            keep(" ".join(phrase.split()))
    for name, c in ranked_counts(names)[:20]:
        if c > 1 and len(out) < 10:
            keep(name)
    return tuple(out)


_SPEAKER_AFTER = re.compile(
    r"[”\"],?\s+(?:said|says|told \w+|added|wrote|warned|stated)\s+"
    r"((?:[a-z][\w’'-]*\s+){0,2}(?:[A-Z][\w.’'-]*\s*){1,5})"
)
# “…,” Umerov said / “…,” Kremlin spokesman Dmitry Peskov told reporters: the commonest form.
# The words before the verb must start and end with a capital (not “…,” he said).
_SPEAKER_INVERTED = re.compile(
    r"[”\"]\s+([A-Z][\w.’'-]*\s+(?:[\w.’'-]+\s+){0,4}?)"
    r"(?:said|says|told|added|wrote|warned|stated)\b"
)
_SPEAKER_BEFORE = re.compile(
    r"((?:[A-Z][\w.’'-]*\s+){1,5})(?:said|says|told \w+|added|wrote|warned|stated)[,:]?\s+[“\"]"
)
_NOT_SPEAKERS = {"He", "She", "They", "It", "We", "I", "The", "This", "That", "But", "And"}


def speaker_of(sentence: str) -> str:
    """The named speaker of a quoted sentence, verbatim, or "" when it names none."""
    for pattern in (_SPEAKER_AFTER, _SPEAKER_INVERTED, _SPEAKER_BEFORE):
        m = pattern.search(sentence)
        if m:
            name = m.group(1).strip().rstrip(".,")
            parts = name.split()
            if not parts or parts[0] in _NOT_SPEAKERS:
                continue
            if pattern is _SPEAKER_INVERTED and not parts[-1][:1].isupper():
                continue  # “…,” European leaders said: not a named speaker
            if any(c.isupper() for c in name):
                return name
    return ""


def quotes(stories: tuple[Story, ...], by_id: dict[int, StoredArticle]) -> tuple[Quote, ...]:
    """Up to three attributed quotes from the shown stories' articles, not already points."""
    used = {p.text for s in stories for p in s.points}
    by_url = {a.url: a for a in by_id.values()}
    out: list[Quote] = []
    for s in stories:  # at most one quote per story, three in all
        for art in s.articles[:5]:
            src = by_url.get(art.url)
            if src is None:
                continue
            found = next(
                (
                    (sent, who)
                    for sent in sentences.split_sentences(sentences.opening(src.text))[:20]
                    if sent not in used
                    # the quotation opens and closes within it: a sentence from the
                    # middle of a long quotation would be shown without its start
                    and (("“" in sent and "”" in sent) or sent.count('"') >= 2)
                    and 10 <= len(sent.split()) <= 60
                    and (who := speaker_of(sent))
                ),
                None,
            )
            if found:
                out.append(Quote(found[0], found[1], src.url, src.source, src.text_origin))
                break
        if len(out) >= 3:
            break
    return tuple(out)
