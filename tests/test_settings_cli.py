"""``command_from_settings``: typer flags derived from a pydantic model, values from a YAML file, one-line errors;
and ``agentclinic run`` built on it (every old flag, ``--config``)."""

from __future__ import annotations

import inspect
import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
import typer
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from agentclinic_sim.cli import app as agentclinic_app
from agentclinic_sim.cli.settings import SettingsInput, command_from_settings
from agentclinic_sim.run_settings import RunSettings
from agentclinic_sim.transcript import TRANSCRIPTS


class Color(StrEnum):
    RED = "red"
    BLUE = "blue"


class Inner(BaseModel):
    weight: float = Field(1.0, ge=0, description="A weight.")
    bonus: int = 0


class Toy(BaseModel):
    """A small model with one field of each kind the helper maps."""

    name: str = Field("toy", description="What to call it.")
    steps: int = Field(3, ge=1, description="How many steps.")
    rate: float = Field(0.5, gt=0, description="Learning rate.")
    verbose: bool = Field(False, description="Talk a lot.")
    folder: Path | None = Field(None, description="Where things go.")
    mode: Literal["fast", "slow"] = Field("fast", description="Speed.")
    color: Color = Field(Color.RED, description="Paint.")
    tags: list[str] = Field(default_factory=lambda: ["a", "b"], description="Labels.")
    ids: list[int] | None = Field(None, description="Numbers.")
    limit: int | None = Field(None, ge=1, description="At most this many.")
    inner: Inner = Field(default_factory=Inner, description="Nested settings.")


seen: list[SettingsInput[Toy]] = []


def handle(request: SettingsInput[Toy]) -> None:
    """Build the toy settings and print them as JSON."""
    seen.append(request)
    print(request.build().model_dump_json())


def toy_app(**kwargs: Any) -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command("toy")(command_from_settings(Toy, handle, **kwargs))

    @app.command("other")
    def other() -> None:  # a second command, so "toy" is a sub-command as in agentclinic
        """Nothing."""

    return app


def invoke(*args: str, app: typer.Typer | None = None, env: dict[str, str] | None = None) -> Any:
    seen.clear()
    return CliRunner().invoke(app or toy_app(), ["toy", *args], env=env, catch_exceptions=False)


