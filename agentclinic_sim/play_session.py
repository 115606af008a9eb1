"""A consultation a person takes part in, driven by the graph's interrupts.

The graph pauses at the person's turn (the doctor node, or the patient node with ``--as patient``) and
resumes with their answer (``Command(resume=...)``). Every completed node is checkpointed in
``OUT/checkpoints.sqlite`` and the consultation is listed in ``OUT/plays.json`` until it ends, so Ctrl-C, a
closed terminal or the end of input loses nothing: ``agentclinic play --out OUT --resume`` continues from
the same turn, and the finished consultation is written to ``OUT/transcripts.jsonl`` once, exactly as if
it had been played in one sitting.

The person is asked between graph steps, outside the event loop, so Ctrl-C at a prompt is an ordinary
``KeyboardInterrupt`` (asyncio's own Ctrl-C handling only applies while a step runs).

A play uses two of a run's three parts and not the scheduler: the run folder (``run_folder.py``: the caller
holds its lock; the transcript is appended here) and the episode factory (``episodes.py``), built once for the
session's one case from ``PlaySession.run_settings``. The session (its case and sample) is settled before the
factory is made, so nothing's settings change after it is built.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.types import Command
from pydantic import BaseModel, Field, ValidationError

from agentclinic_sim.checkpoints import CHECKPOINTS, CheckpointStore, thread_config, thread_id
from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.episodes import EpisodeFactory, finish_record
from agentclinic_sim.graph import EpisodeContext, GraphState, build_graph, consultation_of, initial_state
from agentclinic_sim.play_settings import HumanRole, PlaySettings
from agentclinic_sim.run_folder import write_json
from agentclinic_sim.run_settings import RunError, RunSettings, pick_cases
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, TranscriptWriter, completed_keys
from agents.types import Reply
from models.backends.api_settings import ApiSettings
from scenarios import Case, CaseSource, names_case

PLAYS = "plays.json"
Ask = Callable[[dict[str, Any]], Reply]
"""Gets an interrupt's payload (``role``, ``case_id``, ``turn``, and the ``observation`` a doctor sees or the
``question`` a patient is asked) and returns the person's reply."""


class StepResult(GraphState, total=False):
    """What a step of the graph returns: the state, and the interrupts it paused at (the person's turn)."""

    __interrupt__: list[Any]


class PlaySession(BaseModel):
    """What ``play --resume`` needs to rebuild a consultation in progress (its state is in the checkpoints)."""

    case_id: str
    sample: int = Field(ge=0)
    as_role: HumanRole
    dataset: str
    data_dir: Path | None = None
    roles: dict[str, str] = Field(description="role -> backend; the person's role is 'human'")
    max_turns: int = Field(ge=1)
    saved_at: float = Field(default_factory=time.time)

    @classmethod
    def start(cls, settings: PlaySettings, case_id: str, sample: int) -> PlaySession:
        """A new play of case ``case_id`` as asked for by ``settings``."""
        return cls(
            case_id=case_id,
            sample=sample,
            as_role=settings.as_role,
            dataset=settings.dataset,
            data_dir=settings.data_dir,
            roles=settings.roles(),
            max_turns=settings.max_turns,
        )

    @property
    def thread(self) -> str:
        return thread_id(self.case_id, self.sample)

    @property
    def source(self) -> CaseSource:
        """Where the session's case is read from."""
        return CaseSource(dataset=self.dataset, data_dir=self.data_dir)

    def run_settings(self, invocation: PlaySettings) -> RunSettings:
        """The settings of this consultation's episode, for the episode factory and its record: the session's
        case, roles and turn limit; the folder, the API options and the MIMIC-IV consent of ``invocation`` (the
        ``play`` that starts or continues it)."""
        return RunSettings.model_validate(
            {
                "dataset": self.dataset,
                "data_dir": self.data_dir,
                "case_ids": [self.case_id],
                "max_turns": self.max_turns,
                "out": invocation.out,
                "resume": True,
                "samples": self.sample + 1,
                "concurrency": 1,
                "allow_remote_mimic": invocation.allow_remote_mimic,
                **invocation.model_dump(include=set(ApiSettings.model_fields)),
                **self.roles,
            }
        )


class PendingPlays(BaseModel):
    """``OUT/plays.json``: the consultations started in OUT and not yet finished, by checkpoint thread."""

    sessions: dict[str, PlaySession] = Field(default_factory=dict)

    @classmethod
    def load(cls, out: Path) -> PendingPlays:
        path = out / PLAYS
        if not path.is_file():
            return cls()
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError) as exc:
            raise RunError(
                f"{path} is not a readable list of saved consultations: {str(exc).splitlines()[0]}"
            ) from None

    def save(self, out: Path) -> None:
        path = out / PLAYS
        if self.sessions:
            out.mkdir(parents=True, exist_ok=True)
            write_json(path, self.model_dump(mode="json"))
        else:
            path.unlink(missing_ok=True)

    def latest(self, case_id: str | None = None) -> PlaySession | None:
        """The most recently saved consultation (of ``case_id`` when given: ``demo:3`` or ``3``, or one play
        of it, ``demo:3#1``, when it has several)."""
        if case_id is not None and case_id in self.sessions:
            return self.sessions[case_id]
        sessions = [
            session for session in self.sessions.values() if case_id is None or names_case(session.case_id, case_id)
        ]
        return max(sessions, key=lambda session: session.saved_at, default=None)

    def handle(self, session: PlaySession) -> str:
        """What ``--case`` names ``session`` by for ``--resume``: its case id, or its thread (``demo:3#1``)
        when another play of the same case is saved too."""
        plays_of_case = [other for other in self.sessions.values() if other.case_id == session.case_id]
        return session.case_id if len(plays_of_case) <= 1 else session.thread

    @classmethod
    def touch(cls, out: Path, session: PlaySession) -> None:
        """Mark ``session`` as the one saved last (what ``--resume`` without ``--case`` continues)."""
        pending = cls.load(out)
        if session.thread in pending.sessions:
            pending.sessions[session.thread].saved_at = time.time()
            pending.save(out)


