"""Choosing a story's key sentences (sumy stays inside this module).

Sentences are cut from the stored text by rules (no downloaded model), so every point is a
verbatim substring of its article. sumy's LexRank ranks them; its cost is quadratic in
sentences, so each story's candidates are bounded. Points already published for the story
in earlier digests are skipped (novelty).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from monitor.compose import clean, salience
from monitor.compose.sentences import OPENING_CHARS, opening, split_sentences
from monitor.text import STOPWORDS, words

MAX_CANDIDATES = 60  # bounds LexRank's quadratic cost per story
SENTENCES_PER_ARTICLE = 12  # news puts the news first
MIN_WORDS, MAX_WORDS = 8, 70
SAME_POINT = 0.6  # word-set Jaccard at which two sentences say the same thing
LEX_MIX = 0.3  # centrality's share of a sentence's score; its position's is the rest

_BOILERPLATE = re.compile(
    r"(sign up|newsletter|subscribe|cookie|all rights reserved|click here|read more|"
    r"follow us|copyright|\bphoto\b:|getty images|terms of use|privacy policy|"
    r"this story has been|this article was|contributed to this report|live updates)",
    re.IGNORECASE,
)
# Words that make a phrase read as a fragment when it starts or ends with them.
_EDGE_WORDS = frozenset(
    "unless although though nearly almost despite toward towards among within without across "
    "whether both either neither another every whose while since than says said told asked "
    "is are was were be been being has have had will would could should may might can".split()
)


@dataclass(frozen=True)
class SourceText:
    article_id: int
    text: str
    from_feed: bool = False  # the feed's own summary or content, not the page's text


@dataclass(frozen=True)
class Sentence:
    article_id: int
    text: str  # verbatim slice of the article's text
    position: int  # index of the sentence in its article


@dataclass(frozen=True)
class Pick:
    sentence: Sentence
    lead: str  # verbatim slice of the sentence
    score: float


def preload() -> None:
    """Import what summarising needs (sumy pulls in NLTK: about 2 s cold)."""
    import sumy.summarizers.lex_rank  # noqa: F401


def _usable(s: str, last: bool = False, caseless: bool = False, unstopped: bool = False) -> bool:
    """A sentence a point can quote: a statement of MIN_WORDS to MAX_WORDS words, not
    boilerplate, ending in a full stop (or a quotation's close), starting with a capital.

    `last`: it ends a feed's text. Many feeds end a one-sentence summary without
    a full stop (AP's via ABC News, The Economist, BBC): taken as a sentence when its last
    word is a known word, for a feed that cuts its summaries at a fixed length cuts words
    too ("…but the cause remai").

    `caseless`, `unstopped`: the text has no capitals, or no full stops, at all (a corpus
    lower-cased, or given one sentence per line without punctuation): then neither can
    mark where a sentence starts or ends, and each line stands for a sentence."""
    n = len(s.split())
    if n < MIN_WORDS or n > MAX_WORDS or _BOILERPLATE.search(s):
        return False
    if s.endswith("?") or (
        s[-1] not in ".!\"”’'" and not ((last or unstopped) and _ends_unstopped(s))
    ):
        return False
    return caseless or s[0].isupper() or s[0] in "\"“‘'`"


_LAST_WORD = re.compile(r"[^\W\d_]{2,}$")  # letters only: "…in 2026" or "…T-72" are not taken


def _ends_unstopped(s: str) -> bool:
    from monitor.text import known_word

    tail = _LAST_WORD.search(s)
    return tail is not None and known_word(tail.group(0))


def candidates(sources: Sequence[SourceText]) -> list[Sentence]:
    """Usable sentences from the opening of each article, bounded per story."""
    used = sources[:MAX_CANDIDATES]
    # With many articles the round-robin takes only a few sentences from each: read less.
    quota = min(SENTENCES_PER_ARTICLE, -(-MAX_CANDIDATES // max(1, len(used))))
    limit = min(OPENING_CHARS, 600 + 400 * quota)
    per_article = []
    for src in used:
        head = opening(src.text, limit)
        # a feed's text whose last sentence is its end (a page's last line may be a credit)
        whole = src.from_feed and len(head.rstrip()) == len(src.text.rstrip())
        sentences = split_sentences(head)
        # Datelines and credits are trimmed from a sentence's start (the rest is still the
        # article's words, verbatim); bylines and programme blurbs are dropped.
        cleaned = [clean.sentence(s) for s in sentences]
        caseless = not any(ch.isupper() for ch in head)
        unstopped = not any(ch in ".!?" for ch in head)
        per_article.append(
            [
                Sentence(src.article_id, s, i)
                for i, s in enumerate(cleaned)
                if s
                and _usable(
                    s,
                    last=whole and i == len(sentences) - 1,
                    caseless=caseless,
                    unstopped=unstopped,
                )
            ][:SENTENCES_PER_ARTICLE]
        )
    out: list[Sentence] = []
    # round-robin so that one long article cannot crowd out the others
    depth = 0
    while len(out) < MAX_CANDIDATES and any(depth < len(a) for a in per_article):
        for a in per_article:
            if depth < len(a) and len(out) < MAX_CANDIDATES:
                out.append(a[depth])
        depth += 1
    return out


class _Tokenizer:
    """The tokenizer interface sumy expects, without NLTK's downloadable data."""

    language = "english"

    def to_sentences(self, paragraph: str) -> list[str]:
        return list(split_sentences(paragraph))

    def to_words(self, sentence: str) -> list[str]:
        return [w for w in words(sentence) if not w.isdigit()]


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """sumy's English (Snowball) stemmer, remembering each word's stem: a story's sentences
    share most of their words, and stemming was a fifth of LexRank's time."""
    from sumy.nlp.stemmers import Stemmer

    stem = Stemmer("english")
    return lru_cache(maxsize=100_000)(stem)


@lru_cache(maxsize=1)
def _ranked_class() -> Any:
    """sumy's LexRank, returning every sentence's score, with its two quadratic pure-Python
    steps (document frequencies, the idf-modified cosine matrix) computed with numpy: the
    same formulas and threshold, checked against sumy's own in the tests."""
    from collections import Counter

    import numpy as np
    from sumy.summarizers.lex_rank import LexRankSummarizer

    class Ranked(LexRankSummarizer):  # type: ignore[misc]
        @staticmethod
        def _get_best_sentences(
            sents: Any, count: Any, rating: Any, *args: Any, **kwargs: Any
        ) -> Any:
            return [rating[s] for s in sents]

        @staticmethod
        def _compute_idf(sentences: list[list[str]]) -> dict[str, float]:
            df = Counter(t for s in sentences for t in set(s))
            n = len(sentences)
            return {t: math.log(n / (1 + c)) for t, c in df.items()}

        def _create_matrix(
            self,
            sentences: list[list[str]],
            threshold: float,
            tf_metrics: list[dict[str, float]],
            idf_metrics: dict[str, float],
        ) -> Any:
            vocab = {t: i for i, t in enumerate(idf_metrics)}
            w = np.zeros((len(sentences), max(1, len(vocab))))
            for row, tf in enumerate(tf_metrics):
                for t, v in tf.items():
                    w[row, vocab[t]] = v * idf_metrics[t]
            norms = np.sqrt((w * w).sum(axis=1))
            with np.errstate(divide="ignore", invalid="ignore"):
                cos = (w @ w.T) / np.outer(norms, norms)
            cos[~np.isfinite(cos)] = 0.0  # a sentence of stop words only: sumy's 0.0
            matrix = (cos > threshold).astype(float)
            degrees = matrix.sum(axis=1)
            degrees[degrees == 0] = 1
            return matrix / degrees[:, None]

    return Ranked


def _rank(sentences: list[Sentence]) -> list[float]:
    """LexRank centrality of each sentence (sumy), in input order."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence
    from sumy.utils import get_stop_words

    if len(sentences) == 1:
        return [1.0]
    tok = _Tokenizer()
    sumy_sents = [SumySentence(s.text, tok) for s in sentences]
    doc = ObjectDocumentModel([Paragraph(sumy_sents)])

    import numpy

    summarizer = _ranked_class()(_stemmer())
    summarizer.stop_words = get_stop_words("english")
    # A story whose sentences share no words gives a zero matrix: sumy divides by zero.
    with numpy.errstate(all="ignore"):
        scores = summarizer(doc, len(sumy_sents))
    return [float(x) if math.isfinite(float(x)) else 0.0 for x in scores]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w not in STOPWORDS)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def lead_phrase(sentence: str, weights: Counter[str]) -> str:
    """A key phrase of 2-5 words taken verbatim from the sentence."""
    best: tuple[float, int, str] | None = None
    for m in re.finditer(r"[^,;:()\"“”‘’—–?!]+", sentence):
        segment = m.group(0)
        toks = list(re.finditer(r"[\w'’.-]+", segment))
        for i in range(len(toks)):
            for j in range(i + 1, min(i + 5, len(toks))):
                first, last = toks[i].group(0), toks[j].group(0)
                fl, ll = first.lower().strip(".'’"), last.lower().strip(".'’")
                if (
                    fl in STOPWORDS
                    or ll in STOPWORDS
                    or fl in _EDGE_WORDS
                    or ll in _EDGE_WORDS
                    or not fl[:1].isalnum()
                ):
                    continue
                span = segment[toks[i].start() : toks[j].end()].rstrip(".")
                raw = sum(weights.get(w, 0) for w in words(span) if w not in STOPWORDS)
                # names make the best handles: "Steve Witkoff and Jared Kushner"
                capital = 1.2 if first[:1].isupper() and m.start() + toks[i].start() > 0 else 1.0
                score = capital * raw / (1 + 0.15 * (j - i))
                key = (score, -(m.start() + toks[i].start()), span)
                if best is None or key[:2] > best[:2]:
                    best = key
    phrase = best[2] if best and best[0] > 0 else " ".join(sentence.split()[:4]).rstrip(",.;:")
    # The words are the sentence's own; only the first letter is raised, as a heading.
    return phrase[:1].upper() + phrase[1:]


_INFO_NUMBER = re.compile(r"\d[\d,.]*")
_INFO_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+")
_INFO_QUOTE = re.compile(r"[“\"]([^”\"]{8,})[”\"]")


def information(sentence: str) -> set[str]:
    """What a sentence can add to a story: numbers, names and places, quoted words."""
    found = {"#" + n.rstrip(".,") for n in _INFO_NUMBER.findall(sentence)}
    found |= {"@" + n.lower() for n in _INFO_NAME.findall(sentence)}
    found |= {'"' + " ".join(words(q)) for q in _INFO_QUOTE.findall(sentence)}
    return found


def summarize_story(
    sources: Sequence[SourceText],
    count: int,
    published: Iterable[str] = (),
    history: Iterable[str] = (),
) -> list[Pick]:
    """Up to `count` novel, distinct key sentences of a story, best first.

    `published`: points of recent digests, never repeated (nor anything close to them).
    `history`: the story's own earlier points; when there are some, a sentence must add a
    number, a name or a quote they do not have.
    """
    known_info: set[str] = set()
    for text in history:
        known_info |= information(text)
    has_history = bool(known_info)
    cands = candidates(sources)
    if not cands:
        return []
    # Centrality says what the story's reports agree on; within one report it only says
    # what is typical of that report, and its place in it says more (news is written top
    # down): a one-report story is scored by place and cues alone.
    several = len({s.article_id for s in cands}) > 1
    mix = LEX_MIX if several else 0.0
    central = _rank(cands) if several else [0.0] * len(cands)
    top = max(central) or 1.0
    # Sources come oldest first: the story's newer reports weigh a little more.
    age = {src.article_id: rank for rank, src in enumerate(sources[:MAX_CANDIDATES])}
    scores = [
        (mix * c / top + (1 - mix) * salience.position_weight(s.position))
        * salience.cue_weight(s.text)
        * salience.newness_weight(age.get(s.article_id, 0), len(age))
        for c, s in zip(central, cands, strict=True)
    ]
    order = sorted(range(len(cands)), key=lambda i: (-round(scores[i], 9), cands[i].position, i))
    seen = [_wordset(p) for p in published]
    chosen: list[tuple[frozenset[str], frozenset[str]]] = []  # whole sentence, main clause
    weights: Counter[str] = Counter()
    for src in sources[:MAX_CANDIDATES]:
        weights.update(
            w for w in set(words(opening(src.text))) if w not in STOPWORDS and len(w) > 2
        )
    picks: list[Pick] = []
    per_article: Counter[int] = Counter()
    for i in order:
        s = cands[i]
        ws = _wordset(s.text)
        if any(_jaccard(ws, other) >= SAME_POINT for other in seen):
            continue
        if has_history and not information(s.text) - known_info:
            continue
        if per_article[s.article_id] >= 2 and len(sources) > 1:
            continue
        content = salience.content_words(s.text)
        main = salience.content_words(salience.main_clause(s.text))
        if any(
            salience.same_fact(content, whole) or salience.same_fact(main, clause)
            for whole, clause in chosen
        ):
            continue  # one fact, one bullet
        chosen.append((content, main))
        seen.append(ws)
        per_article[s.article_id] += 1
        picks.append(Pick(s, lead_phrase(s.text, weights), scores[i]))
        if len(picks) >= count:
            break
    return picks
