"""One pydantic model per command: its typer flags derived from the model, its values loadable from YAML.

``command_from_settings(Model, handler)`` returns a function typer can register as a command. Each field of
``Model`` becomes an option named after it (``max_turns`` -> ``--max-turns``; ``flags`` renames), with the
field's ``Field(description=...)`` as help and the model's default shown. ``--config FILE`` reads a YAML (or
JSON) mapping of field names to values.

Where a value comes from, highest first: a flag typed on the command line, the ``--config`` file, an
environment variable an option declares (``envvar``), the model's default. The handler gets a
``SettingsInput``: the values that were set (defaults are left to the model), which fields were typed on the
command line (``given``), and ``build()``, which validates them into the model or exits 2 with one line naming
the flag (``--split: Input should be 'train', 'test' or 'all'``) or the file and line (``exp.yaml, line 3:
split: ...``) at fault.

How field types become flags:

* ``str``, ``int``, ``float``, ``Path`` and ``X | None`` of them: an option of that type. A ``ge``/``le``
  bound becomes the option's range (shown in help, checked by click); ``gt``/``lt`` and everything else
  are checked by pydantic.
* ``bool``: ``--x/--no-x``.
* ``Literal[...]`` of strings and string ``Enum`` s: a text option; the choices are shown in help and checked
  by pydantic, so a bad one reads like any other settings error.
* ``list[X]`` (also ``set``, ``tuple[X, ...]``) of the above: one comma-separated option (``--cases a,b``);
  in the YAML file, a YAML list.
* Nested models and any other type: set in the ``--config`` file only, and ``--config``'s help says so.
  Flattening them into ``--rewards-correct`` style flags would multiply the flags, make a partial override of
  a nested model ambiguous (merge or replace?), and a structured value reads better in a file anyway.
"""

from __future__ import annotations

import difflib
import enum
import inspect
import types
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
import typer
import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from rich.markup import escape

from agentclinic_sim.cli.console import fail

ModelT = TypeVar("ModelT", bound=BaseModel)

Source = Literal["command line", "config", "environment", "code"]

SCALARS: tuple[type, ...] = (str, int, float, Path)
CONFIG_PARAMETER = "_config"
CONTEXT_PARAMETER = "_ctx"
SHORT_CHOICES = 40
"""Literal choices up to this many characters (with separators) are shown as the option's metavar."""

Location = tuple[str | int, ...]


@dataclass
class SettingsInput(Generic[ModelT]):
    """What one invocation of a settings command asked for, before validation."""

    model: type[ModelT]
    values: dict[str, Any]
    """Field values that were set: the config file's, overlaid by environment variables and then by flags
    typed on the command line. Fields set nowhere are absent, left to the model's defaults."""
    given: frozenset[str]
    """Fields whose flag was typed on the command line (not its default, not an environment variable)."""
    config: Path | None = None
    """The ``--config`` file, if one was given."""
    from_config: frozenset[str] = frozenset()
    """Fields the config file set (some may be overridden by flags, see ``given``)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Values of the command's ``extra`` parameters (those that are not model fields)."""
    flags: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Field name -> its option (``"--cases"``) for every field offered as a flag."""
    sources: dict[str, Source] = field(default_factory=dict, repr=False)
    envvars: Mapping[str, str] = field(default_factory=dict, repr=False)
    config_lines: Mapping[Location, int] = field(default_factory=dict, repr=False)

    @property
    def requested(self) -> frozenset[str]:
        """Fields the user chose for this invocation: typed on the command line or set in the config file."""
        return self.given | self.from_config

    def flag(self, name: str) -> str:
        """The option that sets field ``name`` (``--max-turns``), or the bare name for a file-only field."""
        return self.flags.get(name, name)

    def source(self, name: str) -> Source | None:
        """Where field ``name``'s value came from; ``None`` when it is left to the model's default."""
        return self.sources.get(name)

    def build(self, **updates: Any) -> ModelT:
        """The validated model of ``values`` with ``updates`` applied, or exit 2 with one line saying what is
        wrong and where it was set (the flag, or the config file and line)."""
        for name in updates:
            self.sources.setdefault(name, "code")
        try:
            return self.model.model_validate({**self.values, **updates})
        except ValidationError as exc:
            fail(self.explain(exc))

    def explain(self, error: ValidationError) -> str:
        """The first problem of ``error`` in one line, named by where its value was set."""
        problems = error.errors(include_url=False)
        if not problems:
            return str(error)
        first = problems[0]
        loc: Location = tuple(first["loc"])
        message = first["msg"]
        if not loc:
            return message
        name = str(loc[0])
        source = self.sources.get(name)
        if source == "config" and self.config is not None:
            line = self._line_of(loc)
            where = f"{self.config}, line {line}" if line else str(self.config)
            return f"{where}: {_dotted(loc)}: {message}"
        if name not in self.flags:
            return f"{_dotted(loc)}: {message}"
        flag = self.flags[name] + _dotted(loc[1:], lead=True)
        if source == "environment" and name in self.envvars:
            return f"{flag} (from ${self.envvars[name]}): {message}"
        return f"{flag}: {message}"

    def _line_of(self, loc: Location) -> int | None:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.config_lines:
                return self.config_lines[loc[:end]]
        return None


@dataclass(frozen=True)
class _FlagKind:
    """How one field is offered on the command line."""

    annotation: Any
    """The type typer sees."""
    is_list: bool = False
    choices: tuple[str, ...] | None = None
    item_name: str = "str"
    """A list item's kind as help shows it (``<int,...>``)."""


