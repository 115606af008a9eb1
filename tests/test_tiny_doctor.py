"""The shipped tiny doctor: the offline default of ``agentclinic run`` is a doctor this package trained, and
it says so; the random model stays available as ``tiny-random``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app
from models.tiny import resolve_tiny, trained_tiny_path


def test_tiny_is_the_trained_doctor_and_tiny_random_is_not() -> None:
    trained = trained_tiny_path()
    assert trained is not None, "models/tiny_doctor is missing: build it with python -m models.training.tiny_doctor"
    record = json.loads((trained / "agentclinic_training.json").read_text(encoding="utf-8"))
    assert record["base_model"] != "tiny" and "SFT" in record["recipe"] and "GRPO" in record["recipe"]
    assert resolve_tiny("tiny") == trained
    assert resolve_tiny("tiny-random") != trained


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_the_offline_default_run_diagnoses_most_demo_cases(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n"] == 14 and summary["errored"] == 0
    # It memorised whole consultations: a change in what the patient or the reader says shows up here first.
    assert summary["accuracy"] >= 0.9, "rebuild it: python -m models.training.tiny_doctor"
    assert "trained by this package" in result.output and "knows no medicine" in result.output
