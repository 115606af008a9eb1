"""Where a GRPO step's wall time goes (generation, environment, optimisation), the rollout throughput inside the
step, and peak memory, with the tiny Gemma 3 doctor on CPU by default (any model with --model: a local folder,
``gemma3-270m`` for the real Gemma 3 270M, a preset).

Runs ``train_grpo`` (or ``train_sft`` with ``--trainer sft``) for a few steps (the start evaluation and the
evaluation split are switched off) and reports the last one: ``step_time`` from the trainer's logs, the
rollout's own timings, optimisation as the rest. ``--adapter lora`` measures the LoRA path; on a GPU pass
``--dtype bfloat16``. Peak memory: the process's peak RSS, and the GPU's peak allocation when there is one.

``--sweep-turns 2,4,6`` measures peak memory as the consultations grow: one fresh process per trainer and turn
count (peak RSS only grows within a process), one LoRA step each, and a table of tokens per consultation and
peak RSS for the SFT step and the GRPO step.

    python benchmarks/train_step.py [--steps 2] [--episodes 16] [--cases 4] [--num-generations 4]
                                    [--max-turns 6] [--max-tokens 48] [--adapter none|lora] [--model PATH]
                                    [--trainer grpo|sft] [--sweep-turns 2,4,6]
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
    model: str | Path,
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
    print_peak_memory()


def sft_step_report(
    model: str, *, steps: int, cases: int, max_turns: int, adapter: str, dtype: str | None, batch_size: int = 2
) -> None:
    """Train ``steps`` SFT steps on the oracle's consultations; print the step times and the peak memory."""
    from models.training.sft import SFTSettings, train_sft

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sft"
        settings = SFTSettings(
            model=model, max_steps=steps, batch_size=batch_size, limit=cases, max_turns=max_turns, eval_every=1000,
            save_every=1000, eval_first=False, eval_split="none", adapter=adapter, dtype=dtype, out=out,
        )  # fmt: skip
        begin = time.perf_counter()
        train_sft(settings)
        total = time.perf_counter() - begin
        with (out / "steps.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    step_times = [float(row["step_time"]) for row in rows if row.get("step_time")]
    print(f"SFT ({adapter}): {steps} steps of {batch_size} consultations, {max_turns} turns; wall {total:.1f} s")
    print("step times: " + ", ".join(f"{t:.2f} s" for t in step_times))
    print_peak_memory()


def print_peak_memory() -> None:
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    gpu = f", GPU peak {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB" if torch.cuda.is_available() else ""
    print(f"peak memory: RSS {peak_rss:.0f} MiB{gpu}")


def consultation_tokens(model: str, turns: int, cases: int) -> float:
    """Mean tokens of the oracle's consultations of ``cases`` demo cases at ``turns`` turns, in the model's
    tokenizer: the sequence length a step trains on."""
    from types import SimpleNamespace

    from transformers import AutoTokenizer

    from models.backends.gguf import gguf_model_folder, is_gguf_model
    from models.backends.hf import HFBackend
    from models.backends.medgemma import preset_for
    from models.training.data import oracle_chats, token_rows
    from models.training.policy import model_source
    from models.training.tokens import ChatTokens
    from scenarios import load_cases

    source = model_source(model)
    preset = preset_for(source)
    folder = str(gguf_model_folder(source, model)) if is_gguf_model(source) else preset.model_id if preset else source
    tokenizer = AutoTokenizer.from_pretrained(folder)  # the tokenizer alone: no weights are loaded for this
    policy = HFBackend.from_loaded(SimpleNamespace(config=None), tokenizer)
    rows = token_rows(oracle_chats(load_cases("demo")[:cases], turns), ChatTokens(policy))
    return sum(len(row["input_ids"]) for row in rows) / len(rows)


def sweep(args: argparse.Namespace) -> None:
    """One fresh process per trainer and turn count; a table of tokens and peak RSS."""
    import re
    import subprocess

    turns = [int(value) for value in args.sweep_turns.split(",")]
    model = args.model or str(ensure_tiny())
    rows = []
    for count in turns:
        peaks = {}
        for trainer in ("sft", "grpo"):
            command = [
                sys.executable, __file__, "--trainer", trainer, "--model", model, "--steps", "1", "--adapter",
                "lora", "--max-turns", str(count), "--max-tokens", str(args.max_tokens), "--cases", str(args.cases),
                "--episodes", str(args.episodes), "--num-generations", str(args.num_generations),
            ]  # fmt: skip
            print(f"$ {' '.join(command[1:])}", flush=True)
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            found = re.search(r"peak memory: RSS (\d+) MiB", output)
            peaks[trainer] = int(found.group(1)) if found else -1
        rows.append((count, consultation_tokens(model, count, args.cases), peaks["sft"], peaks["grpo"]))
    print(f"\npeak RSS, one LoRA step, {model} ({args.episodes} GRPO episodes of {args.max_tokens}-token turns):")
    print("| turns | tokens per consultation | SFT step (2 consultations) | GRPO step |")
    print("|---|---|---|---|")
    for count, tokens, sft, grpo in rows:
        print(f"| {count} | {tokens:.0f} | {sft / 1024:.1f} GiB | {grpo / 1024:.1f} GiB |")


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
    parser.add_argument("--trainer", choices=["grpo", "sft"], default="grpo")
    parser.add_argument("--sweep-turns", default=None, help="e.g. 2,4,6: peak memory as consultations grow")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.sweep_turns:
        sweep(args)
        return
    model = args.model or str(ensure_tiny())
    if args.trainer == "sft":
        sft_step_report(
            model, steps=args.steps, cases=args.cases, max_turns=args.max_turns, adapter=args.adapter, dtype=args.dtype
        )
        return
    grpo_step_report(
        model, steps=args.steps, episodes=args.episodes, cases=args.cases, num_generations=args.num_generations,
        max_turns=args.max_turns, max_tokens=args.max_tokens, adapter=args.adapter, dtype=args.dtype,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