def built(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def one_line_error(result: Any, *parts: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for part in parts:
        assert part in text, (part, result.output)
    return text


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_come_from_the_model_and_nothing_is_set_or_given() -> None:
    assert built(invoke()) == Toy().model_dump(mode="json")
    assert seen[0].values == {} and seen[0].given == frozenset() and seen[0].config is None


def test_each_type_maps_to_a_flag() -> None:
    result = invoke(
        "--name", "x", "--steps", "7", "--rate", "0.25", "--verbose", "--folder", "out/here", "--mode", "slow",
        "--color", "blue", "--tags", "p, q,,r", "--ids", "1,2", "--limit", "4",
    )  # fmt: skip
    got = built(result)
    assert got["name"] == "x" and got["steps"] == 7 and got["rate"] == 0.25 and got["verbose"] is True
    assert got["folder"] == "out/here" and got["mode"] == "slow" and got["color"] == "blue"
    assert got["tags"] == ["p", "q", "r"] and got["ids"] == [1, 2] and got["limit"] == 4
    request = seen[0]
    assert request.given == {"name", "steps", "rate", "verbose", "folder", "mode", "color", "tags", "ids", "limit"}
    assert request.values["tags"] == ["p", "q", "r"] and request.values["folder"] == Path("out/here")
    assert built(invoke("--no-verbose"))["verbose"] is False and seen[0].given == {"verbose"}
    assert built(invoke("--tags", ""))["tags"] == []


def test_a_flag_typed_with_its_default_value_is_still_given() -> None:
    built(invoke("--steps", "3"))
    assert seen[0].given == {"steps"} and seen[0].values == {"steps": 3}


def test_yaml_overlay_flag_beats_file_beats_default(tmp_path: Path) -> None:
    config = write(
        tmp_path / "exp.yaml", "name: from-file\nsteps: 9\nverbose: true\ntags: [x, y]\ninner:\n  weight: 2.5\n"
    )
    got = built(invoke("--config", str(config), "--steps", "4", "--no-verbose"))
    assert got["name"] == "from-file"  # file over default
    assert got["steps"] == 4 and got["verbose"] is False  # flag over file
    assert got["tags"] == ["x", "y"] and got["inner"] == {"weight": 2.5, "bonus": 0}  # file-only nested model
    assert got["rate"] == 0.5  # default
    request = seen[0]
    assert request.given == {"steps", "verbose"}
    assert request.from_config == {"name", "steps", "verbose", "tags", "inner"}
    assert request.requested == {"name", "steps", "verbose", "tags", "inner"}
    assert request.config == config
    assert request.source("name") == "config" and request.source("steps") == "command line"
    assert request.source("rate") is None
    assert list(request.values) == ["name", "steps", "verbose", "tags", "inner"]  # in the model's field order


def test_empty_yaml_file_sets_nothing(tmp_path: Path) -> None:
    assert built(invoke("--config", str(write(tmp_path / "empty.yaml", "# nothing\n")))) == Toy().model_dump(
        mode="json"
    )


def test_environment_variable_is_below_the_file_and_not_given(tmp_path: Path) -> None:
    app = toy_app(options={"folder": {"envvar": "TOY_FOLDER"}})
    got = built(invoke(app=app, env={"TOY_FOLDER": "/from/env"}))
    assert got["folder"] == "/from/env" and seen[0].given == frozenset() and seen[0].source("folder") == "environment"
    config = write(tmp_path / "c.yaml", "folder: /from/file\n")
    assert built(invoke("--config", str(config), app=app, env={"TOY_FOLDER": "/from/env"}))["folder"] == "/from/file"
    typed = invoke("--config", str(config), "--folder", "/typed", app=app, env={"TOY_FOLDER": "/from/env"})
    assert built(typed)["folder"] == "/typed" and seen[0].given == {"folder"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mode", "medium"], "--mode: Input should be 'fast' or 'slow'"),
        (["--color", "green"], "--color: Input should be 'red' or 'blue'"),
        (["--rate", "0"], "--rate: Input should be greater than 0"),
        (["--steps", "0"], "--steps"),
        (["--limit", "0"], "--limit"),
        (["--steps", "many"], "--steps"),
        (["--ids", "1,x"], "--ids[1]: Input should be a valid integer"),
    ],
)
def test_bad_flag_values_exit_2_naming_the_flag(args: list[str], message: str) -> None:
    one_line_error(invoke(*args), message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: a\nmode: medium\n", "exp.yaml, line 2: mode: Input should be 'fast' or 'slow'"),
        ("steps: 0\n", "exp.yaml, line 1: steps: Input should be greater than or equal to 1"),
        ("inner:\n  weight: -1\n", "exp.yaml, line 2: inner.weight: Input should be greater than or equal to 0"),
        ("ids: [1, 2, x]\n", "exp.yaml, line 1: ids[2]: Input should be a valid integer"),
        ("name: a\nstepz: 3\n", "exp.yaml, line 2: unknown setting 'stepz' (did you mean 'steps'?)"),
        ("inner:\n  wieght: 2\n", "exp.yaml, line 2: unknown setting 'inner.wieght' (did you mean 'weight'?)"),
        ("name: a\n  steps: 3: 4\n", "exp.yaml, line 2: invalid YAML"),
        ("name: [a\n", "exp.yaml"),
        ("steps: 2\nname: a\nsteps: 3\n", "exp.yaml, line 3: 'steps' is set twice (first on line 1)"),
        ("- steps\n- 3\n", "exp.yaml: expected a mapping of setting names to values, got a list"),
        ("just text\n", "exp.yaml: expected a mapping"),
    ],
)
def test_bad_config_files_exit_2_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path / "exp.yaml", text)
    one_line_error(invoke("--config", str(config)), message)


def test_a_flag_overrides_a_bad_file_value(tmp_path: Path) -> None:
    config = write(tmp_path / "exp.yaml", "mode: medium\n")
    assert built(invoke("--config", str(config), "--mode", "slow"))["mode"] == "slow"


def test_missing_or_unreadable_config_file(tmp_path: Path) -> None:
    one_line_error(invoke("--config", str(tmp_path / "nope.yaml")), "--config", "nope.yaml: file not found")
    one_line_error(invoke("--config", str(tmp_path)), "is a folder, not a file")
    bad_bytes = tmp_path / "latin.yaml"
    bad_bytes.write_bytes(b"name: caf\xe9\n")
    one_line_error(invoke("--config", str(bad_bytes)), "latin.yaml: not UTF-8 text")


