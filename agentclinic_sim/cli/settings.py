"""One pydantic model per command: its typer flags derived from the model, its values loadable from YAML.

``command_from_settings(Model, handler)`` returns a function typer can register as a command. Each field of
``Model`` becomes an option named after it (``max_turns`` -> ``--max-turns``; ``flags`` renames), with the
field's ``Field(description=...)`` as help and the model's default shown; the fields named in ``arguments``
are positional arguments instead (``agentclinic replay RUN``). ``--config FILE`` reads a YAML (or JSON)
mapping of field names to values.

Where a value comes from, highest first: a flag typed on the command line, the ``--config`` file, an
environment variable an option declares (``envvar``), the model's default. The handler gets a
``SettingsInput``: the values that were set (defaults are left to the model), which fields were typed on the
command line (``given``), and ``build()``, which validates them into the model or exits 2 with one line naming
the flag (``--split: Input should be 'train', 'test' or 'all'``), the argument (``RUN: ...``) or the file and
line (``exp.yaml, line 3: split: ...``) at fault.

How field types become flags:

* ``str``, ``int``, ``float``, ``Path`` and ``X | None`` of them: an option of that type. A ``ge``/``le``
  bound becomes the option's range (shown in help, checked by click); ``gt``/``lt`` and everything else
  are checked by pydantic.
* ``bool``: ``--x/--no-x`` (``flags`` may name both: ``{"follow": "--follow/--once"}``); a plain ``--x`` when
  it is off by default and there is no ``--config`` to turn it on (nothing for ``--no-x`` to undo).
* ``Literal[...]`` of strings and string ``Enum`` s: a text option; the choices are shown in help and checked
  by pydantic, so a bad one reads like any other settings error.
* ``list[X]`` (also ``set``, ``tuple[X, ...]``) of the above: one comma-separated option (``--cases a,b``);
  in the YAML file, a YAML list.
* Nested models and any other type: set in the ``--config`` file only, and ``--config``'s help says so.
  Flattening them into ``--rewards-correct`` style flags would multiply the flags, make a partial override of
  a nested model ambiguous (merge or replace?), and a structured value reads better in a file anyway.

A positional argument is a scalar or a choice (not a bool or a nested model), or a list of them: a variadic
argument that takes every remaining word (``agentclinic compare RUNS...``), so a command has at most one and
it comes last. A required field's argument is required on the command line (click checks it, before any
config file is read); one with a default is optional (``[OUT]``). Its help is the field's description; in
errors it is named in capitals.

The kinds of flags and their typer parameters are in ``settings_flags.py``; the config file in
``settings_file.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from agentclinic_sim.cli.console import fail
from agentclinic_sim.cli.settings_file import Location, config_help, dotted, load_config
from agentclinic_sim.cli.settings_flags import Flag, first_envvar, flag_kind, from_flag, panel_of, parameter_for

ModelT = TypeVar("ModelT", bound=BaseModel)

Source = Literal["command line", "config", "environment", "code"]

CONFIG_PARAMETER = "_config"
CONTEXT_PARAMETER = "_ctx"
TIMEOUT_FLAG = {"timeout_s": "timeout"}
"""``ApiSettings.timeout_s`` is ``--timeout`` in every command that offers it."""


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
    """Field name -> its option (``"--cases"``), or its argument's name (``"RUN"``), for every field offered
    on the command line."""
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
            return f"{where}: {dotted(loc)}: {message}"
        if name not in self.flags:
            return f"{dotted(loc)}: {message}"
        flag = self.flags[name] + dotted(loc[1:], lead=True)
        if source == "environment" and name in self.envvars:
            return f"{flag} (from ${self.envvars[name]}): {message}"
        return f"{flag}: {message}"

    def _line_of(self, loc: Location) -> int | None:
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.config_lines:
                return self.config_lines[loc[:end]]
        return None


def command_from_settings(
    model: type[ModelT],
    handler: Callable[[SettingsInput[ModelT]], None],
    *,
    flags: Mapping[str, str] | None = None,
    arguments: Sequence[str] = (),
    exclude: Collection[str] = (),
    help_overrides: Mapping[str, str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    config_option: bool = True,
    extra: Sequence[inspect.Parameter] = (),
    doc: str | None = None,
) -> Callable[..., None]:
    """A typer command whose options are ``model``'s fields; it calls ``handler`` with a ``SettingsInput``.

    ``flags`` renames options (``{"case_ids": "cases"}`` gives ``--cases``; a bool's may name its off switch
    too: ``"--follow/--once"``); ``arguments`` names the fields offered as positional arguments, which come
    in the model's field order (``("run",)`` gives ``RUN``); ``exclude`` names fields not offered as flags (the
    config file may still set them); ``help_overrides`` replaces a field's description as its help;
    ``options`` adds keyword arguments to a field's ``typer.Option`` or ``typer.Argument`` (``envvar``,
    ``show_default``, ``hidden``, ``rich_help_panel``, ...); ``config_option`` adds ``--config FILE``;
    ``extra`` adds parameters that are not model fields (``inspect.Parameter`` s annotated with
    ``Annotated[..., typer.Option(...)]``; their values arrive in ``SettingsInput.extra``); ``doc`` is the
    command's help (default: the handler's docstring). Register it with ``app.command("name")(command)``.
    A misspelt field name in any of these, a clash of two names, or a field that cannot be an argument raises
    ``ValueError`` here, not when the command runs.
    """
    options = {name: dict(kwargs) for name, kwargs in (options or {}).items()}
    help_overrides = dict(help_overrides or {})
    names = {"flags": flags or {}, "arguments": arguments, "exclude": exclude, "help_overrides": help_overrides}
    _check_names(model, {**names, "options": options})
    offered, file_only = _offer(model, dict(flags or {}), set(arguments), exclude, config_option)
    _check_clashes(model, offered, config_option, extra)
    parameters = [inspect.Parameter(CONTEXT_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
    if config_option:
        parameters.append(_config_parameter(config_help(model, offered, file_only)))
    for flag in offered:
        panel = {} if flag.argument else panel_of(model, flag.name)
        info = model.model_fields[flag.name]
        kwargs = {**panel, **options.get(flag.name, {})}
        parameters.append(parameter_for(flag, info, help_overrides.get(flag.name), kwargs, config_option))
    parameters.extend(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in extra)
    envvars = {name: first_envvar(kwargs["envvar"]) for name, kwargs in options.items() if kwargs.get("envvar")}
    reader = _Reader(model, offered, envvars, frozenset(parameter.name for parameter in extra))

    def command(**kwargs: Any) -> None:
        handler(reader.request(kwargs))

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # read by typer; functions have no such attribute in typeshed
    command.__doc__ = doc if doc is not None else (handler.__doc__ or model.__doc__)
    command.__name__ = getattr(handler, "__name__", "command")
    command.__qualname__ = command.__name__
    command.__module__ = getattr(handler, "__module__", __name__)
    return command


def _check_names(model: type[BaseModel], named: Mapping[str, Collection[str]]) -> None:
    """Every name given to ``command_from_settings`` is a field of ``model``."""
    for what, names in named.items():
        unknown = sorted(set(names) - set(model.model_fields))
        if unknown:
            raise ValueError(f"{what} names fields {model.__name__} lacks: {', '.join(unknown)}")


def _offer(
    model: type[BaseModel],
    flags: Mapping[str, str],
    arguments: Collection[str],
    exclude: Collection[str],
    config_option: bool,
) -> tuple[list[Flag], list[str]]:
    """The fields offered on the command line, in the model's order, and those only the config file sets."""
    offered: list[Flag] = []
    file_only: list[str] = []
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        kind = flag_kind(info.annotation)
        if name in arguments:
            if kind is None or kind.annotation is bool:
                raise ValueError(
                    f"{model.__name__}.{name}: only a text, number, path, choice or a list of them can be an argument"
                )
            offered.append(Flag(name, name.upper(), kind, argument=True))
        elif kind is None:
            file_only.append(name)
        else:
            option, _, off = flags.get(name, name.replace("_", "-")).partition("/")
            option = "--" + option.lstrip("-")
            if off and kind.annotation is not bool:
                raise ValueError(f"{model.__name__}.{name}: only a bool option has an off switch ({off})")
            if not off and kind.annotation is bool and (config_option or info.get_default() is not False):
                off = "no-" + option[2:]  # a plain switch (--x) when there is nothing to turn off
            offered.append(Flag(name, option, kind, off="--" + off.lstrip("-") if off else None))
    return offered, file_only


