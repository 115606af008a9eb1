"""``agentclinic train``: help that teaches, bad input exits 2 with one clear line and no traceback."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentclinic_sim.cli import app

pytest.importorskip("trl")


def invoke(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, ["train", *args])


@pytest.mark.parametrize("command", ["sft", "grpo"])
def test_help_lists_the_settings(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    for flag in ("--model", "--max-turns", "--learning-rate", "--eval-every", "--out", "--resume", "--config"):
        assert flag in result.output
    assert ("--from" in result.output) == (command == "sft")
    assert ("--num-generations" in result.output) == (command == "grpo")


def test_grpo_batch_that_splits_a_group_is_refused(tmp_path: Path) -> None:
    result = invoke(
        "grpo", "--model", "tiny-random", "--batch-size", "6", "--num-generations", "4", "--out", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "--batch-size 6 must be a multiple of --num-generations 4" in result.output
    assert "Traceback" not in result.output


def test_grpo_step_needing_more_cases_than_the_split_has_is_refused(tmp_path: Path) -> None:
    args = ["--model", "tiny-random", "--limit", "2", "--batch-size", "8", "--num-generations", "2"]
    result = invoke("grpo", *args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "each step needs 4 distinct cases" in result.output and "the split has 2" in result.output


def test_sft_from_a_folder_without_transcripts_is_refused(tmp_path: Path) -> None:
    result = invoke("sft", "--from", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "transcripts.jsonl" in result.output and "Traceback" not in result.output


def test_sft_from_a_run_with_no_good_episode_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    ran = CliRunner().invoke(
        app, ["run", "--doctor", "tiny-random", "--limit", "1", "--max-turns", "1", "--out", str(run)]
    )
    assert ran.exit_code == 0, ran.output
    result = invoke("sft", "--from", str(run), "--min-reward", "1", "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "none of the 1 episodes" in result.output


def test_bad_values_name_their_flag(tmp_path: Path) -> None:
    result = invoke("sft", "--split", "validation", "--out", str(tmp_path))
    assert result.exit_code == 2 and "--split" in result.output
    result = invoke("grpo", "--temperature", "0", "--out", str(tmp_path))
    assert result.exit_code == 2 and "--temperature" in result.output


def test_unknown_start_model_is_one_line(tmp_path: Path) -> None:
    result = invoke("sft", "--model", str(tmp_path / "missing-model"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "does not exist" in result.output and "Traceback" not in result.output


HEAVY_LIBRARIES = ("torch", "transformers", "trl", "datasets", "peft")
TRAIN_AND_TELL_IMPORTS = f"""
import sys
from agentclinic_sim.cli import app
try:
    app(["train", *sys.argv[1:]], prog_name="agentclinic")
finally:
    print("imported:", *[name for name in {HEAVY_LIBRARIES!r} if name in sys.modules])
