"""The ``Case`` model every dataset normalises into, and the raw record schemas it is built from.

Two upstream shapes exist:

* OSCE (AgentClinic MedQA, MedQA-Ext, MIMIC-IV and this project's demo cases):
  ``{"OSCE_Examination": {Objective_for_Doctor, Patient_Actor, Physical_Examination_Findings,
  Test_Results, Correct_Diagnosis}}``
* NEJM (NEJM, NEJM-Ext): ``{image_url, question, patient_info, physical_exams, answers: [{text, correct}]}``

The raw record is kept on the case so prompts can render exactly what the upstream file holds.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, field_validator

NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
FindingsTree = dict[str, JsonValue]
"""A nested tree of findings: keys are names (``Vital_Signs``), leaves are text (or numbers, lists)."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class OsceExamination(_Strict):
    Objective_for_Doctor: NonEmptyText
    Patient_Actor: FindingsTree
    Physical_Examination_Findings: FindingsTree
    Test_Results: FindingsTree = Field(default_factory=dict)
    Correct_Diagnosis: NonEmptyText


class OsceRecord(_Strict):
    OSCE_Examination: OsceExamination


class NejmAnswer(_Strict):
    text: NonEmptyText
    correct: bool


class NejmRecord(_Strict):
    question: NonEmptyText
    patient_info: NonEmptyText
    physical_exams: str
    answers: Annotated[list[NejmAnswer], Field(min_length=2)]
    image_url: str | None = None

    @field_validator("answers")
    @classmethod
    def _exactly_one_correct(cls, answers: list[NejmAnswer]) -> list[NejmAnswer]:
        n_correct = sum(answer.correct for answer in answers)
        if n_correct != 1:
            raise ValueError(f"exactly one answer must be correct, found {n_correct}")
        return answers


SchemaName = Literal["osce", "nejm"]


class Case(BaseModel):
    """One consultation case, whatever file it came from."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable id: '<dataset>:<index>' (0-based record index in the file).")
    content_hash: str = Field(description="First 16 hex digits of the sha256 of the raw record.")
    dataset: str
    index: int
    schema_name: SchemaName
    objective: str = Field(description="What the doctor is asked to do.")
    patient: FindingsTree = Field(description="What the patient knows about themselves.")
    exam: FindingsTree = Field(description="Physical-examination findings.")
    tests: FindingsTree = Field(default_factory=dict, description="Test results (may be empty).")
    diagnosis: str = Field(description="The correct diagnosis.")
    options: list[str] | None = Field(default=None, description="NEJM answer options.")
    image_url: str | None = None
    credentialed: bool = Field(
        default=False,
        description="Credentialed data (MIMIC-IV): must not reach a remote API without the user's consent.",
    )
    raw: dict[str, Any] = Field(repr=False, description="The record exactly as the file held it.")

    @property
    def demographics(self) -> str:
        value = self.patient.get("Demographics")
        return value if isinstance(value, str) else ""


CREDENTIALED_FILE_PREFIX = "agentclinic_mimic"


def file_is_credentialed(path: Path) -> bool:
    """AgentClinic's MIMIC-IV file (``agentclinic_mimiciv.jsonl``), under whatever folder or dataset name."""
    return path.name.lower().startswith(CREDENTIALED_FILE_PREFIX)


def record_is_credentialed(raw: dict[str, Any]) -> bool:
    """A record whose ``_meta`` says it was built from MIMIC (``source`` naming MIMIC, or ``credentialed: true``)."""
    meta = raw.get("_meta")
    if not isinstance(meta, dict):
        return False
    source = meta.get("source")
    return meta.get("credentialed") is True or (isinstance(source, str) and "mimic" in source.lower())


def content_hash(raw: dict[str, Any]) -> str:
    """Hash of a record's content, independent of key order and whitespace in the file."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def detect_schema(raw: dict[str, Any]) -> SchemaName | None:
    if "OSCE_Examination" in raw:
        return "osce"
    if "question" in raw and "answers" in raw:
        return "nejm"
    return None


def case_from_osce(record: OsceRecord, raw: dict[str, Any], dataset: str, index: int) -> Case:
    exam = record.OSCE_Examination
    return Case(
        id=f"{dataset}:{index}",
        content_hash=content_hash(raw),
        dataset=dataset,
        index=index,
        schema_name="osce",
        objective=exam.Objective_for_Doctor,
        patient=exam.Patient_Actor,
        exam=exam.Physical_Examination_Findings,
        tests=exam.Test_Results,
        diagnosis=exam.Correct_Diagnosis,
        raw=raw,
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def nejm_objective(question: str) -> str:
    """The ask at the end of a NEJM question ('What is the most likely diagnosis?', 'What is the cause…?')."""
    sentences = _SENTENCE_END.split(question.strip())
    asks = [s for s in sentences if s.rstrip().endswith("?")]
    ask = asks[-1] if asks else "What is the most likely diagnosis?"
    return f"Interview the patient, order the tests you need, and answer: {ask}"


def case_from_nejm(record: NejmRecord, raw: dict[str, Any], dataset: str, index: int) -> Case:
    correct = next(answer.text for answer in record.answers if answer.correct)
    return Case(
        id=f"{dataset}:{index}",
        content_hash=content_hash(raw),
        dataset=dataset,
        index=index,
        schema_name="nejm",
        objective=nejm_objective(record.question),
        patient={"Patient_Info": record.patient_info},
        exam={"Physical_Exams": record.physical_exams} if record.physical_exams.strip() else {},
        tests={},
        diagnosis=correct,
        options=[answer.text for answer in record.answers],
        image_url=record.image_url,
        raw=raw,
    )
