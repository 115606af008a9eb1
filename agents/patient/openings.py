"""'I' given to a chart sentence that leaves the patient out as its subject: 'History of asthma' -> 'I have a
history of asthma', 'Negative for fever' -> "I haven't had any fever", 'Works as a teacher' -> 'I work as a
teacher', 'Retired engineer' -> "I'm a retired engineer", 'Born at term' -> 'I was born at term'."""

from __future__ import annotations

import re

from agents.patient.chart import Section
from agents.patient.chart_words import ADVERBS, FINITE, PREPOSITIONS, START_VERBS, THIRD_FORMS, is_patient_verb
from agents.patient.framing import NEGATIVE_START, article, lead

# Words that open a chart sentence and say what the patient is ('Married, two children.').
STATE_WORDS = frozenset(
    """married single divorced widowed separated retired unemployed employed pregnant unable able allergic
    independent vegetarian vegan sedentary homeless sexually healthy otherwise engaged unvaccinated vaccinated
    immunized unimmunized fully alert awake""".split()
)
_ING_STARTS = frozenset(
    "taking using smoking drinking working living being trying attending studying receiving undergoing".split()
)
_ROLE_WORDS = frozenset(
    """student nurse chef clerk officer athlete veteran retiree soldier pilot farmer mechanic lawyer cook
    cleaner housewife homemaker accountant assistant consultant attendant secretary dancer runner""".split()
)
_ROLE_ENDING = re.compile(r"(?:er|or|ist|ian|ant|ent|man|woman|goer)$")
_NEGATIVE_FOR = re.compile(r"^negative for(?: any)?\b", re.IGNORECASE)
# 'History of asthma', 'Known history of HIV', '10-year history of hypertension', 'Family history notable for…'.
_HISTORY_START = re.compile(
    r"^((?:[\w'-]+ ){0,2}?)history (?:of|notable for|significant for|positive for)\b", re.IGNORECASE
)
_NOT_HISTORY_LEAD = frozenset("no not nil negative my the his her their this a an any".split())
_POSITIVE_FOR = re.compile(r"^positive for\b", re.IGNORECASE)
_SIGNIFICANT_FOR = re.compile(r"^(?:(?:only|otherwise|also) )?(?:significant|notable|remarkable) for\b", re.IGNORECASE)
_PREMATURE_BIRTH = re.compile(r"^premature birth\b", re.IGNORECASE)
# Past forms that open a chart sentence about what the patient did ('Met all milestones', 'Lost 5 kg').
_PAST_STARTS = frozenset(
    "ate became bought came caught drank fell felt gave got grew lost met ran sat saw slept spent stood swam took "
    "went woke wore".split()
)
_PARTICIPLE_START = re.compile(
    r"^(?:(?:recently|previously|initially|subsequently|later|then|also) )?"
    r"(?:born\b|(?:[a-z]+ed|seen|given|brought|taken)"
    r"(?= (?:with|at|by|in|for|vaginally|via|on|as|after|from|to|into)\b))",
    re.IGNORECASE,
)


def _is_role(clause: str) -> bool:
    """'Non-smoker', 'Kindergarten teacher', 'Regular gym-goer': a short phrase naming what the patient is."""
    words = clause.rstrip(".").split()
    if not words or len(words) > 5 or not words[0][:1].isalpha():
        return False
    last = words[-1].lower()
    return last in _ROLE_WORDS or bool(_ROLE_ENDING.search(last)) and not NEGATIVE_START.match(clause)


def _history_start(match: re.Match[str]) -> str:
    """'Known history of HIV' -> 'I have a known history of HIV' (not 'Has a history…', 'No history…')."""
    leading = match.group(1).lower().split()
    if any(word in _NOT_HISTORY_LEAD or word in START_VERBS or word in THIRD_FORMS for word in leading):
        return match.group(0)
    return f"I have a {match.group(0).lower()}"


def _open_subject(text: str, section: Section | None) -> str:
    """Put 'I' (or "I'm") in front of a chart sentence that leaves the patient out."""
    words = text.split(" ", 3)
    if words[0] in ("I", "My"):
        return text
    index = 0
    while index < len(words) - 1 and words[index].lower() in ADVERBS:
        index += 1
    head = words[index].lower().strip(",.;")
    following = words[index + 1].lower() if index + 1 < len(words) else ""
    if (
        words[0].lower() in START_VERBS
        or (index > 0 and head in START_VERBS)
        or is_patient_verb(head, following)
        or head in _PAST_STARTS
    ):
        return f"I {lead(text)}"
    first_part = re.split(r"[,;] | and | but ", text, maxsplit=1)[0]
    role = section in ("social", "demographics") and _is_role(first_part) and not FINITE.search(first_part)
    if head in STATE_WORDS or head in _ING_STARTS or (index > 0 and head.endswith("ing")):
        if not role or any(word.lower() in PREPOSITIONS for word in first_part.split()):
            return f"I'm {lead(text)}"
    if role:  # 'Retired engineer' -> "I'm a retired engineer"
        return f"I'm {article(text)} {lead(text)}"
    return text


def opened(voiced: str, section: Section | None) -> str:
    """The sentence with 'I' (or 'My history is…') in front where the chart leaves the patient out."""
    text = _HISTORY_START.sub(_history_start, voiced, count=1)
    text = _NEGATIVE_FOR.sub("I haven't had any", text)
    text = _POSITIVE_FOR.sub("I've had", text)
    text = _SIGNIFICANT_FOR.sub(lambda match: f"My history is {match.group(0).lower()}", text)
    text = _PREMATURE_BIRTH.sub("I was born prematurely", text)
    text = _open_subject(text, section)
    if text == voiced:
        text = _PARTICIPLE_START.sub(lambda match: f"I was {lead(match.group(0))}", text, count=1)
    return text