def _check_clashes(
    model: type[BaseModel], offered: Sequence[Flag], config_option: bool, extra: Sequence[inspect.Parameter]
) -> None:
    taken = {"--help"} | ({"--config"} if config_option else set())
    for flag in offered:
        for spelling in flag.spellings:
            if spelling in taken:
                raise ValueError(f"{model.__name__}.{flag.name}: option {spelling} is taken by another option")
            taken.add(spelling)
    extra_names = {parameter.name for parameter in extra}
    clashes = sorted(extra_names & ({flag.name for flag in offered} | {CONFIG_PARAMETER, CONTEXT_PARAMETER}))
    if clashes:
        raise ValueError(f"extra parameters clash with settings parameters: {', '.join(clashes)}")


def _config_parameter(help_text: str) -> inspect.Parameter:
    option = typer.Option("--config", metavar="FILE.yaml", help=help_text, show_default=False)
    return inspect.Parameter(
        CONFIG_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Path | None, option], default=None
    )


@dataclass(frozen=True)
class _Reader(Generic[ModelT]):
    """Turns the values typer passes a settings command into its ``SettingsInput``."""

    model: type[ModelT]
    offered: Sequence[Flag]
    envvars: Mapping[str, str]
    extra_names: frozenset[str]

    def request(self, kwargs: dict[str, Any]) -> SettingsInput[ModelT]:
        ctx: typer.Context = kwargs.pop(CONTEXT_PARAMETER)
        config: Path | None = kwargs.pop(CONFIG_PARAMETER, None)
        extras = {name: kwargs.pop(name) for name in self.extra_names}
        aliases = {
            spelling: flag.name
            for flag in self.offered
            if not flag.argument
            for spelling in (flag.option[2:], flag.option[2:].replace("-", "_"))
        }
        file_values, lines = load_config(config, self.model, aliases) if config is not None else ({}, {})
        values: dict[str, Any] = {}
        sources: dict[str, Source] = {}
        given: set[str] = set()
        for flag in self.offered:
            parameter_source = ctx.get_parameter_source(flag.name)
            # typer may carry its own copy of click's enum: compare names, not members
            origin = parameter_source.name if parameter_source is not None else "DEFAULT"
            if origin in {"COMMANDLINE", "PROMPT"}:
                values[flag.name] = from_flag(flag, kwargs[flag.name])
                sources[flag.name] = "command line"
                given.add(flag.name)
            elif origin in {"ENVIRONMENT", "DEFAULT_MAP"} and flag.name not in file_values:
                values[flag.name] = from_flag(flag, kwargs[flag.name])
                sources[flag.name] = "environment"
        for name, value in file_values.items():
            if name not in values:
                values[name] = value
                sources[name] = "config"
        return SettingsInput(
            model=self.model,
            values={name: values[name] for name in self.model.model_fields if name in values},
            given=frozenset(given),
            config=config,
            from_config=frozenset(file_values),
            extra=extras,
            flags={flag.name: flag.option for flag in self.offered},
            sources=sources,
            envvars=self.envvars,
            config_lines=lines,
        )