def test_help_lists_every_flag_with_its_description_and_default() -> None:
    result = CliRunner().invoke(toy_app(), ["toy", "--help"], env={"COLUMNS": "220"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for flag, description in [
        ("--name", "What to call it."),
        ("--steps", "How many steps."),
        ("--rate", "Learning rate."),
        ("--verbose", "Talk a lot."),
        ("--no-verbose", "Talk a lot."),
        ("--folder", "Where things go."),
        ("--mode", "Speed."),
        ("--color", "Paint."),
        ("--tags", "Labels."),
        ("--ids", "Numbers."),
        ("--limit", "At most this many."),
        ("--config", "YAML"),
    ]:
        assert flag in text and description in text, flag
    assert "[fast|slow]" in text and "[red|blue]" in text  # choices
    assert "[default: 3]" in text and "[default: a,b]" in text and "[default: toy]" in text
    assert "x>=1" in text  # a ge bound is the option's range
    assert "Comma-separated" in text
    assert "Set only here: inner (weight, bonus)" in text  # the nested model is file-only, and help says so
    assert "--inner" not in text
    assert "Build the toy settings" in text  # the handler's docstring is the command's help


def test_renames_exclusions_help_overrides_and_extra_parameters(tmp_path: Path) -> None:
    def handler(request: SettingsInput[Toy]) -> None:
        seen.append(request)
        print(json.dumps({"extra": request.extra, "steps": request.build().steps}))

    dry_run = inspect.Parameter(
        "dry_run",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[bool, typer.Option(help="Only say what would happen.")],
        default=False,
    )
    command = command_from_settings(
        Toy,
        handler,
        flags={"steps": "n"},
        exclude={"rate"},
        help_overrides={"name": "Another text."},
        extra=[dry_run],
        config_option=False,
        doc="Toy help.",
    )
    app = typer.Typer(add_completion=False)
    app.command("toy")(command)
    app.command("other")(lambda: None)
    result = invoke("--n", "5", "--dry-run", app=app)
    assert json.loads(result.output) == {"extra": {"dry_run": True}, "steps": 5} and seen[0].given == {"steps"}
    help_text = " ".join(CliRunner().invoke(app, ["toy", "--help"], env={"COLUMNS": "220"}).output.split())
    assert "--n " in help_text and "--steps" not in help_text and "--rate" not in help_text
    assert "--config" not in help_text and "Another text." in help_text and "Toy help." in help_text
    assert invoke("--rate", "1", app=app).exit_code == 2  # not offered


def test_misspelt_names_and_clashing_flags_fail_when_the_command_is_made() -> None:
    with pytest.raises(ValueError, match="stepz"):
        command_from_settings(Toy, handle, flags={"stepz": "n"})
    with pytest.raises(ValueError, match="nope"):
        command_from_settings(Toy, handle, exclude={"nope"})
    with pytest.raises(ValueError, match="--name"):
        command_from_settings(Toy, handle, flags={"steps": "name"})
    with pytest.raises(ValueError, match="--config"):
        command_from_settings(Toy, handle, flags={"steps": "config"})


class Needs(BaseModel):
    model: str = Field(description="Which model to train.")
    epochs: int = 1


def test_a_required_field_can_come_from_the_file_or_the_flag(tmp_path: Path) -> None:
    def handler(request: SettingsInput[Needs]) -> None:
        print(request.build().model_dump_json())

    app = typer.Typer(add_completion=False)
    app.command("toy")(command_from_settings(Needs, handler))
    app.command("other")(lambda: None)
    one_line_error(invoke(app=app), "--model: Field required")
    assert json.loads(invoke("--model", "m", app=app).output)["model"] == "m"
    config = write(tmp_path / "n.yaml", "model: from-file\n")
    assert json.loads(invoke("--config", str(config), app=app).output)["model"] == "from-file"


# ``agentclinic run`` on the helper


OLD_RUN_FLAGS = (
    "--dataset --data-dir --split --limit --cases --doctor --patient --measurement --moderator --doctor-format "
    "--max-turns --samples --concurrency --seed --temperature --max-tokens --doctor-bias --patient-bias --missing "
    "--api-key-env --max-retries --timeout --load-in-4bit --out --resume --retry-errored --allow-remote-mimic"
).split()


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(agentclinic_app, list(args), env=env)


def test_run_keeps_every_flag_and_adds_config() -> None:
    result = run_cli("run", "--help", env={"COLUMNS": "250"})
    assert result.exit_code == 0
    offered = set(re.findall(r"--[a-z0-9-]+", result.output))
    assert set(OLD_RUN_FLAGS) | {"--config", "--no-resume", "--no-retry-errored"} <= offered
    text = " ".join(result.output.split())
    assert "env var: AGENTCLINIC_DATA" in text and "Run folder (default runs/<dataset>-<time>)." in text
    assert "One of: recency, frequency" in text and "openai:<model>" in text
    assert "Set only here: rewards" in text
    assert all(info.description for info in RunSettings.model_fields.values())


def test_run_from_a_config_file_with_a_flag_over_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    config = write(
        tmp_path / "run.yaml",
        f"doctor: oracle\nlimit: 4\nmax_turns: 12\ncase_ids: [demo:0, demo:1, demo:2]\nout: {out}\n"
        "rewards:\n  correct: 2.0\n",
    )
    result = run_cli("run", "--config", str(config), "--limit", "2")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / TRANSCRIPTS).read_text().splitlines()]
    assert sorted(r["case_id"] for r in records) == ["demo:0", "demo:1"]
    settings = json.loads((out / "run.json").read_text())["settings"]
    assert settings["limit"] == 2 and settings["max_turns"] == 12 and settings["rewards"]["correct"] == 2.0

    # resuming with the same file and flag is allowed; the file alone asks for another limit, refused by name
    assert run_cli("run", "--config", str(config), "--limit", "2", "--resume").exit_code == 0
    alone = run_cli("run", "--config", str(config), "--resume")
    assert alone.exit_code == 2 and "--limit (run has 2, given 4)" in " ".join(alone.output.split())
    changed = write(tmp_path / "changed.yaml", f"out: {out}\nmax_turns: 5\n")
    refused = run_cli("run", "--config", str(changed), "--resume")
    assert refused.exit_code == 2 and "--max-turns" in refused.output


