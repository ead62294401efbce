"""Leads and order of a story's bullets: facets where the classifier is sure, whole noun
phrases of the sentence otherwise, never twice in a story, in the facets' order."""

from __future__ import annotations

from collections import Counter

from monitor.compose.facets import CONFIDENT, FACETS, ORDER, classify
from monitor.compose.leads import arrange, noun_phrase, noun_phrases

from .leads_check import ENDINGS, check_points, lead_words

STATEMENTS = [
    "“We will not give up our land,” Ukrainian President Volodymyr Zelensky said on Tuesday.",
    "“The talks were difficult but businesslike,” Rustem Umerov told reporters in Geneva.",
    "“Moscow's position has not changed,” Kremlin spokesman Dmitry Peskov told reporters.",
]


def test_bullets_sharing_a_facet_get_distinct_leads() -> None:
    facets = [classify(s, 2026) for s in STATEMENTS]
    assert all(f == "What was said" and p >= CONFIDENT for f, p in facets)
    led = arrange(STATEMENTS, Counter({"zelensky": 3, "umerov": 2, "peskov": 2}), 2026)
    assert [x.index for x in led] == [0, 1, 2]  # one facet: the summariser's order kept
    assert led[0].lead == "What was said"  # the first takes the facet ...
    others = [x.lead for x in led[1:]]
    assert len(set(others)) == 2 and "What was said" not in others
    for x, lead in zip(led[1:], others, strict=True):  # ... the others a phrase of their own
        sentence = STATEMENTS[x.index]
        assert (
            lead[1:] in sentence
            and lead[0].lower() == sentence[sentence.index(lead[1:]) - 1].lower()
        )
    check_points({"lead": x.lead, "facet": x.facet, "text": STATEMENTS[x.index]} for x in led)


def test_bullets_follow_the_facets_order_and_keep_their_rank_within_one() -> None:
    ranked = [
        "The war has killed tens of thousands of people since it began in February 2022.",
        "Negotiations will continue on Wednesday, but expectations for a breakthrough are low.",
        "Both sides agreed the consultations were highly productive.",
        "Russian drones struck power plants in Kharkiv overnight, leaving thousands without heat.",
        "The delegations agreed on a framework for a ceasefire along the front line.",
        "“We are ready to talk,” the Kremlin spokesman said.",
    ]
    led = arrange(ranked, Counter(), 2026)
    assert sorted(x.index for x in led) == list(range(len(ranked)))  # every sentence, once
    keys = [(ORDER[x.facet], x.index) for x in led]
    assert keys == sorted(keys)
    assert {x.facet for x in led} <= set(FACETS)
    check_points({"lead": x.lead, "facet": x.facet, "text": ranked[x.index]} for x in led)


def test_noun_phrases_are_whole_phrases_of_the_sentence() -> None:
    """The fragments leads used to be ("Four-year-old war pitting Kyiv", "Sides described
    previous U.S.-mediated negotiations") cannot be cut: a phrase ends on a noun."""
    for sentence, expected in (
        (
            "Ukrainian President Volodymyr Zelenskiy said US President Donald Trump was "
            "exerting undue pressure on him in trying to secure a resolution to the nearly "
            "four-year-old war pitting Kyiv against Moscow.",
            {"Ukrainian President Volodymyr Zelenskiy", "US President Donald Trump"},
        ),
        (
            "Both sides described previous U.S.-mediated negotiations as productive, although "
            "they did not appear to address sticking points like territory and security "
            "guarantees.",
            {"previous U.S.-mediated negotiations", "territory and security guarantees"},
        ),
        (
            "Final decisions under this framework will be made by the Presidents of Ukraine "
            "and the United States.",
            {"Final decisions", "this framework"},
        ),
        (
            "Both sides reiterated their readiness to secure a peace that ensures Ukraine’s "
            "security, stability, and reconstruction.",
            {"Both sides", "a peace", "Ukraine’s security"},
        ),
        (
            "NPR's Steve Inskeep talks to Kori Schake of the American Enterprise Institute.",
            {"NPR's Steve Inskeep", "Kori Schake of the American Enterprise Institute"},
        ),
        (
            "Some spectators find they’re as much fun to watch as the athletes.",
            {"Some spectators", "the athletes"},
        ),
        (
            "They reaffirmed that any future agreement must fully uphold Ukraine’s sovereignty.",
            {"any future agreement", "Ukraine’s sovereignty"},
        ),
        (  # Washington Post (World) feed, 17 Feb 2026: "signal" is the verb here
            "High casualties and economic trouble signal time is no longer on Russia’s side, "
            "but Moscow isn’t backing off political and territorial demands to weaken Ukraine.",
            {"High casualties and economic trouble"},
        ),
    ):
        phrases = [sentence[a:b] for a, b in noun_phrases(sentence)]
        assert expected <= set(phrases), phrases
        for phrase in phrases:
            words = lead_words(phrase)
            assert words[-1].lower() not in ENDINGS and len(words) <= 7, phrase
            assert not phrase.endswith("the United"), phrase  # never inside a name
        lead = noun_phrase(sentence, Counter(), set())
        assert lead[1:] in sentence and lead[:1].isupper()


def test_a_taken_phrase_is_not_used_again() -> None:
    sentence = "Russian President Vladimir Putin met envoys of US President Donald Trump."
    first = noun_phrase(sentence, Counter(), set())
    second = noun_phrase(sentence, Counter(), {first.lower()})
    assert first and second and first != second


def test_digest_bullets_are_the_summariser_picks_verbatim_reordered() -> None:
    """Leads and order are decided after the selection: the sentences are the ones the
    summariser picked, unchanged, each quoted from the article it links to."""
    from monitor.compose import summarize
    from monitor.compose.digest import compose

    from .test_compose import INPUTS, SETTINGS

    story = compose(INPUTS, SETTINGS).stories[0]
    members = [a for a in INPUTS.articles if a.story_id == story.id and a.duplicate_of is None]
    picks = summarize.summarize_story(
        [summarize.SourceText(a.id, a.text) for a in members], SETTINGS.digest.points_per_story
    )
    assert sorted(p.text for p in story.points) == sorted(p.sentence.text for p in picks)
    texts = {a.url: a.text for a in members}
    assert all(p.text in texts[p.url] for p in story.points)
    check_points({"lead": p.lead, "facet": p.facet, "text": p.text} for p in story.points)


def test_a_noun_after_a_name_in_a_determiners_phrase_stays_a_noun() -> None:
    """'the Russia-Ukraine war at …' (Foreign Policy, 17 Feb 2026): 'war' was read as a verb
    after a name, and the lead ended on 'Russia-Ukraine'."""
    from monitor.compose.leads import noun_phrases

    s = (
        "Washington is trying to tackle Iran’s nuclear ambitions and the Russia-Ukraine war at "
        "the same time."
    )
    assert "Iran’s nuclear ambitions and the Russia-Ukraine war" in [
        s[a:b] for a, b in noun_phrases(s)
    ]
