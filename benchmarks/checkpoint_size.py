"""How large ``OUT/checkpoints.sqlite`` grows over a long run, and what is left of it at the end.

``agentclinic run`` plays ``--episodes`` episodes (the demo cases, as many samples as it takes) with the
doctor on a local stub server (``models/backends/openai_stub.py`` in a child process, answering after ``--delay-ms``),
``--concurrency`` in flight, checkpoints on. While it runs, the database and its write-ahead log are
measured every ``--every-ms``; printed: the peak of their sum, the number of threads seen at that peak,
and what is left when the run has ended (nothing, when every episode was written).

    python benchmarks/checkpoint_size.py [--episodes 1000] [--concurrency 16] [--delay-ms 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from runner_concurrency import StubProcess, load_stub  # noqa: E402

from agentclinic_sim.checkpoints import CHECKPOINTS, SIDE_FILES, unfinished_threads

DEMO_CASES = 14


def database_bytes(path: Path) -> int:
    return sum(
        file.stat().st_size
        for file in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES))
        if file.exists()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--delay-ms", type=float, default=5.0)
    parser.add_argument("--every-ms", type=float, default=20.0)
    args = parser.parse_args()
    samples = -(-args.episodes // DEMO_CASES)
    out = Path(tempfile.mkdtemp(prefix="checkpoint-size-")) / "run"
    database = out / CHECKPOINTS
    peak, threads_at_peak, done = 0, 0, threading.Event()

    def watch() -> None:
        nonlocal peak, threads_at_peak
        while not done.is_set():
            size = database_bytes(database)
            if size > peak:
                peak, threads_at_peak = size, len(unfinished_threads(database))
            time.sleep(args.every_ms / 1000)

    with StubProcess(*load_stub(), delay_s=args.delay_ms / 1000) as server:
        command = [
            sys.executable, "-m", "agentclinic_sim.cli", "run", "--doctor", f"openai:m@{server.base_url}",
            "--samples", str(samples), "--concurrency", str(args.concurrency), "--checkpoints",
            "--api-key-env", "CHECKPOINT_SIZE_KEY", "--out", str(out),
        ]  # fmt: skip
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.perf_counter()
        finished = subprocess.run(
            command, env={**os.environ, "CHECKPOINT_SIZE_KEY": "sk-benchmark"}, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        done.set()
        watcher.join()
        if finished.returncode != 0:
            sys.exit(f"the run failed:\n{finished.stdout[-2000:]}{finished.stderr[-2000:]}")
        calls = len(server.requests)
    episodes = DEMO_CASES * samples
    print(f"{episodes} episodes, {args.concurrency} in flight, {calls} doctor calls, {wall:.0f} s")
    print(f"checkpoints.sqlite + WAL at its largest: {peak / 2**20:.2f} MiB ({threads_at_peak} episodes in it)")
    print(f"left after the run: {database_bytes(database)} bytes")


if __name__ == "__main__":
    main()
