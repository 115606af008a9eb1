"""Which cases a run, a training or an environment plays: the dataset, its folder, the split and how many.

``CaseSelection`` is the one settings model of this; ``RunSettings``, ``TrainSettings`` and ``ConsultationEnv``
reuse it instead of declaring the fields again, so a flag means the same everywhere and its default is written
once. Its first part, ``CaseSource`` (the dataset and its folder), serves those that pick a case themselves
(``PlaySettings``, ``agentclinic cases``).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, Field

from scenarios.registry import load_cases
from scenarios.schema import Case
from scenarios.split import DEFAULT_TEST_FRACTION, Split


class CaseSource(BaseModel):
    """A dataset and where its files are."""

    help_panel: ClassVar[str] = "Cases"
    """The group its flags are shown under in a command's help."""

    dataset: str = Field("demo", description="demo, medqa, medqa-ext, nejm, nejm-ext, mimiciv, or a .jsonl path.")
    data_dir: Path | None = Field(None, description="Folder with the case files (default: the download cache).")


class CaseSelection(CaseSource):
    """A dataset, where its files are, and which of its cases are played."""

    split: Split = Field("all", description="all, train or test (deterministic by case hash).")
    test_fraction: float = Field(
        DEFAULT_TEST_FRACTION, ge=0.0, le=1.0, description="Share of the cases in the test split (for --split)."
    )
    limit: int | None = Field(None, ge=1, description="Use only the first N cases.")

    def load_split(self, split: Split | None = None, *, seed: int = 0, cut: bool = True) -> list[Case]:
        """The cases of ``split`` (default: this selection's), the first ``limit`` of them unless ``cut`` is false
        (for callers that pick among them first). Raises ``DatasetError`` when the dataset cannot be read; an empty
        split is an empty list."""
        cases = load_cases(
            self.dataset, self.data_dir, split=split or self.split, test_fraction=self.test_fraction, seed=seed
        )
        return self.cut(cases) if cut else cases

    def cut(self, cases: list[Case]) -> list[Case]:
        """The first ``limit`` of ``cases`` (all of them without a limit)."""
        return cases[: self.limit] if self.limit else cases


def names_case(case_id: str, wanted: str) -> bool:
    """Whether ``wanted``, as a user writes a case id, names ``case_id``: the whole id (``medqa:3``) or, without a
    dataset, its number (``3``). A case's id is its dataset, a colon and its number, so the number follows the last
    colon (a .jsonl path may hold colons of its own)."""
    wanted = wanted.strip()
    return wanted == case_id or (":" not in wanted and case_id.rpartition(":")[2] == wanted)
