"""What rollouts need of the model they play (``RolloutPolicy``): the served model whose chat template and
tokenizer the ids follow, token-level generation with sampling logprobs, and the logprobs of ids it did not
generate (a turn rewritten as the template writes it).

Two policies implement it: ``HFPolicy`` (``hf_policy``: transformers, with the turn cache) and ``VLLMPolicy``
(``vllm_policy``: TRL's vLLM engine). Serving chats stays with ``models.backends.hf.HFBackend``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from models.backends.base import GenerationConfig
from models.backends.hf import Generation, HFBackend
from models.training.turn_cache import TurnCache


class RolloutPolicy(Protocol):
    """A doctor model as ``RolloutPlayer`` plays it: ids in, generated ids and their sampling logprobs out."""

    backend: HFBackend
    """The model's chat template and tokenizer (``ChatTokens`` renders with them), and the name its turns carry."""

    def generate_batch(
        self,
        prompts: Sequence[list[int]],
        config: GenerationConfig,
        seeds: Sequence[int | None] | None = None,
        *,
        cache: TurnCache | None = None,
        synced: bool = False,
    ) -> list[Generation]:
        """One turn of every prompt, decoded together. ``seeds`` seed the sampling (a policy may ignore them);
        ``cache``: the rollout's keys and values so far, for a policy that keeps them; ``synced``: decode until
        every process of the distributed group has finished."""
        ...

    def continuation_logprobs(self, prefix: Sequence[int], ids: Sequence[int], config: GenerationConfig) -> list[float]:
        """log p of each of ``ids`` following ``prefix`` under the sampling distribution of ``config``."""
        ...
