"""Doctor-turn throughput: 16 episodes' turns decoded in one batched ``generate`` vs one at a time.

Prompts are real doctor prompts (chat format) for the demo cases. On CPU it uses the tiny model;
``--size medium`` builds a larger random Gemma 3 (for a GPU, in bf16). Goal: batched >= 4x.

    python benchmarks/batched_generation.py [--episodes 16] [--max-tokens 32] [--size tiny|medium] [--device cuda]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from agentclinic_sim.consultation import start
from agents.doctor import chat_messages
from models.backends import GenerationConfig
from models.backends.hf import HFBackend
from models.tiny import build_tiny
from scenarios import load_cases

SIZES = {"tiny": {"hidden_size": 128, "num_layers": 4}, "medium": {"hidden_size": 1024, "num_layers": 12}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--dtype", default=None, help="bfloat16 or float32 (default: bf16 on GPU, fp32 on CPU)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = build_tiny(Path(folder) / args.size, **SIZES[args.size])
        backend = HFBackend(str(path), name=args.size, device=args.device, dtype=args.dtype)
        n_params = sum(p.numel() for p in backend.model.parameters())
        cases = load_cases("demo")
        prompts = [
            backend.encode(chat_messages(start(cases[i % len(cases)]).doctor_view())) for i in range(args.episodes)
        ]
        config = GenerationConfig(max_tokens=args.max_tokens)
        backend.generate_batch(prompts[:2], config)  # warm-up

        begin = time.perf_counter()
        single = [backend.generate_batch([prompt], config)[0] for prompt in prompts]
        one_at_a_time = time.perf_counter() - begin

        begin = time.perf_counter()
        batched = backend.generate_batch(prompts, config)
        together = time.perf_counter() - begin

    tokens = sum(n for _, n in batched)
    print(
        f"model={args.size} params={n_params / 1e6:.1f}M device={backend.model.device} "
        f"dtype={backend.model.dtype} episodes={args.episodes} max_tokens={args.max_tokens}"
    )
    print(f"one at a time: {args.episodes / one_at_a_time:8.2f} doctor turns/s  ({one_at_a_time:.2f} s)")
    print(f"batched:       {args.episodes / together:8.2f} doctor turns/s  ({together:.2f} s, {tokens} tokens)")
    print(f"speed-up: {one_at_a_time / together:.1f}x; greedy outputs identical: {batched == single}")


if __name__ == "__main__":
    main()
