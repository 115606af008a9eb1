"""The seam a trainer uses: one renderer for env and benchmark doctor, token-level rollouts with exact masks,
SFT rows built the same way, and ``rollout_func`` rows in TRL's order."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import pytest

pytest.importorskip("torch")

import agentclinic_sim  # noqa: E402,F401  (registers the env ids)
from agents.doctor import BackendDoctor, DoctorPrompt, clean_doctor_text  # noqa: E402
from models.backends import GenerationConfig, Message, ScriptedBackend  # noqa: E402
from models.backends.hf import Generation, HFBackend  # noqa: E402
from models.training.data import oracle_chats, token_rows  # noqa: E402
from models.training.hf_policy import HFPolicy  # noqa: E402
from models.training.rollouts import RolloutConfig, RolloutPlayer  # noqa: E402
from models.training.tokens import ChatTokens  # noqa: E402
from scenarios import Case, load_cases  # noqa: E402

SCRIPT = ["What brings you in today?", "REQUEST TEST: Complete_Blood_Count", "DIAGNOSIS READY: Pneumonia"]


@pytest.fixture(scope="module")
def demo() -> list[Case]:
    return load_cases("demo")


class ScriptedPolicy(HFPolicy):
    """The tiny model's tokenizer and template, with replies taken from a script (canonical token ids)."""

    def __init__(self, tiny: HFBackend, replies: Sequence[str]):
        super().__init__(HFBackend.from_loaded(tiny.model, tiny.tokenizer, name="scripted-policy", batch_window_s=0.0))
        self.replies = list(replies)
        self.calls = 0

    def generate_batch(self, prompts, config, seeds=None, *, cache=None, synced=False):  # noqa: ANN001, ANN201
        text = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        ids = [*self.backend.tokenize(text), self.backend.tokenizer.convert_tokens_to_ids("<end_of_turn>")]
        return [Generation(text=text, token_ids=ids, logprobs=[-0.5] * len(ids), stopped=True) for _ in prompts]


def test_env_first_observation_is_the_benchmark_doctors_prompt(demo: list[Case]) -> None:
    env = gym.make("agentclinic/Demo-v0", max_turns=5)
    observation, info = env.reset(options={"case_id": demo[0].id})
    doctor = BackendDoctor(ScriptedBackend(["unused"]))
    view = env.unwrapped.state.doctor_view()
    system, opening = doctor.messages(view)
    assert system.role == "system" and opening.role == "user"
    assert observation == f"{system.content}\n\n{opening.content}"
    assert "REQUEST TEST:" in observation and "DIAGNOSIS READY:" in observation and demo[0].objective in observation
    assert info["messages"] == [m.model_dump() for m in doctor.messages(view)]
    observation, *_, info = env.step("What brings you in today?")
    assert info["messages"][-1]["content"] == observation
    assert [m["role"] for m in info["messages"]] == ["system", "user", "assistant", "user"]


def test_the_verdict_is_never_rendered_for_the_doctor(demo: list[Case]) -> None:
    case = demo[0]
    env = gym.make("agentclinic/Demo-v0", max_turns=5)
    env.reset(options={"case_id": case.id})
    *_, terminated, _, info = env.step(f"DIAGNOSIS READY: {case.diagnosis}")
    assert terminated and info["verdict"]["correct"]
    assert env.unwrapped.state.dialogue[-1].role == "moderator"  # the judge's turn is in the record ...
    rendered = "\n".join(m["content"] for m in info["messages"])
    assert "Correct" not in rendered and "Moderator" not in rendered  # ... never in what the doctor sees
    assert info["messages"][-1] == {"role": "assistant", "content": f"DIAGNOSIS READY: {case.diagnosis}"}


def test_agentclinic_format_observation_is_the_whole_prompt(demo: list[Case]) -> None:
    env = gym.make("agentclinic/Demo-v0", max_turns=4, doctor_format="agentclinic", doctor_bias="recency")
    observation, info = env.reset(options={"case_id": demo[1].id})
    assert [m["role"] for m in info["messages"]] == ["user"] and info["messages"][0]["content"] == observation
    observation, *_, info = env.step("Where does it hurt?")
    assert "Doctor: Where does it hurt?" in observation and info["messages"][0]["content"] == observation


