"""Rollout throughput and the environment's share of training time, with the tiny Gemma 3 doctor on CPU.

1. Episodes per minute for a group of consultations (default 16: 4 demo cases x 4) played by
   ``RolloutPlayer`` batched (one ``play`` call: every live episode's doctor turn in one ``generate``) vs one
   at a time (one ``play`` call per episode). Goal: batched >= 4x. The two alternate ``--repeats`` times (order
   swapped each time, so a shared machine's drift favours neither) and the medians are quoted: episodes per minute
   of each and the median of the runs' ratios. Each run also prints its ``player.timings``: generation and
   environment time, and how many prompt ids were prefilled vs taken from the turn cache (``TurnCache``).
2. The share of a real GRPO step (``train_grpo``, 16 episodes = 4 cases x 4 generations) spent in the
   environment: ``environment_s`` of the last step's rollout / that step's ``step_time`` (``steps.csv``).
   Goal: < 5%. The start and end evaluations run outside the step time. Needs the ``train`` extra (trl,
   datasets); ``--skip-grpo`` runs part 1 only.

Rollouts sample at ``RolloutConfig``'s temperature (0.7) unless ``--greedy``. ``--model PATH`` takes any local
model folder (e.g. a trained checkpoint) instead of the random tiny model.

    python benchmarks/rollouts.py [--episodes 16] [--cases 4] [--max-turns 6] [--max-tokens 48] [--greedy]
                                  [--model PATH] [--threads N] [--repeats 3] [--skip-grpo] [--grpo-steps 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from models.backends.hf import HFBackend
from models.tiny import ensure_tiny
from models.training.hf_policy import HFPolicy
from models.training.rollouts import RolloutConfig, RolloutPlayer, RolloutTimings, Trajectory
from scenarios import Case, load_cases


def _group(cases: list[Case], episodes: int) -> list[Case]:
    """``episodes`` entries, each case repeated in a block (as a GRPO group is)."""
    per_case = -(-episodes // len(cases))
    return [case for case in cases for _ in range(per_case)][:episodes]


def _work(trajectories: list[Trajectory]) -> str:
    turns = sum(t.state.turn for t in trajectories) / len(trajectories)
    tokens = sum(t.generated_tokens for t in trajectories)
    return f"mean turns {turns:.2f}, {tokens} generated tokens"


def _one_at_a_time(
    player: RolloutPlayer, group: list[Case], args: argparse.Namespace
) -> tuple[float, list, RolloutTimings]:
    begin = time.perf_counter()
    played: list[Trajectory] = []
    timings = RolloutTimings()
    for index, case in enumerate(group):
        played += player.play([case], seed=args.seed + index, greedy=args.greedy)
        timings.generation_s += player.timings.generation_s
        timings.environment_s += player.timings.environment_s
        timings.generate_calls += player.timings.generate_calls
        timings.reused_tokens += player.timings.reused_tokens
        timings.prefilled_tokens += player.timings.prefilled_tokens
    return time.perf_counter() - begin, played, timings


def _batched(player: RolloutPlayer, group: list[Case], args: argparse.Namespace) -> tuple[float, list, RolloutTimings]:
    begin = time.perf_counter()
    played = player.play(group, seed=args.seed, greedy=args.greedy)
    return time.perf_counter() - begin, played, player.timings


def _tokens(timings: RolloutTimings) -> str:
    return f"prompt ids prefilled {timings.prefilled_tokens}, taken from the turn cache {timings.reused_tokens}"


def rollout_rates(args: argparse.Namespace, model: Path) -> None:
    policy = HFBackend(str(model), name=model.name, device=args.device, dtype=args.dtype)
    n_params = sum(p.numel() for p in policy.model.parameters())
    config = RolloutConfig(max_turns=args.max_turns, max_tokens=args.max_tokens)
    cases = load_cases("demo")[: args.cases]
    group = _group(cases, args.episodes)
    player = RolloutPlayer(HFPolicy(policy), config, max_batch_size=args.episodes)
    player.play(cases, seed=args.seed, greedy=args.greedy)  # warm-up: builds each case's cast once, as in training

    print(
        f"model={model.name} params={n_params / 1e6:.1f}M device={policy.model.device} dtype={policy.model.dtype} "
        f"threads={torch.get_num_threads()} "
        f"episodes={len(group)} ({len(cases)} cases) max_turns={args.max_turns} max_tokens={args.max_tokens} "
        f"{'greedy' if args.greedy else f'temperature={config.temperature}'} repeats={args.repeats}"
    )
    singles, batches, ratios = [], [], []
    for repeat in range(args.repeats):
        # Alternate the order, so that a machine that speeds up or slows down favours neither side.
        order = (_one_at_a_time, _batched) if repeat % 2 == 0 else (_batched, _one_at_a_time)
        runs = {play: play(player, group, args) for play in order}
        single, batched = runs[_one_at_a_time], runs[_batched]
        singles.append(len(group) / single[0] * 60)
        batches.append(len(group) / batched[0] * 60)
        ratios.append(single[0] / batched[0])
        print(
            f"run {repeat + 1}: one at a time {singles[-1]:7.1f} episodes/min ({single[0]:.2f} s; {_work(single[1])}; "
            f"generation {single[2].generation_s:.2f} s, environment {single[2].environment_s:.3f} s, "
            f"{single[2].generate_calls} generate calls; {_tokens(single[2])})"
        )
        timings = batched[2]
        print(
            f"       batched       {batches[-1]:7.1f} episodes/min ({batched[0]:.2f} s; {_work(batched[1])}; "
            f"generation {timings.generation_s:.2f} s, environment {timings.environment_s:.3f} s "
            f"({timings.environment_s / batched[0]:.2%} of the rollout), {timings.generate_calls} generate calls; "
            f"{_tokens(timings)})  speed-up {ratios[-1]:.1f}x"
        )
    print(f"one at a time: {statistics.median(singles):8.1f} episodes/min (median of {args.repeats})")
    print(f"batched:       {statistics.median(batches):8.1f} episodes/min (median of {args.repeats})")
    print(
        f"speed-up: {statistics.median(ratios):.1f}x  (median of the runs' ratios; min {min(ratios):.1f}x, "
        f"max {max(ratios):.1f}x; goal >= 4x)"
    )


def grpo_share(args: argparse.Namespace, model: Path) -> None:
    """Part 2: the environment's share of a real GRPO step (``benchmarks/train_step.py`` owns the measurement)."""
    from train_step import grpo_step_report  # this folder is on sys.path when the script runs

    grpo_step_report(
        model, steps=args.grpo_steps, episodes=args.episodes, cases=args.cases, num_generations=args.num_generations,
        max_turns=args.max_turns, max_tokens=args.max_tokens, dtype=args.dtype, seed=args.seed,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="a local model folder (default: the random tiny model)")
    parser.add_argument("--episodes", type=int, default=16, help="episodes in the group (and the GRPO batch)")
    parser.add_argument("--cases", type=int, default=4, help="distinct demo cases in the group")
    parser.add_argument("--max-turns", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--greedy", action="store_true", help="greedy rollouts (default: sample at temperature 0.7)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="batched / one-at-a-time pairs (medians are quoted)")
    parser.add_argument("--device", default=None, help="part 1: cpu or cuda (default: cuda when available)")
    parser.add_argument("--dtype", default=None, help="bfloat16 or float32 (default: bf16 on GPU, fp32 on CPU)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (use 1 on a busy machine)")
    parser.add_argument("--skip-grpo", action="store_true", help="only the rollout rates (no trl / datasets needed)")
    parser.add_argument("--grpo-steps", type=int, default=2, help="GRPO steps (the last one is reported)")
    parser.add_argument("--num-generations", type=int, default=4, help="GRPO group size (divides --episodes)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model = Path(args.model) if args.model else ensure_tiny()
    rollout_rates(args, model)
    if not args.skip_grpo:
        grpo_share(args, model)


if __name__ == "__main__":
    main()
