"""Labels around the news, trimmed before sentences are chosen: datelines and wire credits
("GENEVA, Feb 17 (Reuters) - "), bylines, programme blurbs, headline tags ("Analysis-",
"LIVE:"). Only whole labels are cut from the start, so what is kept is still the source's
own words, verbatim.
"""

from __future__ import annotations

import re

# "WASHINGTON/GENEVA/DUBAI, Feb 17 (Reuters) - ", "KYIV, Ukraine (AP) — ", "(Reuters) -",
# "MOSCOW — ": a place in capitals with an agency in brackets, or with a long dash (a plain
# hyphen after a word in capitals is as often a parenthesis: "NATO - the alliance - said").
_PLACE = r"[A-Z][A-Z.'’/-]{2,}(?:[ /][A-Z][A-Z.'’/-]+)*(?:,\ [A-Z][a-z]+\.?(?:\ \d{1,2})?)?"
_AGENCY = r"\([A-Z][\w .&-]{1,30}\)"
_DATELINE = re.compile(
    rf"^(?:{_PLACE}\ {_AGENCY}\s*[-–—]+|{_PLACE}\s*[–—]+|{_AGENCY}\s*[-–—]+)\s+"
    r"(?=[\"“‘A-Z0-9])"
)
# A byline standing alone: "By Matt Spetalnick, Olivia Le Poidevin and Parisa Hafezi".
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|da|al|bin|le|la))*"
_BYLINE = re.compile(rf"^By\s+{_NAME}(?:\s*(?:,|,?\s+and)\s+{_NAME})*\.?$")
# "NPR's Steve Inskeep talks to Kori Schake of … about …": a programme's blurb, not news.
_BLURB = re.compile(
    r"^[A-Z][\w .&]*?['’]s\s+[A-Z][\w.'’-]+\s+[A-Z][\w.'’-]+\s+"
    r"(?:talks|speaks|chats|sits down)\s+(?:to|with)\s"
)
_PLAIN_BLURB = re.compile(
    r"^(?:listen|watch|subscribe|sign up|click|tap|read more|watch full video)\b", re.IGNORECASE
)
# Headline tags: "Analysis-US envoys…", "EXCLUSIVE-…", "LIVE: …", "Explainer | …".
_TAG = re.compile(
    r"^(?:analysis|exclusive|live|watch|explainer|factbox|opinion|breaking|update(?:\s+\d+)?|"
    r"live updates|video|podcast|fact check)\s*[-–—:|]\s*(?=\S)",
    re.IGNORECASE,
)


def sentence(text: str) -> str:
    """The sentence without a leading dateline or wire credit; "" for a byline or a blurb,
    which say nothing of the news."""
    if _BYLINE.match(text) or _BLURB.match(text) or _PLAIN_BLURB.match(text):
        return ""
    m = _DATELINE.match(text)
    return text[m.end() :] if m else text


def title(text: str) -> str:
    """A headline without its tag ("Analysis-", "LIVE:")."""
    m = _TAG.match(text)
    return text[m.end() :] if m else text


def title_case(text: str) -> bool:
    """Whether a headline Capitalises Most Of Its Words (sentence case reads better)."""
    ws = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text)[1:] if len(w) > 3]
    return len(ws) >= 3 and sum(w[0].isupper() for w in ws) / len(ws) > 0.7