def test_rollout_ids_equal_the_rendered_conversation_token_by_token(tiny: HFBackend, demo: list[Case]) -> None:
    policy = ScriptedPolicy(tiny, SCRIPT)
    [trajectory] = RolloutPlayer(policy, RolloutConfig(max_turns=5)).play([demo[2]])
    assert trajectory.state.terminated and trajectory.state.turn == 3
    messages = DoctorPrompt().messages(trajectory.state.doctor_view())
    rendered = tiny.render(messages, add_generation_prompt=False)
    assert rendered.endswith("<end_of_turn>\n")
    expected = tiny.tokenize(rendered[: -len("\n")])  # the episode ends on the doctor's turn-end token
    assert trajectory.tokens.ids == expected
    # The mask is 1 exactly on the doctor's tokens: each reply and its <end_of_turn>, nothing else.
    spans, current = [], []
    for token, bit in zip(trajectory.tokens.ids, trajectory.tokens.mask, strict=True):
        if bit:
            current.append(token)
        elif current:
            spans.append(current)
            current = []
    spans.append(current)
    assert [tiny.tokenizer.decode(span) for span in spans] == [f"{reply}<end_of_turn>" for reply in SCRIPT]
    assert trajectory.tokens.mask[: trajectory.prompt_length] == [0] * trajectory.prompt_length
    assert trajectory.prompt_ids == tiny.encode(messages[:2])


def test_sft_rows_match_rollout_ids_for_the_same_consultation(tiny: HFBackend, demo: list[Case]) -> None:
    case = demo[3]
    [chat] = oracle_chats([case], max_turns=4)
    replies = [m.content for m in chat if m.role == "assistant"]
    [trajectory] = RolloutPlayer(ScriptedPolicy(tiny, replies), RolloutConfig(max_turns=4)).play([case])
    [row] = token_rows([chat], ChatTokens(tiny))
    assert row["input_ids"] == trajectory.tokens.ids
    assert row["assistant_masks"] == trajectory.tokens.mask
    assert trajectory.correct  # the oracle's replies, replayed, are judged correct


