"""The shipped ``accelerate`` configs parse as what they say they are, and a 2-process CPU data-parallel run
of 2 GRPO steps (``accelerate launch`` with the DDP config) finishes and records both processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")
accelerate = pytest.importorskip("accelerate")

from accelerate.commands.config.config_args import load_config_from_file  # noqa: E402

CONFIGS = Path(__file__).resolve().parents[1] / "models" / "training" / "launch_configs"


@pytest.mark.parametrize(("name", "kind"), [("ddp", "MULTI_GPU"), ("zero3", "DEEPSPEED"), ("fsdp", "FSDP")])
def test_config_parses_as_its_strategy(name: str, kind: str) -> None:
    config = load_config_from_file(str(CONFIGS / f"{name}.yaml"))
    assert config.distributed_type.value == kind
    assert config.mixed_precision == "bf16"  # never fp16 for Gemma
    if name == "zero3":
        assert config.deepspeed_config["zero_stage"] == 3
    if name == "fsdp":
        assert config.fsdp_config["fsdp_transformer_layer_cls_to_wrap"] == "Gemma3DecoderLayer"
    text = (CONFIGS / f"{name}.yaml").read_text()
    assert f"--config_file models/training/launch_configs/{name}.yaml" in text  # the command that uses it


def test_two_process_cpu_ddp_runs_two_grpo_steps(tiny_model_path: Path, tmp_path: Path) -> None:
    """On CPU ``accelerate launch`` starts more than one process only through MPI, so the two processes come
    from torchrun; the trainer's accelerator sees them (gloo) exactly as it sees GPUs under the DDP config."""
    out = tmp_path / "ddp"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "agentclinic_sim.cli", "train", "grpo", "--model", f"tiny:{tiny_model_path}",
        "--max-steps", "2", "--batch-size", "4", "--num-generations", "2", "--limit", "4",
        "--max-turns", "2", "--max-tokens", "8", "--eval-split", "none", "--eval-every", "1", "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    record = json.loads((out / "final" / "agentclinic_training.json").read_text())
    assert record["processes"] == 2 and record["steps"] == 2
    curve = (out / "curve.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in curve[1:]] == ["0", "1", "2"]  # written once, by the main process
    assert done.stdout.count("trained in") == 1  # one summary, not one per process
