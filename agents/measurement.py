"""The measurement reader: a deterministic lookup over the case's exam and test trees, and an LLM reader.

Both answer ``RESULTS: …``. A request the case holds nothing for is answered by the missing-result
policy: ``normal`` ("NORMAL READINGS", AgentClinic's choice) or ``unavailable``.

The lookup reports a requested result exactly as the case wrote it: reading the MRI report is how a
doctor makes the diagnosis, so its words are not withheld. What stays out is what is not a test: the
lookup never reads ``Correct_Diagnosis`` (it holds only the exam and test trees), and a request that
asks for the diagnosis, or names it without naming one of the case's tests, gets the missing-result
answer instead of the nearest fuzzy match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from rapidfuzz import fuzz, process

from agents.findings import Node, is_placeholder, labelled_items, normalise_name, pretty_name, render, walk
from agents.leaks import DiagnosisGuard
from agents.llm import LLMRoleMixin
from agents.prompts import load_prompt
from agents.roles import AsyncRole, DeterministicRole
from agents.types import Reply, Turn
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case

MissingPolicy = Literal["normal", "unavailable"]
RESULTS_PREFIX = "RESULTS:"
NORMAL_READINGS = "NORMAL READINGS"
FUZZY_THRESHOLD = 85.0

# Common names and abbreviations for the same test; each group maps to its first (normalised) name.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("complete blood count", "cbc", "full blood count", "fbc", "blood count", "hemogram"),
    ("basic metabolic panel", "bmp", "chem 7", "electrolyte", "u and e", "urea and electrolyte"),
    ("comprehensive metabolic panel", "cmp", "chem 14"),
    ("electrocardiogram", "ecg", "ekg", "electrocardiography", "12 lead ecg"),
    ("chest x ray", "cxr", "chest radiograph", "chest xray", "chest film"),
    ("arterial blood gas", "abg", "blood gas"),
    ("urinalysis", "ua", "urine analysis", "urine test", "urine dipstick"),
    ("liver function test", "lft", "liver panel", "hepatic function panel"),
    ("thyroid function test", "tft", "thyroid panel"),
    ("thyroid stimulating hormone", "tsh"),
    ("erythrocyte sedimentation rate", "esr", "sed rate"),
    ("c reactive protein", "crp"),
    ("echocardiogram", "echo", "echocardiography", "cardiac ultrasound"),
    ("lumbar puncture", "lp", "spinal tap", "csf analysis", "cerebrospinal fluid analysis"),
    ("computed tomography", "ct", "ct scan", "cat scan"),
    ("magnetic resonance imaging", "mri", "mri scan"),
    ("ultrasound", "us", "ultrasonography", "sonogram"),
    ("vital sign", "vital", "vitals", "obs", "observation"),
    ("hemoglobin a1c", "hba1c", "a1c", "glycated hemoglobin"),
    ("prothrombin time", "pt", "inr", "coagulation panel", "coagulation"),
    ("blood culture", "blood cultures"),
    ("electroencephalogram", "eeg"),
    ("electromyography", "emg"),
    ("examination", "exam", "physical exam"),
)
CANONICAL: dict[str, str] = {
    normalise_name(name): normalise_name(group[0]) for group in SYNONYM_GROUPS for name in group
}
_WORDS = re.compile(r"\s+")
# Requests for the answer itself rather than for a test ('diagnosis', 'Correct_Diagnosis', 'final diagnoses').
_DIAGNOSIS_REQUEST = re.compile(r"\bdiagnos(?:is|es|e|ed|ing)?\b")


def canonical(name: str) -> str:
    """Normalised name with known synonyms replaced, whole-name first, then word by word ('ct chest')."""
    normalised = normalise_name(name)
    if normalised in CANONICAL:
        return CANONICAL[normalised]
    return " ".join(CANONICAL.get(word, word) for word in _WORDS.split(normalised))


def missing_result(policy: MissingPolicy, name: str) -> str:
    if policy == "normal":
        return f"{RESULTS_PREFIX} {NORMAL_READINGS}"
    return f"{RESULTS_PREFIX} {name} is not available for this patient."


class LookupMeasurement(DeterministicRole):
    """Finds the requested examination or test in the case (exact name, synonyms, then fuzzy) and
    reports its recorded values as the case wrote them.

    Where two findings share a name, a real result beats a placeholder ("Recommended but findings
    not provided" in the exam, the slit-lamp findings in the tests); otherwise the first one, exam
    before tests, parents before children, answers to the bare name and each answers to its path."""

    backend = "lookup"

    def __init__(self, case: Case, *, missing: MissingPolicy = "normal", threshold: float = FUZZY_THRESHOLD):
        self.case = case
        self.missing = missing
        self.threshold = threshold
        self.guard = DiagnosisGuard(case.diagnosis, words=False)
        self._diagnosis_key = canonical(case.diagnosis)
        self.nodes: list[Node] = [*walk(case.exam), *walk(case.tests)]
        self.nodes += [
            item for node in list(self.nodes) if isinstance(node.value, str) for item in labelled_items(node.value)
        ]
        self.by_name: dict[str, Node] = {}
        self.by_path: dict[str, Node] = {}
        placeholder = {id(node): is_placeholder(node.value) for node in self.nodes}
        for node in self.nodes:
            for index, key in ((self.by_name, canonical(node.name)), (self.by_path, canonical(" ".join(node.path)))):
                held = index.get(key)
                if held is None or (placeholder[id(held)] and not placeholder[id(node)]):
                    index[key] = node
        self._choices = list(self.by_name) + [path for path in self.by_path if path not in self.by_name]
        self._cache: dict[str, Node | None] = {}
        self._rendered: dict[int, str] = {}

    def find(self, request: str) -> Node | None:
        key = canonical(request)
        if key in self._cache:
            return self._cache[key]
        node = None if _DIAGNOSIS_REQUEST.search(key) else self.by_name.get(key) or self.by_path.get(key)
        if node is None and key and self._choices and not self._names_the_diagnosis(request, key):
            match = process.extractOne(key, self._choices, scorer=fuzz.token_sort_ratio, score_cutoff=self.threshold)
            name = match[0] if match is not None else self._containing(key)
            if name is not None:
                node = self.by_name.get(name) or self.by_path.get(name)
        self._cache[key] = node
        return node

    def result_text(self, request: str) -> str:
        node = self.find(request)
        if node is None:
            return missing_result(self.missing, request)
        text = self._rendered.get(id(node))
        if text is None:
            text = self._rendered[id(node)] = f"{RESULTS_PREFIX} {pretty_name(node.name)}: {render(node.value)}"
        return text

    def _names_the_diagnosis(self, request: str, key: str) -> bool:
        """The request asks for the diagnosis ('final diagnosis') or holds it (phrase or abbreviation):
        not a test name of this case, so no fuzzy match either (a report that mentions the diagnosis
        must be asked for by its name)."""
        return (
            bool(_DIAGNOSIS_REQUEST.search(key))
            or self.guard.leaks(request)
            or (bool(self._diagnosis_key) and f" {self._diagnosis_key} " in f" {key} ")
        )

    def _containing(self, key: str) -> str | None:
        """The shortest name holding every word of a request of two or more words
        ('skin biopsy' -> 'skin biopsy result')."""
        words = set(key.split())
        if len(words) < 2:
            return None
        holding = [choice for choice in self._choices if words <= set(choice.split())]
        return min(holding, key=len) if holding else None

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        return Reply(text=self.result_text(text), backend=self.backend)


class LLMMeasurement(LLMRoleMixin, AsyncRole):
    """A measurement reader played by a chat model over the case's exam and test record."""

    def __init__(
        self,
        case: Case,
        backend: ChatBackend,
        *,
        missing: MissingPolicy = "normal",
        config: GenerationConfig | None = None,
    ):
        self.case = case
        self.missing = missing
        record = {"Physical_Examination_Findings": case.exam, "Test_Results": case.tests}
        self.system_prompt = load_prompt("measurement").format(
            record=json.dumps(record, ensure_ascii=False, indent=1),
            missing=missing_result(missing, "<the test>"),
        )
        super().__init__(backend, config or GenerationConfig(max_tokens=512, temperature=0.0))

    def messages(self, text: str, history: Sequence[Turn]) -> list[Message]:
        return [
            Message(role="system", content=self.system_prompt),
            Message(role="user", content=f"The doctor requests: {text}"),
        ]

    def postprocess(self, text: str) -> str:
        text = text.strip()
        return text if text.upper().startswith(RESULTS_PREFIX) else f"{RESULTS_PREFIX} {text}"
