"""The layer contract (``[tool.importlinter]`` in pyproject.toml, run by ``lint-imports`` in CI) names every module
of the consultation core, so a new core module is held to the layers from its first commit; and the contracts
hold (checked here too, so a plain ``pytest`` run catches an upward import)."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> list[dict]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_the_core_layer_names_every_core_module() -> None:
    [layers] = [contract["layers"] for contract in _contracts() if contract["type"] == "layers"]
    core = next(layer for layer in layers if layer.startswith("agentclinic_sim.") and ":" in layer)
    listed = {name.strip() for name in core.split(":")}
    modules = (PROJECT_ROOT / "agentclinic_sim").glob("*.py")
    on_disk = {f"agentclinic_sim.{path.stem}" for path in modules if path.stem != "__init__"}
    assert listed == on_disk
    assert layers[0] == "agentclinic_sim.cli" and layers[-1] == "scenarios"


def test_the_import_contracts_hold() -> None:
    program = shutil.which("lint-imports")
    if program is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    finished = subprocess.run([program], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:]
    assert "0 broken" in finished.stdout
