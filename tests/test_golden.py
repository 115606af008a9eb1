"""The redesign's safety net: what users see must not change when the code's structure does.

Golden outputs, committed under ``tests/golden/``: the ``--help`` text of every command (walked from the command
tree, so a new command fails here until its golden text is added) and the transcripts of deterministic runs (the
oracle and the shipped tiny doctor on the demo cases, the oracle on MedQA-Ext with a seed, and the oracle with
the patient, measurement reader and judge played over HTTP by the stub server). Timing fields and the stub's
port are left out. A change that is meant: regenerate with ``AGENTCLINIC_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden.py`` and say why in the commit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("AGENTCLINIC_UPDATE_GOLDEN") == "1"
TIMING_FIELDS = frozenset({"latency_s", "started_at", "wall_s"})
HELP_ENV = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden {path.relative_to(PROJECT_ROOT)}: regenerate with AGENTCLINIC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden copy"


def command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand of ``agentclinic``, from its command tree."""
    import typer.main

    from agentclinic_sim.cli import app

    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = [()]

    def walk(group: Any, path: tuple[str, ...], context: Any) -> None:
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            found.append((*path, name))
            if hasattr(command, "list_commands"):  # a group (typer's own click types)
                walk(command, (*path, name), command.context_class(command, parent=context, info_name=name))

    walk(root, (), root.context_class(root, info_name="agentclinic"))
    return found


def agentclinic(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script beside this Python (so help texts say ``agentclinic``), else the module."""
    script = Path(sys.executable).with_name("agentclinic")
    program = [str(script)] if script.is_file() else [sys.executable, "-m", "agentclinic_sim.cli"]
    return subprocess.run(
        [*program, *arguments],
        capture_output=True, text=True, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, timeout=600,
    )  # fmt: skip


def test_the_help_of_every_command_is_unchanged() -> None:
    paths = command_paths()
    assert ("run",) in paths and ("train", "sft") in paths and ("cases", "show") in paths
    for path in paths:
        finished = agentclinic(*path, "--help", env=HELP_ENV)
        assert finished.returncode == 0, finished.stderr
        matches_golden(f"help/{'-'.join(('agentclinic', *path))}.txt", finished.stdout)


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_timings(item) for key, item in value.items() if key not in TIMING_FIELDS}
    if isinstance(value, list):
        return [_without_timings(item) for item in value]
    return value


def transcripts(out: Path, replace: dict[str, str] | None = None) -> str:
    """The run's episodes in case order, timing fields out, one JSON object a line."""
    text = (out / "transcripts.jsonl").read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        text = text.replace(old, new)
    records = [_without_timings(json.loads(line)) for line in text.splitlines() if line.strip()]
    records.sort(key=lambda record: (record["case_id"], record["sample"]))
    return "".join(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in records)


@pytest.mark.parametrize("doctor", ["oracle", "tiny"])
def test_demo_runs_are_unchanged(doctor: str, tmp_path: Path) -> None:
    finished = agentclinic("run", "--dataset", "demo", "--doctor", doctor, "--out", str(tmp_path / "run"))
    assert finished.returncode == 0, finished.stderr
    matches_golden(f"transcripts/demo-{doctor}.jsonl", transcripts(tmp_path / "run"))


def test_a_seeded_medqa_ext_oracle_run_is_unchanged(shared_data: Path, tmp_path: Path) -> None:
    finished = agentclinic(
        "run", "--dataset", "medqa-ext", "--data-dir", str(shared_data), "--doctor", "oracle", "--seed", "7",
        "--limit", "24", "--max-turns", "8", "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    matches_golden("transcripts/medqa-ext-oracle-seed7.jsonl", transcripts(tmp_path / "run"))


def test_a_run_with_llm_roles_on_the_stub_server_is_unchanged(stub_api_key: str, tmp_path: Path) -> None:
    from models.backends.openai_stub import OpenAIStub, play_clinic_role

    with OpenAIStub(responder=play_clinic_role) as stub:
        role = f"openai:clinic@{stub.base_url}"
        finished = agentclinic(
            "run", "--dataset", "demo", "--limit", "4", "--doctor", "oracle", "--patient", role, "--measurement",
            role, "--moderator", role, "--api-key-env", stub_api_key, "--out", str(tmp_path / "run"),
        )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    port = re.escape(stub.base_url)
    text = transcripts(tmp_path / "run", {stub.base_url: "http://127.0.0.1:PORT/v1"})
    assert not re.search(port, text)
    matches_golden("transcripts/demo-oracle-stub-roles.jsonl", text)
