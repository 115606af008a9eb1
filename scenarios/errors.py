"""Errors about case files, each naming the file, the line and the field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case file: ``file:line: field: message``.

    ``line`` is 1-based; 0 means the problem is with the file as a whole. An empty ``field`` is left out
    (``file:line: message``), for a problem that is about no field (the file is not a case file at all).
    """

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class DatasetError(Exception):
    """A dataset cannot be found, downloaded or trusted. The message says what to do."""


class CaseFileError(DatasetError):
    """A case file holds at least one bad record; ``problems`` lists what was found."""

    def __init__(self, problems: list[CaseProblem]):
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "invalid case file")


def display_path(path: Path) -> str:
    """The path as the user gave it: a relative path stays relative and an absolute one absolute.

    Nothing is resolved, so symlinks, ``..`` and the working directory never change the name in a message.
    """
    return str(path)
