"""The GPU check: MedGemma 4B's shape, random weights, bf16 LoRA GRPO steps and batched generation on one GPU.

No weights are needed: the model is a ``Gemma3ForCausalLM`` built from MedGemma 4B's text configuration
(published in its ``config.json``: 34 layers, hidden size 2,560, 8 query and 4 key-value heads of 256, MLP
10,240, a vocabulary of 262,208, local attention over 1,024 tokens with every sixth layer global) with random
weights, and the tokenizer is this package's offline one, padded with unused tokens to that vocabulary so that
logits and the LM head have MedGemma's size. A random model writes noise, so episodes run to the turn and token
limits: the most work a step can take at these settings.

It prints the GRPO step time (16 episodes of 6 turns by default, LoRA, bf16), generation tokens per second for a
batch of prompts, and the peak GPU memory of each. ``benchmarks/gpu_check.sh`` runs it from a bare checkout.

    python benchmarks/gpu_check.py [--config medgemma-4b|small] [--episodes 16] [--turns 6] [--max-tokens 48]
                                   [--steps 2] [--generation-batch 64] [--generation-tokens 256]

``--config small`` is a few-million-parameter model of the same family, for trying the script on a CPU.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MEDGEMMA_4B_TEXT: dict[str, Any] = {
    "vocab_size": 262_208,
    "hidden_size": 2560,
    "intermediate_size": 10_240,
    "num_hidden_layers": 34,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
    "head_dim": 256,
    "query_pre_attn_scalar": 256,
    "sliding_window": 1024,
    "max_position_embeddings": 131_072,
    "rope_theta": 1_000_000.0,
}
"""MedGemma 4B's language model (``text_config`` of google/medgemma-4b-it), as published."""
SMALL_TEXT: dict[str, Any] = {
    "vocab_size": 8192,
    "hidden_size": 128,
    "intermediate_size": 512,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 1,
    "head_dim": 32,
    "sliding_window": 1024,
}
CONFIGS = {"medgemma-4b": MEDGEMMA_4B_TEXT, "small": SMALL_TEXT}


def build_random_model(folder: Path, shape: dict[str, Any], device: str) -> None:
    """Save a random Gemma 3 of ``shape`` (bf16 on a GPU) with the offline tokenizer padded to its vocabulary."""
    import torch
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig, GenerationConfig

    from models.backends.gemma_chat import END_OF_TURN
    from models.tiny import build_tokenizer, corpus

    tokenizer = build_tokenizer(corpus())
    tokenizer.add_tokens([f"<unused{index}>" for index in range(shape["vocab_size"] - len(tokenizer))])
    config = Gemma3TextConfig(
        **{**shape, "vocab_size": len(tokenizer)},
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=[tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids(END_OF_TURN)],
    )
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = Gemma3ForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id, eos_token_id=config.eos_token_id, pad_token_id=config.pad_token_id
    )
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    print(f"model: {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters, vocabulary {len(tokenizer)}")


def gpu_peak_gib() -> float:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")


def grpo_steps(folder: Path, args: argparse.Namespace, dtype: str | None) -> None:
    from models.training.grpo import GRPOSettings, train_grpo

    out = folder.parent / "grpo"
    settings = GRPOSettings(
        model=str(folder), adapter="lora", dtype=dtype, max_steps=args.steps, batch_size=args.episodes,
        num_generations=4, limit=max(args.episodes // 4, 1), max_turns=args.turns, max_tokens=args.max_tokens,
        eval_first=False, eval_every=10_000, save_every=10_000, eval_split="none", out=out,
    )  # fmt: skip
    begin = time.perf_counter()
    result = train_grpo(settings)
    with (out / "steps.csv").open(encoding="utf-8") as handle:
        times = [float(row["step_time"]) for row in csv.DictReader(handle) if row.get("step_time")]
    timings = result["timings"]
    print(
        f"GRPO, LoRA, {args.episodes} episodes x {args.turns} turns x {args.max_tokens} tokens: step times "
        + ", ".join(f"{t:.1f} s" for t in times)
        + f" (last: generation {timings.generation_s:.1f} s, environment {timings.environment_s:.2f} s); "
        f"whole run {time.perf_counter() - begin:.0f} s; GPU peak {gpu_peak_gib():.1f} GiB"
    )


def generation(folder: Path, args: argparse.Namespace, dtype: str | None) -> None:
    import torch

    from models.backends import GenerationConfig, Message
    from models.backends.hf import HFBackend

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    policy = HFBackend(str(folder), dtype=dtype, max_batch_size=args.generation_batch)
    prompts = [
        policy.encode([Message(role="user", content=f"Patient {index}: chest pain for two days. What next?")])
        for index in range(args.generation_batch)
    ]
    config = GenerationConfig(max_tokens=args.generation_tokens, temperature=1.0, logprobs=True)
    policy.generate_batch(prompts[:2], config.model_copy(update={"max_tokens": 4}))  # warm-up
    begin = time.perf_counter()
    results = policy.generate_batch(prompts, config, seeds=list(range(len(prompts))))
    seconds = time.perf_counter() - begin
    tokens = sum(len(result.token_ids) for result in results)
    print(
        f"generation: {len(prompts)} prompts x up to {args.generation_tokens} tokens, with logprobs: {tokens} tokens "
        f"in {seconds:.1f} s = {tokens / seconds:.0f} tokens/s; GPU peak {gpu_peak_gib():.1f} GiB"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", choices=sorted(CONFIGS), default="medgemma-4b")
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--generation-batch", type=int, default=64)
    parser.add_argument("--generation-tokens", type=int, default=256)
    args = parser.parse_args(argv)

    import torch

    on_gpu = torch.cuda.is_available()
    if not on_gpu and args.config != "small":
        print("gpu_check: no CUDA GPU on this machine; nothing was run (--config small tries it on a CPU)")
        return 0
    device, dtype = ("cuda", "bfloat16") if on_gpu else ("cpu", None)
    if on_gpu:
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "model"
        build_random_model(folder, CONFIGS[args.config], device)
        if on_gpu:
            torch.cuda.empty_cache()
        grpo_steps(folder, args, dtype)
        if on_gpu:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        generation(folder, args, dtype)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
