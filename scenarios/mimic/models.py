"""The facts that cross from the tables to the case writer (and to a narrator), and the build report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Admission(_Frozen):
    """One chosen admission with its primary diagnosis and the window its results must fall in."""

    rank: int = Field(description="Position in the seeded order (1-based).")
    subject_id: str
    hadm_id: str
    admittime: str
    window_start: str = Field(description="ED registration when earlier than admission, else admission.")
    window_end: str = Field(description="Discharge.")
    admission_type: str | None = None
    admission_location: str | None = None
    gender: str | None = None
    age: int | None = None
    icd_code: str
    icd_version: str
    title: str = Field(description="long_title of the seq_num = 1 code: the correct diagnosis.")


class Finding(_Frozen):
    """One leaf of a findings tree: ``tree[group][name] = text`` (``group`` empty for a top-level leaf)."""

    group: str
    name: str
    text: str


class EdVisit(_Frozen):
    """The ED stay that led to the admission: what the patient came with, and triage's vitals."""

    chief_complaint: str | None = None
    arrival_transport: str | None = None
    vitals: list[Finding] = Field(default_factory=list)


class CaseFacts(_Frozen):
    """Everything the case writer needs for one admission."""

    admission: Admission
    labs: list[Finding] = Field(default_factory=list)
    micro: list[Finding] = Field(default_factory=list)
    outpatient_vitals: list[Finding] = Field(default_factory=list)
    ed: EdVisit | None = None
    other_titles: list[str] = Field(default_factory=list, description="Other ICD titles, DRGs, procedures.")


class NarrationFacts(_Frozen):
    """What a narrator may see: the patient's side of the record only (no results, no codes, no titles)."""

    demographics: str
    chief_complaint: str | None
    arrival: str
    presentation: str


Narrator = Callable[[NarrationFacts], str]
"""Writes ``History`` prose from the facts; the builder keeps it only when the leak guard passes it."""


class BuildReport(BaseModel):
    """What a build did: cases written, admissions skipped (by reason), facts withheld by the leak guard."""

    out: Path
    candidates: int = 0
    written: int = 0
    considered: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    withheld_facts: int = 0
    narrated: int = 0
    narration_rejected: int = 0
    ed_module: bool = False

    def skip(self, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count
