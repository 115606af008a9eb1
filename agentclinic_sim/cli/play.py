"""``agentclinic play``: a person plays the doctor (or the patient) against the other roles.

The consultation runs as the same graph as ``agentclinic run``'s episodes; the graph pauses at each of the
person's turns and resumes with what they type (``play_session.py``). Ctrl-C (or the end of input) saves
it, and ``agentclinic play --out OUT --resume`` continues it from the same turn. The finished
consultation is saved like a run's, so ``agentclinic replay`` shows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import typer
from rich.panel import Panel
from rich.prompt import Prompt
from rich.tree import Tree

from agentclinic_sim.cli.cases import findings_tree, load_or_fail
from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.settings import TIMEOUT_FLAG, SettingsInput, command_from_settings
from agentclinic_sim.cli.views import turn_panel, verdict_panel
from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.play_settings import HUMAN, PlaySettings
from agentclinic_sim.privacy import MimicPrivacyError
from agentclinic_sim.run_folder import RUN_SETTINGS, holding
from agentclinic_sim.run_settings import RunError
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord
from agents.doctor import clean_doctor_text
from agents.types import Reply, Turn
from models.backends import BackendError
from models.backends.human import HumanBackend
from scenarios import Case

if TYPE_CHECKING:  # loaded when a consultation is played (LangGraph comes with them), not for --help
    from agentclinic_sim.episodes import EpisodeFactory
    from agentclinic_sim.play_session import PendingPlays, PlaySession


class EndOfInput(Exception):
    """The person's input ended (Ctrl-D, or a closed pipe) before the consultation did."""


class TerminalHuman:
    """Shows the person what their role sees at an interrupt, in a panel, and asks for their reply."""

    def __init__(self, role: str):
        self.role = role

    def __call__(self, pause: dict[str, Any]) -> Reply:
        if self.role == "patient":
            console.print(Panel(f"Doctor: {pause['question']}", border_style="cyan"))
        else:
            console.print(Panel(pause["observation"], border_style="magenta"))
        started = time.perf_counter()
        text = self.ask()
        if self.role == "doctor":
            text = clean_doctor_text(text)
        return Reply(text=text, latency_s=time.perf_counter() - started, backend="human")

    def ask(self) -> str:
        text = ""
        while not text.strip():
            try:
                text = Prompt.ask(f"[bold]You ({self.role})[/]", console=console)
            except EOFError:
                raise EndOfInput from None
        return text


def shown_to(role: str, dialogue: list[Turn]) -> list[tuple[int, Turn]]:
    """The numbered turns a person playing ``role`` saw: all of them for the doctor; for the patient, the
    doctor's questions to them and their own answers (not the tests and their results)."""
    numbered = list(enumerate(dialogue, start=1))
    if role != "patient":
        return numbered
    answered = {index for index, turn in numbered if turn.role == "patient"}  # the turn before is its question
    return [(index, turn) for index, turn in numbered if index in answered or index + 1 in answered]


def show_so_far(role: str) -> Callable[[ConsultationState], None]:
    """Shows the dialogue of a continued consultation up to where it stopped, as ``role`` saw it."""

    def show(state: ConsultationState) -> None:
        console.print(
            f"[dim]{state.turn} of {state.max_turns} doctor turns played; continuing with turn {state.turn + 1}[/]"
        )
        for index, turn in shown_to(role, state.dialogue):
            console.print(turn_panel(turn, index))

    return show


def play_from_settings(request: SettingsInput[PlaySettings]) -> None:
    """Play a consultation yourself, as the doctor or as the patient.

    As the doctor: ask questions, write REQUEST TEST: <name>, and end with DIAGNOSIS READY: <diagnosis>.
    As the patient: answer from the facts shown to you. Ctrl-C saves the consultation; continue it with
    --resume. The finished transcript is saved like a run's.
    """
    settings = request.build()  # bad values exit 2 here, named by their flag or config line
    if settings.case is not None and not settings.case.strip():
        fail("--case is empty: give a case id (demo:3 or 3), or leave --case out for a random case")
    out = settings.out
    if (out / RUN_SETTINGS).is_file():
        fail(
            f"{out} holds an `agentclinic run` ({RUN_SETTINGS}); play in a folder of its own "
            "(--out), so the run's episodes and summary stay the run's"
        )
    # The graph, its checkpoints and LangGraph load only when a consultation is played, not for --help.
    from agentclinic_sim.play_session import PendingPlays

    with ExitStack() as held:
        try:
            held.enter_context(holding(out))  # no second run or play in this folder meanwhile
            pending = PendingPlays.load(out)
        except RunError as exc:
            fail(str(exc))
        session, case = resumed(settings, pending) if settings.resume else started(settings, pending)
        episodes = episode_factory(settings, session, case)
        if not settings.resume:
            pending.sessions[session.thread] = session
            pending.save(out)
        introduce(case, session)
        record = play_through(settings, pending, session, case, episodes)
    console.print(verdict_panel(record))
    console.print(f"saved to {out / TRANSCRIPTS}; replay with: agentclinic replay {out} --case {case.id}")


