"""The doctor's action grammar: an utterance is a question, a test request or a diagnosis.

``REQUEST TEST: <name>`` goes to the measurement reader, ``DIAGNOSIS READY: <diagnosis>`` ends the
consultation, anything else goes to the patient. Parsing tolerates case, extra spaces, markdown
emphasis (``**DIAGNOSIS READY:** …``), and trailing punctuation; a test name asked as a question keeps its
``?``, which the reader reads. A diagnosis wins over a test request when both appear. Lives with the
agents because the doctor prompts and the oracle speak it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_TURNS = 20
"""Doctor turns in a consultation unless a run says otherwise: AgentClinic's protocol gives the doctor 20."""
TEST_TAG = "REQUEST TEST"
DIAGNOSIS_TAG = "DIAGNOSIS READY"

_MARKUP = r"[*_`#>\s]*"
_DIAGNOSIS = re.compile(
    rf"{_MARKUP}DIAGNOSIS\s+READY{_MARKUP}\s*[:\-–]{_MARKUP}(?P<body>.*)", re.IGNORECASE | re.DOTALL
)
_TEST = re.compile(rf"{_MARKUP}REQUEST\s+TESTS?{_MARKUP}\s*[:\-–]{_MARKUP}(?P<body>[^\n]*)", re.IGNORECASE)
_TRAILING = re.compile(r"[\s*_`\"'.,;:!?]+$")
_LEADING = re.compile(r"^[\s*_`\"']+")
_BRACKETS = (("(", ")"), ("[", "]"), ("{", "}"))
_ASKED = re.compile(r"\?[\s*_`\"'.!]*$")
"""A test name asked as a question ('REQUEST TEST: Is there airflow obstruction on spirometry?')."""


@dataclass(frozen=True, slots=True)
class Ask:
    """A question (or anything else) for the patient."""

    text: str


@dataclass(frozen=True, slots=True)
class RequestTest:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Diagnose:
    diagnosis: str
    text: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """An utterance the clinic cannot act on: empty, or a tag with nothing after it."""

    reason: str
    text: str


Action = Ask | RequestTest | Diagnose | Malformed


def clean_value(value: str) -> str:
    """Strip markdown and punctuation around a test name or diagnosis; keep only its first line."""
    text = value.strip().split("\n", 1)[0]
    previous = None
    while text != previous:
        previous = text
        text = _LEADING.sub("", _TRAILING.sub("", text))
        for opening, closing in _BRACKETS:
            # Drop a bracket only when it is unmatched or wraps the whole value: '(Chest CT)' -> 'Chest CT'.
            if text.startswith(opening) and text.endswith(closing) and text.count(opening) == 1:
                text = text[1:-1]
            elif text.endswith(closing) and text.count(closing) > text.count(opening):
                text = text[:-1]
            elif text.startswith(opening) and text.count(opening) > text.count(closing):
                text = text[1:]
    return text.strip()


def parse_action(utterance: str) -> Action:
    text = utterance.strip()
    if not text:
        return Malformed("the message was empty", utterance)
    if match := _DIAGNOSIS.search(text):
        diagnosis = clean_value(match["body"])
        if not diagnosis:
            return Malformed(f"{DIAGNOSIS_TAG}: was given without a diagnosis", utterance)
        return Diagnose(diagnosis, utterance)
    if match := _TEST.search(text):
        name = clean_value(match["body"])
        if not name:
            return Malformed(f"{TEST_TAG}: was given without a test name", utterance)
        if _ASKED.search(match["body"]):
            name += "?"  # the reader reads a question differently from an order, so its mark is kept
        return RequestTest(name, utterance)
    return Ask(text)