"""


def train_in_a_fresh_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``agentclinic train ARGS`` in a new interpreter, which then prints which heavy libraries it imported."""
    return subprocess.run(
        [sys.executable, "-c", TRAIN_AND_TELL_IMPORTS, *args],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("command", ["sft", "grpo"])
def test_a_start_model_that_is_not_there_fails_at_once_in_one_line_and_leaves_no_folder(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "no-such-model"
    out = tmp_path / "new" / "out"
    result = train_in_a_fresh_process(command, "--model", str(missing), "--out", str(out))
    assert result.returncode == 2, result.stdout + result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"error: --model: cannot load it: the local path {missing} does not exist"
    ]
    assert result.stdout.split() == ["imported:"]  # refused before torch, transformers or TRL was imported
    assert not (tmp_path / "new").exists()


def test_an_existing_out_is_left_as_it_was_when_the_start_model_is_not_there(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("sft", "--model", str(tmp_path / "no-such-model"), "--out", str(out))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert out.is_dir() and list(out.iterdir()) == []


def test_a_hub_model_that_cannot_load_fails_before_training_and_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    out = tmp_path / "new" / "out"
    result = invoke("grpo", "--model", "someorg/no-such-model", "--out", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: --model: offline mode is on" in result.output and "'someorg/no-such-model'" in result.output
    assert not (tmp_path / "new").exists()


def test_a_training_that_fails_after_making_its_folder_removes_it(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    result = invoke("sft", "--model", "tiny-random", "--split", "test", "--test-fraction", "0", "--out", str(out))
    assert result.exit_code == 2 and "no cases in demo (split=test)" in result.output
    assert not (tmp_path / "new").exists()


def test_a_config_file_sets_the_settings(tmp_path: Path) -> None:
    config = tmp_path / "grpo.yaml"
    config.write_text("batch_size: 6\nnum_generations: 4\nrewards:\n  test_cost: 0.01\n", encoding="utf-8")
    result = invoke("grpo", "--config", str(config), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "multiple of --num-generations 4" in result.output


@pytest.mark.parametrize("command", ["sft", "grpo"])
def test_a_folder_holding_a_training_is_not_overwritten(tmp_path: Path, command: str) -> None:
    (tmp_path / "checkpoint-5").mkdir()
    (tmp_path / "curve.csv").write_text("step,split,accuracy\n5,train,0.5\n")
    result = invoke(command, "--out", str(tmp_path), "--max-steps", "1")
    assert result.exit_code == 2 and "already holds a training" in result.output and "--resume" in result.output
    assert (tmp_path / "checkpoint-5").is_dir() and (tmp_path / "curve.csv").read_text().endswith("0.5\n")


def test_a_run_folder_is_not_trained_into(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text("{}")
    result = invoke("sft", "--out", str(tmp_path), "--max-steps", "1")
    assert result.exit_code == 2 and "holds an `agentclinic run`" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run.json"]


def test_an_out_that_cannot_be_a_folder_and_an_unknown_tracker_are_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out in (blocker, blocker / "sub"):
        result = invoke("sft", "--out", str(out), "--max-steps", "1")
        assert result.exit_code == 2 and "a file, not a folder" in result.output, result.output
    result = invoke("sft", "--out", str(tmp_path / "run"), "--report-to", "banana")
    assert result.exit_code == 2 and "use one of none, tensorboard, trackio" in result.output


@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is not None, reason="tensorboard is installed here")
def test_a_tracker_that_is_not_installed_is_named_with_its_install() -> None:
    result = invoke("sft", "--report-to", "tensorboard")
    assert result.exit_code == 2 and "pip install tensorboard" in result.output


def test_help_keeps_bracketed_install_extras() -> None:
    assert "'.[vllm]'" in invoke("grpo", "--help").output


def _started(out: Path, trainer: str = "sft", **settings: object) -> None:
    """A training folder as a training leaves it once started: its settings, a checkpoint, a curve."""
    from models.training.grpo import GRPOSettings
    from models.training.sft import SFTSettings

    model = SFTSettings if trainer == "sft" else GRPOSettings
    values = model(out=out, **settings).model_dump(mode="json")  # type: ignore[arg-type]
    out.mkdir(parents=True, exist_ok=True)
    (out / "training.json").write_text(json.dumps({"trainer": trainer, "settings": values}))
    (out / "checkpoint-2").mkdir()
    (out / "curve.csv").write_text("step,split,reward\n0,train,0.0\n2,train,0.5\n")


def test_resume_restores_the_settings_the_training_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agentclinic_sim.cli.train as train_cli

    out = tmp_path / "sft"
    _started(out, max_steps=7, learning_rate=3e-4, max_turns=5, dataset="demo")
    trained: list[object] = []
    monkeypatch.setattr(train_cli, "_train", lambda kind, settings: trained.append((kind, settings)))
    result = invoke("sft", "--out", str(out), "--resume", "--save-every", "1")
    assert result.exit_code == 0, result.output
    [(kind, settings)] = trained
    assert kind == "sft" and settings.resume and settings.out == out
    assert (settings.max_steps, settings.learning_rate, settings.max_turns) == (7, 3e-4, 5)  # as it started
    assert settings.save_every == 1  # how it keeps checkpoints may change


def test_resume_refuses_flags_that_differ_from_the_training(tmp_path: Path) -> None:
    out = tmp_path / "sft"
    _started(out, max_steps=7, learning_rate=3e-4)
    result = invoke("sft", "--out", str(out), "--resume", "--learning-rate", "1e-3", "--max-steps", "7")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--learning-rate (the training has 0.0003, given 0.001)" in result.output
    assert "--max-steps" not in result.output  # the same value as it started with is fine
    other = invoke("grpo", "--out", str(out), "--resume")
    assert other.exit_code == 2 and "holds a sft training" in other.output and "train sft --resume" in other.output


def test_resuming_a_finished_training_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "sft"
    _started(out, max_steps=2)
    (out / "final").mkdir()
    (out / "final" / "agentclinic_training.json").write_text(json.dumps({"trainer": "sft", "steps": 2}))
    curve = (out / "curve.csv").read_text()
    result = invoke("sft", "--out", str(out), "--resume")
    assert result.exit_code == 0 and "finished its 2 steps; nothing to resume" in result.output
    assert (out / "curve.csv").read_text() == curve  # not evaluated again: no duplicated rows


def test_resume_of_a_training_whose_settings_no_longer_read_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "sft"
    _started(out, max_steps=2)
    (out / "training.json").write_text(json.dumps({"trainer": "sft", "settings": {"max_steps": "many"}}))
    result = invoke("sft", "--out", str(out), "--resume")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no longer read" in result.output
