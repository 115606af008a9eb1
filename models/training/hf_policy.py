"""The rollout policy on transformers (``HFPolicy``): an ``HFBackend``'s batched decoding, with what only training
needs added around it — the turn cache between a rollout's turns, decoding kept in step across the processes of a
sharded model, and the logprobs of ids the model did not generate (``continuation_logprobs``).

The backend still renders and tokenises the chat and decodes; the policy decides which keys and values each call
starts from (a ``TurnCache``: the prompts several rows share are prefilled once, each row's cached prefix not at
all) and keeps what the call computed for the next turn. The ids generated are those without the cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.backends.base import GenerationConfig
from models.backends.hf import Generation, HFBackend
from models.backends.hf_decoding import left_padded
from models.training.turn_cache import TurnCache


class HFPolicy:
    """A ``RolloutPolicy`` decoding with a transformers model, e.g. ``HFPolicy.from_loaded(model, tokenizer)``."""

    def __init__(self, backend: HFBackend):
        self.backend = backend

    @classmethod
    def from_loaded(cls, model: Any, tokenizer: Any, *, name: str = "policy") -> HFPolicy:
        """The policy of a model and tokenizer already in memory (a trainer's live, possibly peft-wrapped, model)."""
        return cls(HFBackend.from_loaded(model, tokenizer, name=name))

    def generate_batch(
        self,
        prompts: Sequence[list[int]],
        config: GenerationConfig,
        seeds: Sequence[int | None] | None = None,
        *,
        cache: TurnCache | None = None,
        synced: bool = False,
    ) -> list[Generation]:
        """The backend's ``generate_batch`` of text prompts. ``cache``: a ``TurnCache`` of the same conversations'
        earlier turns; each prompt's cached prefix is not prefilled again, and this call's keys and values are kept
        in it for the next turn (the ids generated are those without it). ``synced``: decode until every process
        of the distributed group has finished (``synced_gpus``), for sharded models."""
        in_step: dict[str, Any] = {"synced_gpus": True} if synced else {}
        if cache is None:
            return self.backend.decode(prompts, config, seeds, **in_step).generations
        with self.backend.evaluating():  # the shared prompts' prefill, like generate's, in eval and inference mode
            reuse = self._reuse(prompts, cache)
            decoded = self.backend.decode(prompts, config, seeds, **reuse, **in_step)
        cache.store(prompts, decoded.output.sequences.tolist(), decoded.output.cache)
        return decoded.generations

    def _reuse(self, prompts: Sequence[list[int]], cache: TurnCache) -> dict[str, Any]:
        """``generate`` arguments that start from the prompts' cached prefixes (after prefilling once the prompts
        several rows share), with a ``DynamicCache`` that ``cache`` keeps afterwards."""
        from transformers import DynamicCache

        model = self.backend.model
        shared = cache.unserved(prompts)
        computed = 0
        if shared:
            rows = [ids[:-1] for ids in shared]  # the last id of each prompt is prefilled by generate itself
            width = max(len(ids) for ids in rows)
            input_ids, attention = left_padded(rows, self.backend.pad_id)
            positions = (attention.cumsum(-1) - 1).clamp(min=0)  # as generate derives them from the mask
            device = model.device
            past = DynamicCache(config=model.config)
            model(
                input_ids=input_ids.to(device),
                attention_mask=attention.to(device),
                position_ids=positions.to(device),
                cache=past,
                use_cache=True,
                logits_to_keep=1,
            )
            cache.keep(rows, [width - len(ids) for ids in rows], past)
            computed = sum(len(ids) for ids in rows)
        prefix, _ = cache.prefix(prompts, model.config, computed)
        start = prefix if prefix is not None else DynamicCache(config=model.config)
        reuse: dict[str, Any] = {"cache": start, "use_cache": True}
        if getattr(getattr(model, "generation_config", None), "cache_implementation", None) is not None:
            reuse["cache_implementation"] = None  # a kept cache is a DynamicCache, whatever the model's default
        return reuse

    def continuation_logprobs(self, prefix: Sequence[int], ids: Sequence[int], config: GenerationConfig) -> list[float]:
        """Sampling logprobs of ``ids`` after ``prefix`` (see the module's ``continuation_logprobs``)."""
        return continuation_logprobs(self.backend.model, prefix, ids, config)


def continuation_logprobs(
    model: Any, prefix: Sequence[int], ids: Sequence[int], config: GenerationConfig
) -> list[float]:
    """log p of each of ``ids`` following ``prefix`` under the sampling distribution (logits / temperature),
    from one forward pass of ``model`` that keeps only the logits it needs (not the whole sequence's)."""
    import torch

    temperature = config.temperature if config.temperature > 0 else 1.0
    device = next(model.parameters()).device
    with torch.no_grad():
        sequence = torch.tensor([[*prefix, *ids]], device=device)
        logits = model(input_ids=sequence, logits_to_keep=len(ids) + 1).logits[0, :-1].float()
    chosen = torch.tensor(list(ids), device=logits.device).unsqueeze(-1)
    return torch.log_softmax(logits / temperature, dim=-1).gather(-1, chosen).squeeze(-1).tolist()
