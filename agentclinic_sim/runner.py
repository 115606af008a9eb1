"""Benchmark runs: many consultations at once (asyncio, a semaphore of ``concurrency``), each finished
episode appended to ``transcripts.jsonl``, resumable, summarised into ``summary.json``.

An episode whose backend fails for good (after its retries) is recorded with its error and counted
apart — never as a wrong diagnosis — and the run goes on.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from agentclinic_sim.consultation import astep, start
from agentclinic_sim.metrics import RunSummary, summarise_file
from agentclinic_sim.privacy import MimicPrivacyError, check_mimic_privacy
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.transcript import (
    SUMMARY,
    TRANSCRIPTS,
    EpisodeRecord,
    TranscriptWriter,
    completed_keys,
    iter_records,
)
from agents.biases import DoctorBias, PatientBias
from agents.cast import CastSpec
from agents.doctor import BackendDoctor, DoctorFormat, OracleDoctor
from agents.measurement import MissingPolicy
from models.backends import ChatBackend, GenerationConfig
from models.backends.medgemma import DOCTOR_GENERATION
from models.backends.uri import backend_from_uri
from scenarios import Case, load_cases
from scenarios.split import DEFAULT_TEST_FRACTION, Split

DETERMINISTIC = {"patient": "retrieval", "measurement": "lookup", "moderator": "match", "doctor": "oracle"}
TINY_MAX_TOKENS = 48
RUN_SETTINGS = "run.json"


class RunSettings(BaseModel):
    """Everything that defines a run; saved as ``run.json`` beside the transcripts."""

    dataset: str = "demo"
    data_dir: Path | None = None
    split: Split = "all"
    test_fraction: float = DEFAULT_TEST_FRACTION
    limit: int | None = Field(None, ge=1)
    case_ids: list[str] | None = None
    doctor: str = "tiny"
    patient: str = "retrieval"
    measurement: str = "lookup"
    moderator: str = "match"
    doctor_format: DoctorFormat = "chat"
    doctor_bias: DoctorBias | None = None
    patient_bias: PatientBias | None = None
    missing: MissingPolicy = "normal"
    max_turns: int = Field(20, ge=1)
    samples: int = Field(1, ge=1)
    concurrency: int = Field(16, ge=1)
    seed: int = 0
    temperature: float = Field(0.0, ge=0.0)
    max_tokens: int | None = Field(None, ge=1)
    rewards: RewardConfig = Field(default_factory=RewardConfig)
    api_key_env: str = "OPENAI_API_KEY"
    max_retries: int = Field(4, ge=0)
    timeout_s: float = Field(120.0, gt=0)
    load_in_4bit: bool = False
    out: Path = Path("runs/latest")
    resume: bool = False
    allow_remote_mimic: bool = False

    @field_validator("case_ids")
    @classmethod
    def _strip(cls, value: list[str] | None) -> list[str] | None:
        return [item.strip() for item in value if item.strip()] if value else None

    def doctor_generation(self) -> GenerationConfig:
        default = TINY_MAX_TOKENS if self.doctor.startswith("tiny") else DOCTOR_GENERATION.max_tokens
        return GenerationConfig(max_tokens=self.max_tokens or default, temperature=self.temperature)


class RunError(Exception):
    """The run cannot start (bad settings, no cases, MIMIC data bound for a remote API)."""


class Progress(BaseModel):
    total: int
    done: int = 0
    correct: int = 0
    errored: int = 0
    skipped: int = 0

    @property
    def accuracy(self) -> float | None:
        finished = self.done - self.errored
        return self.correct / finished if finished else None


ProgressHook = Callable[[Progress, EpisodeRecord | None], None]


def select_cases(settings: RunSettings) -> list[Case]:
    cases = load_cases(settings.dataset, settings.data_dir, split=settings.split, test_fraction=settings.test_fraction)
    if not cases:
        raise RunError(f"no cases in {settings.dataset} (split={settings.split})")
    if settings.case_ids:
        wanted = {case_id if ":" in case_id else f"{cases[0].dataset}:{case_id}" for case_id in settings.case_ids}
        by_id = {case.id: case for case in cases}
        missing = sorted(wanted - by_id.keys())
        if missing:
            raise RunError(f"unknown case id(s): {', '.join(missing)} (ids look like {cases[0].id})")
        cases = [case for case in cases if case.id in wanted]
    if settings.limit:
        cases = cases[: settings.limit]
    return cases


class Runner:
    """Builds the backends once, then runs every (case, sample) not yet in the transcript."""

    def __init__(self, settings: RunSettings, backends: dict[str, ChatBackend] | None = None):
        """``backends`` may supply ready-made backends for some URIs (e.g. a terminal UI for ``human``)."""
        self.settings = settings
        self.cases = select_cases(settings)
        try:
            check_mimic_privacy(self.cases, self.backend_names(), settings.allow_remote_mimic)
        except MimicPrivacyError as exc:
            raise RunError(str(exc)) from None
        self._backends: dict[str, ChatBackend] = dict(backends or {})
        role_uri = {role: getattr(settings, role) for role in ("patient", "measurement", "moderator")}
        role_backend = {
            role: uri if uri == DETERMINISTIC[role] else self.backend(uri) for role, uri in role_uri.items()
        }
        self.cast_spec = CastSpec(
            patient=role_backend["patient"],  # type: ignore[arg-type]
            measurement=role_backend["measurement"],  # type: ignore[arg-type]
            moderator=role_backend["moderator"],  # type: ignore[arg-type]
            missing=settings.missing,
            patient_bias=settings.patient_bias,
        )
        self.doctor_backend = None if settings.doctor == DETERMINISTIC["doctor"] else self.backend(settings.doctor)
        self.out = settings.out
        self.transcripts = self.out / TRANSCRIPTS

    def backend(self, uri: str) -> ChatBackend:
        """One backend per distinct URI (roles on the same server share a client)."""
        if uri not in self._backends:
            settings = self.settings
            self._backends[uri] = backend_from_uri(
                uri,
                api_key_env=settings.api_key_env,
                load_in_4bit=settings.load_in_4bit,
                max_retries=settings.max_retries,
                timeout_s=settings.timeout_s,
            )
        return self._backends[uri]

    async def aclose(self) -> None:
        """Close backend clients on the loop that made them (no 'event loop is closed' noise later)."""
        for backend in self._backends.values():
            close = getattr(backend, "aclose", None)
            if close is not None:
                await close()

    def backend_names(self) -> dict[str, str]:
        return {role: getattr(self.settings, role) for role in ("doctor", "patient", "measurement", "moderator")}

    def todo(self) -> list[tuple[Case, int]]:
        done = completed_keys(self.transcripts) if self.settings.resume else set()
        return [
            (case, sample)
            for case in self.cases
            for sample in range(self.settings.samples)
            if (case.id, sample) not in done
        ]

    async def episode(self, case: Case, sample: int) -> EpisodeRecord:
        settings = self.settings
        seed = settings.seed + sample
        started = time.time()
        clock = time.perf_counter()
        state = start(case, settings.max_turns)
        record = EpisodeRecord(
            case_id=case.id,
            dataset=case.dataset,
            sample=sample,
            seed=seed,
            backends=self.backend_names(),
            objective=case.objective,
            correct_diagnosis=case.diagnosis,
            max_turns=settings.max_turns,
            started_at=started,
        )
        try:
            cast = self.cast_spec.for_case(case)
            if self.doctor_backend is None:
                doctor: BackendDoctor | OracleDoctor = OracleDoctor(case, settings.max_turns)
            else:
                generation = settings.doctor_generation().model_copy(update={"seed": seed})
                doctor = BackendDoctor(
                    self.doctor_backend,
                    prompt_format=settings.doctor_format,
                    bias=settings.doctor_bias,
                    config=generation,
                )
            while not state.done:
                reply = await doctor.aact(state.doctor_view())
                await astep(state, cast, reply.text, settings.rewards, reply)
        except Exception as exc:  # recorded, counted apart, and the run goes on
            record.error = f"{type(exc).__name__}: {exc}"
        record.turns = list(state.dialogue)
        record.diagnosis = state.diagnosis
        record.verdict = state.verdict
        record.judge = state.verdict.judge if state.verdict else None
        record.correct = None if record.error else bool(state.verdict and state.verdict.correct)
        record.reward = state.rewards.total
        record.reward_breakdown = state.rewards.as_dict()
        record.turns_used = state.turn
        record.tests_requested = list(state.tests_requested)
        record.terminated, record.truncated = state.terminated, state.truncated
        record.wall_s = time.perf_counter() - clock
        return record

    async def run(self, progress_hook: ProgressHook | None = None) -> RunSummary:
        settings = self.settings
        self.out.mkdir(parents=True, exist_ok=True)
        if not settings.resume and self.transcripts.exists() and self.transcripts.stat().st_size > 0:
            raise RunError(
                f"{self.transcripts} already holds episodes: pass --resume to continue it, or choose another --out"
            )
        write_json(self.out / RUN_SETTINGS, settings.model_dump(mode="json"))
        todo = self.todo()
        total = len(self.cases) * settings.samples
        progress = Progress(total=total, skipped=total - len(todo), done=total - len(todo))
        if progress.skipped:  # a resumed run's running accuracy covers the episodes already in the file
            todo_keys = {(case.id, sample) for case, sample in todo}
            for record in iter_records(self.transcripts):
                if record.key not in todo_keys:
                    progress.correct += bool(record.correct)
                    progress.errored += record.error is not None
        if progress_hook:
            progress_hook(progress, None)
        semaphore = asyncio.Semaphore(settings.concurrency)
        clock = time.perf_counter()
        with TranscriptWriter(self.transcripts) as writer:

            async def one(case: Case, sample: int) -> None:
                async with semaphore:
                    record = await self.episode(case, sample)
                writer.write(record)
                progress.done += 1
                progress.errored += record.error is not None
                progress.correct += bool(record.correct)
                if progress_hook:
                    progress_hook(progress, record)

            try:
                await asyncio.gather(*(one(case, sample) for case, sample in todo))
            finally:
                await self.aclose()
        summary = summarise_file(self.transcripts)
        summary.wall_s = time.perf_counter() - clock
        write_json(self.out / SUMMARY, summary.model_dump(mode="json"))
        return summary


def write_json(path: Path, data: object) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
