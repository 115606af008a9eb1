"""Prompt templates as data: edit the ``.txt`` files beside this module without touching code.

Templates use ``str.format`` fields; ``load_prompt(name)`` returns the text of ``<name>.txt``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_prompt(name: str) -> str:
    return (resources.files(__package__) / f"{name}.txt").read_text(encoding="utf-8")
