"""What a retrieval patient knows of its case, computed once per case and shared by every patient of the case:
the facts, the rarity of their word stems, and the facts answering each kind of question."""

from __future__ import annotations

import math
from dataclasses import dataclass

from agents.leaks import DiagnosisGuard
from agents.patient.chart import Section
from agents.patient.facts import Fact, patient_facts
from agents.patient.questions import INTENTS
from agents.per_case import PerCase
from scenarios import Case

# Which chart sections answer each intent first (other facts of the same kind follow).
_HOME_SECTIONS: dict[str, tuple[Section, ...]] = {
    "family": ("family",),
    "allergy": ("allergy",),
    "medication": ("medication",),
    "social": ("social",),
    "past": ("past",),
    "surgery": ("past",),
    "onset": ("presenting", "primary", "symptom"),
    "modifiers": ("presenting", "primary", "symptom", "review"),
    "opening": ("presenting",),
    "symptoms": ("primary", "symptom"),
    "demographics": ("demographics",),
}


def intent_pool(facts: list[Fact], intent: str, kinds: frozenset[str] = frozenset()) -> list[Fact]:
    """The facts answering an intent: those from its home sections first, then the others of its kind
    (for habits, those of the ``kinds`` asked about: smoking, alcohol…)."""
    home = _HOME_SECTIONS[intent]
    if intent in ("opening", "symptoms", "demographics"):
        return [fact for fact in facts if fact.section in home]
    if kinds:
        wanted = {f"social:{kind}" for kind in kinds}
        kind_facts = [fact for fact in facts if fact.topics & wanted]
        return [fact for fact in kind_facts if fact.section in home] + [
            fact for fact in kind_facts if fact.section not in home
        ]
    if intent in ("onset", "modifiers"):
        return [fact for fact in facts if fact.section in home and intent in fact.topics]
    if intent == "surgery":
        operations = [fact for fact in facts if intent in fact.topics]
        return [fact for fact in operations if fact.section in home] + [
            fact for fact in operations if fact.section not in home
        ]
    return [fact for fact in facts if fact.section in home] + [
        fact for fact in facts if fact.section not in home and intent in fact.topics
    ]


@dataclass(frozen=True, slots=True)
class CaseKnowledge:
    """What a retrieval patient knows of its case, the same for every episode of the case: the facts, the
    rarity (idf) of their word stems, and the facts answering each kind of question. Shared, never changed."""

    guard: DiagnosisGuard
    facts: list[Fact]
    idf: dict[str, float]
    pools: dict[str, list[Fact]]


def build_knowledge(case: Case) -> CaseKnowledge:
    """A case's ``CaseKnowledge``, computed afresh."""
    guard = DiagnosisGuard(case.diagnosis)
    facts = patient_facts(case, guard)
    document_frequency: dict[str, int] = {}
    for fact in facts:
        for stem in fact.stems:
            document_frequency[stem] = document_frequency.get(stem, 0) + 1
    n = max(len(facts), 1)
    idf = {stem: math.log(1 + n / count) for stem, count in document_frequency.items()}
    return CaseKnowledge(guard, facts, idf, {intent: intent_pool(facts, intent) for intent, _ in INTENTS})


case_knowledge: PerCase[CaseKnowledge] = PerCase(build_knowledge, parts=lambda case: case.patient)
"""A case's ``CaseKnowledge``, computed once and shared by every patient of the case (see ``agents.per_case``)."""


def clear_case_facts() -> None:
    """Forget every case's shared knowledge (the next patient of each case computes it again)."""
    case_knowledge.clear()