def test_run_config_errors_are_one_line(tmp_path: Path) -> None:
    config = write(tmp_path / "bad.yaml", "doctor: oracle\nsplit: dev\n")
    result = run_cli("run", "--config", str(config))
    one_line_error(result, "bad.yaml, line 2: split: Input should be")
    unknown = write(tmp_path / "unknown.yaml", "cases: [demo:0]\n")
    one_line_error(run_cli("run", "--config", str(unknown)), "unknown setting 'cases'")
    one_line_error(run_cli("run", "--doctor", "oracle", "--test-fraction", "2"), "--test-fraction")


class Positional(BaseModel):
    """Arguments and an option with a named off switch."""

    source: Path = Field(description="Where to read from.")
    count: int = Field(1, gt=0, description="How many.")
    follow: bool = Field(True, description="Keep following.")
    quiet: bool = Field(False, description="Say less.")


def test_fields_as_positional_arguments_and_bool_switches() -> None:
    requests: list[SettingsInput[Positional]] = []

    def handler(request: SettingsInput[Positional]) -> None:
        requests.append(request)
        print(request.build().model_dump_json())

    command = command_from_settings(
        Positional, handler, arguments=("source", "count"), flags={"follow": "--follow/--once"}, config_option=False
    )
    app = typer.Typer(add_completion=False)
    app.command("toy")(command)
    app.command("other")(lambda: None)
    got = json.loads(invoke("in.txt", "3", "--once", app=app).output)
    assert got == {"source": "in.txt", "count": 3, "follow": False, "quiet": False}
    assert requests[-1].given == {"source", "count", "follow"}
    assert json.loads(invoke("in.txt", app=app).output)["count"] == 1
    assert requests[-1].values == {"source": Path("in.txt")}
    one_line_error(invoke("in.txt", "0", app=app), "COUNT: Input should be greater than 0")
    missing = invoke(app=app)
    assert missing.exit_code == 2 and "Missing argument" in missing.output
    help_text = " ".join(CliRunner().invoke(app, ["toy", "--help"], env={"COLUMNS": "220"}).output.split())
    assert "Where to read from." in help_text and "How many." in help_text and "--follow --once" in help_text
    assert "--source" not in help_text and "--no-follow" not in help_text
    assert "--quiet" in help_text and "--no-quiet" not in help_text  # off by default and no --config: a plain switch


class Folders(BaseModel):
    """A list of paths as the last, variadic argument."""

    runs: list[Path] = Field(description="The folders.")
    seed: int = Field(0, description="A seed.")


def test_a_list_field_is_a_variadic_argument() -> None:
    def handler(request: SettingsInput[Folders]) -> None:
        print(request.build().model_dump_json())

    app = typer.Typer(add_completion=False)
    app.command("toy")(command_from_settings(Folders, handler, arguments=("runs",), config_option=False))
    app.command("other")(lambda: None)
    got = json.loads(invoke("a", "b,c", "--seed", "2", "d", app=app).output)
    assert got == {"runs": ["a", "b,c", "d"], "seed": 2}  # every word a path: a comma is no separator here
    missing = invoke(app=app)
    assert missing.exit_code == 2 and "Missing argument" in missing.output
    help_text = " ".join(CliRunner().invoke(app, ["toy", "--help"], env={"COLUMNS": "220"}).output.split())
    assert "runs}..." in help_text and "The folders." in help_text and "Comma" not in help_text


def test_what_cannot_be_an_argument_or_an_off_switch_fails_when_the_command_is_made() -> None:
    with pytest.raises(ValueError, match="inner: only a text"):
        command_from_settings(Toy, handle, arguments=("inner",))
    with pytest.raises(ValueError, match="verbose: only a text"):
        command_from_settings(Toy, handle, arguments=("verbose",))
    with pytest.raises(ValueError, match="steps: only a bool"):
        command_from_settings(Toy, handle, flags={"steps": "--steps/--none"})
    with pytest.raises(ValueError, match="--no-verbose"):
        command_from_settings(Toy, handle, flags={"name": "no-verbose"})
    with pytest.raises(ValueError, match="nope"):
        command_from_settings(Toy, handle, arguments=("nope",))
