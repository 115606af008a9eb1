"""``agentclinic watch OUT``: the live view of a run, from another terminal, by following ``OUT/events.jsonl``
(the events the run's graph streams; see ``live.py``) until the run ends."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from pydantic import BaseModel, Field
from rich.live import Live

from agentclinic_sim.cli.console import console, fail
from agentclinic_sim.cli.live import LiveView
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.event_log import EventFollower
from agentclinic_sim.events import EVENTS


class WatchSettings(BaseModel):
    """Which run to watch, and how."""

    out: Path = Field(description="The run folder (the --out of `agentclinic run`).")
    follow: bool = Field(True, description="Follow the run until it ends, or show where it stands now and exit.")
    interval: float = Field(0.25, ge=0.05, description="Seconds between looks at the event file.")


def watch_from_settings(request: SettingsInput[WatchSettings]) -> None:
    """Watch a run as it progresses, from another terminal.

    Shows each episode in flight with its current turn and latest line, done / total, running accuracy, and
    errors as they happen. Ctrl-C stops watching (the run goes on)."""
    settings = request.build()
    out = settings.out
    path = out / EVENTS if out.is_dir() else out
    if not path.is_file():
        fail(f"{path} not found: {out} is not a run folder, or its run has not started yet")
    follower = EventFollower(path, lambda: LiveView(str(out)))
    try:
        view = follower.poll()
        if follower.not_events and not follower.events:
            fail(f"{path} is not a run's event log: give the run folder (the --out of `agentclinic run`)")
        if not settings.follow or view.finished:
            console.print(view)
            return
        with Live(view, console=console, refresh_per_second=4) as live:
            while not view.finished:
                time.sleep(settings.interval)
                view = follower.poll()
                live.update(view, refresh=True)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        follower.close()


watch_command = command_from_settings(
    WatchSettings, watch_from_settings, arguments=("out",), flags={"follow": "--follow/--once"}, config_option=False
)
"""``agentclinic watch OUT``: its options are ``WatchSettings``' fields."""
