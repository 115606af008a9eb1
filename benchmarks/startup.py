"""What a user waits for before and around the first consultation, each figure from fresh processes.

1. ``agentclinic --help``, whole process (goal <= 0.4 s).
2. The judge's vocabulary in a fresh process: read from the cached index (goal <= 0.2 s), and built from its
   sources when nothing is cached (once per machine and per change of its sources).
3. The first judged ``env.step`` (``DIAGNOSIS READY``) after ``gym.make("agentclinic/Demo-v0")`` and
   ``reset`` in a fresh process, index cached (goal <= 0.3 s).
4. ``agentclinic run --doctor oracle --limit 1``, whole process (goal <= 1.5 s).
5. A sequential run's cost outside the model calls: ``--episodes`` MedQA episodes (demo when the shared
   data is absent) with the doctor on a stub OpenAI-compatible server that answers after ``--delay-ms``
   (the stub doctor makes 3 calls an episode), at concurrency 1 and 32: ``summary.json``'s ``wall_s``,
   the time per episode beyond its calls, and the speed-up (goal >= 20x).
6. 64 episodes with every role on that server at concurrency 32, whole process, beside the run's own
   ``wall_s`` (goal <= 2.0 s).
7. The offline default ``agentclinic run`` while another process keeps one core busy, with the thread count
   the package chooses and with ``OMP_NUM_THREADS=2`` (torch's default on 2 cores; goal <= 30 s).

Every timed process uses one shared cache folder (``AGENTCLINIC_CACHE``), filled by a first untimed call,
so the figures are those of a machine where the package has run once; 2 builds in an empty cache.

    python benchmarks/startup.py [--repeats 5] [--episodes 32] [--delay-ms 50] [--skip-offline]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runner_concurrency import KEY_ENV, SHARED_DATA, StubProcess, load_stub

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "agentclinic_sim.cli"]
GOALS = {"help": 0.4, "vocabulary": 0.2, "first_step": 0.3, "oracle": 1.5, "speedup": 20.0, "all_roles": 2.0}
GOALS["offline"] = 30.0
FIRST_STEP = """
import time
import gymnasium as gym
import agentclinic_sim
env = gym.make("agentclinic/Demo-v0")
env.reset(seed=0)
start = time.perf_counter()
env.step("DIAGNOSIS READY: Asthma")
print(time.perf_counter() - start)
"""
VOCABULARY = """
import time
from agents.judge.vocabulary_index import default_vocabulary
start = time.perf_counter()
default_vocabulary()
print(time.perf_counter() - start)
"""


def timed(command: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of one whole process; its output is discarded, a failure stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(list(command), env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return elapsed


def printed(code: str, env: dict[str, str], cwd: Path) -> float:
    """The number a Python snippet prints, run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return float(done.stdout.split()[-1])


def report(name: str, label: str, values: list[float], goal_key: str | None, lower_is_better: bool = True) -> None:
    middle = statistics.median(values)
    spread = f"median {middle:.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"
    verdict = ""
    if goal_key:
        goal = GOALS[goal_key]
        met = middle <= goal if lower_is_better else middle >= goal
        verdict = f"  goal <= {goal:g} s: {'met' if met else 'MISSED'}"
    print(f"{name:<44} {label:<10} {spread}{verdict}")


