"""Reading the patient's chart: which section a value belongs to (from its keys), and a value's sentences
without the actor-note preambles, labels and bullets some datasets write around them."""

from __future__ import annotations

import re
from typing import Literal

Section = Literal[
    "demographics", "presenting", "primary", "symptom", "past", "family", "social", "medication", "allergy", "review"
]
_SECTION_OF_KEY: tuple[tuple[str, Section], ...] = (
    ("demograph", "demographics"),
    ("family", "family"),
    ("allerg", "allergy"),
    ("medication", "medication"),
    ("drug", "medication"),
    ("primary", "primary"),
    ("symptom", "symptom"),
    ("past", "past"),
    ("surg", "past"),
    ("social", "social"),
    ("review", "review"),
)
# A sentence ends at '.', '!' or '?' before a capital, but not after a title or 'St.' ('a trip to St. Lucia').
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\bSt\.)(?<!\bDr\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bvs\.)\s+(?=[A-Z(])")
_ACTOR_PREAMBLE = re.compile(
    r"^\s*(?:for (?:your role as (?:a |the )?patient(?: actor)?|the patient actor(?: portraying [^,:]*)?)|"
    r"as a patient actor)\s*[,:]?\s*"
    r"(?:(?:here's|here is) [^:]*:|you (?:should|need to) (?:be aware of|know)[^:]*:)?\s*",
    re.IGNORECASE,
)
_ACTOR_ROLE = re.compile(r"^\s*(?:for your role as|you are playing the role of)\s+", re.IGNORECASE)
_MARKDOWN_LABEL = re.compile(r"\*\*[^*]{1,80}\*\*\s*(?:\([^)]*\))?\s*:?")
_PLAIN_LABEL = re.compile(r"^[A-Z][A-Za-z /&-]{0,40}:\s+")
_BULLET = re.compile(r"(?:^|\s)(?:-\s+)+(?=\S)")


def section_of(path: tuple[str, ...]) -> Section:
    """The chart section a value's keys name ('Past_Medical_History' -> past); else the presenting history."""
    joined = " ".join(path).lower()
    return next((section for needle, section in _SECTION_OF_KEY if needle in joined), "presenting")


def _role_opening(match: re.Match[str]) -> str:
    """An actor note's 'For your role as' / 'You are playing the role of', said plainly."""
    return "As " if match.group(0).strip().lower().startswith("for") else "You are "


def chart_sentences(value: str) -> list[str]:
    """The sentences of one chart value, without an actor-note preamble ("For your role as a patient,
    here's what you need to know:"), labels ("**Symptoms**:", "Age:") or list bullets."""
    text = _ACTOR_PREAMBLE.sub("", value.strip())
    text = _MARKDOWN_LABEL.sub(" ", _ACTOR_ROLE.sub(_role_opening, text))
    sentences = (
        _PLAIN_LABEL.sub("", sentence.strip())
        for item in _BULLET.split(text)
        for sentence in _SENTENCE.split(item.strip())
    )
    return [sentence for sentence in sentences if sentence]
