"""Episode records and the run's ``transcripts.jsonl``: append-only, one whole line per finished episode.

Each line is flushed as it is written, so a crash loses at most the episode being written; a
truncated or unreadable last line is detected, reported and dropped when the file is read or resumed.
The file is plain JSON lines: ``datasets.load_dataset("json", data_files=…)`` reads it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel, Field, ValidationError

from agentclinic_sim.exam_score import ExamScore
from agents.doctor import DoctorPrompt
from agents.patient.feedback import PatientFeedback
from agents.protocol import DEFAULT_MAX_TURNS
from agents.types import Turn, Verdict

TRANSCRIPTS = "transcripts.jsonl"
SUMMARY = "summary.json"


class EpisodeRecord(BaseModel):
    """One finished (or failed) consultation."""

    case_id: str
    dataset: str
    sample: int = 0
    seed: int | None = None
    backends: dict[str, str] = Field(default_factory=dict, description="role -> backend that played it")
    objective: str = ""
    options: list[str] | None = Field(None, description="The case's answer options, when the doctor was shown them.")
    doctor_prompt: DoctorPrompt | None = Field(
        None, description="How the doctor's prompt was rendered; with objective, options and max_turns it rebuilds it."
    )
    image: Literal["image", "text"] | None = Field(
        None, description="What the doctor got of the case's image: the image, its published text, or nothing."
    )
    turns: list[Turn] = Field(default_factory=list)
    diagnosis: str | None = None
    correct_diagnosis: str = ""
    verdict: Verdict | None = None
    judge: str | None = None
    correct: bool | None = Field(None, description="None when the episode errored")
    reward: float = 0.0
    reward_breakdown: dict[str, float] = Field(default_factory=dict)
    turns_used: int = 0
    max_turns: int = DEFAULT_MAX_TURNS
    tests_requested: list[str] = Field(default_factory=list)
    exam: ExamScore | None = Field(
        None, description="The test requests against the tests the case lists; None when it lists none (or older runs)."
    )
    terminated: bool = False
    truncated: bool = False
    error: str | None = None
    resumed_at_turn: int | None = Field(
        None, description="For an episode continued from its checkpoint after a kill: the turn it continued from."
    )
    started_at: float = 0.0
    wall_s: float = 0.0
    mode: Literal["consultation", "vignette"] | None = Field(
        None, description="consultation, or vignette (the whole case read at once); None in older runs."
    )
    patient_feedback: PatientFeedback | None = Field(
        None, description="The LLM patient's view of the doctor after the consultation (--patient-feedback)."
    )

    @property
    def key(self) -> tuple[str, int]:
        return (self.case_id, self.sample)

    def tokens_by_role(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for turn in self.turns:
            totals[turn.role] = totals.get(turn.role, 0) + turn.prompt_tokens + turn.completion_tokens
        if self.patient_feedback is not None:
            reply = self.patient_feedback.reply
            totals["patient"] = totals.get("patient", 0) + reply.prompt_tokens + reply.completion_tokens
        return totals


def transcript_path(path: Path) -> Path:
    """A run folder or a transcript file -> the transcript file."""
    return path / TRANSCRIPTS if path.is_dir() else path


def iter_records(path: Path, *, on_bad_line: Callable[[int, str], None] | None = None) -> Iterator[EpisodeRecord]:
    """Stream the records of a transcript file (constant memory). Unreadable lines are skipped; each
    is reported to ``on_bad_line(line_number, reason)`` when given."""
    yield from (record for _, record in _numbered_records(path, on_bad_line))


def iter_latest_records(
    path: Path, *, on_bad_line: Callable[[int, str], None] | None = None
) -> Iterator[EpisodeRecord]:
    """Like ``iter_records``, but each (case, sample) once: its last record in the file (its latest
    outcome). Two passes over the file; memory grows with the number of keys, not of records."""
    last_line: dict[tuple[str, int], int] = {}
    with transcript_path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            key = _line_key(line)
            if key is not None:
                last_line[key] = number
    latest = set(last_line.values())
    numbered = _numbered_records(path, on_bad_line)
    yield from (record for number, record in numbered if number in latest)


def _numbered_records(
    path: Path, on_bad_line: Callable[[int, str], None] | None
) -> Iterator[tuple[int, EpisodeRecord]]:
    with transcript_path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, EpisodeRecord.model_validate_json(line)
            except ValidationError as exc:
                if on_bad_line is not None:
                    reason = "truncated line (no newline at end)" if not line.endswith("\n") else exc.errors()[0]["msg"]
                    on_bad_line(number, reason)


def _line_key(line: str) -> tuple[str, int] | None:
    """(case id, sample) of a whole JSON line, or None for a partial or unreadable one."""
    if not line.endswith("\n"):
        return None
    try:
        record = json.loads(line)
        return (record["case_id"], int(record.get("sample", 0)))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        return None


def remove_records(path: Path, predicate: Callable[[EpisodeRecord], bool], moved_to: Path) -> int:
    """Move the records matching ``predicate`` from ``path`` to the end of ``moved_to``; returns how many.

    The moved lines are appended and synced first, then ``path`` is replaced atomically by its remaining
    lines, so a crash at any point loses no record (at worst one sits in both files)."""
    if not path.exists():
        return 0
    repair_tail(path)
    kept = path.with_name(path.name + ".tmp")
    removed: list[str] = []
    with path.open(encoding="utf-8") as source, kept.open("w", encoding="utf-8") as keep:
        for line in source:
            if line.strip() and _matches(line, predicate):
                removed.append(line)
            else:
                keep.write(line)
        keep.flush()
        os.fsync(keep.fileno())
    if not removed:
        kept.unlink()
        return 0
    with moved_to.open("a", encoding="utf-8") as archive:
        archive.writelines(removed)
        archive.flush()
        os.fsync(archive.fileno())
    os.replace(kept, path)
    return len(removed)


def _matches(line: str, predicate: Callable[[EpisodeRecord], bool]) -> bool:
    try:
        return predicate(EpisodeRecord.model_validate_json(line))
    except ValidationError:
        return False


def repair_tail(path: Path) -> int:
    """Cut a partial last line (a crash mid-write) off the file; returns how many bytes were dropped."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with path.open("rb+") as handle:
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return 0
        block = min(size, 1 << 20)
        handle.seek(size - block)
        tail = handle.read(block)
        cut = tail.rfind(b"\n")
        keep = size - block + cut + 1 if cut != -1 else 0
        handle.truncate(keep)
        return size - keep


def completed_keys(path: Path) -> set[tuple[str, int]]:
    """(case id, sample) of every whole record already in the file."""
    if not path.exists():
        return set()
    with path.open(encoding="utf-8") as handle:
        return {key for key in map(_line_key, handle) if key is not None}


class TranscriptWriter:
    """Appends whole records, one line each, flushed to the OS as soon as written."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        repair_tail(path)
        self._handle: TextIO = path.open("a", encoding="utf-8")

    def write(self, record: EpisodeRecord) -> None:
        self._handle.write(record.model_dump_json() + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> TranscriptWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