@dataclass(frozen=True)
class _Flag:
    name: str
    option: str
    kind: _FlagKind


def command_from_settings(  # noqa: C901, PLR0915  # builds typer's signature from a model; to go with the settings redesign (issue 24)
    model: type[ModelT],
    handler: Callable[[SettingsInput[ModelT]], None],
    *,
    flags: Mapping[str, str] | None = None,
    exclude: Collection[str] = (),
    help_overrides: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    config_option: bool = True,
    extra: Sequence[inspect.Parameter] = (),
    doc: str | None = None,
) -> Callable[..., None]:
    """A typer command whose options are ``model``'s fields; it calls ``handler`` with a ``SettingsInput``.

    ``flags`` renames options (``{"case_ids": "cases"}`` gives ``--cases``); ``exclude`` names fields not
    offered as flags (the config file may still set them); ``help_overrides`` replaces a field's description
    as its help; ``options`` adds keyword arguments to a field's ``typer.Option`` (``envvar``,
    ``show_default``, ``hidden``, ``rich_help_panel``, ...); ``config_option`` adds ``--config FILE``;
    ``extra`` adds parameters that are not model fields (``inspect.Parameter`` s annotated with
    ``Annotated[..., typer.Option(...)]``; their values arrive in ``SettingsInput.extra``); ``doc`` is the
    command's help (default: the handler's docstring). Register it with ``app.command("name")(command)``.
    A misspelt field name in any of these raises ``ValueError`` here, not when the command runs.
    """
    flags = dict(flags or {})
    help_overrides = dict(help_overrides or {})
    options = {name: dict(kwargs) for name, kwargs in (options or {}).items()}
    fields = model.model_fields
    for what, names in (
        ("flags", flags),
        ("exclude", exclude),
        ("help_overrides", help_overrides),
        ("options", options),
    ):
        unknown = sorted(set(names) - set(fields))
        if unknown:
            raise ValueError(f"{what} names fields {model.__name__} lacks: {', '.join(unknown)}")

    offered: list[_Flag] = []
    file_only: list[str] = []
    for name, info in fields.items():
        if name in exclude:
            continue
        kind = _flag_kind(info.annotation)
        if kind is None:
            file_only.append(name)
            continue
        option = "--" + flags.get(name, name.replace("_", "-")).lstrip("-")
        offered.append(_Flag(name, option, kind))

    taken = {"--help"} | ({"--config"} if config_option else set())
    for flag in offered:
        if flag.option in taken:
            raise ValueError(f"{model.__name__}.{flag.name}: option {flag.option} is taken by another option")
        taken.add(flag.option)
    extra_names = {parameter.name for parameter in extra}
    clashes = sorted(extra_names & ({flag.name for flag in offered} | {CONFIG_PARAMETER, CONTEXT_PARAMETER}))
    if clashes:
        raise ValueError(f"extra parameters clash with settings parameters: {', '.join(clashes)}")

    parameters = [inspect.Parameter(CONTEXT_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
    if config_option:
        config_help = _config_help(model, offered, file_only)
        parameters.append(
            inspect.Parameter(
                CONFIG_PARAMETER,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    Path | None, typer.Option("--config", metavar="FILE.yaml", help=config_help, show_default=False)
                ],
                default=None,
            )
        )
    for flag in offered:
        help_text = help_overrides.get(flag.name)
        option_kwargs = {**_panel(model, flag.name), **options.get(flag.name, {})}
        parameters.append(_parameter(flag, fields[flag.name], help_text, option_kwargs, config_option))
    parameters.extend(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in extra)

    option_of = {flag.name: flag.option for flag in offered}
    aliases = {
        spelling: flag.name for flag in offered for spelling in (flag.option[2:], flag.option[2:].replace("-", "_"))
    }
    envvars = {name: _first_envvar(kwargs.get("envvar")) for name, kwargs in options.items() if kwargs.get("envvar")}

    def command(**kwargs: Any) -> None:
        ctx: typer.Context = kwargs.pop(CONTEXT_PARAMETER)
        config: Path | None = kwargs.pop(CONFIG_PARAMETER, None)
        extras = {name: kwargs.pop(name) for name in extra_names}
        file_values, lines = load_config(config, model, aliases) if config is not None else ({}, {})
        values: dict[str, Any] = {}
        sources: dict[str, Source] = {}
        given: set[str] = set()
        for flag in offered:
            parameter_source = ctx.get_parameter_source(flag.name)
            # typer may carry its own copy of click's enum: compare names, not members
            origin = parameter_source.name if parameter_source is not None else "DEFAULT"
            if origin in {"COMMANDLINE", "PROMPT"}:
                values[flag.name] = _from_flag(flag, kwargs[flag.name])
                sources[flag.name] = "command line"
                given.add(flag.name)
            elif origin in {"ENVIRONMENT", "DEFAULT_MAP"} and flag.name not in file_values:
                values[flag.name] = _from_flag(flag, kwargs[flag.name])
                sources[flag.name] = "environment"
        for name, value in file_values.items():
            if name not in values:
                values[name] = value
                sources[name] = "config"
        ordered = {name: values[name] for name in fields if name in values}
        handler(
            SettingsInput(
                model=model,
                values=ordered,
                given=frozenset(given),
                config=config,
                from_config=frozenset(file_values),
                extra=extras,
                flags=option_of,
                sources=sources,
                envvars=envvars,
                config_lines=lines,
            )
        )

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__doc__ = doc if doc is not None else (handler.__doc__ or model.__doc__)
    command.__name__ = getattr(handler, "__name__", "command")
    command.__qualname__ = command.__name__
    command.__module__ = getattr(handler, "__module__", __name__)
    return command


def load_config(
    path: Path, model: type[BaseModel], aliases: Mapping[str, str] | None = None
) -> tuple[dict[str, Any], dict[Location, int]]:
    """The settings in YAML file ``path`` and the line of each key, or exit 2 naming the file and what is
    wrong: missing or unreadable, invalid YAML (with its line), not a mapping, or a key ``model`` lacks.
    ``aliases`` (a flag's name -> its field) only serve to suggest the right key for a wrong one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"--config {path}: file not found")
    except IsADirectoryError:
        fail(f"--config {path}: is a folder, not a file")
    except UnicodeDecodeError:
        fail(f"--config {path}: not UTF-8 text")
    except OSError as exc:
        fail(f"--config {path}: cannot be read ({exc.strerror or exc})")
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
        fail(f"{path}, line {line}: {_dotted(loc)!r} is set twice (first on line {lines[loc]})")
    unknown = _unknown_key(data, model, ())
    if unknown is not None:
        loc, key, known = unknown
        line = lines.get((*loc, key))
        where = f"{path}, line {line}" if line else str(path)
        alias = (aliases or {}).get(str(key)) if not loc else None
        close = [alias] if alias else difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
        fail(f"{where}: unknown setting {_dotted((*loc, str(key)))!r}{hint}")
    return {str(key): value for key, value in data.items()}, lines


def _unknown_key(
    data: Mapping[Any, Any], model: type[BaseModel], loc: Location
) -> tuple[Location, Any, list[str]] | None:
    """The first key of ``data`` (or of a nested model's mapping within it) that ``model`` has no field for."""
    fields = model.model_fields
    for key, value in data.items():
        if not isinstance(key, str) or key not in fields:
            return loc, key, list(fields)
        nested = _nested_model(fields[key].annotation)
        if nested is not None and isinstance(value, Mapping):
            found = _unknown_key(value, nested, (*loc, key))
            if found is not None:
                return found
    return None


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class of a field typed ``SomeModel`` or ``SomeModel | None``."""
    inner, _ = _strip_optional(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


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


def _dotted(loc: Iterable[str | int], lead: bool = False) -> str:
    """``("rewards", "test_cost")`` -> ``rewards.test_cost``; list positions as ``[0]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text or lead else str(part))
    return text


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
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


def _choices(annotation: Any) -> tuple[str, ...] | None:
    """The string values of a ``Literal`` of strings or a string ``Enum``; ``None`` for anything else."""
    if get_origin(annotation) is Literal:
        values: list[Any] = []
        for arg in get_args(annotation):
            nested = _choices(arg) if get_origin(arg) is Literal else None
            values.extend(nested if nested is not None else [arg])
        return tuple(values) if values and all(isinstance(value, str) for value in values) else None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = [member.value for member in annotation]
        return tuple(members) if members and all(isinstance(value, str) for value in members) else None
    return None


def _flag_kind(annotation: Any) -> _FlagKind | None:
    """How a field of this type is offered as a flag, or ``None`` when it is config-file only."""
    inner, _ = _strip_optional(annotation)
    if inner is bool:
        return _FlagKind(bool)
    if inner in SCALARS:
        return _FlagKind(inner | None)
    choices = _choices(inner)
    if choices is not None:
        return _FlagKind(str | None, choices=choices)
    origin, args = get_origin(inner), get_args(inner)
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        item, _ = _strip_optional(args[0]) if args else (str, False)
        if item in SCALARS or _choices(item) is not None:
            name = (
                "choice" if _choices(item) is not None else {int: "int", float: "float", Path: "path"}.get(item, "str")
            )
            return _FlagKind(str | None, is_list=True, choices=_choices(item), item_name=name)
    return None


def _from_flag(flag: _Flag, value: Any) -> Any:
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


def _shown_default(flag: _Flag, info: FieldInfo) -> Any:
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


def _parameter(
    flag: _Flag, info: FieldInfo, help_text: str | None, extra: Mapping[str, Any], with_config: bool
) -> inspect.Parameter:
    """The typer parameter that offers ``flag``."""
    text = escape(help_text if help_text is not None else (info.description or ""))  # "'.[vllm]'" is text
    kwargs: dict[str, Any] = {}
    choices = flag.kind.choices
    if choices is not None:
        if len("|".join(choices)) + 2 <= SHORT_CHOICES and not flag.kind.is_list:
            kwargs["metavar"] = "[" + "|".join(choices) + "]"
        elif not all(choice in text for choice in choices):
            text = _sentence(text, f"One of: {', '.join(choices)}.")
    if flag.kind.is_list:
        kwargs["metavar"] = f"<{flag.kind.item_name},...>"
        if "comma" not in text.lower():
            text = _sentence(text, "Comma-separated.")
    if info.is_required():
        text = _sentence(text, "Required" + (" (here or in --config)." if with_config else "."))
    if flag.kind.annotation is not bool:
        kwargs.update(_bounds(info))
    declarations = [f"{flag.option}/--no-{flag.option[2:]}"] if flag.kind.annotation is bool else [flag.option]
    kwargs.update(extra)
    option = typer.Option(*declarations, help=text or None, **kwargs)
    return inspect.Parameter(
        flag.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[flag.kind.annotation, option],
        default=_shown_default(flag, info),
    )


def _panel(model: type[BaseModel], name: str) -> dict[str, str]:
    """``rich_help_panel`` for field ``name``: the ``help_panel`` of the shared settings model that first declares
    it (``CaseSelection``'s fields under "Cases", say), so that help groups a command's flags by what they set;
    a command's own fields stay in the main panel."""
    for owner in reversed(model.__mro__):
        if name in getattr(owner, "__annotations__", {}):
            panel = getattr(owner, "help_panel", None)
            return {"rich_help_panel": panel} if isinstance(panel, str) and owner is not model else {}
    return {}


def _sentence(text: str, addition: str) -> str:
    return f"{text.rstrip()} {addition}" if text.strip() else addition


def _first_envvar(envvar: str | Sequence[str]) -> str:
    return envvar if isinstance(envvar, str) else envvar[0]


def _config_help(model: type[BaseModel], offered: Sequence[_Flag], file_only: Sequence[str]) -> str:
    """``--config``'s help: what the file holds, how flags override it, and which settings it alone sets."""
    renamed = [f"{flag.option} is {flag.name}" for flag in offered if flag.option != "--" + flag.name.replace("_", "-")]
    text = "YAML (or JSON) file of settings, keyed by setting name (a flag's name with _ for -"
    text += "; " + ", ".join(renamed) + ")." if renamed else ")."
    text += " Flags typed on the command line override it; it overrides environment variables."
    if file_only:
        described = []
        for name in file_only:
            nested = _nested_model(model.model_fields[name].annotation)
            keys = f" ({', '.join(nested.model_fields)})" if nested is not None else ""
            described.append(name + keys)
        text += " Set only here: " + "; ".join(described) + "."
    return text
