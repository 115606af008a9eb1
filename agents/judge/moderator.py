"""The moderator: a deterministic diagnosis matcher, and an LLM judge with a robust yes/no parse.

Both return a ``Verdict`` that records which judge decided and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.judge.diagnosis_names import forms, key
from agents.judge.diagnosis_vocabulary import Vocabulary
from agents.judge.match_layers import (
    NAME_LAYERS,
    Decision,
    Reading,
    differential,
    fuzzy,
    name_keys,
    same_letters,
)
from agents.judge.vocabulary_index import default_vocabulary
from agents.llm import reply_from
from agents.prompts import load_prompt
from agents.roles import DEFAULT_SYNC_TIMEOUT_S, run_sync
from agents.types import Verdict
from models.backends import ChatBackend, GenerationConfig, Message

MATCH_THRESHOLD = 90.0


def normalise_diagnosis(text: str) -> str:
    """The order-free key of a diagnosis without its bracketed part ('' when it names nothing)."""
    found = forms(text)
    return key(found[0]) if found else ""


class DiagnosisMatcher:
    """Deterministic judge, in layers: the same words after clean-ups; the same concept in MeSH or the
    project's lexicon (where 'X infection' also reads as X when X alone names a disease); a named subtype
    of a generic label; every word of the label named; a near-exact spelling. Numbers, letters, sides and
    negations must agree outside the concept layer."""

    name = "match"
    in_process = True

    def __init__(self, threshold: float = MATCH_THRESHOLD, vocabulary: Vocabulary | None = None):
        self.threshold = threshold
        self._vocabulary = vocabulary

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = default_vocabulary()
        return self._vocabulary

    def decide(self, diagnosis: str, correct: str) -> Decision:
        """Whether ``diagnosis`` names the condition ``correct`` names, and why: the layers of
        ``agents.judge.match_layers`` in order, the first that decides giving the verdict."""
        given_keys, expected_keys = name_keys(diagnosis), name_keys(correct)
        if not given_keys or not expected_keys:
            return False, "empty diagnosis"
        early = same_letters(diagnosis, correct) or differential(diagnosis, correct, self.vocabulary, self.decide)
        if early is not None:
            return early
        reading = Reading.of(diagnosis, correct, given_keys, expected_keys, self.vocabulary)
        for layer in NAME_LAYERS:
            decision = layer(reading)
            if decision is not None:
                return decision
        return fuzzy(reading, self.threshold)

    def judge(self, diagnosis: str, correct: str) -> Verdict:
        correct_, reason = self.decide(diagnosis, correct)
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
