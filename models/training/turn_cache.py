"""Keys and values kept between the turns of a rollout (``TurnCache``), so that each turn prefills only what is new.

A multi-turn rollout sends the whole conversation again at every turn. The cache keeps the keys and values each
``generate`` call computed, and the next call prefills only what is new in each prompt (the environment's reply
and the generation prompt) instead of the whole conversation. Reuse is decided by token ids (the longest common
prefix of a prompt and a cached row), so a prompt that does not continue a cached one is simply prefilled in full.
``HFPolicy.generate_batch(..., cache=...)`` (``models.training.hf_policy``) is its one user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class _CachedBatch:
    """The keys and values one ``generate`` call left behind, with the ids each row of them holds."""

    layers: list[tuple[Any, Any]]
    """Per layer, (keys, values) of shape (rows, heads, columns, head_dim)."""
    rows: list[list[int]]
    """Per row, the ids whose keys and values the row holds, from column ``starts[row]`` on."""
    starts: list[int]


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two id lists (binary search over slice comparisons, done in C)."""
    low, high = 0, min(len(a), len(b))
    if a[:high] == b[:high]:
        return high
    while low < high:  # invariant: a[:low] == b[:low] and a[:high] != b[:high]
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


class TurnCache:
    """Keys and values kept between the turns of multi-turn batched generation (rollouts), so that each turn
    prefills only the ids its prompts add to the previous turn's.

    Pass one to ``HFPolicy.generate_batch(..., cache=...)`` for every turn of the same conversations and call
    ``next_turn()`` before each turn: a turn may reuse what the previous turn (and the current one) stored; anything
    older is released. Reuse is by token ids: each prompt takes the cached row sharing its longest prefix, so a
    wrong or missing match costs only speed, never correctness. The keys and values belong to the model weights they
    were computed with: use one cache per set of weights (one rollout), never across an optimiser step.
    """

    def __init__(self) -> None:
        self._previous: list[_CachedBatch] = []
        self._current: list[_CachedBatch] = []
        self.prefilled_tokens = 0
        """Prompt ids (padding excluded) the model computed, over the cache's life."""
        self.reused_tokens = 0
        """Prompt ids not computed for their row (taken from an earlier turn or from a prompt rows share)."""

    def next_turn(self) -> None:
        """Start a turn: what the turn before stored stays usable; anything older is released."""
        self._previous, self._current = self._current, []

    def clear(self) -> None:
        self._previous, self._current = [], []

    def _match(self, prompt: Sequence[int]) -> tuple[_CachedBatch | None, int, int]:
        """The cached batch and row sharing the longest prefix with ``prompt``, and that prefix's length."""
        best: tuple[_CachedBatch | None, int, int] = (None, 0, 0)
        for batch in (*self._current, *self._previous):
            for row, ids in enumerate(batch.rows):
                if not ids or ids[0] != prompt[0]:
                    continue
                shared = _common_prefix(prompt, ids)
                if shared > best[2]:
                    best = (batch, row, shared)
        return best

    def prefix(self, prompts: Sequence[Sequence[int]], config: Any, computed: int = 0) -> tuple[Any, int]:
        """A ``DynamicCache`` holding the first columns of the left-padded batch of ``prompts``, and its width.

        Each prompt of length n sits in columns [width - n, width); the returned cache covers columns [0, past):
        padding (masked) and each row's first ids, copied from the cached row that holds them. ``past`` is as
        large as every row allows (each row keeps at least its last id to prefill); (None, 0) when nothing is
        reusable. ``computed``: prompt ids already run through the model for this call (counted as prefilled)."""
        from transformers import DynamicCache

        width = max(len(ids) for ids in prompts)
        matches = [self._match(ids) if ids else (None, 0, 0) for ids in prompts]
        # Columns [past, width) are prefilled: they must hold every id a row cannot take from the cache.
        new = max(len(ids) - min(shared, len(ids) - 1) for ids, (_, _, shared) in zip(prompts, matches, strict=True))
        past = width - new
        if past <= 0:
            self._count(prompts, computed, 0)
            return None, 0
        first = next(batch for batch, _, _ in matches if batch is not None)
        layers = []
        for index, (keys, values) in enumerate(first.layers):
            shape = (len(prompts), keys.shape[1], past, keys.shape[3])
            new_keys, new_values = keys.new_zeros(shape), values.new_zeros((*shape[:3], values.shape[3]))
            for row, (ids, (batch, source, _)) in enumerate(zip(prompts, matches, strict=True)):
                taken = past - (width - len(ids))  # this row's ids that fall in the cached columns
                if taken <= 0 or batch is None:
                    continue
                begin = batch.starts[source]
                old_keys, old_values = batch.layers[index]
                new_keys[row, :, past - taken :] = old_keys[source, :, begin : begin + taken]
                new_values[row, :, past - taken :] = old_values[source, :, begin : begin + taken]
            layers.append((new_keys, new_values))
        self._count(prompts, computed, sum(max(0, past - (width - len(ids))) for ids in prompts))
        return DynamicCache(ddp_cache_data=layers, config=config), past

    def _count(self, prompts: Sequence[Sequence[int]], computed: int, taken: int) -> None:
        total = sum(len(ids) for ids in prompts)
        prefilled = computed + total - taken
        self.prefilled_tokens += prefilled
        self.reused_tokens += max(0, total - prefilled)

    def unserved(self, prompts: Sequence[Sequence[int]]) -> list[list[int]]:
        """The distinct prompts worth prefilling once before ``generate``: those the cache holds less than half of,
        when several rows share one (a GRPO group's first turn) or other rows are served (so that the unserved ones
        do not widen everyone's prefill). Empty when one plain prefill costs the same."""
        served = 0
        unserved: dict[tuple[int, ...], int] = {}
        for ids in prompts:
            if ids and self._match(ids)[2] * 2 >= len(ids):
                served += 1
            elif len(ids) > 1:
                unserved.setdefault(tuple(ids), 0)
                unserved[tuple(ids)] += 1
        if not unserved or (not served and len(unserved) == sum(unserved.values())):
            return []
        return [list(ids) for ids in unserved]

    def store(self, prompts: Sequence[Sequence[int]], sequences: Sequence[Sequence[int]], cache: Any) -> None:
        """Keep what a ``generate`` call computed: ``sequences`` are its output rows (left-padded prompt, then the
        generated ids); ``cache`` the cache it returned."""
        width = max(len(ids) for ids in prompts)
        length = cache.get_seq_length() if cache is not None else 0
        rows = [list(ids) + list(row[width:length]) for ids, row in zip(prompts, sequences, strict=True)]
        self.keep(rows, [width - len(ids) for ids in prompts], cache)

    def keep(self, rows: Sequence[Sequence[int]], starts: Sequence[int], cache: Any) -> None:
        """Keep a ``DynamicCache`` whose row i holds the keys and values of ``rows[i]`` from column ``starts[i]``.
        A cache whose layers no longer hold every column (a sliding-window layer past its window) is not kept."""
        layers = [(layer.keys, layer.values) for layer in getattr(cache, "layers", [])]
        length = cache.get_seq_length() if layers else 0
        if not layers or any(keys is None or keys.dim() != 4 or keys.shape[-2] != length for keys, _ in layers):
            return
        self._current.append(_CachedBatch(layers, [list(ids) for ids in rows], list(starts)))
