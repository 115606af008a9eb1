"""``agentclinic train``: help that teaches, bad input exits 2 with one clear line and no traceback."""

from __future__ import annotations

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


def test_a_config_file_sets_the_settings(tmp_path: Path) -> None:
    config = tmp_path / "grpo.yaml"
    config.write_text("batch_size: 6\nnum_generations: 4\nrewards:\n  test_cost: 0.01\n", encoding="utf-8")
    result = invoke("grpo", "--config", str(config), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "multiple of --num-generations 4" in result.output
