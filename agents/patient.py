"""The patient: a deterministic retrieval patient, and an LLM patient that plays the role from a prompt.

Both speak only from the case's ``Patient_Actor`` facts and never name the diagnosis.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agents.biases import PatientBias, patient_bias_text
from agents.findings import pretty_name, walk
from agents.leaks import DiagnosisGuard
from agents.llm import LLMRoleMixin
from agents.prompts import load_prompt
from agents.protocol import Ask, parse_action
from agents.roles import AsyncRole, DeterministicRole
from agents.types import Reply, Turn
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case

DONT_KNOW = "I'm not sure about that, doctor."
DONT_KNOW_DIAGNOSIS = "I don't know what it is. That's why I came to see you."

_TOKEN = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with about as is are was were be been being am do does did
    have has had having you your yours i me my we our it its this that these those there here what which who whom
    whose when where why how any anything some can could would should will shall may might must tell describe
    please any other else more much many ever feel feeling doctor patient today also just like so very""".split()
)

# Question words that point at a kind of fact, whatever the words of the fact itself.
TOPIC_CUES: dict[str, tuple[str, ...]] = {
    "demographics": ("age", "old", "born", "gender", "sex", "male", "female", "yourself"),
    "social": (
        "smoke",
        "smoking",
        "cigarette",
        "tobacco",
        "alcohol",
        "drink",
        "drinking",
        "drug",
        "work",
        "job",
        "occupation",
        "live",
        "living",
        "travel",
        "sexual",
        "partner",
        "exercise",
        "diet",
        "social",
    ),
    "medication": ("medication", "medicine", "drug", "pill", "take", "taking", "prescription", "supplement"),
    "family": ("family", "mother", "father", "parent", "sibling", "brother", "sister", "relative", "inherited"),
    "past": (
        "past",
        "previous",
        "before",
        "history",
        "surgery",
        "operation",
        "condition",
        "illness",
        "hospital",
        "allergy",
        "allergies",
        "vaccination",
        "vaccine",
    ),
    "symptom": (
        "symptom",
        "problem",
        "bring",
        "brings",
        "wrong",
        "complaint",
        "trouble",
        "concern",
        "happening",
        "going",
        "came",
        "start",
        "started",
        "begin",
        "began",
        "long",
        "when",
        "worse",
        "better",
    ),
    "review": (
        "other",
        "else",
        "fever",
        "weight",
        "appetite",
        "sleep",
        "chest",
        "breath",
        "nausea",
        "vomit",
        "bowel",
        "urine",
        "urinary",
        "cough",
        "headache",
        "rash",
    ),
}
_TOPIC_OF_KEY = (
    ("demographic", "demographics"),
    ("social", "social"),
    ("medication", "medication"),
    ("drug", "medication"),
    ("family", "family"),
    ("past", "past"),
    ("symptom", "symptom"),
    ("history", "symptom"),
    ("review", "review"),
)
_SPEAKER_LABEL = re.compile(r"^[*_\s]*patient[*_\s]*:[*_\s]*", re.IGNORECASE)
DIAGNOSIS_CUES = re.compile(
    r"\b(diagnos\w*|what (?:do|might|could) (?:i|you) have|what(?:'s| is) wrong with (?:me|you)|"
    r"name (?:of )?(?:the|your|my) (?:disease|condition|illness)|chart|medical record|what disease|"
    r"which disease|what condition|what illness|know what you have)\b",
    re.IGNORECASE,
)


def _stem(token: str) -> str:
    return token[:5]


def _content_stems(text: str) -> set[str]:
    return {_stem(token) for token in _TOKEN.findall(text.lower()) if token not in STOPWORDS and len(token) > 1}


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else f"{text}."


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    text: str
    topics: frozenset[str]
    stems: frozenset[str]
    order: int


def _topics_of(path: tuple[str, ...]) -> frozenset[str]:
    joined = " ".join(path).lower()
    return frozenset(topic for needle, topic in _TOPIC_OF_KEY if needle in joined)


