"""The ``agentclinic`` command: the roof over every room, so it may import anything.

Each subcommand's module is imported only when that subcommand runs (or shows its own help), so
``agentclinic --help``, ``cases``, ``judge "A" "B"`` and ``replay`` never load LangGraph, torch or
transformers. The top-level help lists the commands from ``COMMANDS`` without importing them; a test
holds those one-line summaries to the commands' own help.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer import rich_utils
from typer.core import TyperCommand, TyperGroup, TyperOption

from agentclinic_sim.cli.console import PIPE_WIDTH
from agentclinic_sim.heap import startup_without_collector

if TYPE_CHECKING:  # the click that typer carries inside it (typer no longer needs the click package)
    from typer._click import Command, Context, HelpFormatter

EXIT_INTERRUPTED = 130
"""What a shell reports for a process stopped by Ctrl-C (128 + SIGINT)."""


@dataclass(frozen=True)
class LazyCommand:
    """Where a subcommand lives and the line the top-level help shows for it."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, LazyCommand] = {
    "run": LazyCommand(
        "agentclinic_sim.cli.run", "run_command", "Run doctor consultations over a dataset and score them."
    ),
    "replay": LazyCommand(
        "agentclinic_sim.cli.replay",
        "replay_command",
        "Replay finished consultations: interactive on a terminal, printed whole when piped, or as HTML.",
    ),
    "compare": LazyCommand(
        "agentclinic_sim.cli.compare",
        "compare_command",
        "Compare runs that played the same cases, episode by episode (paired).",
    ),
    "play": LazyCommand(
        "agentclinic_sim.cli.play", "play_command", "Play a consultation yourself, as the doctor or as the patient."
    ),
    "watch": LazyCommand(
        "agentclinic_sim.cli.watch", "watch_command", "Watch a run as it progresses, from another terminal."
    ),
    "cases": LazyCommand(
        "agentclinic_sim.cli.cases", "cases_app", "Browse and check case files, or build them from MIMIC-IV."
    ),
    "train": LazyCommand(
        "agentclinic_sim.cli.train",
        "train_app",
        "Train the doctor on environment rewards: SFT on demonstrations, then multi-turn GRPO.",
    ),
    "judge": LazyCommand(
        "agentclinic_sim.cli.judge",
        "judge_app",
        "Judge diagnoses, one pair or a run's against an LLM judge.",
    ),
}


@cache
def load_command(name: str) -> Command:
    """Import subcommand ``name``'s module and build its click command (a group for ``cases``, ``train``, ``judge``)."""
    where = COMMANDS[name]
    with startup_without_collector():
        target = getattr(import_module(where.module), where.attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class CommandsOnUse(Mapping[str, "Command"]):
    """The subcommands by name, each imported when it is looked up (typer suggests near names from the keys)."""

    def __getitem__(self, name: str) -> Command:
        if name not in COMMANDS:
            raise KeyError(name)
        return load_command(name)

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyCommands(TyperGroup):
    """A command group whose subcommands are imported when one is asked for, not when the help lists them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = CommandsOnUse()  # type: ignore[assignment]  # click declares a dict; a Mapping that imports on lookup serves
        self._listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if self._listing and cmd_name in COMMANDS:  # the help's table of commands needs only each one's summary
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name].summary)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyCommands,
    name="agentclinic",
    help="AgentClinic consultations: browse cases, run doctor agents against simulated patients, replay them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """AgentClinic consultations: browse cases, run doctor agents against simulated patients, replay them."""


def _flags_show_no_value_type() -> None:
    """Typer 0.29 labels a flag that takes no value ``<bool>`` in help (``--live <bool>``), as if it needed one."""
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Context) -> str | None:
        return None if self.is_flag and self.metavar is None else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]  # patched on the class, for every option


def _typer_screens_unwrapped_off_terminal() -> None:
    """Typer's help screens and usage-error boxes are laid out ``PIPE_WIDTH`` wide when their stream is a pipe
    or a file (unless ``COLUMNS`` or ``TERMINAL_WIDTH`` says otherwise), like the package's own consoles."""
    if os.environ.get("COLUMNS") or os.environ.get("TERMINAL_WIDTH"):
        return
    make_console = rich_utils._get_rich_console

    def console_for(stderr: bool = False) -> Any:
        made = make_console(stderr=stderr)
        if not made.is_terminal:
            made.width = PIPE_WIDTH
        return made

    rich_utils._get_rich_console = console_for


def exit_without_teardown(code: int) -> NoReturn:
    """End the process as ``sys.exit(code)`` would, without tearing the interpreter down object by object.

    After a run, Python spends about a quarter of a second freeing the hundreds of thousands of objects its
    libraries and cases left (0.27 s timed after a one-case run), work that the operating system does at
    once. The exit handlers still run and the output streams are flushed first, so nothing written is lost.
    Only used when no other thread is alive (no thread is cut short)."""
    atexit._run_exitfuncs()  # what sys.exit would run: logging's flush, temporary folders, registered clean-ups
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    _flags_show_no_value_type()
    _typer_screens_unwrapped_off_terminal()
    code: int | str | None = 0
    try:
        app()
    except KeyboardInterrupt:  # a second Ctrl-C while the first one's clean-up runs
        code = EXIT_INTERRUPTED
    except SystemExit as stop:
        code = stop.code
    finally:  # the command has ended: a Ctrl-C during the interpreter's own shutdown must not change the exit code
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    training = sys.argv[1:2] == ["train"]  # trainers' trackers and process groups get the full shutdown
    if isinstance(code, int | None) and threading.active_count() == 1 and not training:
        exit_without_teardown(code or 0)
    sys.exit(code)


if __name__ == "__main__":
    main()
