"""The turn cache of multi-turn rollouts on the tiny random Gemma 3 model: each turn prefills only the ids its
prompts add to the earlier turns', a prompt several rows share is prefilled once, and no result changes."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from models.backends import GenerationConfig, Message  # noqa: E402
from models.backends.hf import HFBackend  # noqa: E402
from models.training.hf_policy import HFPolicy  # noqa: E402
from models.training.turn_cache import TurnCache, _common_prefix  # noqa: E402


def _second_turn(tiny: HFBackend, prompt: list[int], reply: list[int], question: str) -> list[int]:
    """The prompt of the next turn: the conversation so far, the reply closed, a new user message."""
    closing = [] if reply and reply[-1] in tiny.stop_ids else tiny.tokenize("<end_of_turn>")
    follow = tiny.tokenize(f"\n<start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n")
    return [*prompt, *reply, *closing, *follow]


@pytest.mark.parametrize("temperature", [0.0, 0.9])
def test_turn_cache_prefills_only_new_ids_and_changes_no_result(
    tiny: HFBackend, policy: HFPolicy, temperature: float
) -> None:
    config = GenerationConfig(max_tokens=10, temperature=temperature, logprobs=True)
    first = [tiny.encode([Message(role="user", content="Where does it hurt? " * (i + 1))]) for i in range(3)]
    cache = TurnCache()
    cache.next_turn()
    replies = policy.generate_batch(first, config, [1, 2, 3], cache=cache)
    assert cache.reused_tokens == 0 and cache.prefilled_tokens == sum(len(p) for p in first)
    assert replies == policy.generate_batch(first, config, [1, 2, 3])  # keeping keys and values changes nothing
    # Turn two: each conversation continues (one of them twice), and an unrelated prompt joins the batch.
    second = [
        _second_turn(tiny, p, r.token_ids, f"And question {i}?")
        for i, (p, r) in enumerate(zip(first, replies, strict=True))
    ]
    second += [second[0], tiny.encode([Message(role="user", content="A new patient with a cough.")])]
    cache.next_turn()
    cached = policy.generate_batch(second, config, [4, 5, 6, 7, 8], cache=cache)
    plain = policy.generate_batch(second, config, [4, 5, 6, 7, 8])
    assert [g.token_ids for g in cached] == [g.token_ids for g in plain]
    assert [g.text for g in cached] == [g.text for g in plain]
    for with_cache, without in zip(cached, plain, strict=True):
        assert with_cache.logprobs == pytest.approx(without.logprobs, abs=1e-4)
    assert len({tuple(g.token_ids) for g in plain}) > 2  # distinct outputs: the equality means something
    # The first turn's prompts (one of them for two rows) came from the cache, not from the model.
    assert cache.reused_tokens >= sum(len(p) for p in first) + len(first[0])
    prefilled = cache.prefilled_tokens - sum(len(p) for p in first)
    assert prefilled + cache.reused_tokens == sum(len(p) for p in second)
    assert prefilled < sum(len(p) for p in second) / 2


def test_turn_cache_prefills_a_prompt_that_rows_share_once(tiny: HFBackend, policy: HFPolicy) -> None:
    config = GenerationConfig(max_tokens=6, logprobs=True)
    prompts = [tiny.encode([Message(role="user", content=f"Case {i}: chest pain since {i} days.")]) for i in range(2)]
    group = [prompts[0], prompts[0], prompts[0], prompts[1], prompts[1]]  # a GRPO group: each case repeated
    cache = TurnCache()
    cache.next_turn()
    cached = policy.generate_batch(group, config, cache=cache)
    assert [g.token_ids for g in cached] == [g.token_ids for g in policy.generate_batch(group, config)]
    # Each distinct prompt is computed once (its last id by generate, once per row); the copies are not.
    assert cache.prefilled_tokens == len(prompts[0]) - 1 + len(prompts[1]) - 1 + len(group)
    assert cache.reused_tokens == sum(len(p) for p in group) - cache.prefilled_tokens
    # A single prompt, or distinct ones, are prefilled as they are: nothing is computed twice.
    alone = TurnCache()
    policy.generate_batch(prompts, config, cache=alone)
    assert alone.prefilled_tokens == sum(len(p) for p in prompts) and alone.reused_tokens == 0


def test_turn_cache_keeps_nothing_a_sliding_window_has_dropped(tiny: HFBackend) -> None:
    import torch
    from transformers import Gemma3ForCausalLM

    config = tiny.model.config.__class__.from_dict(tiny.model.config.to_dict() | {"sliding_window": 8})
    torch.manual_seed(0)
    windowed = HFPolicy(HFBackend.from_loaded(Gemma3ForCausalLM(config).eval(), tiny.tokenizer, name="windowed"))
    generation = GenerationConfig(max_tokens=6)
    first = [windowed.backend.encode([Message(role="user", content="Where does it hurt most?")])]
    cache = TurnCache()
    [reply] = windowed.generate_batch(first, generation, cache=cache)
    assert len(first[0]) > 8 and cache.reused_tokens == 0
    second = [_second_turn(windowed.backend, first[0], reply.token_ids, "Since when?")]
    cache.next_turn()
    [cached] = windowed.generate_batch(second, generation, cache=cache)
    assert cache.reused_tokens == 0  # the window dropped early keys: the second turn is prefilled in full
    assert cached.token_ids == windowed.generate_batch(second, generation)[0].token_ids


def test_common_prefix() -> None:
    assert _common_prefix([1, 2, 3, 4], [1, 2, 9]) == 2
    assert _common_prefix([1, 2, 3], [1, 2, 3, 4]) == 3
    assert _common_prefix([5], [1]) == 0
    assert _common_prefix([], [1]) == 0
    assert all(_common_prefix(list(range(n)) + [-1], list(range(50))) == n for n in range(50))