def patient_facts(case: Case, guard: DiagnosisGuard) -> list[Fact]:
    """The patient's facts as sentences, each labelled by its place in the tree, diagnosis scrubbed."""
    facts: list[Fact] = []
    for node in walk(case.patient):
        if isinstance(node.value, dict):
            continue
        values = node.value if isinstance(node.value, list) else [node.value]
        for value in values:
            if isinstance(value, dict):
                continue
            for sentence in _SENTENCE.split(str(value).strip()):
                if not sentence:
                    continue
                text = guard.scrub(sentence)
                label = pretty_name(node.name)
                stems = _content_stems(f"{text} {label}")
                facts.append(Fact(label, text, _topics_of(node.path), frozenset(stems), len(facts)))
    return facts


class RetrievalPatient(DeterministicRole):
    """Answers with the case facts most similar to the question (lexical overlap weighted by rarity,
    plus the kind of fact the question asks about); says it does not know when nothing fits."""

    backend = "retrieval"

    def __init__(self, case: Case, *, max_facts: int = 2):
        self.case = case
        self.max_facts = max_facts
        self.guard = DiagnosisGuard(case.diagnosis)
        self.facts = patient_facts(case, self.guard)
        document_frequency: dict[str, int] = {}
        for fact in self.facts:
            for stem in fact.stems:
                document_frequency[stem] = document_frequency.get(stem, 0) + 1
        n = max(len(self.facts), 1)
        self.idf = {stem: math.log(1 + n / count) for stem, count in document_frequency.items()}
        self.cue_stems = {topic: frozenset(_stem(cue) for cue in cues) for topic, cues in TOPIC_CUES.items()}

    def score(self, fact: Fact, stems: set[str], topics: set[str]) -> float:
        lexical = sum(self.idf.get(stem, 0.0) for stem in stems & fact.stems)
        return lexical + (1.0 if topics & fact.topics else 0.0)

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        if DIAGNOSIS_CUES.search(text):
            return Reply(text=DONT_KNOW_DIAGNOSIS, backend=self.backend)
        stems = _content_stems(text)
        topics = {topic for topic, cues in self.cue_stems.items() if cues & stems}
        scored = [(self.score(fact, stems, topics), fact) for fact in self.facts]
        best = sorted((item for item in scored if item[0] > 0.5), key=lambda item: -item[0])[: self.max_facts]
        if not best:
            return Reply(text=DONT_KNOW, backend=self.backend)
        chosen = sorted((fact for _, fact in best), key=lambda fact: fact.order)
        by_label: dict[str, list[str]] = {}
        for fact in chosen:
            by_label.setdefault(fact.label, []).append(fact.text)
        answer = " ".join(_sentence(f"{label}: {' '.join(texts)}") for label, texts in by_label.items())
        return Reply(text=self.guard.scrub(answer), backend=self.backend)


class LLMPatient(LLMRoleMixin, AsyncRole):
    """A patient played by a chat model from a role prompt (AgentClinic's protocol, in this project's words)."""

    prompt_name = "patient"

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        bias: PatientBias | None = None,
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.bias = bias
        self.guard = DiagnosisGuard(case.diagnosis)
        self.system_prompt = load_prompt("patient").format(
            facts=json.dumps(case.patient, ensure_ascii=False, indent=1), bias=patient_bias_text(bias)
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=256, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        """The doctor's turns are the user's side; the patient's own answers are the model's side."""
        messages = [Message(role="system", content=self.system_prompt)]
        for turn in history:
            if turn.role == "doctor" and isinstance(parse_action(turn.text), Ask):
                messages.append(Message(role="user", content=turn.text))
            elif turn.role == "patient":
                messages.append(Message(role="assistant", content=turn.text))
        messages.append(Message(role="user", content=text))
        return messages

    def postprocess(self, text: str) -> str:
        """Drop a 'Patient:' label the model may add, and hide the diagnosis should the model say it."""
        return self.guard.scrub(_SPEAKER_LABEL.sub("", text.strip(), count=1))
