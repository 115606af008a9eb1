"""``RewardConfig``: what each event of a consultation is worth. The default is AgentClinic's 1 / 0."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field


class RewardConfig(BaseModel):
    """Rewards and penalties; penalties are given as positive numbers and subtracted."""

    correct: float = Field(1.0, description="Diagnosis judged correct.")
    wrong: float = Field(0.0, description="Diagnosis judged wrong.")
    test_cost: float = Field(0.0, ge=0, description="Subtracted for every test requested.")
    turn_penalty: float = Field(0.0, ge=0, description="Subtracted for every doctor turn.")
    malformed_penalty: float = Field(0.0, ge=0, description="Subtracted for an utterance the clinic cannot use.")
    no_diagnosis_penalty: float = Field(0.0, ge=0, description="Subtracted when the turn limit ends the episode.")


@dataclass(slots=True)
class RewardBreakdown:
    """Where an episode's (or a step's) reward came from; ``total`` is their sum."""

    outcome: float = 0.0
    tests: float = 0.0
    turns: float = 0.0
    malformed: float = 0.0
    no_diagnosis: float = 0.0

    @property
    def total(self) -> float:
        return self.outcome + self.tests + self.turns + self.malformed + self.no_diagnosis + 0.0  # never -0.0

    def add(self, other: RewardBreakdown) -> None:
        self.outcome += other.outcome
        self.tests += other.tests
        self.turns += other.turns
        self.malformed += other.malformed
        self.no_diagnosis += other.no_diagnosis

    def as_dict(self) -> dict[str, float]:
        """Each part and the total; a zero penalty reads 0.0, not -0.0 (adding 0.0 turns -0.0 into 0.0)."""
        parts = {
            "outcome": self.outcome,
            "tests": self.tests,
            "turns": self.turns,
            "malformed": self.malformed,
            "no_diagnosis": self.no_diagnosis,
            "total": self.total,
        }
        return {name: value + 0.0 for name, value in parts.items()}
