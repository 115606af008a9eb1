"""Rollouts in a distributed run stay in step: every process makes the same number of ``generate`` calls, idle
ones where it has nothing left to play, and its own trajectories are those it would play alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from models.backends.hf import HFBackend  # noqa: E402
from models.training.hf_policy import HFPolicy  # noqa: E402
from models.training.lockstep import rank_lockstep  # noqa: E402
from models.training.rollouts import RolloutConfig, RolloutPlayer  # noqa: E402
from scenarios import load_cases  # noqa: E402

CONFIG = RolloutConfig(max_turns=3, max_tokens=6)


class PeerPlaysLonger:
    """Stands in for the group: another process needs ``extra`` more calls after this one is done."""

    def __init__(self, extra: int):
        self.extra = extra
        self.idle_calls = 0
        self.synced = False  # no process group here: decode alone
        self.asked: list[int] = []

    def calls(self, needed_here: int) -> int:
        self.asked.append(needed_here)
        if needed_here == 0 and self.extra:
            self.extra -= 1
            return 1
        return needed_here


def test_a_process_with_nothing_left_makes_idle_calls_until_its_peers_finish(tiny_model_path: Path) -> None:
    policy = HFPolicy(HFBackend(str(tiny_model_path)))
    cases = load_cases("demo")[:2]
    alone = RolloutPlayer(policy, CONFIG).play(cases, greedy=True)
    peer = PeerPlaysLonger(extra=2)
    player = RolloutPlayer(policy, CONFIG, lockstep=peer)
    in_step = player.play(cases, greedy=True)
    assert peer.idle_calls == 2
    assert player.timings.generate_calls == max(t.state.turn for t in alone) + 2
    assert peer.asked[-1] == 0  # the loop ends only when no process needs a call
    assert [t.tokens.ids for t in in_step] == [t.tokens.ids for t in alone]


def test_no_lockstep_without_a_process_group() -> None:
    assert rank_lockstep() is None


SCRIPT = """
import json, os, sys
import torch.distributed as dist
from models.backends.hf import HFBackend
from models.training.hf_policy import HFPolicy
from models.training.rollouts import RolloutConfig, RolloutPlayer
from scenarios import load_cases

dist.init_process_group("gloo")
rank = dist.get_rank()
policy = HFPolicy(HFBackend(sys.argv[1]))
# Rank 0 plays one episode of 1 turn, rank 1 three episodes of up to 3 turns: uneven on purpose.
config = RolloutConfig(max_turns=1 if rank == 0 else 3, max_tokens=6)
player = RolloutPlayer(policy, config, max_batch_size=2)
cases = load_cases("demo")[: 1 if rank == 0 else 3]
player.play(cases, greedy=True)
with open(os.path.join(sys.argv[2], f"rank{rank}.json"), "w") as handle:
    json.dump({"calls": player.timings.generate_calls, "idle": player.lockstep.idle_calls}, handle)
dist.barrier()  # neither process tears the group down while the other still uses it
dist.destroy_process_group()
# Leave without the interpreter's teardown: gloo's worker threads can still hold tensors then, and freeing
# them after Python has begun to shut down aborts the process (SIGABRT) once in a while, after the work is done.
sys.stdout.flush()
os._exit(0)
"""


def _worker_logs(folder: Path) -> str:
    """What each process printed (torchrun's own report names only the signal a process died of)."""
    logs = sorted(folder.rglob("*.log"))
    return "".join(f"\n--- {log.relative_to(folder)}\n{log.read_text()[-3000:]}" for log in logs)


def test_two_processes_with_uneven_episodes_make_the_same_generate_calls(tiny_model_path: Path, tmp_path: Path) -> None:
    script = tmp_path / "play.py"
    script.write_text(SCRIPT, encoding="utf-8")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "--log-dir", str(tmp_path / "logs"), "--redirects", "3",
        str(script), str(tiny_model_path), str(tmp_path),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-1500:] + _worker_logs(tmp_path / "logs")
    first, second = (json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1))
    assert first["calls"] == second["calls"] >= 3  # rank 1 needs 2 calls a turn (3 episodes, batches of 2)
    assert first["idle"] > 0 and second["idle"] == 0  # only the process that finished early waits
