"""A chart fragment without a verb ('Chronic bronchitis.', 'Unremarkable.', 'Penicillin.') put in a sentence
fitting its chart section ('I have a family history of…', "I'm allergic to…", "I've had…"), by the first of an
ordered list of rules that applies."""

from __future__ import annotations

import re
from collections.abc import Callable

from agents.patient.chart import Section
from agents.patient.chart_words import DRUG_ENDINGS, FINITE, START_VERBS

_EPONYMS = frozenset(
    """crohn crohn's parkinson parkinson's alzheimer alzheimer's graves graves' hashimoto hashimoto's cushing
    cushing's addison addison's raynaud raynaud's down down's hodgkin hodgkin's wilson wilson's""".split()
)
# 'On lisinopril' opening a sentence or a clause: the patient is on a treatment.
ON_TREATMENT = re.compile(
    r"(^|;\s+|,\s+(?:and\s+|but\s+)?)[Oo]n (?=(?:[\w-]+ ){0,2}?(?:[a-z]+(?:" + "|".join(DRUG_ENDINGS) + r")\b|"
    r"(?:insulin|aspirin|warfarin|lithium|medications?|medicines?|treatment|therapy|antibiotics?|steroids?|"
    r"contraceptives?|birth control|chemotherapy|dialysis|supplements?|vitamins?|pills?|tablets?)\b))"
)
# Fragments that say how something stands ('Unremarkable.', 'Birth history unremarkable.').
_STATUS = (
    r"(?:unremarkable|insignificant|non-?contributory|normal|up[- ]to[- ]date|within normal limits)"
    r"(?=$|[,;(]| for\b| except\b| apart\b| other\b| with\b| on\b)"
)
_BARE_STATUS = re.compile(r"^" + _STATUS, re.IGNORECASE)
_STATUS_FIRST = re.compile(
    r"^(unremarkable|insignificant|non-?contributory|normal) ((?:[\w'-]+ ){0,3}history)$", re.IGNORECASE
)
_UP_TO_DATE_ON = re.compile(r"^up[- ]to[- ]date on\b", re.IGNORECASE)
_NOUN_STATUS = re.compile(r"^((?:[\w'-]+ ){0,3}?[\w'-]+) (?:is |are )?(" + _STATUS + r".*)$", re.IGNORECASE)
_STATUS_SUBJECT: dict[str | None, str] = {
    "past": "My medical history",
    "family": "My family history",
    "social": "My social history",
}
_CONTROLLED = re.compile(
    r"^(?:well|poorly|partially|fully|adequately|currently|previously) (?:controlled|managed|treated)\b",
    re.IGNORECASE,
)
# Singular things a patient has had one of ('Previous fall on the right hand', 'Episode of chest pain').
_COUNTED_START = re.compile(
    r"^(?:(?:previous|prior|recent|single|brief|mild|severe|minor|major|long|short|prolonged) )?"
    r"(?:episode|stay|fall|admission|fracture|attack|bout|accident|visit|trip|hospitali[sz]ation)\b",
    re.IGNORECASE,
)
_YOUNG = re.compile(r"^(?:newborn|infant|neonate|baby|toddler)\b", re.IGNORECASE)
_PLAIN_AGE = re.compile(r"^\d+ (?:year|month|week|day)s? old\b")
NEGATIVE_START = re.compile(r"^(?:no|not|none|nil|nothing|never|without)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\bI\b|^My\b")


def lead(text: str) -> str:
    """Lowercase a chart fragment's first word to continue a sentence ('Chronic bronchitis' -> 'chronic
    bronchitis'), leaving acronyms, numbers and eponyms ('HIV', 'Crohn disease') alone."""
    words = text.split(" ", 2)
    first = words[0]
    if first in ("A", "An", "The"):
        return text[0].lower() + text[1:]
    second_capital = len(words) > 1 and words[1][:1].isupper()
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and not second_capital:
        return text if first.lower() in _EPONYMS else text[0].lower() + text[1:]
    return text


def article(phrase: str) -> str:
    """'a' or 'an' for a phrase ('an 18-year-old', 'a non-smoker', 'an accountant')."""
    word = phrase.split(" ", 1)[0].lower()
    number = re.match(r"\d+", word)
    if number:
        digits = number.group()
        vowel = digits.startswith("8") or digits in ("11", "18")
    else:
        vowel = word[:1] in "aeiou" and not word.startswith(("uni", "use", "usu", "eu", "one"))
    return "an" if vowel else "a"


def is_fragment(voiced: str) -> bool:
    """A chart sentence with no verb and no 'I' in it ('Chronic bronchitis', 'Penicillin'), nor a negation."""
    return not (
        _FIRST_PERSON.search(voiced) or NEGATIVE_START.match(voiced) or FINITE.search(voiced) or _any_verb(voiced)
    )


