"""Agreement between a judge and labelled (diagnosis, truth, same?) pairs: the numbers a judge is trusted on.

Used by ``benchmarks/judge_agreement.py`` on the project's labelled set and by ``agentclinic judge
agreement`` on a run's diagnoses re-judged by an LLM.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel


class LabelledPair(BaseModel):
    diagnosis: str
    truth: str
    same: bool
    kind: str = ""
    source: str = ""

    @property
    def held_out(self) -> bool:
        """Held out by truth (a third of the diagnoses), so held-out diagnoses are never seen while tuning."""
        return int(hashlib.sha256(self.truth.strip().lower().encode()).hexdigest(), 16) % 3 == 0


class Agreement(BaseModel):
    pairs: int = 0
    agree: int = 0
    false_accepts: int = 0
    false_rejects: int = 0
    positives: int = 0
    negatives: int = 0

    @property
    def rate(self) -> float:
        return self.agree / self.pairs if self.pairs else 0.0

    @property
    def false_accept_rate(self) -> float:
        """False accepts over all pairs."""
        return self.false_accepts / self.pairs if self.pairs else 0.0

    def add(self, expected: bool, decided: bool) -> None:
        self.pairs += 1
        self.positives += expected
        self.negatives += not expected
        self.agree += expected == decided
        self.false_accepts += decided and not expected
        self.false_rejects += expected and not decided

    def line(self) -> str:
        return (
            f"{self.pairs} pairs: agreement {self.rate:.1%}, false accepts {self.false_accepts} "
            f"({self.false_accept_rate:.1%}), false rejects {self.false_rejects}"
        )


def read_pairs(path: Path) -> list[LabelledPair]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            LabelledPair(
                diagnosis=row["diagnosis"],
                truth=row["truth"],
                same=row["same"].strip().lower() == "yes",
                kind=row.get("kind", ""),
                source=row.get("source", ""),
            )
            for row in csv.DictReader(handle)
        ]


def measure(decisions: Iterable[tuple[bool, bool]]) -> Agreement:
    """(expected, decided) pairs -> agreement."""
    agreement = Agreement()
    for expected, decided in decisions:
        agreement.add(expected, decided)
    return agreement
