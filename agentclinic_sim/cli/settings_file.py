"""The ``--config FILE.yaml`` of a settings command: reading the file (with the line of every key, for errors that
name it), refusing what the model cannot take, and the option's help. ``settings.py`` overlays flags on it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from agentclinic_sim.cli.console import fail
from agentclinic_sim.cli.settings_flags import Flag, nested_model

Location = tuple[str | int, ...]


def load_config(
    path: Path, model: type[BaseModel], aliases: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[Location, int]]:
    """The settings in YAML file ``path`` and the line of each key, or exit 2 naming the file and what is
    wrong: missing or unreadable, invalid YAML (with its line), not a mapping, or a key ``model`` lacks.
    ``aliases`` (a flag's name -> its field) only serve to suggest the right key for a wrong one."""
    text = _read(path)
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        fail(f"{where}: invalid YAML: {exc.problem or exc.context or exc}")
    except yaml.YAMLError as exc:
        fail(f"{path}: invalid YAML: {exc}")
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        fail(f"{path}: expected a mapping of setting names to values, got {_yaml_kind(data)}")
    lines: dict[Location, int] = {}
    twice = _collect_lines(node, (), lines)
    if twice is not None:
        loc, line = twice
        fail(f"{path}, line {line}: {dotted(loc)!r} is set twice (first on line {lines[loc]})")
    unknown = _unknown_key(data, model, ())
    if unknown is not None:
        loc, key, known = unknown
        where = f"{path}, line {lines[(*loc, key)]}" if (*loc, key) in lines else str(path)
        alias = (aliases or {}).get(str(key)) if not loc else None
        close = [alias] if alias else difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
        fail(f"{where}: unknown setting {dotted((*loc, str(key)))!r}{hint}")
    return {str(key): value for key, value in data.items()}, lines


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"--config {path}: file not found")
    except IsADirectoryError:
        fail(f"--config {path}: is a folder, not a file")
    except UnicodeDecodeError:
        fail(f"--config {path}: not UTF-8 text")
    except OSError as exc:
        fail(f"--config {path}: cannot be read ({exc.strerror or exc})")


def _unknown_key(
    data: Mapping[Any, Any], model: type[BaseModel], loc: Location
) -> tuple[Location, Any, list[str]] | None:
    """The first key of ``data`` (or of a nested model's mapping within it) that ``model`` has no field for."""
    fields = model.model_fields
    for key, value in data.items():
        if not isinstance(key, str) or key not in fields:
            return loc, key, list(fields)
        nested = nested_model(fields[key].annotation)
        if nested is not None and isinstance(value, Mapping):
            found = _unknown_key(value, nested, (*loc, key))
            if found is not None:
                return found
    return None


def _collect_lines(node: yaml.Node | None, loc: Location, lines: dict[Location, int]) -> tuple[Location, int] | None:
    """Record the line of every key and list item under ``node``; return the first key set twice in one
    mapping (``yaml.safe_load`` would silently keep the last) and the line of its second setting."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (*loc, str(key_node.value))
            if key in lines:
                return key, key_node.start_mark.line + 1
            lines[key] = key_node.start_mark.line + 1
            twice = _collect_lines(value_node, key, lines)
            if twice is not None:
                return twice
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            twice = _collect_lines(item, (*loc, index), lines)
            if twice is not None:
                return twice
    return None


def _yaml_kind(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    return f"a single value ({data!r})"


def dotted(loc: Iterable[str | int], lead: bool = False) -> str:
    """``("rewards", "test_cost")`` -> ``rewards.test_cost``; list positions as ``[0]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text or lead else str(part))
    return text


def config_help(model: type[BaseModel], offered: Sequence[Flag], file_only: Sequence[str]) -> str:
    """``--config``'s help: what the file holds, how flags override it, and which settings it alone sets."""
    renamed = [
        f"{flag.option} is {flag.name}"
        for flag in offered
        if not flag.argument and flag.option != "--" + flag.name.replace("_", "-")
    ]
    text = "YAML (or JSON) file of settings, keyed by setting name (a flag's name with _ for -"
    text += "; " + ", ".join(renamed) + ")." if renamed else ")."
    text += " Flags typed on the command line override it; it overrides environment variables."
    if file_only:
        described = []
        for name in file_only:
            nested = nested_model(model.model_fields[name].annotation)
            keys = f" ({', '.join(nested.model_fields)})" if nested is not None else ""
            described.append(name + keys)
        text += " Set only here: " + "; ".join(described) + "."
    return text