def run_summary(args: list[str], env: dict[str, str], cwd: Path, out: Path) -> tuple[float, dict[str, Any]]:
    """Whole-process seconds of ``agentclinic run ... --out out`` and its summary.json."""
    elapsed = timed([*CLI, "run", *args, "--out", str(out)], env, cwd)
    return elapsed, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def dataset_args(episodes: int) -> list[str]:
    if SHARED_DATA.is_dir():
        return ["--dataset", "medqa-ext", "--data-dir", str(SHARED_DATA), "--limit", str(episodes)]
    demo_cases = 14
    samples = -(-episodes // demo_cases)
    return ["--dataset", "demo", "--limit", str(episodes // samples), "--samples", str(samples)]


def bench_server_runs(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> None:
    stub_class, play_role = load_stub()
    with StubProcess(stub_class, play_role, args.delay_ms / 1000) as stub:
        uri = f"openai:stub-model@{stub.base_url}"
        server = ["--api-key-env", KEY_ENV, "--max-retries", "0"]
        run_summary([*dataset_args(1), "--doctor", uri, *server], env, cwd, cwd / "warm-up")
        walls: dict[int, float] = {}
        for concurrency in (1, 32):
            doctor_only = [*dataset_args(args.episodes), "--doctor", uri, *server, "--concurrency", str(concurrency)]
            _, summary = run_summary(doctor_only, env, cwd, cwd / f"c{concurrency}")
            walls[concurrency] = summary["wall_s"]
            print(f"{'doctor on the stub, concurrency ' + str(concurrency):<44} {'wall_s':<10} "
                  f"{summary['wall_s']:.2f} s for {summary['n']} episodes")  # fmt: skip
        calls = 3 * args.delay_ms / 1000
        per_episode = walls[1] / args.episodes
        print(
            f"{'a sequential episode (3 doctor calls)':<44} {'per ep.':<10} {per_episode * 1000:.0f} ms, of which "
            f"{(per_episode - calls) * 1000:.0f} ms outside its {calls * 1000:.0f} ms of calls"
        )
        speedup = walls[1] / walls[32]
        verdict = "met" if speedup >= GOALS["speedup"] else "MISSED"
        print(f"{'concurrency 32 vs 1 (wall_s)':<44} {'speed-up':<10} {speedup:.1f}x  goal >= 20x: {verdict}")
        roles = [flag for role in ("doctor", "patient", "measurement", "moderator") for flag in (f"--{role}", uri)]
        every_role = [*dataset_args(64), *roles, *server, "--concurrency", "32"]
        wholes, walls_in = [], []
        for repeat in range(args.repeats):
            whole, summary = run_summary(every_role, env, cwd, cwd / f"all-{repeat}")
            wholes.append(whole)
            walls_in.append(summary["wall_s"])
        report("64 episodes, every role on the stub", "process", wholes, "all_roles")
        report("  the same runs' own wall_s", "in-run", walls_in, None)


def busy_core(seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", f"import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass"]
    )


def bench_offline(env: dict[str, str], cwd: Path) -> None:
    for label, extra in (("chosen", {}), ("OMP=2", {"OMP_NUM_THREADS": "2"})):
        busy = busy_core(600)
        try:
            elapsed, summary = run_summary([], {**env, **extra}, cwd, cwd / f"offline-{label}")
        finally:
            busy.kill()
        goal = GOALS["offline"]
        verdict = f"  goal <= {goal:g} s: {'met' if elapsed <= goal else 'MISSED'}" if label == "chosen" else ""
        episodes = f"({summary['n']} episodes, accuracy {summary['accuracy']:.0%})"
        print(f"{'offline default run, one core busy':<44} {label:<10} {elapsed:.1f} s {episodes}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--episodes", type=int, default=32, help="episodes of the concurrency 1 vs 32 runs")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="the stub server's reply delay")
    parser.add_argument("--skip-offline", action="store_true", help="skip the offline default runs (minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work, cache, empty = Path(tmp), Path(tmp) / "cache", Path(tmp) / "empty-cache"
        env = {
            **os.environ,
            "AGENTCLINIC_CACHE": str(cache),
            KEY_ENV: "sk-benchmark-dummy-key",
            "PYTHONPATH": str(REPO),
        }
        env.pop("OMP_NUM_THREADS", None)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; each figure from fresh processes\n")
        timed([*CLI, "judge", "GBS", "Guillain-Barre syndrome"], env, work)  # fills the cache: the index
        repeats = range(args.repeats)
        report("agentclinic --help", "process", [timed([*CLI, "--help"], env, work) for _ in repeats], "help")
        vocabulary = [printed(VOCABULARY, env, work) for _ in repeats]
        report("vocabulary ready, index cached", "call", vocabulary, "vocabulary")
        builds = []
        for _ in range(2):
            shutil.rmtree(empty, ignore_errors=True)
            builds.append(printed(VOCABULARY, {**env, "AGENTCLINIC_CACHE": str(empty)}, work))
        report("vocabulary built, nothing cached", "call", builds, None)
        first_steps = [printed(FIRST_STEP, env, work) for _ in repeats]
        report("first judged env.step, fresh process", "step", first_steps, "first_step")
        oracle = [
            timed([*CLI, "run", "--doctor", "oracle", "--limit", "1", "--out", str(work / f"oracle-{i}")], env, work)
            for i in range(args.repeats)
        ]
        report("agentclinic run --doctor oracle --limit 1", "process", oracle, "oracle")
        bench_server_runs(args, env, work)
        if not args.skip_offline:
            bench_offline(env, work)


if __name__ == "__main__":
    main()
