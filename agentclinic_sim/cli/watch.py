"""``agentclinic watch OUT``: the live view of a run, from another terminal, by following ``OUT/events.jsonl``
(the events the run's graph streams; see ``live.py``) until the run ends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live

from agentclinic_sim.cli.console import console, fail
from agentclinic_sim.cli.live import LiveView
from agentclinic_sim.event_log import EventFollower
from agentclinic_sim.events import EVENTS


def watch_command(
    out: Annotated[Path, typer.Argument(help="The run folder (the --out of `agentclinic run`).")],
    follow: Annotated[
        bool,
        typer.Option("--follow/--once", help="Follow the run until it ends, or show where it stands now and exit."),
    ] = True,
    interval: Annotated[float, typer.Option(min=0.05, help="Seconds between looks at the event file.")] = 0.25,
) -> None:
    """Watch a run as it progresses, from another terminal.

    Shows each episode in flight with its current turn and latest line, done / total, running accuracy, and
    errors as they happen. Ctrl-C stops watching (the run goes on)."""
    path = out / EVENTS if out.is_dir() else out
    if not path.is_file():
        fail(f"{path} not found: {out} is not a run folder, or its run has not started yet")
    follower = EventFollower(path, lambda: LiveView(str(out)))
    try:
        view = follower.poll()
        if follower.not_events and not follower.events:
            fail(f"{path} is not a run's event log: give the run folder (the --out of `agentclinic run`)")
        if not follow or view.finished:
            console.print(view)
            return
        with Live(view, console=console, refresh_per_second=4) as live:
            while not view.finished:
                time.sleep(interval)
                view = follower.poll()
                live.update(view, refresh=True)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        follower.close()
