"""Benchmark runs: many consultations at once (asyncio, a semaphore of ``concurrency``), each finished
episode appended to ``transcripts.jsonl``, resumable, summarised into ``summary.json``.

A run folder holds ``run.json`` (the settings it was started with and the wall time of each invocation),
``transcripts.jsonl`` (one line per (case, sample)), ``summary.json`` and, after ``retry_errored``,
``errored.jsonl`` (earlier failed attempts, kept rather than deleted), ``events.jsonl`` (the live events of
each invocation: episodes starting, each turn, each result; see ``live.py``) and, while episodes are in
flight, ``checkpoints.sqlite``.

Each episode runs as the compiled consultation graph (``graph.py``). When a role calls a model (or with
``checkpoints=True``) every completed node is checkpointed in ``OUT/checkpoints.sqlite``, one thread per
(case, sample): after a kill, ``--resume`` continues each unfinished episode from its last completed node,
so no paid call is made twice. A thread is deleted as soon as its episode's record is written, and the
database itself once no episode is left in it.

An episode whose backend fails for good (a ``BackendError`` after its retries), or whose case image cannot be
fetched for an image-reading doctor (``ImageFetchError``), is recorded with its error
and counted apart — never as a wrong diagnosis — and the run goes on. Any other exception is a bug in
this code: it stops the run (finished episodes stay saved) and reaches the caller.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from agentclinic_sim.checkpoints import (
    CHECKPOINTS,
    CheckpointError,
    CheckpointStore,
    thread_config,
    thread_id,
    unfinished_threads,
)
from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.graph import EpisodeContext, GraphState, build_graph, consultation_of, initial_state
from agentclinic_sim.live import (
    EVENTS,
    EpisodeEnded,
    EpisodeStarted,
    EventHook,
    EventLog,
    RunEnded,
    RunStarted,
    TurnTaken,
    clip,
)
from agentclinic_sim.metrics import RunSummary, summarise_file
from agentclinic_sim.privacy import MimicPrivacyError, check_mimic_privacy
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.role_settings import (
    ALLOW_REMOTE_MIMIC,
    API_KEY_ENV,
    DETERMINISTIC_ROLES,
    MAX_RETRIES,
    MEASUREMENT,
    MODERATOR,
    PATIENT,
    TIMEOUT_S,
)
from agentclinic_sim.transcript import (
    SUMMARY,
    TRANSCRIPTS,
    EpisodeRecord,
    TranscriptWriter,
    completed_keys,
    iter_latest_records,
    remove_records,
)
from agents.biases import DoctorBias, PatientBias
from agents.cast import Cast, CastSpec
from agents.doctor import (
    BackendDoctor,
    Doctor,
    DoctorFormat,
    DoctorPrompt,
    ImagePolicy,
    OracleDoctor,
    doctor_image,
)
from agents.measurement import MissingPolicy
from models.backends import BackendError, ChatBackend, GenerationConfig
from models.backends.medgemma import DOCTOR_GENERATION
from models.backends.uri import backend_from_uri
from scenarios import Case, load_cases
from scenarios.images import ImageFetchError
from scenarios.split import DEFAULT_TEST_FRACTION, Split

DETERMINISTIC = {**DETERMINISTIC_ROLES, "doctor": "oracle"}
TINY_MAX_TOKENS = 48
RUN_SETTINGS = "run.json"
ERRORED_ATTEMPTS = "errored.jsonl"
MANIFEST_SAVE_INTERVAL_S = 1.0

EPISODE_FIELDS = (
    "dataset",
    "split",
    "test_fraction",
    "limit",
    "case_ids",
    "doctor",
    "patient",
    "measurement",
    "moderator",
    "doctor_format",
    "doctor_bias",
    "patient_bias",
    "missing",
    "images",
    "max_turns",
    "samples",
    "seed",
    "temperature",
    "max_tokens",
    "rewards",
    "load_in_4bit",
)
"""Settings that change what an episode is: a resumed run must keep them. The others (concurrency,
retries, timeouts, where the files are) only change how it runs."""


class RunSettings(BaseModel):
    """Everything that defines a run; saved as ``run.json`` beside the transcripts."""

    dataset: str = Field("demo", description="demo, medqa, medqa-ext, nejm, nejm-ext, mimiciv, or a .jsonl path.")
    data_dir: Path | None = Field(None, description="Folder with the case files.")
    split: Split = Field("all", description="all, train or test (deterministic by case hash).")
    test_fraction: float = Field(
        DEFAULT_TEST_FRACTION, ge=0.0, le=1.0, description="Share of the cases in the test split (for --split)."
    )
    limit: int | None = Field(None, ge=1, description="Run only the first N cases.")
    case_ids: list[str] | None = Field(None, description="Comma-separated case ids (medqa:3 or 3).")
    doctor: str = Field("tiny", description="Doctor backend: a backend URI, or oracle.")
    patient: str = PATIENT
    measurement: str = MEASUREMENT
    moderator: str = MODERATOR
    doctor_format: DoctorFormat = Field("chat", description="chat (messages) or agentclinic (one prompt per turn).")
    doctor_bias: DoctorBias | None = Field(None, description="Cognitive bias the doctor is prompted with.")
    patient_bias: PatientBias | None = Field(None, description="LLM patient only.")
    missing: MissingPolicy = Field("normal", description="Answer to tests the case lacks: normal or unavailable.")
    images: ImagePolicy = Field(
        "auto",
        description="Case images (NEJM): auto (the image to doctors that read images, its published text to the "
        "rest), text (the text to every doctor: measures what the pixels add), off (neither).",
    )
    max_turns: int = Field(20, ge=1, description="Doctor utterances allowed per consultation.")
    samples: int = Field(1, ge=1, description="Episodes per case (use with --temperature > 0).")
    concurrency: int = Field(16, ge=1, description="Consultations in flight at once.")
    seed: int = Field(0, description="Base seed; sample k uses seed + k.")
    temperature: float = Field(
        0.0, ge=0.0, description="Doctor sampling temperature (0 = greedy, as in the MedGemma report)."
    )
    max_tokens: int | None = Field(
        None,
        ge=1,
        description=f"Doctor max new tokens (default {DOCTOR_GENERATION.max_tokens}; {TINY_MAX_TOKENS} for tiny).",
    )
    rewards: RewardConfig = Field(
        default_factory=RewardConfig, description="What each event of a consultation is worth (default 1 / 0)."
    )
    api_key_env: str = API_KEY_ENV
    max_retries: int = MAX_RETRIES
    timeout_s: float = TIMEOUT_S
    load_in_4bit: bool = Field(
        False, description="Load hf:/medgemma doctors in 4-bit (nf4, bf16 compute; needs bitsandbytes and a GPU)."
    )
    out: Path = Field(Path("runs/latest"), description="Run folder: run.json, transcripts.jsonl, summary.json.")
    resume: bool = Field(
        False,
        description="Continue the run in --out with the settings it was started with (from OUT/run.json); "
        "only how it runs (--concurrency, --max-retries, --timeout, ...) may change.",
    )
    retry_errored: bool = Field(
        False,
        description="Resume the run in --out and run its errored episodes again (earlier attempts move to "
        "OUT/errored.jsonl).",
    )
    allow_remote_mimic: bool = ALLOW_REMOTE_MIMIC
    checkpoints: bool | None = Field(
        None,
        description="Checkpoint every turn in OUT/checkpoints.sqlite, so that --resume continues an episode "
        "mid-way without asking a model again (default: on when a role calls a model, off for fully "
        "deterministic runs).",
    )

    @property
    def continues(self) -> bool:
        """Whether this invocation continues the run already in ``out`` (``resume`` or ``retry_errored``)."""
        return self.resume or self.retry_errored

    @property
    def uses_checkpoints(self) -> bool:
        """``checkpoints`` if set; else whether a role calls a model (a scripted backend restarts its script
        with every episode, so it is not resumable mid-way and counts as deterministic)."""
        if self.checkpoints is not None:
            return self.checkpoints
        return any(
            uri != DETERMINISTIC[role] and not uri.startswith("scripted")
            for role, uri in ((role, getattr(self, role)) for role in DETERMINISTIC)
        )

    @field_validator("case_ids")
    @classmethod
    def _strip(cls, value: list[str] | None) -> list[str] | None:
        return [item.strip() for item in value if item.strip()] if value else None

    def doctor_generation(self) -> GenerationConfig:
        default = TINY_MAX_TOKENS if self.doctor.startswith("tiny") else DOCTOR_GENERATION.max_tokens
        return GenerationConfig(max_tokens=self.max_tokens or default, temperature=self.temperature)


class RunError(Exception):
    """The run cannot start (bad settings, no cases, MIMIC data bound for a remote API, a bad run folder)."""


class Invocation(BaseModel):
    """One start of a run (the first, or a resume)."""

    started_at: float
    wall_s: float = 0.0
    episodes: int = Field(0, description="Episodes finished in this invocation.")
    retry_errored: bool = False


class RunManifest(BaseModel):
    """``OUT/run.json``: the settings the run was started with, and every invocation's wall time."""

    settings: RunSettings
    invocations: list[Invocation] = Field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return sum(invocation.wall_s for invocation in self.invocations)


