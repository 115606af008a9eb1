"""Where a GRPO step's wall time goes (generation, environment, optimisation), the rollout throughput inside the
step, and peak memory, with the tiny Gemma 3 doctor on CPU by default (any local model folder with --model).

Runs ``train_grpo`` for a few steps (the start and end evaluations are switched off: only steps are timed) and
reports the last one: ``step_time`` from the trainer's logs, the rollout's own timings, optimisation as the rest.
``--adapter lora`` measures the LoRA path; on a GPU pass ``--dtype bfloat16``. Peak memory: the process's peak RSS,
and the GPU's peak allocation when there is one.

    python benchmarks/train_step.py [--steps 2] [--episodes 16] [--cases 4] [--num-generations 4]
                                    [--max-turns 6] [--max-tokens 48] [--adapter none|lora] [--model PATH]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

from models.tiny import ensure_tiny
from models.training.rollouts import RolloutTimings


def grpo_step_report(
    model: Path,
    *,
    steps: int = 2,
    episodes: int = 16,
    cases: int = 4,
    num_generations: int = 4,
    max_turns: int = 6,
    max_tokens: int = 48,
    adapter: str = "none",
    dtype: str | None = None,
    seed: int = 0,
) -> None:
    """Train ``steps`` GRPO steps; print the last step's split, the rollout throughput and the environment's share."""
    from models.training.grpo import GRPOSettings, train_grpo

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "grpo"
        settings = GRPOSettings(
            model=str(model), max_steps=steps, batch_size=episodes, num_generations=num_generations, limit=cases,
            max_turns=max_turns, max_tokens=max_tokens, eval_every=1000, save_every=1000, eval_first=False,
            eval_split="none", adapter=adapter, dtype=dtype, seed=seed, out=out,
        )  # fmt: skip
        begin = time.perf_counter()
        result = train_grpo(settings)
        total = time.perf_counter() - begin
        with (out / "steps.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    timings: RolloutTimings = result["timings"]
    step_times = [float(row["step_time"]) for row in rows if row.get("step_time")]
    print(
        f"GRPO ({'LoRA' if adapter == 'lora' else 'all weights'}): {steps} steps of {episodes} episodes "
        f"({cases} cases x {num_generations}), {max_turns} turns x {max_tokens} tokens; train_grpo wall {total:.1f} s"
    )
    if not step_times:
        print(f"steps.csv has no step_time column (columns: {sorted(rows[0]) if rows else []})")
        return
    step_time = step_times[-1]
    rollout = timings.generation_s + timings.environment_s
    optimisation = step_time - rollout
    print("step times: " + ", ".join(f"{t:.2f} s" for t in step_times))
    print(
        f"last step {step_time:.2f} s = generation {timings.generation_s:.2f} s "
        f"({timings.generation_s / step_time:.0%}) "
        f"+ environment {timings.environment_s:.3f} s + optimisation and the rest {optimisation:.2f} s "
        f"({optimisation / step_time:.0%}); {timings.generate_calls} generate calls"
    )
    print(f"rollout throughput: {episodes / rollout * 60:.1f} episodes/min inside the step")
    print(f"environment share of the step: {timings.environment_s / step_time:.2%}  (goal < 5%)")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    gpu = f", GPU peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB" if torch.cuda.is_available() else ""
    print(f"peak memory: RSS {peak_rss:.0f} MiB{gpu}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a local model folder (default: the random tiny model)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--episodes", type=int, default=16, help="episodes per step (--batch-size)")
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--num-generations", type=int, default=4)
    parser.add_argument("--max-turns", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--adapter", choices=["none", "lora"], default="none")
    parser.add_argument("--dtype", default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = Path(args.model) if args.model else ensure_tiny()
    grpo_step_report(
        model, steps=args.steps, episodes=args.episodes, cases=args.cases, num_generations=args.num_generations,
        max_turns=args.max_turns, max_tokens=args.max_tokens, adapter=args.adapter, dtype=args.dtype,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
