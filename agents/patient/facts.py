"""The patient's facts: each sentence of the chart (the diagnosis scrubbed), how the patient says it, the
section it came from, the kinds of question it answers and its word stems."""

from __future__ import annotations

from dataclasses import dataclass

from agents.findings import is_placeholder, pretty_name, walk
from agents.leaks import DiagnosisGuard
from agents.patient.chart import Section, chart_sentences, section_of
from agents.patient.references import patient_gender
from agents.patient.topics import topics_of
from agents.patient.voice import first_person
from agents.patient.word_stems import content_stems
from scenarios import Case

_HAD = "I've had "


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the patient knows: the chart's sentence (diagnosis scrubbed) and how the patient says it."""

    label: str
    text: str
    spoken: str
    section: Section
    topics: frozenset[str]
    stems: frozenset[str]
    order: int
    words: frozenset[str]


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _said_as_list(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A list of symptoms (chart text, spoken) in the patient's words: bare symptoms gathered in one
    sentence ("I've also had fatigue, nausea and headache."), anything longer said on its own."""
    bare = [(text, said) for text, said in pairs if said.startswith(_HAD)]
    if len(bare) < 2:
        return pairs
    gathered = _joined([said[len(_HAD) :].rstrip(".") for _, said in bare])
    rest = [(text, said) for text, said in pairs if not said.startswith(_HAD)]
    return [(" ".join(text for text, _ in bare), f"I've also had {gathered}."), *rest]


def patient_facts(case: Case, guard: DiagnosisGuard) -> list[Fact]:
    """The patient's facts as sentences, diagnosis scrubbed, each with its first-person form, the
    chart section it came from and the kinds of question it answers. Placeholders ("Not provided")
    are not facts."""
    gender = patient_gender(case.demographics)
    facts: list[Fact] = []
    for node in walk(case.patient):
        if isinstance(node.value, dict):
            continue
        section = section_of(node.path)
        label = pretty_name(node.name)
        values = node.value if isinstance(node.value, list) else [node.value]
        pairs = [
            (text, first_person(text, section=section, gender=gender))
            for value in values
            if not isinstance(value, dict)
            for sentence in chart_sentences(str(value))
            if not is_placeholder(sentence)
            for text in (guard.scrub(sentence),)
        ]
        if section == "symptom" and isinstance(node.value, list):
            pairs = _said_as_list(pairs)
        for text, said in pairs:
            words = frozenset(content_stems(text))
            stems = words | content_stems(label)
            topics = topics_of(text, section)
            facts.append(Fact(label, text, guard.scrub(said), section, topics, stems, len(facts), words))
    return facts