def load_manifest(out: Path) -> RunManifest:
    """Read ``OUT/run.json`` (also the older form that held the settings alone)."""
    path = out / RUN_SETTINGS
    if not path.is_file():
        raise RunError(f"{path} not found: {out} holds no run to resume (start it without --resume)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return RunManifest.model_validate(data if isinstance(data, dict) and "settings" in data else {"settings": data})
    except (ValueError, ValidationError) as exc:
        raise RunError(f"{path} is not a readable run record: {str(exc).splitlines()[0]}") from None


def resumed_settings(recorded: RunSettings, given: dict[str, Any]) -> RunSettings:
    """The recorded settings with ``given`` (flags typed on this invocation) applied. Flags that would
    change what an episode is must match the recorded ones; those that differ are named in the error."""
    try:
        wanted = RunSettings.model_validate({**recorded.model_dump(), **given})
    except ValidationError as exc:
        raise RunError(str(exc).splitlines()[0]) from None
    differing = [
        f"{flag_of(name)} (run has {getattr(recorded, name)!r}, given {getattr(wanted, name)!r})"
        for name in EPISODE_FIELDS
        if name in given and getattr(wanted, name) != getattr(recorded, name)
    ]
    if differing:
        raise RunError(
            "--resume continues a run with the settings it was started with; these differ: "
            + "; ".join(differing)
            + ". Drop them, or start a new run in another --out folder."
        )
    return wanted


FLAG_NAMES = {"case_ids": "--cases", "timeout_s": "--timeout"}


def flag_of(field: str) -> str:
    """The ``agentclinic run`` flag that sets a ``RunSettings`` field."""
    return FLAG_NAMES.get(field, "--" + field.replace("_", "-"))


def prepare_out_dir(out: Path) -> None:
    """Create the run folder, or say in one line why it cannot be used."""
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file, not a folder")
    blocker = next((parent for parent in out.parents if parent.exists() and not parent.is_dir()), None)
    if blocker is not None:
        raise RunError(f"--out {out} cannot be created: {blocker} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise RunError(f"--out {out} is not writable ({exc.strerror or exc})") from None


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

    def count(self, record: EpisodeRecord) -> None:
        self.done += 1
        self.errored += record.error is not None
        self.correct += bool(record.correct)


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


async def gather_or_raise(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run all; the first exception cancels the rest and is raised as itself (not an ExceptionGroup)."""
    try:
        async with asyncio.TaskGroup() as group:
            for coroutine in coroutines:
                group.create_task(coroutine)
    except BaseExceptionGroup as group_error:
        first = group_error.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None


class Runner:
    """Checks the settings and the run folder, builds the backends once, then runs every (case, sample)
    not yet in the transcript."""

    def __init__(self, settings: RunSettings, backends: dict[str, ChatBackend] | None = None):
        """``backends`` may supply ready-made backends for some URIs (e.g. a terminal UI for ``human``)."""
        self.settings = settings
        self.cases = select_cases(settings)
        try:
            check_mimic_privacy(self.cases, self.backend_names(), settings.allow_remote_mimic)
        except MimicPrivacyError as exc:
            raise RunError(str(exc)) from None
        self.out = settings.out
        self.transcripts = self.out / TRANSCRIPTS
        if not settings.continues and self.transcripts.exists() and self.transcripts.stat().st_size > 0:
            raise RunError(
                f"{self.transcripts} already holds episodes: pass --resume to continue that run, "
                "or choose another --out"
            )
        self.checkpoints = self.out / CHECKPOINTS
        if not settings.continues and unfinished_threads(self.checkpoints):
            raise RunError(
                f"{self.checkpoints} holds episodes in progress: pass --resume to continue that run, "
                "or choose another --out"
            )
        self.graph: Any = build_graph(rewards=settings.rewards)
        self.store: CheckpointStore | None = None
        self.events: EventLog | None = None
        created = [folder for folder in (self.out, *self.out.parents) if not folder.exists()]
        prepare_out_dir(self.out)  # before any model loads, so a bad --out fails in a second
        self._backends: dict[str, ChatBackend] = dict(backends or {})
        try:
            self.role_backends: dict[str, ChatBackend | str] = {
                role: uri if uri == DETERMINISTIC[role] else self.backend(uri)
                for role, uri in ((role, getattr(settings, role)) for role in ("patient", "measurement", "moderator"))
            }
            self.doctor_backend = None if settings.doctor == DETERMINISTIC["doctor"] else self.backend(settings.doctor)
        except BaseException:
            for folder in created:  # leave no empty run folder behind a run that never started
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            raise

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

    def keys(self) -> list[tuple[Case, int]]:
        return [(case, sample) for case in self.cases for sample in range(self.settings.samples)]

    def todo(self) -> list[tuple[Case, int]]:
        done = completed_keys(self.transcripts) if self.settings.continues else set()
        return [(case, sample) for case, sample in self.keys() if (case.id, sample) not in done]

    def cast_for_episode(self, case: Case) -> tuple[Cast, ChatBackend | None]:
        """The roles for one episode. A backend with per-episode state (a scripted file) starts afresh."""

        def fresh(backend: Any) -> Any:
            restart = getattr(backend, "fresh", None)
            return restart() if callable(restart) else backend

        settings = self.settings
        cast = CastSpec(
            patient=fresh(self.role_backends["patient"]),
            measurement=fresh(self.role_backends["measurement"]),
            moderator=fresh(self.role_backends["moderator"]),
            missing=settings.missing,
            patient_bias=settings.patient_bias,
        ).for_case(case)
        return cast, fresh(self.doctor_backend) if self.doctor_backend is not None else None

    def doctor_prompt(self) -> DoctorPrompt:
        return DoctorPrompt(format=self.settings.doctor_format, bias=self.settings.doctor_bias)

    def new_record(self, case: Case, sample: int) -> EpisodeRecord:
        """The record of an episode about to be played, before any turn."""
        settings = self.settings
        return EpisodeRecord(
            case_id=case.id,
            dataset=case.dataset,
            sample=sample,
            seed=settings.seed + sample,
            backends=self.backend_names(),
            objective=case.objective,
            options=case.options,
            doctor_prompt=self.doctor_prompt(),
            correct_diagnosis=case.diagnosis,
            max_turns=settings.max_turns,
            started_at=time.time(),
        )

    async def saved_state(self, case: Case, sample: int) -> GraphState | None:
        """The checkpointed state of an episode a killed run left unfinished (None: start it afresh)."""
        if self.store is None:
            return None
        snapshot = await self.graph.aget_state(thread_config(case.id, sample))
        return snapshot.values or None

    async def episode_context(self, case: Case, sample: int, record: EpisodeRecord) -> EpisodeContext:
        """The roles of one episode, for the graph (notes on the record which form of the case image the
        doctor gets). May raise ``BackendError`` or ``ImageFetchError``."""
        settings = self.settings
        cast, doctor_backend = self.cast_for_episode(case)
        if doctor_backend is None:
            doctor: Doctor = OracleDoctor(case, settings.max_turns)
        else:
            generation = settings.doctor_generation().model_copy(update={"seed": settings.seed + sample})
            image = await doctor_image(case, doctor_backend, settings.images)
            record.image = None if image is None else image.shown
            doctor = BackendDoctor(
                doctor_backend,
                prompt_format=settings.doctor_format,
                bias=settings.doctor_bias,
                config=generation,
                image=image,
            )
        return EpisodeContext(cast, doctor, rewards=settings.rewards)

    async def stream_episode(
        self, case: Case, sample: int, values: GraphState, resume: bool, context: EpisodeContext
    ) -> AsyncIterator[GraphState]:
        """Run the episode's graph from ``values`` (or, with ``resume``, from its checkpoint, whose state
        ``values`` is) to its end, yielding each new state and turning the graph's updates into live events."""
        consultation = values["consultation"]
        turn, shown = consultation["turn"], len(consultation["dialogue"])
        self.emit(EpisodeStarted(case_id=case.id, sample=sample, max_turns=consultation["max_turns"], turn=turn))
        stream = self.graph.astream(
            None if resume else values,
            thread_config(case.id, sample),
            context=context,
            stream_mode="updates",
            durability="sync" if self.store is not None else None,
        )
        async for update in stream:
            for node, change in update.items():
                if node == "doctor":
                    turn += 1
                    backend = (change["doctor_reply"] or {}).get("backend", "")
                    self.emit(self.turn_event(case, sample, turn, "doctor", change["utterance"], backend))
                    shown += 1
                elif change and "consultation" in change:
                    for said in change["consultation"]["dialogue"][shown:]:
                        self.emit(self.turn_event(case, sample, turn, said["role"], said["text"], said["backend"]))
                    shown = len(change["consultation"]["dialogue"])
                    yield change

    @staticmethod
    def turn_event(case: Case, sample: int, turn: int, role: str, text: str, backend: str) -> TurnTaken:
        return TurnTaken(case_id=case.id, sample=sample, turn=turn, role=role, text=clip(text), backend=backend)

    def emit(self, event: Any) -> None:
        if self.events is not None:
            self.events(event)

    async def episode(self, case: Case, sample: int) -> EpisodeRecord:
        settings = self.settings
        clock = time.perf_counter()
        record = self.new_record(case, sample)
        saved = await self.saved_state(case, sample)
        values: GraphState = saved or initial_state(case, settings.max_turns, self.doctor_prompt())
        if saved is not None:
            record.resumed_at_turn = consultation_of(saved).turn
        try:
            context = await self.episode_context(case, sample, record)
            if not consultation_of(values).done:  # a resumed episode may have ended just before the kill
                async for state in self.stream_episode(case, sample, values, saved is not None, context):
                    values = state
        except (BackendError, ImageFetchError) as exc:  # recorded, counted apart, and the run goes on
            record.error = f"{type(exc).__name__}: {exc}"
        finish_record(record, consultation_of(values))
        record.wall_s = time.perf_counter() - clock
        return record

    def open_checkpoints(self, todo: list[tuple[Case, int]]) -> None:
        """Open ``OUT/checkpoints.sqlite`` when this run checkpoints, or when a killed run left episodes in it,
        and forget the threads of episodes not to be played (written just before a kill, or not in the run)."""
        if not (self.settings.uses_checkpoints or unfinished_threads(self.checkpoints)):
            return
        try:
            self.store = CheckpointStore(self.checkpoints)
        except CheckpointError as exc:
            raise RunError(str(exc)) from None
        wanted = {thread_id(case.id, sample) for case, sample in todo}
        for stale in self.store.threads() - wanted:
            self.store.saver.delete_thread(stale)
        self.graph = build_graph(rewards=self.settings.rewards, checkpointer=self.store.saver)

    def close_checkpoints(self) -> None:
        """Close the database; it is deleted when no unfinished episode is left in it."""
        if self.store is not None:
            self.store.close()
            self.store = None

    def _manifest(self) -> RunManifest:
        """The run's record: the one in the folder when resuming (its settings stay as first recorded)."""
        settings = self.settings
        if settings.continues and (self.out / RUN_SETTINGS).is_file():
            return load_manifest(self.out)
        return RunManifest(settings=settings)

    def _set_aside_errored(self) -> int:
        """For ``retry_errored``: move this run's errored episodes to ``errored.jsonl`` so they run again."""
        keys = {(case.id, sample) for case, sample in self.keys()}
        return remove_records(
            self.transcripts,
            lambda record: record.error is not None and record.key in keys,
            self.out / ERRORED_ATTEMPTS,
        )

    async def run(self, progress_hook: ProgressHook | None = None, event_hook: EventHook | None = None) -> RunSummary:
        """Play every episode left to do. ``progress_hook`` hears of each finished episode; ``event_hook`` gets
        every live event (``live.py``) as it is appended to ``OUT/events.jsonl``."""
        settings = self.settings
        manifest = self._manifest()
        invocation = Invocation(started_at=time.time(), retry_errored=settings.retry_errored)
        manifest.invocations.append(invocation)
        write_json(self.out / RUN_SETTINGS, manifest.model_dump(mode="json"))
        if settings.retry_errored:
            self._set_aside_errored()
        todo = self.todo()
        total = len(self.cases) * settings.samples
        progress = Progress(total=total, skipped=total - len(todo))
        if progress.skipped:  # a resumed run's running accuracy counts the episodes already in the file
            todo_keys = {(case.id, sample) for case, sample in todo}
            for record in iter_latest_records(self.transcripts):
                if record.key not in todo_keys:
                    progress.count(record)
        if progress_hook:
            progress_hook(progress, None)
        self.open_checkpoints(todo)
        self.events = EventLog(self.out / EVENTS, event_hook)
        self.emit(RunStarted(total=total, done=progress.done, correct=progress.correct, errored=progress.errored))
        semaphore = asyncio.Semaphore(settings.concurrency)
        clock = time.perf_counter()
        saved_at = clock

        def save_time(*, now: bool = True) -> None:
            """Record this invocation's wall time in run.json: at the end, and at most once a second meanwhile."""
            nonlocal saved_at
            elapsed = time.perf_counter()
            if now or elapsed - saved_at >= MANIFEST_SAVE_INTERVAL_S:
                invocation.wall_s, saved_at = elapsed - clock, elapsed
                write_json(self.out / RUN_SETTINGS, manifest.model_dump(mode="json"))

        with TranscriptWriter(self.transcripts) as writer:

            async def one(case: Case, sample: int) -> None:
                async with semaphore:
                    record = await self.episode(case, sample)
                writer.write(record)
                if self.store is not None:
                    await self.store.prune(case.id, sample)
                invocation.episodes += 1
                progress.count(record)
                self.emit(
                    EpisodeEnded(
                        case_id=case.id, sample=sample, turns=record.turns_used, diagnosis=record.diagnosis,
                        correct=record.correct, error=record.error,
                    )
                )  # fmt: skip
                save_time(now=False)
                if progress_hook:
                    progress_hook(progress, record)

            try:
                await gather_or_raise(one(case, sample) for case, sample in todo)
                self.emit(RunEnded(done=progress.done, correct=progress.correct, errored=progress.errored))
            finally:
                if self.events is not None:
                    self.events.close()
                    self.events = None
                await self.aclose()
                self.close_checkpoints()
                save_time()
                summary = summarise_file(self.transcripts)
                summary.wall_s = manifest.wall_s
                write_json(self.out / SUMMARY, summary.model_dump(mode="json"))
        return summary


def finish_record(record: EpisodeRecord, state: ConsultationState) -> None:
    """Fill a record from the consultation's final (or, for an errored episode, last) state."""
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


def write_json(path: Path, data: object) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
