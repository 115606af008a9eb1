"""``agentclinic play``: a person plays the doctor (or the patient) against the other roles.

The episode runs through the same runner as ``agentclinic run`` with the ``human`` backend in the
person's role, so its transcript is saved like a run's and ``agentclinic replay`` shows it.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.prompt import Prompt
from rich.tree import Tree

from agentclinic_sim.cases_cli import findings_tree, load_or_fail
from agentclinic_sim.console import console, fail
from agentclinic_sim.runner import RunError, Runner, RunSettings
from agentclinic_sim.transcript import completed_keys, iter_records
from agentclinic_sim.views import verdict_panel
from models.backends import BackendError
from models.backends.human import HumanBackend
from scenarios import DatasetError


class EndOfInput(Exception):
    """The person's input ended (Ctrl-D, or a closed pipe) before the consultation did."""


class TerminalHuman(HumanBackend):
    """The ``human`` backend with rich prompts: shows the latest message in a panel, asks for the reply."""

    def __init__(self, role: str):
        super().__init__(read=self.ask, write=self.show)
        self.role = role

    def show(self, latest: str) -> None:
        if self.role == "patient":
            latest = f"Doctor: {latest}"
        console.print(Panel(latest, border_style="cyan" if self.role == "patient" else "magenta"))

    def ask(self, _: str) -> str:
        text = ""
        while not text.strip():
            try:
                text = Prompt.ask(f"[bold]You ({self.role})[/]", console=console)
            except EOFError:
                raise EndOfInput from None
        return text


def play_command(
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
    max_turns: Annotated[int, typer.Option(help="Doctor turns allowed.")] = 20,
    out: Annotated[Path, typer.Option(help="Folder whose transcripts.jsonl the consultation is appended to.")] = Path(
        "runs/play"
    ),
) -> None:
    """Play a consultation yourself, as the doctor or as the patient.

    As the doctor: ask questions, write REQUEST TEST: <name>, and end with DIAGNOSIS READY: <diagnosis>.
    As the patient: answer from the facts shown to you. The transcript is saved like a run's.
    """
    if as_role not in {"doctor", "patient"}:
        fail(f"--as must be doctor or patient, not {as_role!r}")
    cases = load_or_fail(dataset, data_dir)
    chosen = case or random.choice(cases).id
    roles = {"doctor": doctor, "patient": patient, "measurement": measurement, "moderator": moderator}
    roles[as_role] = "human"
    settings = RunSettings(
        dataset=dataset,
        data_dir=data_dir,
        case_ids=[chosen],
        max_turns=max_turns,
        out=out,
        resume=True,
        samples=1,
        concurrency=1,
        **roles,
    )
    try:
        runner = Runner(settings, backends={"human": TerminalHuman(as_role)})
    except (RunError, DatasetError, BackendError) as exc:
        fail(str(exc))
    played = runner.cases[0]
    # Each play of a case is its next sample, so earlier plays stay in the file beside it.
    sample = sum(1 for key in completed_keys(runner.transcripts) if key[0] == played.id)
    runner.settings = settings.model_copy(update={"samples": sample + 1})
    console.rule(f"[bold]{played.id}[/] — you are the {as_role}")
    if as_role == "patient":
        console.print(findings_tree(Tree("[bold magenta]Your facts (do not name a diagnosis)[/]"), played.patient))
    else:
        console.print(
            f"[bold]Objective:[/] {played.objective}\nYou have {max_turns} turns. Ask questions, "
            "'REQUEST TEST: <name>', or 'DIAGNOSIS READY: <diagnosis>'."
        )
    try:
        asyncio.run(runner.run())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except EndOfInput:
        fail("input ended before the consultation did; nothing was saved", code=1)
    record = next(r for r in iter_records(runner.transcripts) if r.case_id == played.id and r.sample == sample)
    console.print(verdict_panel(record))
    console.print(f"saved to {runner.transcripts}; replay with: agentclinic replay {out} --case {played.id}")
