"""Benchmark runs: many consultations at once (asyncio, a semaphore of ``concurrency``), each finished
episode appended to ``transcripts.jsonl``, resumable, summarised into ``summary.json``.

A run folder holds ``run.json`` (the settings it was started with and the wall time of each invocation),
``transcripts.jsonl`` (one line per (case, sample)), ``summary.json`` and, after ``retry_errored``,
``errored.jsonl`` (earlier failed attempts, kept rather than deleted), ``events.jsonl`` (the live events of
each invocation: episodes starting, each turn, each result; see ``events.py``) and, while episodes are in
flight, ``checkpoints.sqlite``.

Each episode runs as the compiled consultation graph (``graph.py``). When a role calls a model (or with
``checkpoints=True``) every completed node is checkpointed in ``OUT/checkpoints.sqlite``, one thread per
(case, sample): after a kill, ``--resume`` continues each unfinished episode from its last completed node,
so no paid call is made twice. A thread is deleted as soon as its episode's record is written, unless the
episode errored: ``--retry-errored`` then plays it on from its last completed node too. The database itself
goes once no episode is left in it. The run is in three parts: the run folder and its records
(``run_folder.py``, checked and opened here), the episode factory (``episodes.py``: records, roles, prompts)
and the scheduler (``scheduler.py``: episodes played concurrently, the invocation's time kept); this module
wires them. The settings live in ``run_settings.py``.

An episode whose backend fails for good (a ``BackendError`` after its retries), or whose case image cannot be
fetched for an image-reading doctor (``ImageFetchError``), is recorded with its error
and counted apart — never as a wrong diagnosis — and the run goes on. Any other exception is a bug in
this code: it stops the run (finished episodes stay saved) and reaches the caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import BaseModel

from agentclinic_sim.checkpoints import (
    CHECKPOINTS,
    CheckpointError,
    CheckpointStore,
    thread_config,
    thread_id,
    unfinished_threads,
)
from agentclinic_sim.episodes import EpisodeFactory, finish_record
from agentclinic_sim.event_log import EventLog
from agentclinic_sim.events import (
    EVENTS,
    EpisodeEnded,
    EpisodeStarted,
    EventHook,
    RunEnded,
    RunStarted,
    TurnTaken,
    clip,
)
from agentclinic_sim.graph import EpisodeContext, GraphState, build_graph, consultation_of, initial_state
from agentclinic_sim.heap import frozen_setup
from agentclinic_sim.metrics import RunSummary, summarise_file
from agentclinic_sim.privacy import MimicPrivacyError
from agentclinic_sim.run_folder import (
    ERRORED_ATTEMPTS,
    RUN_SETTINGS,
    Invocation,
    RunManifest,
    holding,
    load_manifest,
    prepare_out_dir,
    write_json,
)
from agentclinic_sim.run_settings import RunError, RunSettings, select_cases
from agentclinic_sim.scheduler import InvocationClock, play_concurrently
from agentclinic_sim.transcript import (
    SUMMARY,
    TRANSCRIPTS,
    EpisodeRecord,
    TranscriptWriter,
    completed_keys,
    iter_latest_records,
    remove_records,
)
from agents.judge.vocabulary_index import default_vocabulary
from models.backends import BackendError, ChatBackend
from models.backends.reference import DETERMINISTIC_PLAYERS
from scenarios import Case
from scenarios.images import ImageFetchError


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


class Runner:
    """Checks the settings and the run folder, builds the backends once, then runs every (case, sample)
    not yet in the transcript."""

    def __init__(self, settings: RunSettings, backends: dict[str, ChatBackend] | None = None):
        """``backends`` may supply ready-made backends for some URIs (e.g. a terminal UI for ``human``)."""
        self.settings = settings
        self.cases = select_cases(settings)
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
        try:
            self.episodes = EpisodeFactory(settings, self.cases, backends)
        except BaseException as exc:
            for folder in created:  # leave no empty run folder behind a run that never started
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            if isinstance(exc, MimicPrivacyError):
                raise RunError(str(exc)) from None
            raise

    def keys(self) -> list[tuple[Case, int]]:
        return [(case, sample) for case in self.cases for sample in range(self.settings.samples)]

    def todo(self) -> list[tuple[Case, int]]:
        done = completed_keys(self.transcripts) if self.settings.continues else set()
        return [(case, sample) for case, sample in self.keys() if (case.id, sample) not in done]

    async def saved_state(self, case: Case, sample: int) -> GraphState | None:
        """The checkpointed state of an episode a killed run left unfinished (None: start it afresh)."""
        if self.store is None:
            return None
        snapshot = await self.graph.aget_state(thread_config(case.id, sample))
        return snapshot.values or None

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
                if change and "consultation" in change:  # a response node's, or one the doctor node applied
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
        record = self.episodes.new_record(case, sample)
        saved = await self.saved_state(case, sample)
        values: GraphState = saved or initial_state(case, settings.max_turns, self.episodes.doctor_prompt(case))
        if saved is not None:
            record.resumed_at_turn = consultation_of(saved).turn
        try:
            context = await self.episodes.episode_context(case, sample, record)
            if not consultation_of(values).done:  # a resumed episode may have ended just before the kill
                async for state in self.stream_episode(case, sample, values, saved is not None, context):
                    values = state
            record.patient_feedback = await self.episodes.patient_feedback(context, consultation_of(values))
        except (BackendError, ImageFetchError) as exc:  # recorded, counted apart, and the run goes on
            record.error = f"{type(exc).__name__}: {exc}"
        finish_record(record, consultation_of(values), case)
        record.wall_s = time.perf_counter() - clock
        return record

    def open_checkpoints(self, todo: list[tuple[Case, int]]) -> None:
        """Open ``OUT/checkpoints.sqlite`` when this run checkpoints, or when a killed run left episodes in it,
        and forget the threads of episodes that will not be played again: those written just before a kill, or
        not in the run. An errored episode's thread stays until ``--retry-errored`` plays it on from there."""
        if not (self.settings.uses_checkpoints or unfinished_threads(self.checkpoints)):
            return
        try:
            self.store = CheckpointStore(self.checkpoints)
        except CheckpointError as exc:
            raise RunError(str(exc)) from None
        in_run = {(case.id, sample) for case, sample in self.keys()}
        recorded = iter_latest_records(self.transcripts) if self.transcripts.is_file() else []
        errored = {record.key for record in recorded if record.error is not None}
        wanted = {thread_id(*key) for key in {(case.id, sample) for case, sample in todo} | (errored & in_run)}
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
        every live event (``live.py``) as it is appended to ``OUT/events.jsonl``. Another process's run or
        play in the same folder is refused (``RunError``) while this one runs."""
        with holding(self.out):
            return await self._run(progress_hook, event_hook)

    async def _run(self, progress_hook: ProgressHook | None, event_hook: EventHook | None) -> RunSummary:
        settings = self.settings
        manifest = self._manifest()
        invocation = Invocation(started_at=time.time(), retry_errored=settings.retry_errored)
        manifest.invocations.append(invocation)
        write_json(self.out / RUN_SETTINGS, manifest.model_dump(mode="json"))
        if settings.retry_errored:
            self._set_aside_errored()
        todo = self.todo()
        progress = self._progress(todo)
        if progress_hook:
            progress_hook(progress, None)
        self.open_checkpoints(todo)
        self.events = EventLog(self.out / EVENTS, event_hook)
        self.emit(
            RunStarted(total=progress.total, done=progress.done, correct=progress.correct, errored=progress.errored)
        )
        clock = InvocationClock(self.out / RUN_SETTINGS, manifest, invocation)
        with TranscriptWriter(self.transcripts) as writer:

            async def play(job: tuple[Case, int]) -> None:
                record = await self.episode(*job)
                await self._record(record, writer, progress)
                invocation.episodes += 1
                clock.save(now=False)
                if progress_hook:
                    progress_hook(progress, record)

            if settings.moderator == DETERMINISTIC_PLAYERS["moderator"]:
                default_vocabulary()  # built now, to be frozen with the rest of the setup
            ended = False
            clock_keeper = asyncio.create_task(clock.keep())
            try:
                with frozen_setup():
                    await play_concurrently(todo, settings.concurrency, play)
                ended = True
                self.emit(RunEnded(done=progress.done, correct=progress.correct, errored=progress.errored))
            finally:
                clock_keeper.cancel()
                summary = await self._close(progress, ended, clock)
        return summary

    def _progress(self, todo: list[tuple[Case, int]]) -> Progress:
        """The run's totals; a resumed run's running accuracy counts the episodes already in the file."""
        total = len(self.cases) * self.settings.samples
        progress = Progress(total=total, skipped=total - len(todo))
        if progress.skipped:
            todo_keys = {(case.id, sample) for case, sample in todo}
            for record in iter_latest_records(self.transcripts):
                if record.key not in todo_keys:
                    progress.count(record)
        return progress

    async def _record(self, record: EpisodeRecord, writer: TranscriptWriter, progress: Progress) -> None:
        """Write a finished episode, let its checkpoints go, count it and tell the watchers."""
        writer.write(record)
        if self.store is not None and record.error is None:  # an errored one may be retried from there
            await self.store.prune(record.case_id, record.sample)
        progress.count(record)
        self.emit(
            EpisodeEnded(
                case_id=record.case_id, sample=record.sample, turns=record.turns_used, diagnosis=record.diagnosis,
                correct=record.correct, error=record.error,
            )
        )  # fmt: skip

    async def _close(self, progress: Progress, ended: bool, clock: InvocationClock) -> RunSummary:
        """End the run, finished or not: tell a watcher (after Ctrl-C or a failure, that nothing more is coming),
        close the event log, the clients and the checkpoints, record the time and write the summary."""
        if not ended:
            self.emit(RunEnded(done=progress.done, correct=progress.correct, errored=progress.errored, stopped=True))
        if self.events is not None:
            self.events.close()
            self.events = None
        await self.episodes.aclose()
        self.close_checkpoints()
        clock.save()
        summary = summarise_file(self.transcripts)
        summary.wall_s = clock.manifest.wall_s
        write_json(self.out / SUMMARY, summary.model_dump(mode="json"))
        return summary
