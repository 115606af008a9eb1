"""Who the chart's words mean: the patient, named in the third person ('The patient', 'A 35-year-old woman',
'she', "the patient's"), becomes 'I', 'me' and 'my'; a relative becomes 'my mother'; and text written to the
patient in the second person (NEJM's actor notes: "You've noticed…") is turned to the first person.

Pronouns become the patient's only where they can be: with the patient's gender known from the
demographics, "she" in a man's case stays (it is his mother, his wife).
"""

from __future__ import annotations

import re
from typing import Literal

from agents.patient.chart_words import ADVERB

Gender = Literal["female", "male"]

_FEMALE = re.compile(r"\b(?:female|woman|girl|lady|she|her)\b", re.IGNORECASE)
_MALE = re.compile(r"\b(?:male|man|boy|gentleman|he|his)\b", re.IGNORECASE)


def patient_gender(demographics: str) -> Gender | None:
    """'35-year-old female' -> 'female'; None when the demographics do not say."""
    if _FEMALE.search(demographics):
        return "female"
    if _MALE.search(demographics):
        return "male"
    return None


_PATIENT_NOUN = (
    r"(?:patient|child|infant|newborn|neonate|baby|toddler|boy|girl|man|woman|gentleman|lady|adolescent|teen(?:ager)?)"
)
_RELATIVE = (
    r"(?:mother|father|mom|mum|dad|parents?|brothers?|sisters?|siblings?|sons?|daughters?|grandmother|"
    r"grandfather|grandparents?|aunts?|uncles?|cousins?|wife|husband|family)"
)
_DEMOGRAPHIC_SUBJECT = re.compile(
    r"^(?:an?|the|this)\s+(?:[\w().,/-]+\s+){0,4}?\d+[\w.]*[- ](?:year|month|week|day)s?[- ]old"
    r"(?:[\s,]+[\w-]+){0,4}?\s+(?:" + _PATIENT_NOUN[3:-1] + r"|male|female|primigravida|multigravida)\b",
    re.IGNORECASE,
)
_PATIENT_POSSESSIVE = re.compile(
    r"\b(?:(?:the|this)\s+" + _PATIENT_NOUN + r"|patient)'s\b|^" + _PATIENT_NOUN + r"'s\b", re.IGNORECASE
)
_THE_RELATIVE = re.compile(r"\bthe (" + _RELATIVE + r")\b", re.IGNORECASE)
_BARE_RELATIVE = re.compile(r"^(" + _RELATIVE + r")\b(?! history)", re.IGNORECASE)
_PATIENT_REFERENCE = re.compile(r"\b(?:the|this)\s+" + _PATIENT_NOUN + r"\b|\bpatient\b(?!-)", re.IGNORECASE)
_RELATIVE_AFTER = re.compile(r"\b(with|to|by|and|of) (" + _RELATIVE + r")\b")
_SUBJECT_FOLLOWER = re.compile(
    r"\s*(?:" + ADVERB + r"\s+)*(?:is|was|has|had|does|did|can|could|will|would|should|may|might|must|"
    r"[a-z]+s|[a-z]+ed)\b",
    re.IGNORECASE,
)
_PRONOUN = {
    "female": re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE),
    "male": re.compile(r"\b(he|his|him|himself)\b", re.IGNORECASE),
    None: re.compile(r"\b(she|her|hers|herself|he|his|him|himself)\b", re.IGNORECASE),
}
_NEXT_WORD = re.compile(r"\s*([\w']+)?")
# Words after "her" that show it is the object ('brought her in'), not the possessive ('her back').
_OBJECT_FOLLOWERS = frozenset(
    """to in into at for from with and or the a an that this up down out off over about as on by since after before
    when while because if but so than feel feels felt he she it they we i""".split()
)
# 'The patient, who recently moved…, complains…' once the patient is 'I': 'I recently moved…, and complain…'.
_I_WHO = re.compile(r"^I, who ([^,]+), ")

