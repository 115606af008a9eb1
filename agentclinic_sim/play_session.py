"""A consultation a person takes part in, driven by the graph's interrupts.

The graph pauses at the person's turn (the doctor node, or the patient node with ``--as patient``) and
resumes with their answer (``Command(resume=...)``). Every completed node is checkpointed in
``OUT/checkpoints.sqlite`` and the consultation is listed in ``OUT/plays.json`` until it ends, so Ctrl-C, a
closed terminal or the end of input loses nothing: ``agentclinic play --out OUT --resume`` continues from
the same turn, and the finished consultation is written to ``OUT/transcripts.jsonl`` once, exactly as if
it had been played in one sitting.

The person is asked between graph steps, outside the event loop, so Ctrl-C at a prompt is an ordinary
``KeyboardInterrupt`` (asyncio's own Ctrl-C handling only applies while a step runs).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from langgraph.types import Command
from pydantic import BaseModel, Field, ValidationError

from agentclinic_sim.checkpoints import CHECKPOINTS, CheckpointStore, thread_config, thread_id
from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.graph import GraphState, build_graph, consultation_of, initial_state
from agentclinic_sim.run_folder import write_json
from agentclinic_sim.run_settings import RunError, RunSettings
from agentclinic_sim.runner import Runner, finish_record
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord, TranscriptWriter, completed_keys
from agents.types import Reply

PLAYS = "plays.json"
HumanRole = Literal["doctor", "patient"]
Ask = Callable[[dict[str, Any]], Reply]
"""Gets an interrupt's payload (``role``, ``case_id``, ``turn``, and the ``observation`` a doctor sees or the
``question`` a patient is asked) and returns the person's reply."""


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

    @property
    def thread(self) -> str:
        return thread_id(self.case_id, self.sample)

    def run_settings(self, out: Path) -> RunSettings:
        return RunSettings(
            dataset=self.dataset,
            data_dir=self.data_dir,
            case_ids=[self.case_id],
            max_turns=self.max_turns,
            out=out,
            resume=True,
            samples=self.sample + 1,
            concurrency=1,
            **self.roles,
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
            session
            for session in self.sessions.values()
            if case_id is None or session.case_id == case_id or session.case_id.endswith(f":{case_id}")
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


def consult(
    runner: Runner,
    session: PlaySession,
    ask: Ask,
    on_resume: Callable[[ConsultationState], None] | None = None,
) -> EpisodeRecord:
    """Play (or continue) the session's consultation to its end, asking the person at each of their turns;
    write its record, forget its checkpoints and its entry in ``plays.json``, and return the record.

    ``on_resume`` gets the state a continued consultation stopped in (to show the dialogue so far).
    ``KeyboardInterrupt`` and anything ``ask`` raises leave the consultation saved for ``--resume``."""
    store = CheckpointStore(runner.out / CHECKPOINTS)
    try:
        with asyncio.Runner() as loop:
            try:
                return play_to_the_end(loop, runner, session, ask, on_resume, store)
            finally:  # after Ctrl-C too: the model clients close on the loop that opened them
                loop.run(runner.episodes.aclose())
    finally:
        store.close()


def play_to_the_end(
    loop: asyncio.Runner,
    runner: Runner,
    session: PlaySession,
    ask: Ask,
    on_resume: Callable[[ConsultationState], None] | None,
    store: CheckpointStore,
) -> EpisodeRecord:
    """``consult``'s work, on its event loop."""
    case = runner.cases[0]
    graph = build_graph(rewards=runner.settings.rewards, checkpointer=store.saver)
    config = thread_config(case.id, session.sample)
    record = runner.episodes.new_record(case, session.sample)
    clock = time.perf_counter()
    context = loop.run(runner.episodes.episode_context(case, session.sample, record))
    context.doctor = None if session.as_role == "doctor" else context.doctor
    context.human_patient = session.as_role == "patient"

    def step(command: Any) -> GraphState:
        return loop.run(graph.ainvoke(command, config, context=context, durability="sync"))

    snapshot = loop.run(graph.aget_state(config))
    if not snapshot.values:
        values = step(initial_state(case, session.max_turns, runner.episodes.doctor_prompt()))
    else:
        record.resumed_at_turn = consultation_of(snapshot.values).turn
        if on_resume is not None:
            on_resume(consultation_of(snapshot.values))
        if snapshot.interrupts:
            values = step(Command(resume=ask(snapshot.interrupts[0].value).model_dump()))
        else:  # stopped during a model's turn (or just after the last one)
            values = step(None) if snapshot.next else snapshot.values
    while values.get("__interrupt__"):
        values = step(Command(resume=ask(values["__interrupt__"][0].value).model_dump()))
    finish_record(record, consultation_of(values))
    record.wall_s = time.perf_counter() - clock
    with TranscriptWriter(runner.transcripts) as writer:
        writer.write(record)
    loop.run(store.prune(case.id, session.sample))
    pending = PendingPlays.load(runner.out)
    pending.sessions.pop(session.thread, None)
    pending.save(runner.out)
    return record