def next_sample(out: Path, case_id: str, pending: PendingPlays) -> int:
    """Each play of a case is its next sample, so earlier plays (finished or saved) stay beside it."""
    used = [sample for key_case, sample in completed_keys(out / TRANSCRIPTS) if key_case == case_id]
    used += [session.sample for session in pending.sessions.values() if session.case_id == case_id]
    return max(used, default=-1) + 1


def new_session(settings: PlaySettings, cases: list[Case], pending: PendingPlays) -> tuple[PlaySession, Case]:
    """A new play of ``settings.case`` (or of a random one of ``cases``) as that case's next sample in
    ``settings.out``, and its case; ``RunError`` when there is no such case."""
    if not cases:
        raise RunError(f"no cases in {settings.dataset}")
    case = pick_cases(cases, [settings.case])[0] if settings.case else random.choice(cases)
    return PlaySession.start(settings, case.id, next_sample(settings.out, case.id, pending)), case


def session_case(session: PlaySession, cases: list[Case]) -> Case:
    """The case of a saved ``session`` among ``cases`` (its dataset's); ``RunError`` when it is gone."""
    if not cases:
        raise RunError(f"no cases in {session.dataset}")
    return pick_cases(cases, [session.case_id])[0]


def consult(
    out: Path,
    case: Case,
    session: PlaySession,
    episodes: EpisodeFactory,
    ask: Ask,
    on_resume: Callable[[ConsultationState], None] | None = None,
) -> EpisodeRecord:
    """Play (or continue) the session's consultation of ``case`` to its end with the roles of ``episodes``, asking
    the person at each of their turns; append its record to ``out``'s transcripts, forget its checkpoints and its
    entry in ``plays.json``, and return the record. The clients of ``episodes`` are closed at the end.

    ``on_resume`` gets the state a continued consultation stopped in (to show the dialogue so far).
    ``KeyboardInterrupt`` and anything ``ask`` raises leave the consultation saved for ``--resume``."""
    store = CheckpointStore(out / CHECKPOINTS)
    try:
        with asyncio.Runner() as loop:
            try:
                play = _Play(loop, case, session, episodes, store)
                record = play.to_the_end(ask, on_resume)
            finally:  # after Ctrl-C too: the model clients close on the loop that opened them
                loop.run(episodes.aclose())
            with TranscriptWriter(out / TRANSCRIPTS) as writer:
                writer.write(record)
            loop.run(store.prune(case.id, session.sample))
    finally:
        store.close()
    pending = PendingPlays.load(out)
    pending.sessions.pop(session.thread, None)
    pending.save(out)
    return record


class _Play:
    """One consultation played on ``loop``, the graph checkpointed in ``store``."""

    def __init__(
        self, loop: asyncio.Runner, case: Case, session: PlaySession, episodes: EpisodeFactory, store: CheckpointStore
    ):
        self.loop, self.case, self.session, self.episodes = loop, case, session, episodes
        self.graph = build_graph(rewards=episodes.settings.rewards, checkpointer=store.saver)
        self.config = thread_config(case.id, session.sample)

    def to_the_end(self, ask: Ask, on_resume: Callable[[ConsultationState], None] | None) -> EpisodeRecord:
        """The finished consultation's record (not yet written)."""
        case, session, episodes = self.case, self.session, self.episodes
        record = episodes.new_record(case, session.sample)
        clock = time.perf_counter()
        context = self.loop.run(episodes.episode_context(case, session.sample, record))
        context.doctor = None if session.as_role == "doctor" else context.doctor
        context.human_patient = session.as_role == "patient"
        snapshot = self.loop.run(self.graph.aget_state(self.config))
        values: StepResult
        if not snapshot.values:
            values = self.step(initial_state(case, session.max_turns, episodes.doctor_prompt(case)), context)
        else:
            record.resumed_at_turn = consultation_of(snapshot.values).turn
            if on_resume is not None:
                on_resume(consultation_of(snapshot.values))
            if snapshot.interrupts:
                values = self.step(Command(resume=ask(snapshot.interrupts[0].value).model_dump()), context)
            else:  # stopped during a model's turn (or just after the last one)
                values = self.step(None, context) if snapshot.next else snapshot.values
        while values.get("__interrupt__"):
            values = self.step(Command(resume=ask(values["__interrupt__"][0].value).model_dump()), context)
        finish_record(record, consultation_of(values), case)
        record.wall_s = time.perf_counter() - clock
        return record

    def step(self, command: Any, context: EpisodeContext) -> StepResult:
        """Run the graph from ``command`` (a state, a resume, or ``None`` to go on) until it pauses or ends."""
        result: StepResult = self.loop.run(self.graph.ainvoke(command, self.config, context=context, durability="sync"))
        return result
