"""The moderator: a deterministic diagnosis matcher, and an LLM judge with a robust yes/no parse.

Both return a ``Verdict`` that records which judge decided and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from agents.llm import reply_from
from agents.prompts import load_prompt
from agents.roles import DEFAULT_SYNC_TIMEOUT_S, run_sync
from agents.types import Verdict
from models.backends import ChatBackend, GenerationConfig, Message

MATCH_THRESHOLD = 90.0
_PARENTHESISED = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_MARKER = re.compile(r"^(?:[a-z]|\w*\d\w*|left|right)$")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_PREFIX_MARKERS = ("hyper", "hypo")
FILLER = frozenset("the an of with due to disease disorder syndrome condition".split())

# Same condition, different words. Each group maps to its first entry.
DIAGNOSIS_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("myocardial infarction", "heart attack", "mi", "stemi", "nstemi"),
    ("cerebrovascular accident", "stroke", "cva"),
    ("tuberculosis", "tb"),
    ("deep vein thrombosis", "deep venous thrombosis", "dvt"),
    ("pulmonary embolism", "pulmonary embolus", "pe"),
    ("urinary tract infection", "uti"),
    ("gastroesophageal reflux", "gerd", "gord", "acid reflux"),
    ("chronic obstructive pulmonary", "copd"),
    ("systemic lupus erythematosus", "sle", "lupus"),
    ("human immunodeficiency virus infection", "hiv", "hiv infection"),
    ("diabetic ketoacidosis", "dka"),
    ("anemia", "anaemia"),
    ("hemorrhage", "haemorrhage"),
    ("edema", "oedema"),
    ("infectious mononucleosis", "mononucleosis", "glandular fever", "mono"),
    ("herpes zoster", "shingles"),
    ("acute kidney injury", "acute renal failure", "aki"),
    ("subarachnoid hemorrhage", "sah"),
    ("transient ischemic attack", "tia"),
    ("irritable bowel", "ibs"),
    ("multiple sclerosis", "ms"),
)
_SYNONYM_OF: dict[str, str] = {name: group[0] for group in DIAGNOSIS_SYNONYMS for name in group}
_SYNONYM_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _SYNONYM_OF), key=len, reverse=True)) + r")\b")


def normalise_diagnosis(text: str) -> str:
    """Lowercase, drop parenthesised parts and punctuation, map synonyms, drop filler, sort the words."""
    text = _NON_WORD.sub(" ", _PARENTHESISED.sub(" ", text.lower().replace("'s", ""))).strip()
    text = _SYNONYM_PATTERN.sub(lambda match: _SYNONYM_OF[match.group(1)], text)
    words = text.split()
    if words and words[0] == "a":
        words = words[1:]  # a leading article; 'hepatitis a' keeps its letter
    after_type = {i + 1 for i, word in enumerate(words) if word == "type"}
    words = [
        _ROMAN.get(word, word) if i in after_type or word in {"ii", "iii", "iv"} else word
        for i, word in enumerate(words)
    ]
    return " ".join(sorted(word for word in words if word not in FILLER))


def _markers(normalised: str) -> set[str]:
    """What tells subtypes apart and must agree: numbers ('type 1', 'b12'), single letters ('hepatitis a'),
    sides, and hyper/hypo prefixes."""
    words = normalised.split()
    markers = {word for word in words if _MARKER.match(word)}
    markers |= {prefix for word in words for prefix in _PREFIX_MARKERS if word.startswith(prefix)}
    return markers


class DiagnosisMatcher:
    """Deterministic judge: same normalised words, or a fuzzy score over the threshold with the same
    numbers and sides."""

    name = "match"

    def __init__(self, threshold: float = MATCH_THRESHOLD):
        self.threshold = threshold

    def judge(self, diagnosis: str, correct: str) -> Verdict:
        given, expected = normalise_diagnosis(diagnosis), normalise_diagnosis(correct)
        if not given:
            correct_, reason = False, "empty diagnosis"
        elif given == expected:
            correct_, reason = True, f"same after normalising: '{expected}'"
        elif _markers(given) != _markers(expected):
            correct_, reason = (
                False,
                f"numbers or sides differ: {sorted(_markers(given))} vs {sorted(_markers(expected))}",
            )
        elif set(expected.split()) <= set(given.split()):
            correct_, reason = True, f"names every word of '{expected}' (more specific is fine)"
        else:
            score = fuzz.token_sort_ratio(given, expected)
            correct_ = score >= self.threshold
            relation = ">=" if correct_ else "<"
            reason = f"fuzzy score {score:.0f} {relation} {self.threshold:.0f} ('{given}' vs '{expected}')"
        return Verdict(correct=correct_, judge=self.name, reason=reason, diagnosis=diagnosis, correct_diagnosis=correct)

    async def ajudge(self, diagnosis: str, correct: str) -> Verdict:
        return self.judge(diagnosis, correct)


_NEGATED = r"(?:not|isn't|aren't)\s+(?:\w+\s+){0,2}?(?:same|correct)"
_YES_NO = re.compile(rf"\b({_NEGATED}|yes|no|same|different|correct|incorrect)\b")
_YES_WORDS = {"yes", "same", "correct"}


def parse_yes_no(text: str) -> bool | None:
    """The first yes/no word of a judge's reply: 'Yes.', '**Yes**', 'yes, they are the same' are all yes."""
    match = _YES_NO.search(re.sub(r"[*_`#>]", " ", text.lower()))
    return None if match is None else match.group(1) in _YES_WORDS


class LLMModerator:
    """An LLM judge asked whether two diagnoses are the same condition; its reply is parsed robustly."""

    sync_timeout_s: float | None = DEFAULT_SYNC_TIMEOUT_S

    def __init__(self, backend: ChatBackend, *, config: GenerationConfig | None = None):
        self.chat_backend = backend
        self.config = config or GenerationConfig(max_tokens=16, temperature=0.0)

    @property
    def name(self) -> str:
        return f"llm:{self.chat_backend.name}"

    def messages(self, diagnosis: str, correct: str) -> Sequence[Message]:
        prompt = load_prompt("moderator").format(correct=correct, diagnosis=diagnosis)
        return [Message(role="user", content=prompt)]

    async def ajudge(self, diagnosis: str, correct: str) -> Verdict:
        completion = await self.chat_backend.chat(self.messages(diagnosis, correct), self.config)
        decision = parse_yes_no(completion.text)
        reason = f"judge replied {completion.text.strip()[:80]!r}"
        if decision is None:
            reason += " (no yes/no found: counted as not the same)"
        return Verdict(
            correct=bool(decision),
            judge=self.name,
            reason=reason,
            diagnosis=diagnosis,
            correct_diagnosis=correct,
            reply=reply_from(completion),
        )

    def judge(self, diagnosis: str, correct: str) -> Verdict:
        return run_sync(self.ajudge(diagnosis, correct), self.sync_timeout_s)
