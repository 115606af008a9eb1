"""The patient's view of the doctor (``agentclinic run --patient-feedback``): once the consultation is over, the
LLM patient is asked, in a call of its own, the three questions of the AgentClinic paper: its confidence in the
doctor, its willingness to come back and follow the doctor's advice, and its rating of the doctor. Each is on a
scale of 1 to 10.

The patient answers with its own role prompt and its side of the consultation (``LLMPatient.messages``), told
what the doctor concluded and which tests were ordered. It is asked for a line of JSON; the reply is read
leniently (a JSON object anywhere in it, else each answer by its name, else three bare numbers in order), and what
cannot be read is left None beside the raw reply: a malformed answer never fails the episode.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from agents.llm import reply_from
from agents.patient.llm_patient import LLMPatient
from agents.prompts import load_prompt
from agents.types import Reply, Turn

SCALE = (1, 10)
FIELDS = ("confidence", "follow_up", "rating")
_NAMES = {
    "confidence": r"confiden\w*",
    "follow_up": r"follow[\s_-]*up|come\s+back|return",
    "rating": r"rat(?:e|ing)",
}
_LIST_NUMBER = re.compile(r"^\s*\d[.)]\s+", re.MULTILINE)
"""A list item's own number ('2. '), which is not an answer."""
_OBJECT = re.compile(r"\{[^{}]*\}")
_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d{1,2}(?:\.\d+)?(?!\d|\.\d)")


class PatientFeedback(BaseModel):
    """The patient's answers about the doctor, each 1 (worst) to 10 (best); None where the reply did not say."""

    confidence: int | None = Field(
        None, ge=1, le=10, description="Confidence in the doctor: 1 (none at all) to 10 (complete)."
    )
    follow_up: int | None = Field(
        None,
        ge=1,
        le=10,
        description="Willingness to come back to the doctor and follow their advice: 1 (not at all) to 10 (certainly).",
    )
    rating: int | None = Field(None, ge=1, le=10, description="Rating of the doctor: 1 (very poor) to 10 (excellent).")
    reply: Reply = Field(description="The patient's raw reply, with its tokens and backend.")


def feedback_question(diagnosis: str | None, tests: Sequence[str]) -> str:
    """The clinic's questions to the patient, after saying how the consultation ended."""
    ending = (
        f"The doctor told you their diagnosis: {diagnosis}."
        if diagnosis
        else "The doctor ran out of time and gave you no diagnosis."
    )
    if tests:
        ending += f" During the visit the doctor ordered: {', '.join(tests)}."
    return load_prompt("patient_feedback").format(ending=ending)


def _score(value: object) -> int | None:
    """A value on the 1-10 scale (a number, or a text such as '8/10'), rounded; None outside it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        found = _NUMBER.search(value)
        value = float(found.group(0)) if found else None
    if not isinstance(value, int | float):
        return None
    score = int(value + 0.5)
    return score if SCALE[0] <= score <= SCALE[1] else None


def _from_json(text: str) -> dict[str, int | None]:
    for match in _OBJECT.finditer(text):
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            keys = {re.sub(r"[\s-]+", "_", str(key).strip().lower()): value for key, value in data.items()}
            found = {name: _score(keys.get(name)) for name in FIELDS}
            if any(value is not None for value in found.values()):
                return found
    return {}


def _by_name(text: str) -> dict[str, int | None]:
    found: dict[str, int | None] = {}
    for name, pattern in _NAMES.items():
        match = re.search(rf"\b(?:{pattern})[^0-9\n]{{0,40}}?({_NUMBER.pattern})", text, re.IGNORECASE)
        found[name] = _score(match.group(1)) if match else None
    return found


def parse_feedback(text: str) -> dict[str, int | None]:
    """The three answers read from the patient's reply, each None where it cannot be read."""
    found = _from_json(text) or _by_name(text)
    if all(value is None for value in found.values()):
        numbers = [_score(number) for number in _NUMBER.findall(_LIST_NUMBER.sub("", text))]
        if len(numbers) == len(FIELDS) and None not in numbers:
            found = dict(zip(FIELDS, numbers, strict=True))
    return {name: found.get(name) for name in FIELDS}


async def ask_feedback(
    patient: LLMPatient, dialogue: Sequence[Turn], diagnosis: str | None, tests: Sequence[str]
) -> PatientFeedback:
    """Ask the patient, in its own call, what it thinks of the doctor of ``dialogue``. May raise ``BackendError``."""
    messages = patient.messages(feedback_question(diagnosis, tests), dialogue)
    completion = await patient.chat_backend.chat(messages, patient.config)
    reply = reply_from(completion)
    return PatientFeedback(**parse_feedback(reply.text), reply=reply)
