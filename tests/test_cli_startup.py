"""The CLI loads only what a command needs: help, cases, a judged pair and a replay never import LangGraph,
torch or transformers; the top-level help lists the commands without importing them, and says of each what
its own help says. Help screens show flags without a value type and are not wrapped at 80 columns when piped."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentclinic_sim.cli import COMMANDS, load_command
from agentclinic_sim.transcript import TRANSCRIPTS, EpisodeRecord

HEAVY = (
    "langgraph", "langchain_core", "torch", "transformers", "trl", "openai", "gymnasium", "scipy", "statsmodels",
    "matplotlib",
)  # fmt: skip

PROBE = """
import atexit, json, sys
watched = set(json.loads(sys.argv[2]))
atexit.register(lambda: print("\\n" + json.dumps(sorted({name.split(".")[0] for name in sys.modules} & watched))))
from agentclinic_sim.cli import main
sys.argv = ["agentclinic", *json.loads(sys.argv[1])]
main()
"""


def cli_imports(args: list[str], cwd: Path) -> tuple[int, list[str], str]:
    """Run the CLI in a fresh interpreter; its exit code, the heavy packages it imported, and its output."""
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
    heavy = json.loads(done.stdout.strip().splitlines()[-1])
    return done.returncode, heavy, done.stdout + done.stderr


@pytest.fixture
def run_folder(tmp_path: Path) -> Path:
    record = EpisodeRecord(
        case_id="demo:0", dataset="demo", correct=True, objective="Assess the patient.", correct_diagnosis="Asthma",
        diagnosis="Asthma", turns_used=1,
    )  # fmt: skip
    (tmp_path / TRANSCRIPTS).write_text(record.model_dump_json() + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["run", "--help"],
        ["cases", "list"],
        ["cases", "show", "demo", "0"],
        ["judge", "GBS", "Guillain-Barre syndrome"],
        ["train", "--help"],
        ["compare", "--help"],
    ],
    ids=" ".join,
)
def test_light_commands_import_no_model_or_graph_library(args: list[str], tmp_path: Path) -> None:
    code, heavy, output = cli_imports(args, tmp_path)
    assert code == 0, output
    assert heavy == [], f"`agentclinic {' '.join(args)}` imported {heavy}"


def test_replay_imports_no_model_or_graph_library(run_folder: Path) -> None:
    code, heavy, output = cli_imports(["replay", str(run_folder)], run_folder)
    assert code == 0, output
    assert "Asthma" in output
    assert heavy == []


def test_a_run_loads_the_graph_when_it_starts(tmp_path: Path) -> None:
    args = ["run", "--doctor", "oracle", "--limit", "1", "--out", str(tmp_path / "run")]
    code, heavy, output = cli_imports(args, tmp_path)
    assert code == 0, output
    assert "langgraph" in heavy
    assert (tmp_path / "run" / "summary.json").is_file()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_summary_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    own = " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())
    assert own == COMMANDS[name].summary


def test_help_lists_every_command_and_an_unknown_one_is_a_usage_error(tmp_path: Path) -> None:
    code, _, output = cli_imports(["--help"], tmp_path)
    assert code == 0
    for name, where in COMMANDS.items():
        assert f"{name}  " in output and where.summary[:40] in output
    code, heavy, output = cli_imports(["rnu"], tmp_path)
    assert code == 2 and "rnu" in output and "run" in output  # typer suggests the near command
    assert heavy == []


def test_flags_show_no_value_type_and_piped_help_is_not_wrapped_at_80(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "TERMINAL_WIDTH")}
    done = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--help"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    live = next(line for line in done.stdout.splitlines() if "--live" in line)
    assert "<bool>" not in done.stdout, live
    assert max(len(line) for line in done.stdout.splitlines()) > 100  # laid out wide, not at 80 columns
    bad = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--no-such-flag"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert any("No such option" in line and "--no-such-flag" in line for line in bad.stderr.splitlines()), bad.stderr


@pytest.mark.parametrize("gymnasium_first", [False, True])
def test_the_env_ids_are_registered_whichever_is_imported_first(gymnasium_first: bool, tmp_path: Path) -> None:
    order = "import gymnasium, agentclinic_sim" if gymnasium_first else "import agentclinic_sim, sys\n"
    order += "" if gymnasium_first else "assert 'gymnasium' not in sys.modules\nimport gymnasium.spaces, gymnasium"
    code = order + "\nenv = gymnasium.make('agentclinic/Demo-v0')\nprint(env.reset(seed=0)[1]['case_id'])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("demo:")
