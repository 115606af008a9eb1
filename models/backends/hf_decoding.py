"""The parts of one batched ``generate`` call that need no model: the prompts padded on the left, the sampling
arguments (seeded, so a batch samples the same tokens again), and each generated token's sampling logprob.

torch is imported inside each function: importing this module stays as light as importing ``models.backends.hf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.backends.base import GenerationConfig


def left_padded(prompts: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    """The ids of ``prompts`` padded on the left to the longest, and their attention mask (0 on padding)."""
    import torch

    width = max(len(ids) for ids in prompts)
    input_ids = torch.tensor([[pad_id] * (width - len(ids)) + list(ids) for ids in prompts])
    attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in prompts])
    return input_ids, attention


def seeded_sampling(config: GenerationConfig, seeds: Sequence[int | None] | None) -> dict[str, Any]:
    """``generate``'s sampling arguments: greedy at temperature 0; otherwise sampling, with torch's generator
    seeded from ``seeds`` taken together (default: ``config.seed``; none given: not seeded)."""
    if config.temperature <= 0:
        return {"do_sample": False}
    import torch

    chosen = [seed for seed in (seeds if seeds is not None else [config.seed]) if seed is not None]
    if chosen:
        torch.manual_seed(hash(tuple(chosen)) % (2**63))
    return {"do_sample": True, "temperature": config.temperature, "top_p": config.top_p, "top_k": None}


def sampled_logprobs(logits: Sequence[Any], generated: Any, config: GenerationConfig) -> list[list[float]]:
    """log p of each generated token under the sampling distribution (logits / temperature), one step at a time:
    ``logits`` holds a ``[batch, vocabulary]`` tensor per step, ``generated`` the ``[batch, steps]`` ids. At most
    one step's float32 copy exists at once, never the whole ``[batch, steps, vocabulary]`` (16 x 48 x 262,144 x 4
    bytes = 805 MB, twice over with its softmax, on Gemma 3's vocabulary)."""
    import torch

    temperature = config.temperature if config.temperature > 0 else 1.0
    columns = []
    for index, step in enumerate(logits):
        chosen = generated[:, index].to(step.device).unsqueeze(-1)
        scaled = step.float() / temperature
        columns.append((scaled.gather(-1, chosen) - torch.logsumexp(scaled, dim=-1, keepdim=True)).squeeze(-1))
        del scaled
    if not columns:
        return [[] for _ in range(generated.shape[0])]
    return torch.stack(columns, dim=1).tolist()
