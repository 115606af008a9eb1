"""``agentclinic play``: a person plays the doctor (or the patient) against the other roles.

The consultation runs as the same graph as ``agentclinic run``'s episodes; the graph pauses at each of the
person's turns and resumes with what they type (``play_session.py``). Ctrl-C (or the end of input) saves
it, and ``agentclinic play --out OUT --resume`` continues it from the same turn. The finished
consultation is saved like a run's, so ``agentclinic replay`` shows it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.prompt import Prompt
from rich.tree import Tree

from agentclinic_sim.cli.cases import findings_tree, load_or_fail
from agentclinic_sim.cli.console import console, err_console, fail
from agentclinic_sim.cli.views import turn_panel, verdict_panel
from agentclinic_sim.consultation import ConsultationState
from agentclinic_sim.run_folder import RUN_SETTINGS, holding
from agentclinic_sim.run_settings import RunError
from agents.doctor import clean_doctor_text
from agents.protocol import DEFAULT_MAX_TURNS
from agents.types import Reply, Turn
from models.backends import BackendError
from models.backends.human import HumanBackend
from scenarios import CaseSource, DatasetError


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


def play_command(  # noqa: C901, PLR0912, PLR0915  # one flow of new / resumed sessions; to split with the runner's parts (issue 24)
    dataset: Annotated[str, typer.Option(help="Dataset name or .jsonl path.")] = "demo",
    data_dir: Annotated[
        Path | None, typer.Option(envvar="AGENTCLINIC_DATA", help="Folder with the case files.")
    ] = None,
    case: Annotated[str | None, typer.Option(help="Case id (demo:3 or 3); default: a random case.")] = None,
    as_role: Annotated[str, typer.Option("--as", help="Which role you play: doctor or patient.")] = "doctor",
    doctor: Annotated[str, typer.Option(help="Doctor backend when you play the patient.")] = "oracle",
    patient: Annotated[
        str, typer.Option(help="Patient when you play the doctor: retrieval or a backend URI.")
    ] = "retrieval",
    measurement: Annotated[str, typer.Option(help="lookup or a backend URI.")] = "lookup",
    moderator: Annotated[str, typer.Option(help="match or a backend URI.")] = "match",
    max_turns: Annotated[int, typer.Option(min=1, help="Doctor turns allowed.")] = DEFAULT_MAX_TURNS,
    out: Annotated[Path, typer.Option(help="Folder whose transcripts.jsonl the consultation is appended to.")] = Path(
        "runs/play"
    ),
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue the consultation saved in --out by Ctrl-C (the latest one, or --case's), from the "
            "turn it stopped at; the other options are taken from it.",
        ),
    ] = False,
) -> None:
    """Play a consultation yourself, as the doctor or as the patient.

    As the doctor: ask questions, write REQUEST TEST: <name>, and end with DIAGNOSIS READY: <diagnosis>.
    As the patient: answer from the facts shown to you. Ctrl-C saves the consultation; continue it with
    --resume. The finished transcript is saved like a run's.
    """
    if as_role not in {"doctor", "patient"}:
        fail(f"--as must be doctor or patient, not {as_role!r}")
    if case is not None and not case.strip():
        fail("--case is empty: give a case id (demo:3 or 3), or leave --case out for a random case")
    if (out / RUN_SETTINGS).is_file():
        fail(
            f"{out} holds an `agentclinic run` ({RUN_SETTINGS}); play in a folder of its own "
            "(--out), so the run's episodes and summary stay the run's"
        )
    # The graph, its checkpoints and LangGraph load only when a consultation is played, not for --help.
    from agentclinic_sim.checkpoints import CHECKPOINTS, CheckpointError, unfinished_threads
    from agentclinic_sim.play_session import PendingPlays, PlaySession, consult, next_sample
    from agentclinic_sim.runner import Runner

    with ExitStack() as held:
        try:
            held.enter_context(holding(out))  # no second run or play in this folder meanwhile
        except RunError as exc:
            fail(str(exc))
        try:
            pending = PendingPlays.load(out)
            if resume:
                session = pending.latest(case)
                if session is None:
                    which = f" of case {case}" if case else ""
                    fail(f"no saved consultation{which} in {out} to resume (start one without --resume)")
                if session.thread not in unfinished_threads(out / CHECKPOINTS):
                    err_console.print(
                        f"warning: the saved turns of {session.case_id} are gone from {out / CHECKPOINTS}; "
                        "it starts again from its first turn",
                        style="yellow",
                        soft_wrap=True,
                    )
                runner = Runner(session.run_settings(out), backends={"human": HumanBackend()})
            else:
                cases = load_or_fail(CaseSource(dataset=dataset, data_dir=data_dir))
                chosen = case or random.choice(cases).id
                roles = {"doctor": doctor, "patient": patient, "measurement": measurement, "moderator": moderator}
                roles[as_role] = "human"
                probe = PlaySession(
                    case_id=chosen, sample=0, as_role=as_role, dataset=dataset, data_dir=data_dir, roles=roles,
                    max_turns=max_turns,
                )  # fmt: skip
                runner = Runner(probe.run_settings(out), backends={"human": HumanBackend()})
                played = runner.cases[0].id
                session = probe.model_copy(update={"case_id": played, "sample": next_sample(out, played, pending)})
                runner.settings = runner.episodes.settings = session.run_settings(out)
                pending.sessions[session.thread] = session
                pending.save(out)
        except (RunError, DatasetError, BackendError) as exc:
            fail(str(exc))
        how_to_resume = f"agentclinic play --out {out} --resume --case {pending.handle(session)}"
        played_case = runner.cases[0]
        console.rule(f"[bold]{played_case.id}[/] — you are the {session.as_role}")
        if session.as_role == "patient":
            facts = Tree("[bold magenta]Your facts (do not name a diagnosis)[/]")
            console.print(findings_tree(facts, played_case.patient))
        else:
            console.print(
                f"[bold]Objective:[/] {played_case.objective}\nYou have {session.max_turns} turns. Ask questions, "
                "'REQUEST TEST: <name>', or 'DIAGNOSIS READY: <diagnosis>'."
            )
        try:
            record = consult(runner, session, TerminalHuman(session.as_role), on_resume=show_so_far(session.as_role))
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
        console.print(verdict_panel(record))
        console.print(f"saved to {runner.transcripts}; replay with: agentclinic replay {out} --case {played_case.id}")
