"""Build the trained tiny doctor that ``--doctor tiny`` (the offline default of ``agentclinic run``) plays.

It is this package's own stack end to end: a fresh tiny Gemma 3 (``tiny-random``), SFT on the oracle
doctor's consultations, then GRPO on the environment's reward, on all 14 bundled demo cases with the
default 20-turn limit. It knows those synthetic cases, not medicine: it shows what the environment and the
trainers do, offline, in a minute of CPU. The result ships as package data in ``models/tiny_doctor``
(about 6 MB) with ``agentclinic_training.json`` saying how it was made.

    python -m models.training.tiny_doctor [--out models/tiny_doctor]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from models.training.grpo import GRPOSettings, train_grpo
from models.training.sft import SFTSettings, train_sft

PACKAGE_FOLDER = Path(__file__).resolve().parents[1] / "tiny_doctor"
SHIPPED_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "agentclinic_training.json",
)
COMMON = {
    "dataset": "demo",
    "split": "all",
    "eval_split": "none",
    "eval_first": False,
    "max_turns": 20,
    "max_tokens": 48,
    "seed": 0,
}


def build(out: Path, sft_steps: int, grpo_steps: int, grpo_lr: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        sft = train_sft(
            SFTSettings(
                model="tiny-random",
                max_steps=sft_steps,
                eval_every=sft_steps,
                save_every=sft_steps,
                out=work / "sft",
                **COMMON,
            )
        )
        grpo = train_grpo(
            GRPOSettings(
                model=str(sft["final"]),
                max_steps=grpo_steps,
                eval_every=grpo_steps,
                save_every=grpo_steps,
                batch_size=16,
                num_generations=4,
                learning_rate=grpo_lr,
                out=work / "grpo",
                **COMMON,
            )
        )
        final = Path(grpo["final"])
        record = json.loads((final / "agentclinic_training.json").read_text(encoding="utf-8"))
        record["made_by"] = "python -m models.training.tiny_doctor"
        record["base_model"] = "tiny-random"
        record["settings"].update(model="the SFT model of this recipe", out="a temporary folder")
        record["recipe"] = (
            f"tiny-random -> SFT {sft_steps} steps on oracle consultations -> GRPO {grpo_steps} steps "
            f"(lr {grpo_lr:g}); "
            "all 14 demo cases, 20 turns"
        )
        record["scores"] = {"sft": sft["scores"], "grpo": grpo["scores"]}
        (final / "agentclinic_training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for name in SHIPPED_FILES:
            if (final / name).is_file():
                shutil.copy2(final / name, out / name)
        return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PACKAGE_FOLDER)
    parser.add_argument("--sft-steps", type=int, default=220)
    parser.add_argument("--grpo-steps", type=int, default=2)
    parser.add_argument("--grpo-lr", type=float, default=2e-5)
    args = parser.parse_args()
    record = build(args.out, args.sft_steps, args.grpo_steps, args.grpo_lr)
    print(json.dumps(record["scores"], indent=2))
    print(f"trained tiny doctor written to {args.out}")


if __name__ == "__main__":
    main()
