"""Walking and rendering a case's findings trees, and telling a real finding from a placeholder ("Pending",
"Recommended but findings not provided"): what the patient and the measurement reader both read a case with."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def pretty_name(key: str) -> str:
    """A record's key as a label: 'Blood_Pressure' -> 'Blood Pressure'."""
    return key.replace("_", " ").strip()


def render(value: Any) -> str:
    """A findings value as one line of text: 'Heart Rate: 72 bpm; Blood Pressure: 125/80 mmHg'."""
    if isinstance(value, dict):
        parts = []
        for key, child in value.items():
            inner = render(child)
            parts.append(
                f"{pretty_name(key)}: ({inner})"
                if isinstance(child, dict) and len(child) > 1
                else f"{pretty_name(key)}: {inner}"
            )
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(render(item) for item in value)
    return str(value)


@dataclass(frozen=True, slots=True)
class Node:
    """A named node of a findings tree: its path of keys and its value (subtree or leaf)."""

    path: tuple[str, ...]
    value: Any

    @property
    def name(self) -> str:
        return self.path[-1]


def walk(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[Node]:
    """Every named node, parents before children."""
    for key, value in tree.items():
        path = (*prefix, key)
        yield Node(path, value)
        if isinstance(value, dict):
            yield from walk(value, path)


_PLACEHOLDER = re.compile(
    r"^\W*(?:(?:data|information|results?|findings?|details?|values?)\s+)?"
    r"(?:not\s+(?:provided|specified|mentioned|available|performed|done|recorded|reported|given|applicable)"
    r"|pending|awaiting|to be (?:determined|done|performed)|recommended|n/a|na$|unknown|none provided)\b",
    re.IGNORECASE,
)


def is_placeholder(value: Any) -> bool:
    """True for a finding that holds no result: empty, or text that opens by saying the result is not
    there ("Pending", "Not provided", "Recommended but findings not provided"); a subtree is a
    placeholder when all of its leaves are. "Normal but specifics not provided" is a result."""
    if isinstance(value, dict):
        return all(is_placeholder(child) for child in value.values())
    if isinstance(value, list):
        return all(is_placeholder(item) for item in value)
    if isinstance(value, str):
        return not value.strip() or bool(_PLACEHOLDER.match(value.strip()))
    return value is None


_ITEM_SPLIT = re.compile(r"\n+|(?:^|\s)\d{1,2}\.\s+(?=[A-Z])")
_LABELLED = re.compile(r"^\s*([A-Z][^:.\n]{1,60}):\s*(\S.*)$", re.DOTALL)


def labelled_items(text: str) -> list[Node]:
    """'Skin biopsy: …' items inside free text (one a line, or numbered '1. … 2. …'), as named nodes.

    NEJM cases hold their examinations and tests as one block of text; this lets a test be asked for
    by name there too."""
    items = []
    for part in _ITEM_SPLIT.split(text):
        match = _LABELLED.match(part.strip()) if part else None
        if match:
            items.append(Node((match.group(1).strip(),), match.group(2).strip()))
    return items
