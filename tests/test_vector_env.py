"""Vectorized envs: sync and async (with and without shared memory) give what single envs give.

Gymnasium's own ``Text`` shared-memory reader decodes the buffer once, at construction, into strings of
the first charset character; ``ClinicalText`` (``agentclinic_sim.spaces``) replaces that path. The
space-level tests check the shared-memory buffer itself, including text outside ASCII and the charset.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.spaces import Dict, Discrete, Tuple
from gymnasium.vector import AsyncVectorEnv, VectorEnv
from gymnasium.vector.utils import (
    batch_space,
    concatenate,
    create_empty_array,
    create_shared_memory,
    iterate,
    read_from_shared_memory,
    write_to_shared_memory,
)

import agentclinic_sim  # noqa: F401  (registers the ids)
from agentclinic_sim.spaces import MAX_TEXT_LENGTH, ClinicalText, SharedTextBatch, text_space

ENV_ID = "agentclinic/Demo-v0"
SEEDS = [1, 5, 0]  # three different demo cases
ACTIONS = ("REQUEST TEST: Complete_Blood_Count", "Do you have a fever?", "REQUEST TEST: Chest_X-Ray")
NON_ASCII = "β-hCG 5 µg/L ≥ 3 °C, WBC 9.8 ×10⁹/L – 39 ℃"

VECTOR_MODES: dict[str, tuple[str, dict[str, Any]]] = {
    "sync": ("sync", {}),
    "async-default": ("async", {}),
    "async-shared-memory": ("async", {"shared_memory": True}),
    "async-shared-memory-no-copy": ("async", {"shared_memory": True, "copy": False}),
    "async-no-shared-memory": ("async", {"shared_memory": False}),
    "async-spawn": ("async", {"shared_memory": True, "context": "spawn"}),
}


def single_env_transcript(seeds: list[int], actions: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The observations of plain single envs: the reset, then one per step of ``actions``."""
    envs = [gym.make(ENV_ID) for _ in seeds]
    try:
        transcript = [tuple(env.reset(seed=seed)[0] for env, seed in zip(envs, seeds, strict=True))]
        for batch in actions:
            transcript.append(tuple(env.step(action)[0] for env, action in zip(envs, batch, strict=True)))
        return transcript
    finally:
        for env in envs:
            env.close()


@pytest.fixture(params=list(VECTOR_MODES), ids=list(VECTOR_MODES))
def vector_env(request: pytest.FixtureRequest) -> Iterator[VectorEnv]:
    mode, kwargs = VECTOR_MODES[request.param]
    envs = gym.make_vec(ENV_ID, num_envs=len(SEEDS), vectorization_mode=mode, vector_kwargs=kwargs)
    try:
        yield envs
    finally:
        envs.close()


def test_vector_env_matches_single_envs(vector_env: VectorEnv) -> None:
    steps = [ACTIONS, ("REQUEST TEST: Chest_X-Ray", "REQUEST TEST: Complete_Blood_Count", "How long has it hurt?")]
    expected = single_env_transcript(SEEDS, steps)
    assert len(set(expected[0])) == len(SEEDS), "the seeds should pick different cases"
    assert any("⁹" in observation for observation in expected[1]), "a step result should hold non-ASCII text"

    assert isinstance(vector_env.single_observation_space, ClinicalText)
    observations, infos = vector_env.reset(seed=SEEDS)
    assert tuple(observations) == expected[0]
    for batch, want in zip(steps, expected[1:], strict=True):
        observations, rewards, terminations, truncations, infos = vector_env.step(batch)
        assert tuple(observations) == want
        assert not terminations.any() and not truncations.any()
    if getattr(vector_env, "copy", True):
        assert type(observations) is tuple  # what sync and non-shared async give too
    else:
        assert isinstance(observations, SharedTextBatch)  # a live view, like gymnasium's arrays with copy=False


def test_async_reset_with_options_matches_single_env() -> None:
    env = gym.make(ENV_ID)
    expected, _ = env.reset(options={"case_id": "demo:4"})
    stepped = env.step(ACTIONS[0])[0]
    env.close()
    envs = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="async", vector_kwargs={"shared_memory": True})
    try:
        observations, infos = envs.reset(options={"case_id": "demo:4"})
        assert observations == (expected, expected)
        assert list(infos["case_id"]) == ["demo:4", "demo:4"]
        observations, *_ = envs.step((ACTIONS[0], ACTIONS[0]))
        assert observations == (stepped, stepped)
    finally:
        envs.close()


def test_async_observations_copied_by_default_are_not_changed_by_later_steps() -> None:
    envs = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="async")
    try:
        first, _ = envs.reset(seed=SEEDS[:2])
        snapshot = tuple(first)
        envs.step(ACTIONS[:2])
        assert first == snapshot
    finally:
        envs.close()


# --- the shared-memory buffer, at the space level ---------------------------------------------------------


def test_text_space_is_clinical_text_and_keeps_its_signature() -> None:
    space = text_space()
    assert isinstance(space, ClinicalText)
    assert (space.min_length, space.max_length) == (0, MAX_TEXT_LENGTH)
    assert text_space(min_length=1).min_length == 1
    assert space.contains(NON_ASCII)
    assert pickle.loads(pickle.dumps(space)) == space


