"""Shared terminal output for the CLI: rich consoles and the one way a command fails (message, exit 2).

On a terminal the consoles behave like plain rich consoles. When their stream is a pipe or a file, a line of
text is never wrapped (a long path or command stays on one line, whole, for grep and copy-paste) and tables,
trees and panels are laid out ``COLUMNS`` wide when that variable is set, else ``PIPE_WIDTH`` wide, instead of
rich's 80 columns.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.text import Text

PIPE_WIDTH = 200


class OutputConsole(Console):
    """A rich console that wraps nothing and lays out wide when it writes to a pipe or a file."""

    @property
    def writes_to_terminal(self) -> bool:
        """Whether the stream is a terminal right now (asked of the stream itself, not of ``FORCE_COLOR``)."""
        isatty = getattr(self.file, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    @property
    def size(self) -> ConsoleDimensions:
        """Rich's size, but ``PIPE_WIDTH`` wide off a terminal unless a width was given (``COLUMNS`` or ``width``)."""
        size = super().size
        if self._width is None and not self.writes_to_terminal:
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]  # rich's setter, reached through the property

    def print(self, *objects: Any, soft_wrap: bool | None = None, **kwargs: Any) -> None:
        """``Console.print``; off a terminal, text (not tables or panels) is printed unwrapped."""
        if soft_wrap is None and not self.writes_to_terminal and all(isinstance(o, str | Text) for o in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **kwargs)


console = OutputConsole(emoji=False)  # 'file.jsonl:100:' must keep its line number, not turn into an emoji
err_console = OutputConsole(stderr=True, emoji=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code`` (2 = bad input), without a traceback."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)