def _any_verb(text: str) -> bool:
    """A third-person verb after the first word ('Mother reports lackluster grades')."""
    return any(word in START_VERBS for word in text.lower().split()[1:])


def on_treatment(text: str) -> str:
    """'On lisinopril' opening a sentence or a clause -> "I'm on lisinopril"."""
    return ON_TREATMENT.sub(lambda match: f"{match.group(1)}I'm on ", text)


Frame = Callable[[str, Section | None], str | None]
"""A rule: the fragment (its full stop gone) and its section -> the sentence, or None where it does not apply."""


def _treatment(body: str, section: Section | None) -> str | None:
    """'On lisinopril' stays as it is (a later step says "I'm on")."""
    return body if ON_TREATMENT.match(body) else None


def _age_or_sex(body: str, section: Section | None) -> str | None:
    """'45 years old', 'Female' -> "I'm 45 years old", "I'm female"."""
    return f"I'm {lead(body)}" if _PLAIN_AGE.match(body) or body.lower() in ("male", "female") else None


def _who_i_am(body: str, section: Section | None) -> str | None:
    """The demographics, or a young child: "I'm a 3-year-old boy", "I'm a newborn"."""
    return f"I'm {article(body)} {lead(body)}" if section == "demographics" or _YOUNG.match(body) else None


def _status_first(body: str, section: Section | None) -> str | None:
    """'Unremarkable birth history' -> 'My birth history is unremarkable'."""
    status_first = _STATUS_FIRST.match(body)
    return f"My {status_first.group(2).lower()} is {status_first.group(1).lower()}" if status_first else None


def _up_to_date_on(body: str, section: Section | None) -> str | None:
    """'Up to date on vaccinations' -> "I'm up to date on vaccinations"."""
    return f"I'm {lead(body)}" if _UP_TO_DATE_ON.match(body) else None


def _bare_status(body: str, section: Section | None) -> str | None:
    """'Unremarkable' -> 'My medical history is unremarkable' (the section says whose)."""
    return f"{_STATUS_SUBJECT.get(section, 'Everything else')} is {lead(body)}" if _BARE_STATUS.match(body) else None


def _noun_status(body: str, section: Section | None) -> str | None:
    """'Vaccinations up to date' -> 'My vaccinations are up to date' (not in the family history)."""
    status = _NOUN_STATUS.match(body)
    if not status or section == "family":
        return None
    subject = status.group(1)
    verb = "are" if subject.endswith("s") and not subject.endswith(("ss", "sis")) or " and " in subject else "is"
    return f"My {lead(subject)} {verb} {status.group(2)}"


def _controlled(body: str, section: Section | None) -> str | None:
    """'Well controlled' -> "It's well controlled"."""
    return f"It's {lead(body)}" if _CONTROLLED.match(body) else None


_SECTION_OPENINGS: dict[str, str] = {
    "family": "I have a family history of ",
    "medication": "I take ",
    "allergy": "I'm allergic to ",
    "primary": "My main problem is ",
}
"""How a fragment of these sections opens its sentence."""


def _by_section(body: str, section: Section | None) -> str | None:
    """A fragment of the family history, medications, allergies or main problem, in that section's words."""
    opening = _SECTION_OPENINGS.get(section) if section is not None else None
    return f"{opening}{lead(body)}" if opening is not None else None


def _social(body: str, section: Section | None) -> str | None:
    """The social history's fragments stay as written ('Married, two children')."""
    return body if section == "social" else None


def _counted(body: str, section: Section | None) -> str | None:
    """'Previous fall on the right hand' -> "I've had a previous fall on the right hand"."""
    return f"I've had {article(body)} {lead(body)}" if _COUNTED_START.match(body) else None


def _had(body: str, section: Section | None) -> str | None:
    """Anything else: 'Chronic bronchitis' -> "I've had chronic bronchitis"."""
    return f"I've had {lead(body)}"


FRAMES: tuple[Frame, ...] = (
    _treatment,
    _age_or_sex,
    _who_i_am,
    _status_first,
    _up_to_date_on,
    _bare_status,
    _noun_status,
    _controlled,
    _by_section,
    _social,
    _counted,
    _had,
)
"""The rules in the order they are tried; the last always applies."""


def frame(text: str, section: Section | None) -> str:
    """A chart fragment without a verb ('Chronic bronchitis.'), put in a sentence fitting its section."""
    body = text.rstrip(".")
    return next(said for rule in FRAMES if (said := rule(body, section)) is not None)