def test_shared_memory_round_trips_non_ascii_text() -> None:
    space = ClinicalText(64)
    memory = create_shared_memory(space, n=3)
    view = read_from_shared_memory(space, memory, n=3)  # read once, like AsyncVectorEnv
    assert tuple(view) == ("", "", "")
    texts = (NON_ASCII, "", "x" * 64)
    for index, text in enumerate(texts):
        write_to_shared_memory(space, index, text, memory)
    assert tuple(view) == texts
    assert view[0] == NON_ASCII and view[-1] == "x" * 64 and view[1:] == texts[1:]
    # a shorter text over a longer one leaves nothing of the old one behind
    write_to_shared_memory(space, 2, "short", memory)
    assert view[2] == "short"


def test_shared_memory_stores_code_points_so_any_text_is_lossless() -> None:
    space = ClinicalText(16)
    memory = create_shared_memory(space, n=1)
    for text in ("🩺 ok", "\x00\ud800 surrogate", "日本語"):  # outside the charset, astral, NUL, lone surrogate
        write_to_shared_memory(space, 0, text, memory)
        assert read_from_shared_memory(space, memory, n=1)[0] == text


def test_full_size_buffer_holds_max_length_text() -> None:
    space = text_space()
    memory = create_shared_memory(space, n=2)
    assert len(memory) == 2 * (MAX_TEXT_LENGTH + 1)  # 256 KiB of int32 per env
    long_text = (NON_ASCII * (MAX_TEXT_LENGTH // len(NON_ASCII) + 1))[:MAX_TEXT_LENGTH]
    write_to_shared_memory(space, 1, long_text, memory)
    assert read_from_shared_memory(space, memory, n=2)[1] == long_text


def test_text_longer_than_max_length_is_a_clear_error() -> None:
    space = ClinicalText(8)
    memory = create_shared_memory(space, n=2)
    write_to_shared_memory(space, 0, "in range", memory)
    with pytest.raises(ValueError, match="fit_to_space"):
        write_to_shared_memory(space, 0, "nine char", memory)
    assert read_from_shared_memory(space, memory, n=2)[0] == "in range"  # untouched
    with pytest.raises(TypeError, match="must be a str"):
        write_to_shared_memory(space, 1, 42, memory)  # type: ignore[arg-type]


class TooLongEnv(gym.Env[str, int]):
    """Returns a text longer than its space allows on step."""

    observation_space = ClinicalText(8)
    action_space = Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        return "fine", {}

    def step(self, action: int) -> tuple[str, float, bool, bool, dict[str, Any]]:
        return "much too long", 0.0, False, False, {}


@pytest.mark.filterwarnings("ignore:.*(Worker|Traceback|last exception):UserWarning")
def test_async_env_with_too_long_text_raises_instead_of_truncating() -> None:
    envs = AsyncVectorEnv([TooLongEnv, TooLongEnv])
    try:
        observations, _ = envs.reset()
        assert observations == ("fine", "fine")
        with pytest.raises(ValueError, match="does not fit ClinicalText"):
            envs.step(np.array([0, 1]))
    finally:
        envs.close(terminate=True)


def test_shared_view_copies_and_pickles_to_plain_tuples() -> None:
    space = ClinicalText(32)
    memory = create_shared_memory(space, n=2)
    view = read_from_shared_memory(space, memory, n=2)
    write_to_shared_memory(space, 0, NON_ASCII[:32], memory)
    for snapshot in (copy.copy(view), copy.deepcopy(view), pickle.loads(pickle.dumps(view))):
        assert type(snapshot) is tuple and snapshot == (NON_ASCII[:32], "")
    frozen = copy.deepcopy(view)
    write_to_shared_memory(space, 0, "changed", memory)
    assert frozen[0] == NON_ASCII[:32] and view[0] == "changed"
    assert view == ["changed", ""] and view != ("changed",)


def test_shared_memory_inside_dict_and_tuple_spaces() -> None:
    space = Dict({"text": ClinicalText(16), "pair": Tuple((ClinicalText(4), Discrete(3)))})
    memory = create_shared_memory(space, n=2)
    view = read_from_shared_memory(space, memory, n=2)
    write_to_shared_memory(space, 1, {"text": "µg ≥ °C", "pair": ("β", 2)}, memory)
    batch = copy.deepcopy(view)
    assert batch["text"] == ("", "µg ≥ °C")
    assert batch["pair"][0] == ("", "β") and list(batch["pair"][1]) == [0, 2]


# --- the non-shared paths: gymnasium's Text rules (tuples of whole strings) -------------------------------


def test_batch_iterate_concatenate_and_empty_array_use_whole_strings() -> None:
    space = text_space()
    batched = batch_space(space, 3)
    assert isinstance(batched, Tuple) and all(isinstance(sub, ClinicalText) for sub in batched)
    items = ("a β", "", NON_ASCII)
    assert batched.contains(items)
    assert tuple(iterate(batched, items)) == items  # whole strings, not characters
    assert create_empty_array(space, n=3) == ("", "", "")
    assert concatenate(space, items, create_empty_array(space, n=3)) == items
    assert create_empty_array(text_space(min_length=1), n=2) == ("\t", "\t")  # gymnasium's placeholder
