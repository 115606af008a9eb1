"""``benchmarks/gpu_check.sh``: one line and exit 0 on a machine without a GPU; its Python part runs on a CPU with
a small model of the same family, so the script a GPU session runs is known to work before the GPU is lent."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _has_gpu() -> bool:
    smi = shutil.which("nvidia-smi")
    return bool(smi) and subprocess.run([smi, "-L"], capture_output=True).returncode == 0


@pytest.mark.skipif(_has_gpu(), reason="this machine has a GPU: the check would run for real")
def test_without_a_gpu_the_check_says_so_in_one_line() -> None:
    finished = subprocess.run(["bash", "benchmarks/gpu_check.sh"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert finished.returncode == 0
    assert finished.stdout.strip().splitlines() == ["gpu_check: no NVIDIA GPU on this machine; nothing was run"]


def test_the_check_runs_on_a_cpu_with_a_small_model() -> None:
    command = [
        sys.executable, "benchmarks/gpu_check.py", "--config", "small", "--episodes", "4", "--turns", "2",
        "--max-tokens", "6", "--steps", "1", "--generation-batch", "2", "--generation-tokens", "4",
    ]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "GRPO, LoRA, 4 episodes x 2 turns x 6 tokens: step times" in finished.stdout
    assert "generation: 2 prompts x up to 4 tokens, with logprobs: 8 tokens" in finished.stdout