def test_sampled_rollouts_mask_exactly_the_generated_ids(tiny: HFBackend, policy: HFPolicy, demo: list[Case]) -> None:
    calls: list[list[Generation]] = []
    original = policy.generate_batch

    def recording(prompts, config, seeds=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        results = original(prompts, config, seeds, **kwargs)
        calls.append(results)
        return results

    policy.generate_batch = recording  # type: ignore[method-assign]
    try:
        player = RolloutPlayer(policy, RolloutConfig(max_turns=3, max_tokens=12, temperature=1.0))
        trajectories = player.play([demo[0], demo[0], demo[1], demo[1]], seed=3)
    finally:
        del policy.generate_batch
    assert len(calls) == 3 and all(len(batch) == 4 for batch in calls)  # one generate per turn for the group
    assert player.timings.generate_calls == 3
    chat = ChatTokens(tiny)
    kept = 0
    for index, trajectory in enumerate(trajectories):
        generated = [batch[index] for batch in calls]
        model_ids = [token for token, bit in zip(trajectory.tokens.ids, trajectory.tokens.mask, strict=True) if bit]
        logprobs = [lp for lp, bit in zip(trajectory.tokens.logprobs, trajectory.tokens.mask, strict=True) if bit]
        # Each turn is its ids as the template writes the reply the clinic read: the generated ids when they
        # are already written so (then with their sampling logprobs), else the written ones.
        written = [
            chat.reply(clean_doctor_text(g.text)) if g.stopped else tiny.tokenize(clean_doctor_text(g.text))
            for g in generated
        ]
        assert model_ids == [token for ids in written for token in ids]
        offset = 0
        for ids, g in zip(written, generated, strict=True):
            if ids == g.token_ids:
                kept += 1
                assert logprobs[offset : offset + len(ids)] == pytest.approx(g.logprobs)
            offset += len(ids)
        assert all(lp <= 0.0 for lp in logprobs) and any(lp < 0.0 for lp in logprobs)
        assert len(trajectory.env_mask) == len(trajectory.completion_ids) == len(trajectory.completion_logprobs)
        assert trajectory.state.truncated and trajectory.reward == 0.0
    assert kept + player.timings.rewritten_turns == 12


class UnwrittenPolicy(ScriptedPolicy):
    """Replies generated with spaces around them, as a real model may ('▁[Show' is one token): ids that the
    chat template, which trims each message, never writes."""

    def generate_batch(self, prompts, config, seeds=None, *, cache=None, synced=False):  # noqa: ANN001, ANN201
        text = self.replies[min(self.calls, len(self.replies) - 1)]
        self.calls += 1
        ids = [*self.backend.tokenize(f" {text}  "), self.backend.tokenizer.convert_tokens_to_ids("<end_of_turn>")]
        return [Generation(text=f" {text}  ", token_ids=ids, logprobs=[-0.5] * len(ids), stopped=True) for _ in prompts]


def test_a_turn_generated_otherwise_than_written_is_rewritten_and_rescored(tiny: HFBackend, demo: list[Case]) -> None:
    import torch

    player = RolloutPlayer(UnwrittenPolicy(tiny, SCRIPT), RolloutConfig(max_turns=5, temperature=0.7))
    [trajectory] = player.play([demo[2]])
    messages = DoctorPrompt().messages(trajectory.state.doctor_view())
    rendered = tiny.render(messages, add_generation_prompt=False)
    assert trajectory.tokens.ids == tiny.tokenize(rendered[: -len("\n")])  # what run and evaluation render
    assert player.timings.rewritten_turns == 3
    ids, mask = trajectory.tokens.ids, trajectory.tokens.mask
    with torch.no_grad():
        logits = tiny.model(torch.tensor([ids])).logits[0].float() / 0.7
    fresh = torch.log_softmax(logits[:-1], dim=-1).gather(-1, torch.tensor(ids[1:]).unsqueeze(-1)).squeeze(-1)
    doctor = [position for position in range(1, len(ids)) if mask[position]]
    rescored = [trajectory.tokens.logprobs[position] for position in doctor]
    assert rescored == pytest.approx([fresh[position - 1].item() for position in doctor], abs=1e-4)


def test_a_turn_cut_by_the_token_limit_is_closed_by_an_environment_token(
    tiny: HFBackend, policy: HFPolicy, demo: list[Case]
) -> None:
    player = RolloutPlayer(policy, RolloutConfig(max_turns=2, max_tokens=3, temperature=0.0))
    [trajectory] = player.play([demo[0]], greedy=True)
    end_of_turn = tiny.tokenizer.convert_tokens_to_ids("<end_of_turn>")
    ids, mask = trajectory.tokens.ids, trajectory.tokens.mask
    cut = [i for i in range(1, len(ids)) if mask[i - 1] == 1 and mask[i] == 0]
    assert cut and all(ids[i] == end_of_turn for i in cut)  # random model: every turn hits the 3-token limit
    assert ids[-1] == end_of_turn


def test_logprobs_are_the_sampling_distribution(tiny: HFBackend) -> None:
    import torch

    prompt = tiny.encode([Message(role="user", content="Where does it hurt?")])
    config = GenerationConfig(max_tokens=5, temperature=0.8, logprobs=True)
    [result] = tiny.generate_batch([prompt], config, [7])
    with torch.no_grad():
        logits = tiny.model(torch.tensor([prompt + result.token_ids])).logits[0]
    expected = torch.log_softmax(logits[len(prompt) - 1 : -1].float() / 0.8, dim=-1)
    manual = expected.gather(-1, torch.tensor(result.token_ids).unsqueeze(-1)).squeeze(-1).tolist()
    assert result.logprobs == pytest.approx(manual, abs=1e-4)


def test_requests_that_differ_only_in_seed_share_a_batch(tiny: HFBackend) -> None:
    import asyncio

    sizes: list[int] = []
    original = tiny.generate_batch

    def counting(prompts, config, seeds=None, **kwargs):  # noqa: ANN001, ANN003, ANN202
        sizes.append(len(prompts))
        return original(prompts, config, seeds, **kwargs)

    tiny.generate_batch = counting  # type: ignore[method-assign]
    try:
        messages = [Message(role="user", content="Any allergies?")]
        configs = [GenerationConfig(max_tokens=4, temperature=0.7, seed=seed) for seed in range(8)]

        async def together() -> None:
            await asyncio.gather(*(tiny.chat(messages, config) for config in configs))

        asyncio.run(together())
    finally:
        del tiny.generate_batch
    assert sizes == [8]


def test_from_loaded_wraps_a_live_model_and_non_gemma_tokenizers_keep_their_template(tiny: HFBackend) -> None:
    wrapped = HFBackend.from_loaded(tiny.model, tiny.tokenizer, name="live")
    assert wrapped.model is tiny.model and wrapped.gemma and wrapped.name == "live"
    messages = [Message(role="system", content="Be brief."), Message(role="user", content="Hi")]
    assert wrapped.render(messages) == tiny.render(messages)

    class PlainTokenizer:
        """A tokenizer without Gemma's turn tokens: its own template sees the system message as it is."""

        pad_token_id = 0
        eos_token_id = 1
        seen: list[list[dict[str, str]]] = []

        def get_vocab(self) -> dict[str, int]:
            return {"<pad>": 0, "</s>": 1}

        def apply_chat_template(self, messages, tokenize, add_generation_prompt):  # noqa: ANN001, ANN201
            self.seen.append(messages)
            return "|".join(f"{m['role']}:{m['content']}" for m in messages)

    plain = HFBackend.from_loaded(tiny.model, PlainTokenizer())
    assert not plain.gemma and plain.stop_ids == [1]
    assert plain.render(messages) == "system:Be brief.|user:Hi"


def test_env_info_messages_stay_equal_to_the_renderer_through_an_episode(demo: list[Case]) -> None:
    env = gym.make("agentclinic/Demo-v0", max_turns=5)
    env.reset(options={"case_id": demo[4].id})
    for action in ["Any fever?", "", "REQUEST TEST: Complete_Blood_Count", "Smoke?", "Anything else?"]:
        *_, info = env.step(action)
        rendered = DoctorPrompt().messages(env.unwrapped.state.doctor_view())
        assert info["messages"] == [m.model_dump() for m in rendered]
    assert env.unwrapped.state.truncated and info["messages"][-1]["role"] == "assistant"


def _without_turn_cache(policy: HFPolicy) -> None:
    """Make ``policy`` prefill every prompt in full, as rollouts did before the turn cache."""
    original = policy.generate_batch

    def uncached(prompts, config, seeds=None, *, cache=None, synced=False):  # noqa: ANN001, ANN202
        return original(prompts, config, seeds, synced=synced)

    policy.generate_batch = uncached  # type: ignore[method-assign]


@pytest.mark.parametrize("max_batch_size", [64, 2])
def test_greedy_batched_rollouts_equal_one_at_a_time_and_the_uncached_ones(
    policy: HFPolicy, demo: list[Case], max_batch_size: int
) -> None:
    cases = [demo[0], demo[1], demo[2], demo[3], demo[0]]  # a repeated case: its first prompt is shared
    player = RolloutPlayer(policy, RolloutConfig(max_turns=4, max_tokens=16), max_batch_size=max_batch_size)
    batched = player.play(cases, greedy=True)
    assert player.timings.reused_tokens > 2 * player.timings.prefilled_tokens  # the turn cache did the prefill
    single = [player.play([case], greedy=True)[0] for case in cases]
    _without_turn_cache(policy)
    try:
        uncached = player.play(cases, greedy=True)
    finally:
        del policy.generate_batch
    assert player.timings.reused_tokens == 0
    assert all(t.state.turn == 4 for t in batched)  # several turns: later prompts continue cached ones
    assert len({tuple(t.tokens.ids) for t in batched}) == 4  # the cases' rollouts differ
    for played in (single, uncached):
        assert [t.tokens.ids for t in batched] == [t.tokens.ids for t in played]
        assert [t.tokens.mask for t in batched] == [t.tokens.mask for t in played]
        for ours, theirs in zip(batched, played, strict=True):
            assert ours.tokens.logprobs == pytest.approx(theirs.tokens.logprobs, abs=1e-4)
            assert ours.state.dialogue == theirs.state.dialogue


def test_sampled_rollouts_are_the_same_with_and_without_the_turn_cache(policy: HFPolicy, demo: list[Case]) -> None:
    cases = [demo[5], demo[5], demo[5], demo[6], demo[6], demo[6]]
    player = RolloutPlayer(policy, RolloutConfig(max_turns=3, max_tokens=12, temperature=0.7))
    cached = player.play(cases, seed=11)
    assert player.timings.reused_tokens > 0
    _without_turn_cache(policy)
    try:
        uncached = player.play(cases, seed=11)
    finally:
        del policy.generate_batch
    assert len({tuple(t.tokens.ids) for t in cached}) == len(cases)  # sampled: every episode differs
    assert [t.tokens.ids for t in cached] == [t.tokens.ids for t in uncached]
    assert [t.tokens.mask for t in cached] == [t.tokens.mask for t in uncached]
    for ours, theirs in zip(cached, uncached, strict=True):
        assert ours.tokens.logprobs == pytest.approx(theirs.tokens.logprobs, abs=1e-4)
