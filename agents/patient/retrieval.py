"""The retrieval patient: answers in the first person from the case's facts, never naming the diagnosis."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.patient.facts import Fact
from agents.patient.knowledge import case_knowledge, intent_pool
from agents.patient.questions import DIAGNOSIS_CUES, OTHER_SYMPTOMS, SOCIAL_ASKED, intents_of, question_parts
from agents.patient.word_stems import GENERIC_ASKED, content_stems
from agents.roles import DeterministicRole
from agents.types import Reply, Turn
from scenarios import Case

DONT_KNOW = "I'm not sure about that, doctor."
DONT_KNOW_DIAGNOSIS = "I don't know what it is. That's why I came to see you."
# What the patient says when the chart holds nothing for the kind of question asked.
NOTHING: dict[str, str] = {
    "family": "Not that I know of.",
    "allergy": "No allergies that I know of.",
    "medication": "I'm not on any regular medications that I know of.",
    "past": "Nothing significant that I can think of.",
    "surgery": "I haven't had any operations that I know of.",
    "social": "Nothing worth mentioning, I think.",
    "onset": "I'm not sure exactly when it started.",
    "modifiers": "I haven't noticed anything that makes it better or worse.",
}
# The word opening a part of a question ('Have you…', 'and do you…'), which its short 'no' follows.
_PART_OPENING = re.compile(
    r"^\W*(?:so|and|or|also|plus|but)?\s*(have|has|had|do|does|did|are|is|was|were|any)\b", re.IGNORECASE
)
# A short 'no' to a part of a question the chart holds nothing for, by the question's opening word.
_SHORT_NO: dict[str, str] = {
    "have": "No, I haven't, as far as I know.",
    "has": "No, not that I know of.",
    "had": "No, not that I know of.",
    "do": "No, I don't think so.",
    "does": "No, I don't think so.",
    "did": "No, I don't think so.",
    "are": "No, I don't think so.",
    "is": "No, I don't think so.",
    "was": "No, I don't think so.",
    "were": "No, I don't think so.",
    "any": "Not that I know of.",
}
_ANSWER_CACHE_SIZE = 512


def _choose(pools: list[list[Fact]], budget: int, per_pool: int | None = None) -> list[list[Fact]]:
    """Facts from each pool in turn (one from each, then a second from each…) until ``budget`` facts are
    chosen, each pool has given ``per_pool`` or the pools run dry, never a fact that repeats one chosen."""
    chosen: list[list[Fact]] = [[] for _ in pools]
    taken: list[Fact] = []
    progressed = True
    while budget > 0 and progressed:
        progressed = False
        for pool, picked in zip(pools, chosen, strict=True):
            if per_pool is not None and len(picked) >= per_pool:
                continue
            fact = next((fact for fact in pool if not _near_duplicate(fact, taken)), None)
            if budget > 0 and fact is not None:
                picked.append(fact)
                taken.append(fact)
                budget -= 1
                progressed = True
    return chosen


def _near_duplicate(fact: Fact, chosen: list[Fact]) -> bool:
    """Is, or says mostly what says, a fact already chosen (the history paragraph repeats the past history)."""
    return any(
        fact is other or len(fact.words & other.words) > 0.6 * min(len(fact.words), len(other.words))
        for other in chosen
    )


class RetrievalPatient(DeterministicRole):
    """Answers in the first person from the case facts of the kind the question asks about (family,
    habits, medications, past history, onset, what helps or worsens, symptoms); for anything else,
    from the facts most similar to the question (lexical overlap weighted by rarity). Says plainly
    when the chart holds nothing of the kind asked, and that it does not know when nothing fits."""

    backend = "retrieval"

    def __init__(self, case: Case, *, max_facts: int = 2):
        self.case = case
        self.max_facts = max_facts
        knowledge = case_knowledge(case)
        self.guard = knowledge.guard
        self.facts = knowledge.facts
        self.idf = knowledge.idf
        self.pools = knowledge.pools
        self._answers: dict[str, str] = {}

    def _pool(self, intent: str, kinds: frozenset[str] = frozenset()) -> list[Fact]:
        """The facts answering an intent (see ``intent_pool``)."""
        return intent_pool(self.facts, intent, kinds)

    def score(self, fact: Fact, stems: set[str]) -> float:
        return sum(self.idf.get(stem, 0.0) for stem in stems & fact.stems)

    def respond(self, text: str, history: Sequence[Turn]) -> Reply:
        answer = self._answers.get(text)
        if answer is None:
            if len(self._answers) >= _ANSWER_CACHE_SIZE:
                self._answers.clear()
            answer = self._answers[text] = self.answer(text)
        return Reply(text=answer, backend=self.backend)

    def answer(self, question: str) -> str:
        if DIAGNOSIS_CUES.search(question):
            return DONT_KNOW_DIAGNOSIS
        parts = question_parts(question)
        if len(parts) > 1:
            return self._answer_parts(parts)
        intents = intents_of(question)
        if not intents:
            return self._closest(question)
        pools = [self._pool_for(intent, question) for intent in intents]
        said: list[str] = []
        for intent, pool, chosen in zip(intents, pools, _choose(pools, self.max_facts), strict=True):
            if chosen:
                said += [fact.spoken for fact in sorted(chosen, key=lambda fact: fact.order)]
            elif not pool and intent in NOTHING:
                said.append(NOTHING[intent])
        return self.guard.scrub(" ".join(said)) if said else self._closest(question)

    def _answer_parts(self, parts: list[str]) -> str:
        """A question of several parts ('Do you drink, and have you had gallstones?'): each part answered in
        turn from the facts of its kind (or, asking about nothing in particular, the facts most like it),
        the ``max_facts`` shared among the parts and at least one a part; a part the chart holds nothing
        for gets 'no' or 'not sure'."""
        asked = [(part, intents_of(part)) for part in parts]
        pools = [self._part_pool(part, intents) for part, intents in asked]
        said: list[str] = []
        per_part = max(1, self.max_facts // len(parts))
        chosen_facts = _choose(pools, per_part * len(parts), per_part)
        for (part, intents), pool, chosen in zip(asked, pools, chosen_facts, strict=True):
            if chosen:
                said += [fact.spoken for fact in sorted(chosen, key=lambda fact: fact.order)]
            elif not pool:
                said.append(self._nothing_for(part, intents))
        return self.guard.scrub(" ".join(said))

    def _part_pool(self, part: str, intents: list[str]) -> list[Fact]:
        """The facts answering one part of a question: its kinds' facts taken in turn, or the closest."""
        if not intents:
            return self._closest_facts(part)
        pools = [self._pool_for(intent, part) for intent in intents]
        merged: list[Fact] = []
        for rank in range(max(len(pool) for pool in pools)):
            merged += [pool[rank] for pool in pools if rank < len(pool) and pool[rank] not in merged]
        return merged

    def _nothing_for(self, part: str, intents: list[str]) -> str:
        """What the patient says to a part the chart holds nothing for: the plain 'nothing' of its kind, or a
        short 'no' (or 'not sure' for an open question) shaped by the question's words only, never by the
        case, so that the answer tells nothing about the diagnosis."""
        for intent in intents:
            if intent in NOTHING:
                return NOTHING[intent]
        opening = _PART_OPENING.match(part)
        return _SHORT_NO.get(opening.group(1).lower() if opening else "", DONT_KNOW)

    def _pool_for(self, intent: str, question: str) -> list[Fact]:
        if intent == "social":
            kinds = frozenset(kind for kind, pattern in SOCIAL_ASKED.items() if pattern.search(question))
            return self._pool(intent, kinds) if kinds else self.pools[intent]
        if intent == "symptoms" and OTHER_SYMPTOMS.search(question):
            return [fact for fact in self.pools[intent] if fact.section == "symptom"] or self.pools[intent]
        return self.pools[intent]

    def _closest_facts(self, question: str) -> list[Fact]:
        """The facts most similar to the question, most similar first (at most ``max_facts``). Words any
        question may use ('changes', 'problems', 'recently') do not count: 'Any changes in your vision?'
        is not answered by 'No dietary changes'."""
        stems = content_stems(question) - GENERIC_ASKED
        scored = [(self.score(fact, stems), fact) for fact in self.facts if fact.section != "demographics"]
        best = sorted((item for item in scored if item[0] > 0.5), key=lambda item: -item[0])[: self.max_facts]
        return [fact for _, fact in best]

    def _closest(self, question: str) -> str:
        """The facts most similar to the question, in case order; 'not sure' when none is."""
        best = self._closest_facts(question)
        if not best:
            return DONT_KNOW
        chosen = sorted(best, key=lambda fact: fact.order)
        return self.guard.scrub(" ".join(fact.spoken for fact in chosen))
