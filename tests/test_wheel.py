"""A wheel built from the repository works on its own: it carries its data files (prompt templates, the bundled
demo cases), and ``agentclinic run`` from an install of it — not from the editable source tree — completes a run.

Everything is offline: the wheel is built without build isolation or an index, installed with ``--no-index``,
and the run's every role talks to a local OpenAI-compatible stub.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.backends.openai_stub import OpenAIStub, play_clinic_role  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PROMPTS = sorted((REPO / "agents" / "prompts").glob("*.txt"))
PACKAGES = ("agentclinic_sim", "agents", "agents.prompts", "scenarios", "models")
KEY_ENV = "AGENTCLINIC_TEST_KEY"
SECRET = "sk-test-wheel-SECRET-456"
# A real key, base URL or proxy from the outer environment must not reach the stub run.
CLEARED_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    *(f"{name}_proxy" for name in ("http", "https", "all")),
    *(f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL")),
)
# Left out of the copy the wheel is built from: what git ignores, and the repository's own metadata.
NOT_SOURCE = (".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache", ".ruff_cache", "*.egg-info", "build", "dist")
NOT_SOURCE += ("runs",)


@dataclass(frozen=True)
class Installed:
    """A wheel and the folder it was installed into with ``pip install --target``."""

    wheel: Path
    target: Path


def run_checked(
    command: list[str], timeout_s: float, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command; if it fails, fail the test with its output."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, cwd=cwd, env=env)
    assert result.returncode == 0, f"{command} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel from a copy of the repository (so no build/ or egg-info lands in it) and install it."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    started = time.perf_counter()
    run_checked([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", str(source), "-w", str(root)], 120)
    print(f"wheel build took {time.perf_counter() - started:.1f} s")
    (wheel,) = root.glob("agentclinic_sim-*.whl")
    target = root / "site"
    run_checked([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], 120)
    return Installed(wheel, target)


def isolated_env(target: Path, **extra: str) -> dict[str, str]:
    """Environment for ``python -S``: the install first, then the venv's site-packages for the dependencies.

    ``-S`` skips the venv's .pth files, so the editable install's import hook never points back at the sources.
    """
    site_packages = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    env = {name: value for name, value in os.environ.items() if name not in CLEARED_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(target), *site_packages])
    return {**env, "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", **extra}


def test_wheel_carries_prompts_and_demo_cases(installed: Installed) -> None:
    assert PROMPTS, "no prompt templates found in agents/prompts"
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = {f"agents/prompts/{path.name}" for path in PROMPTS} | {"scenarios/data/demo.jsonl"}
    assert expected <= names, f"missing from {installed.wheel.name}: {sorted(expected - names)}"


def test_installed_wheel_imports_from_its_own_folder(installed: Installed, tmp_path: Path) -> None:
    """Modules and prompt templates come from the install, and the editable hook is not loaded."""
    probe = (
        "import importlib, json, sys\n"
        "from agents.prompts import load_prompt\n"
        f"files = {{name: importlib.import_module(name).__file__ for name in {PACKAGES!r}}}\n"
        f"prompts = {{name: load_prompt(name) for name in {[path.stem for path in PROMPTS]!r}}}\n"
        "editable = [name for name in sys.modules if '__editable__' in name]\n"
        "print(json.dumps({'files': files, 'prompts': prompts, 'editable': editable}))\n"
    )
    command = [sys.executable, "-S", "-c", probe]
    result = run_checked(command, 60, cwd=tmp_path, env=isolated_env(installed.target))
    found = json.loads(result.stdout)
    for name, file in found["files"].items():
        assert Path(file).is_relative_to(installed.target), f"{name} imported from {file}, not the wheel"
    assert found["prompts"] == {path.stem: path.read_text(encoding="utf-8") for path in PROMPTS}
    assert found["editable"] == []


def test_agentclinic_run_from_installed_wheel(installed: Installed, tmp_path: Path) -> None:
    """The wheel's ``agentclinic`` script runs two demo episodes with every role on a local stub server."""
    script = installed.target / "bin" / "agentclinic"
    assert script.is_file(), "the wheel installed no agentclinic console script"
    out = tmp_path / "run"
    with OpenAIStub(responder=play_clinic_role) as stub:
        uri = f"openai:m@{stub.base_url}"
        roles = [arg for role in ("doctor", "patient", "measurement", "moderator") for arg in (f"--{role}", uri)]
        command = [sys.executable, "-S", str(script), "run", *roles, "--dataset", "demo", "--limit", "2"]
        command += ["--api-key-env", KEY_ENV]
        env = isolated_env(installed.target, **{KEY_ENV: SECRET, "COLUMNS": "200"})
        run_checked([*command, "--patient-feedback", "--out", str(out)], 60, cwd=tmp_path, env=env)
        vignette = [*command, "--mode", "vignette", "--out", str(tmp_path / "vignette")]
        run_checked(vignette, 60, cwd=tmp_path, env=env)  # the vignette doctor's prompt comes from the wheel too
        sent = [str(message["content"]) for request in stub.requests for message in request["messages"]]

    records = [json.loads(line) for line in (out / "transcripts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 2
    assert [record["error"] for record in records] == [None, None]
    for path in PROMPTS:  # each template's opening words reached the server: the prompts loaded from the wheel
        opening = path.read_text(encoding="utf-8").split("\n", 1)[0].split("{", 1)[0]
        assert any(text.startswith(opening) for text in sent), f"no request used {path.name}"
