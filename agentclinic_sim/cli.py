"""The ``agentclinic`` command: the roof over every room, so it may import anything."""

from __future__ import annotations

import typer

from agentclinic_sim.cases_cli import cases_app
from agentclinic_sim.judge_cli import judge_app
from agentclinic_sim.play_cli import play_command
from agentclinic_sim.replay import replay_command
from agentclinic_sim.run_cli import run_command
from agentclinic_sim.train_cli import train_app
from agentclinic_sim.watch_cli import watch_command

app = typer.Typer(
    name="agentclinic",
    help="AgentClinic consultations: browse cases, run doctor agents against simulated patients, replay them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(cases_app, name="cases")
app.add_typer(train_app, name="train")
app.add_typer(judge_app, name="judge")
app.command("run")(run_command)
app.command("replay")(replay_command)
app.command("play")(play_command)
app.command("watch")(watch_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
