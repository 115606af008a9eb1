"""Word stems for comparing a question with the chart: each content word's first five letters, stop words and
words any question may use left out."""

from __future__ import annotations

import re

TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with about as is are was were be been being am do does did
    have has had having you your yours i me my we our it its this that these those there here what which who whom
    whose when where why how any anything some can could would should will shall may might must tell describe
    please any other else more much many ever feel feeling doctor patient today also just like so very""".split()
)
# Word stems (see ``stem``) any question may use; they say nothing of what is asked about.
GENERIC_ASKED = frozenset({"chang", "probl", "issue", "recen", "troub", "sympt", "anywh", "somet", "latel"})


def stem(token: str) -> str:
    """A word's stem: its first five letters ('vomiting', 'vomited' -> 'vomit')."""
    return token[:5]


def content_stems(text: str) -> set[str]:
    """The stems of a text's words, stop words and one-letter words left out."""
    return {stem(token) for token in TOKEN.findall(text.lower()) if token not in STOPWORDS and len(token) > 1}
