"""Does a real Gemma 3 learn the consultation on cases it never saw? Google's Gemma 3 270M base model
(``gemma3-270m``, the ``gemma3`` extra) is fine-tuned with LoRA on the oracle's consultations of MedQA-Ext's
**train** split, and scored before and after on its **test** split with the deterministic roles.

It runs the package's own commands, so what it measures is what a user gets:

1. ``agentclinic run --doctor oracle``            the reference: tests per episode of the oracle;
2. ``agentclinic run --doctor gemma3-270m``       the base model;
3. ``agentclinic train sft --model gemma3-270m``  LoRA SFT on the oracle's train-split consultations;
4. ``agentclinic run --doctor hf:OUT/sft/final``  the fine-tuned model, on the same test cases.

and prints, for each doctor: well-formed actions (a doctor turn that is exactly one action: one line that
is a question, ``REQUEST TEST: <name>`` or ``DIAGNOSIS READY: <diagnosis>``, and does not echo the dialogue),
episodes ending in a diagnosis within the turn limit, tests requested per episode, and accuracy with its
95% interval. The table is also written to ``OUT/table.md`` and ``OUT/table.json``. A step whose output is
complete is not run again, so an interrupted benchmark resumes where it stopped.

    python benchmarks/real_model_learning.py [--train-cases 64] [--steps 64] [--out runs/real_model_learning]

Sized for 2 CPU cores: 87 minutes with the defaults, measured with other jobs running beside it (the SFT and its
closing evaluation are 70 of them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel

from agents.protocol import Diagnose, Malformed, RequestTest, parse_action

DATASET = "medqa-ext"
MAX_TURNS = 6
MAX_TOKENS = 48
ECHOES = ("patient:", "doctor:", "measurement:", "results:", "[turn")
"""How a base model's turn starts when it continues the dialogue instead of acting."""


class DoctorScore(BaseModel):
    doctor: str
    episodes: int
    doctor_turns: int
    well_formed: float
    diagnosed: float
    tests_per_episode: float
    accuracy: float
    accuracy_ci95: tuple[float, float]


def well_formed(text: str) -> bool:
    """One action, on one line, that does not continue the dialogue in another speaker's voice."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) != 1 or lines[0].strip().lower().startswith(ECHOES):
        return False
    action = parse_action(lines[0])
    if isinstance(action, Malformed):
        return False
    return isinstance(action, RequestTest | Diagnose) or lines[0].rstrip().endswith("?")


def score_run(folder: Path, doctor: str) -> DoctorScore:
    episodes = [json.loads(line) for line in (folder / "transcripts.jsonl").read_text().splitlines() if line.strip()]
    summary = json.loads((folder / "summary.json").read_text())
    doctor_texts = [turn["text"] for episode in episodes for turn in episode["turns"] if turn["role"] == "doctor"]
    diagnosed = sum(bool(episode.get("diagnosis")) and episode.get("terminated", False) for episode in episodes)
    tests = sum(len(episode.get("tests_requested") or []) for episode in episodes)
    return DoctorScore(
        doctor=doctor,
        episodes=len(episodes),
        doctor_turns=len(doctor_texts),
        well_formed=sum(map(well_formed, doctor_texts)) / max(len(doctor_texts), 1),
        diagnosed=diagnosed / max(len(episodes), 1),
        tests_per_episode=tests / max(len(episodes), 1),
        accuracy=summary["accuracy"],
        accuracy_ci95=tuple(summary["accuracy_ci95"]),
    )


def agentclinic(*arguments: str) -> None:
    command = [sys.executable, "-m", "agentclinic_sim.cli", *arguments]
    print("$ agentclinic " + " ".join(arguments), flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True)
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)


def run_doctor(doctor: str, out: Path, args: argparse.Namespace) -> Path:
    if not (out / "summary.json").is_file():
        agentclinic(
            "run", "--doctor", doctor, "--dataset", DATASET, "--split", "test", "--max-turns", str(MAX_TURNS),
            "--max-tokens", str(MAX_TOKENS), "--concurrency", "16", "--out", str(out),
            *(["--limit", str(args.test_cases)] if args.test_cases else []),
            *(["--resume"] if (out / "run.json").is_file() else []),
        )  # fmt: skip
    return out


def train(out: Path, args: argparse.Namespace) -> Path:
    final = out / "final"
    if not (final / "adapter_config.json").is_file() and not (final / "config.json").is_file():
        agentclinic(
            "train", "sft", "--model", args.model, "--adapter", "lora", "--lora-r", "16", "--lora-alpha", "32",
            "--dataset", DATASET, "--split", "train", "--limit", str(args.train_cases), "--max-turns", str(MAX_TURNS),
            "--max-tokens", str(MAX_TOKENS), "--max-steps", str(args.steps), "--batch-size", "2",
            "--learning-rate", "2e-4", "--no-eval-first", "--eval-every", str(args.steps), "--eval-split", "none",
            "--save-every", str(max(args.steps // 4, 1)), "--out", str(out),
            *(["--resume"] if any(out.glob("checkpoint-*")) else []),
        )  # fmt: skip
    return final


def table(scores: list[DoctorScore]) -> str:
    rows = [
        "| doctor | episodes | well-formed actions | ended in a diagnosis | tests per episode | accuracy (95% CI) |",
        "|---|---|---|---|---|---|",
    ]
    for score in scores:
        low, high = score.accuracy_ci95
        rows.append(
            f"| {score.doctor} | {score.episodes} | {score.well_formed:.0%} | {score.diagnosed:.0%} | "
            f"{score.tests_per_episode:.1f} | {score.accuracy:.1%} ({low:.1%}–{high:.1%}) |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gemma3-270m", help="the start model (default: gemma3-270m)")
    parser.add_argument("--train-cases", type=int, default=64, help="train-split cases fine-tuned on")
    parser.add_argument("--test-cases", type=int, default=0, help="test-split cases scored (0: all of them)")
    parser.add_argument("--steps", type=int, default=64, help="SFT optimiser steps (2 consultations each)")
    parser.add_argument("--out", type=Path, default=Path("runs/real_model_learning"))
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    oracle = score_run(run_doctor("oracle", args.out / "oracle", args), "oracle (reference)")
    before = score_run(run_doctor(args.model, args.out / "before", args), f"{args.model} base")
    final = train(args.out / "sft", args)
    after = score_run(run_doctor(f"hf:{final}", args.out / "after", args), f"{args.model} + LoRA SFT")
    scores = [before, after, oracle]
    text = table(scores)
    print(text)
    (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "table.json").write_text(json.dumps([score.model_dump() for score in scores], indent=1))


if __name__ == "__main__":
    main()