_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|you've|you're|you'd|you'll)\b", re.IGNORECASE)
_QUOTED = re.compile(r"(?<!\w)'.*?'(?!\w)|\"[^\"]*\"")
_SECOND_FIXED = {
    "you are": "I am",
    "you were": "I was",
    "you've": "I've",
    "you're": "I'm",
    "you'd": "I'd",
    "you'll": "I'll",
    "yourself": "myself",
    "yours": "mine",
    "your": "my",
}
_SECOND_WORD = re.compile(r"\b(?:you are|you were|you've|you're|you'd|you'll|yourself|yours|your|you)\b", re.IGNORECASE)
# Words after which 'you' is the subject ('that you have', 'when you breathe'); elsewhere it is 'me'.
_SUBJECT_BEFORE = re.compile(
    r"(?:^|[,;:.!?(]|\b(?:and|but|or|that|when|whenever|while|because|if|as|since|after|before|so|until|where|"
    r"which|who|though|although|how|what|whether))\s*$",
    re.IGNORECASE,
)


def _second(match: re.Match[str]) -> str:
    """One second-person word turned first person."""
    phrase = match.group(0).lower()
    if phrase != "you":
        word = _SECOND_FIXED[phrase]
    else:
        word = "I" if _SUBJECT_BEFORE.search(match.string, 0, match.start()) else "me"
    return word[0].upper() + word[1:] if match.start() == 0 else word


def _patient_reference(match: re.Match[str]) -> str:
    """'the patient' -> 'I' before a verb, 'me' elsewhere ('brought the patient in')."""
    return "I" if _SUBJECT_FOLLOWER.match(match.string, match.end()) or match.start() == 0 else "me"


def _pronoun(match: re.Match[str]) -> str:
    """A pronoun of the patient's in the first person, capitalised where it opens the text."""
    word = _pronoun_for(match)
    return word[0].upper() + word[1:] if match.start() == 0 else word


def _next_word(match: re.Match[str]) -> str | None:
    """The word right after a match (None at the end of the text or before punctuation)."""
    following = _NEXT_WORD.match(match.string, match.end())
    return following.group(1) if following else None


def _pronoun_for(match: re.Match[str]) -> str:
    """'she'/'he' -> 'I', 'her'/'his' -> 'my' before a noun, else 'me'/'mine', 'herself' -> 'myself'."""
    word = match.group(1).lower()
    if word in ("she", "he"):
        return "I"
    if word in ("herself", "himself"):
        return "myself"
    if word == "hers":
        return "mine"
    if word in ("his",):
        following = _next_word(match)
        return "my" if following and following.lower() not in _OBJECT_FOLLOWERS else "mine"
    if word == "him":
        return "me"
    following = _next_word(match)  # 'her'
    return "my" if following and following.lower() not in _OBJECT_FOLLOWERS else "me"


def speaks_to_the_patient(text: str) -> bool:
    """Whether the text is written to the patient ('You have noticed…'), quotations aside."""
    return bool(_SECOND_PERSON.search(_QUOTED.sub(" ", text)))


def second_person_as_first(text: str) -> str:
    """'You've noticed spots on your shins' -> "I've noticed spots on my shins"."""
    return _SECOND_WORD.sub(_second, text)


def the_patient_as_i(text: str, gender: Gender | None) -> str:
    """The patient named as 'I', 'me' or 'my' wherever the text names them in the third person, and the
    patient's relatives as 'my …'."""
    text = _DEMOGRAPHIC_SUBJECT.sub("I", text, count=1)
    text = _PATIENT_POSSESSIVE.sub(lambda match: "My" if match.start() == 0 else "my", text)
    text = _THE_RELATIVE.sub(lambda match: f"{'My' if match.start() == 0 else 'my'} {match.group(1).lower()}", text)
    text = _BARE_RELATIVE.sub(lambda match: f"My {match.group(1).lower()}", text, count=1)
    text = _PATIENT_REFERENCE.sub(_patient_reference, text)
    text = _PRONOUN[gender].sub(_pronoun, text)
    text = _RELATIVE_AFTER.sub(r"\1 my \2", text)
    return _I_WHO.sub(r"I \1, and ", text)
