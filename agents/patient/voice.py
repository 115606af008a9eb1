"""The patient's voice: chart sentences about the patient rewritten as the patient's own first-person speech.

Case files describe the patient in the third person and in chart shorthand ("The patient reports a
2-week history of…", "Non-smoker, drinks wine occasionally.", "History of asthma."). ``first_person``
turns one such sentence into what the patient would say ("I've had a 2-week history of…", "I'm a
non-smoker, I drink wine occasionally.", "I have a history of asthma."). It is a handful of rules,
not a model: deterministic, fast enough to run over a case when its patient is built, and it keeps
the chart's words apart from the voice.

The steps, each in a module of its own: the patient named as 'I' (``references``), 'I' put in front of a
sentence that leaves it out (``openings``), verbs whose left-out subject is the patient agreeing with it
(``subjects``), the chart's reporting verbs said as the patient says them (``reporting``), and a fragment
without a verb put in a sentence fitting its section (``framing``). Text written to the patient in the second
person (NEJM's actor notes: "You've noticed spots on your shins") only has its "you" turned into "I".
"""

from __future__ import annotations

import re

from agents.patient.chart import Section
from agents.patient.framing import frame, is_fragment, on_treatment
from agents.patient.openings import opened
from agents.patient.references import Gender, second_person_as_first, speaks_to_the_patient, the_patient_as_i
from agents.patient.reporting import reported_as_said
from agents.patient.subjects import agree_ellipses

_SPACES = re.compile(r"\s+")
_CONTRACTIONS = (
    (re.compile(r"\bI am\b"), "I'm"),
    (re.compile(r"\bI have (been|had|noticed|never)\b"), r"I've \1"),
    (re.compile(r"\bI do not\b"), "I don't"),
    (re.compile(r"\bI have not\b"), "I haven't"),
)


def _finish(text: str) -> str:
    text = _SPACES.sub(" ", text).strip(" ,;")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _contracted(text: str) -> str:
    """'I am' -> "I'm", 'I have been' -> "I've been", 'I do not' -> "I don't"."""
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def first_person(sentence: str, *, section: Section | None = None, gender: Gender | None = None) -> str:
    """One chart sentence about the patient in the patient's own voice.

    >>> first_person("She has a history of asthma and uses an inhaler.", gender="female")
    'I have a history of asthma and use an inhaler.'
    """
    text = _SPACES.sub(" ", sentence.replace("\u2019", "'").replace("\u2018", "'")).strip()
    if not text:
        return text
    if speaks_to_the_patient(text):
        return _finish(_contracted(second_person_as_first(text)))
    voiced = the_patient_as_i(text, gender)
    text = opened(voiced, section)
    untouched = text == voiced
    text = agree_ellipses(text, section != "family")
    text = reported_as_said(text)
    if untouched and is_fragment(voiced):
        text = frame(text, section)
    framed = text
    text = on_treatment(text)
    if untouched or text != framed:  # a new 'I' ('I've had…', "I'm on…") may be the subject of a later verb
        text = agree_ellipses(text, section != "family")
    return _finish(_contracted(text))