def resumed(settings: PlaySettings, pending: PendingPlays) -> tuple[PlaySession, Case]:
    """The consultation saved in --out that --resume continues (--case's, or the latest), and its case."""
    from agentclinic_sim.checkpoints import CHECKPOINTS, unfinished_threads
    from agentclinic_sim.play_session import session_case

    out = settings.out
    session = pending.latest(settings.case)
    if session is None:
        which = f" of case {settings.case}" if settings.case else ""
        fail(f"no saved consultation{which} in {out} to resume (start one without --resume)")
    if session.thread not in unfinished_threads(out / CHECKPOINTS):
        err_console.print(
            f"warning: the saved turns of {session.case_id} are gone from {out / CHECKPOINTS}; "
            "it starts again from its first turn",
            style="yellow",
            soft_wrap=True,
        )
    try:
        return session, session_case(session, load_or_fail(session.source))
    except RunError as exc:
        fail(str(exc))


def started(settings: PlaySettings, pending: PendingPlays) -> tuple[PlaySession, Case]:
    """A new consultation of --case (or of a random case) of --dataset, and its case."""
    from agentclinic_sim.play_session import new_session

    try:
        return new_session(settings, load_or_fail(settings), pending)
    except RunError as exc:
        fail(str(exc))


def episode_factory(settings: PlaySettings, session: PlaySession, case: Case) -> EpisodeFactory:
    """The roles of the session's one episode, the person's role played at the terminal."""
    from agentclinic_sim.episodes import EpisodeFactory

    try:
        return EpisodeFactory(session.run_settings(settings), [case], backends={HUMAN: HumanBackend()})
    except (MimicPrivacyError, BackendError) as exc:
        fail(str(exc))


def introduce(case: Case, session: PlaySession) -> None:
    """What the person is shown before the first turn: their facts as the patient, the task as the doctor."""
    console.rule(f"[bold]{case.id}[/] — you are the {session.as_role}")
    if session.as_role == "patient":
        facts = Tree("[bold magenta]Your facts (do not name a diagnosis)[/]")
        console.print(findings_tree(facts, case.patient))
    else:
        console.print(
            f"[bold]Objective:[/] {case.objective}\nYou have {session.max_turns} turns. Ask questions, "
            "'REQUEST TEST: <name>', or 'DIAGNOSIS READY: <diagnosis>'."
        )


def play_through(
    settings: PlaySettings, pending: PendingPlays, session: PlaySession, case: Case, episodes: EpisodeFactory
) -> EpisodeRecord:
    """The consultation played to its end; cut short (Ctrl-C, the end of input, a failing backend), it is saved
    and the command ends saying how to continue it."""
    from agentclinic_sim.checkpoints import CheckpointError
    from agentclinic_sim.play_session import PendingPlays, consult

    out = settings.out
    how_to_resume = f"agentclinic play --out {out} --resume --case {pending.handle(session)}"
    try:
        return consult(out, case, session, episodes, TerminalHuman(session.as_role), show_so_far(session.as_role))
    except KeyboardInterrupt:
        PendingPlays.touch(out, session)
        err_console.print(f"\nsaved: continue this consultation with: {how_to_resume}", soft_wrap=True)
        raise typer.Exit(130) from None
    except EndOfInput:
        PendingPlays.touch(out, session)
        fail(f"input ended before the consultation did; it is saved: continue it with: {how_to_resume}", code=1)
    except BackendError as exc:
        PendingPlays.touch(out, session)
        fail(f"{exc}; the consultation is saved: continue it with: {how_to_resume}", code=1)
    except CheckpointError as exc:
        fail(str(exc))


play_command = command_from_settings(
    PlaySettings,
    play_from_settings,
    flags={"as_role": "as", **TIMEOUT_FLAG},
    options={"data_dir": {"envvar": "AGENTCLINIC_DATA"}},
)
"""``agentclinic play``: its options are ``PlaySettings``' fields."""
