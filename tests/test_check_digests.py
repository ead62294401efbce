"""benchmarks/check_digests.py flags what a reader would: repeats, bad leads, misquotes."""

from __future__ import annotations

from .leads_check import checker

A = "Witkoff and Kushner met Putin in the Kremlin on Tuesday for five hours of talks."
B = "Putin met Witkoff and Kushner for five hours in the Kremlin, the Kremlin said."
C = "Negotiations will continue on Wednesday, but expectations for a breakthrough are low."


def _point(lead: str, text: str, url: str = "https://a.example/1") -> dict[str, str]:
    return {"lead": lead, "text": text, "url": url, "facet": "Other"}


def test_repeats_misquotes_and_leads_are_found() -> None:
    check = checker().check
    texts = {"https://a.example/1": f"{A} {B} {C}"}
    digest = {
        "stories": [
            {
                "points": [
                    _point("Outcome", A),
                    _point("The Kremlin", B),
                    _point("The Kremlin", C),
                    _point("Hopes for", "Zelensky said Ukraine wanted security guarantees first."),
                ],
                "facts": [{"label": "When", "value": "on Tuesday", "sentence": A, "url": "x"}],
            }
        ]
    }
    r = check(digest, texts)
    assert r["repeat_pairs"] == [[A, B]]
    assert r["repeated_leads"] == ["the kremlin"]
    assert r["bad_leads"] == ["Hopes for"]
    assert r["points_not_verbatim"] == ["https://a.example/1"]
    assert r["facts_not_verbatim"] == [["When", "on Tuesday", "x"]]
    # what says different things passes
    clean = {"stories": [{"points": [_point("Outcome", A), _point("Next steps", C)]}]}
    r = check(clean, texts)
    assert not (r["repeat_pairs"] or r["repeated_leads"] or r["bad_leads"])
    assert not r["points_not_verbatim"]
