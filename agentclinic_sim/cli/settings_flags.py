"""How a settings field is offered on the command line: which fields become flags (and of what kind), and the
typer parameter that offers each one, as an option or a positional argument. ``settings.py`` builds commands
from these; the rules are in its docstring."""

from __future__ import annotations

import enum
import inspect
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import typer
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from rich.markup import escape

SCALARS: tuple[type, ...] = (str, int, float, Path)
SHORT_CHOICES = 40
"""Literal choices up to this many characters (with separators) are shown as the option's metavar."""


@dataclass(frozen=True)
class FlagKind:
    """How one field is offered on the command line."""

    annotation: Any
    """The type typer sees."""
    is_list: bool = False
    choices: tuple[str, ...] | None = None
    item_name: str = "str"
    """A list item's kind as help shows it (``<int,...>``)."""
    item: Any = str
    """A list item's type, as a variadic argument takes it (``list[Path]``)."""


@dataclass(frozen=True)
class Flag:
    """One field offered on the command line: as an option (``--max-turns``, a bool's ``--x/--no-x`` or a
    named pair such as ``--follow/--once``) or, with ``argument``, as a positional argument (``RUN``)."""

    name: str
    option: str
    """The option (``--max-turns``), or an argument's name as errors show it (``RUN``)."""
    kind: FlagKind
    off: str | None = None
    """A bool option's second name, which sets it false (``--no-x``, or as named); ``None`` for a plain switch."""
    argument: bool = False

    @property
    def declarations(self) -> list[str]:
        """The names typer declares the option with."""
        return [f"{self.option}/{self.off}"] if self.off else [self.option]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every name this option answers to on the command line."""
        if self.argument:
            return ()
        return (self.option, self.off) if self.off else (self.option,)


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; ``X`` -> ``(X, False)``; a union of several types is returned as is."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = get_args(annotation)
        rest = [arg for arg in args if arg is not type(None)]
        if len(rest) == 1 and len(rest) < len(args):
            inner = rest[0]
            return (get_args(inner)[0] if get_origin(inner) is Annotated else inner), True
    return annotation, False


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field typed ``SomeModel`` or ``SomeModel | None``."""
    inner, _ = strip_optional(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def choices_of(annotation: Any) -> tuple[str, ...] | None:
    """The string values of a ``Literal`` of strings or a string ``Enum``; ``None`` for anything else."""
    if get_origin(annotation) is Literal:
        values: list[Any] = []
        for arg in get_args(annotation):
            nested = choices_of(arg) if get_origin(arg) is Literal else None
            values.extend(nested if nested is not None else [arg])
        return tuple(values) if values and all(isinstance(value, str) for value in values) else None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = [member.value for member in annotation]
        return tuple(members) if members and all(isinstance(value, str) for value in members) else None
    return None


def flag_kind(annotation: Any) -> FlagKind | None:
    """How a field of this type is offered as a flag, or ``None`` when it is config-file only."""
    inner, _ = strip_optional(annotation)
    if inner is bool:
        return FlagKind(bool)
    if inner in SCALARS:
        return FlagKind(inner | None)
    choices = choices_of(inner)
    if choices is not None:
        return FlagKind(str | None, choices=choices)
    origin, args = get_origin(inner), get_args(inner)
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        item, _ = strip_optional(args[0]) if args else (str, False)
        item_choices = choices_of(item)
        if item in SCALARS or item_choices is not None:
            name = "choice" if item_choices is not None else {int: "int", float: "float", Path: "path"}.get(item, "str")
            item_type = str if item_choices is not None else item
            return FlagKind(str | None, is_list=True, choices=item_choices, item_name=name, item=item_type)
    return None


def from_flag(flag: Flag, value: Any) -> Any:
    """A flag's value as the model takes it: comma-separated text split into a list."""
    if flag.kind.is_list and isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def _bounds(info: FieldInfo) -> dict[str, Any]:
    """``ge``/``le`` as click's ``min``/``max`` (shown as the option's range and checked when parsing)."""
    bounds: dict[str, Any] = {}
    for constraint in info.metadata:
        if isinstance(constraint, annotated_types.Ge):
            bounds["min"] = constraint.ge
        elif isinstance(constraint, annotated_types.Le):
            bounds["max"] = constraint.le
    return bounds


def _shown_default(flag: Flag, info: FieldInfo) -> Any:
    """The model's default as the option's default (what help shows), in the flag's form."""
    if info.is_required():
        return None
    default = info.get_default(call_default_factory=True)
    if isinstance(default, enum.Enum):
        default = default.value
    if flag.kind.is_list and default is not None:
        return ",".join(str(item.value if isinstance(item, enum.Enum) else item) for item in default)
    if flag.kind.annotation is not bool and not isinstance(default, SCALARS + (bool,)) and default is not None:
        return str(default)
    return default


def _help_text(flag: Flag, info: FieldInfo, help_text: str | None, with_config: bool) -> tuple[str, dict[str, Any]]:
    """The help of ``flag`` (the field's description unless overridden, with its choices, list form and
    whether it is required) and the metavar that goes with it."""
    text = escape(help_text if help_text is not None else (info.description or ""))  # "'.[vllm]'" is text
    kwargs: dict[str, Any] = {}
    choices = flag.kind.choices
    if choices is not None:
        if len("|".join(choices)) + 2 <= SHORT_CHOICES and not flag.kind.is_list:
            kwargs["metavar"] = "[" + "|".join(choices) + "]"
        elif not all(choice in text for choice in choices):
            text = sentence(text, f"One of: {', '.join(choices)}.")
    if flag.kind.is_list and not flag.argument:
        kwargs["metavar"] = f"<{flag.kind.item_name},...>"
        if "comma" not in text.lower():
            text = sentence(text, "Comma-separated.")
    if info.is_required() and with_config and not flag.argument:  # else click requires it, and help says so
        text = sentence(text, "Required (here or in --config).")
    return text, kwargs


def parameter_for(
    flag: Flag, info: FieldInfo, help_text: str | None, extra: Mapping[str, Any], with_config: bool
) -> inspect.Parameter:
    """The typer parameter that offers ``flag``: a ``typer.Option``, or a ``typer.Argument`` for an argument.
    A required field's argument, or its option when there is no config file to set it instead, is required by
    click (help marks it so; leaving it out is a usage error)."""
    text, kwargs = _help_text(flag, info, help_text, with_config)
    if flag.kind.annotation is not bool:
        kwargs.update(_bounds(info))
    kwargs.update(extra)
    if flag.argument:
        inner, _ = strip_optional(flag.kind.annotation)
        if flag.kind.is_list:  # a variadic argument: every remaining word (``RUNS...``)
            inner = list.__class_getitem__(flag.kind.item)  # list[item], with the item type known at run time
        required = info.is_required()
        return inspect.Parameter(
            flag.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                inner if required else flag.kind.annotation, typer.Argument(help=text or None, **kwargs)
            ],
            default=inspect.Parameter.empty if required else _shown_default(flag, info),
        )
    option = typer.Option(*flag.declarations, help=text or None, **kwargs)
    required = info.is_required() and not with_config
    return inspect.Parameter(
        flag.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[flag.kind.annotation, option],
        default=inspect.Parameter.empty if required else _shown_default(flag, info),
    )


def panel_of(model: type[BaseModel], name: str) -> dict[str, str]:
    """``rich_help_panel`` for field ``name``: the ``help_panel`` of the shared settings model that first declares
    it (``CaseSelection``'s fields under "Cases", say), so that help groups a command's flags by what they set;
    a command's own fields stay in the main panel."""
    for owner in reversed(model.__mro__):
        if name in getattr(owner, "__annotations__", {}):
            panel = getattr(owner, "help_panel", None)
            return {"rich_help_panel": panel} if isinstance(panel, str) and owner is not model else {}
    return {}


def sentence(text: str, addition: str) -> str:
    return f"{text.rstrip()} {addition}" if text.strip() else addition


def first_envvar(envvar: str | Sequence[str]) -> str:
    return envvar if isinstance(envvar, str) else envvar[0]
