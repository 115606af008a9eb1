"""The transformers backend on the tiny random Gemma 3 model: Gemma chat rules, batching, a whole episode."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from agentclinic_sim.consultation import astep, start  # noqa: E402
from agentclinic_sim.rewards import RewardConfig  # noqa: E402
from agents.cast import CastSpec  # noqa: E402
from agents.doctor import BackendDoctor  # noqa: E402
from models.backends import BackendError, GenerationConfig, Message  # noqa: E402
from models.backends.gemma_chat import gemma_messages  # noqa: E402
from models.backends.hf import HFBackend  # noqa: E402
from models.backends.uri import backend_from_uri  # noqa: E402
from models.tiny import build_tiny  # noqa: E402
from scenarios import load_cases  # noqa: E402


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def tiny(tiny_path: Path) -> HFBackend:
    return HFBackend(str(tiny_path), name="tiny")


def test_gemma_messages_fold_system_and_merge_same_roles() -> None:
    turns = gemma_messages(
        [
            Message(role="system", content="Be brief."),
            Message(role="user", content="Hello."),
            Message(role="user", content="Are you there?"),
            Message(role="assistant", content="Yes."),
        ]
    )
    assert turns == [
        {"role": "user", "content": "Be brief.\n\nHello.\n\nAre you there?"},
        {"role": "assistant", "content": "Yes."},
    ]
    assert gemma_messages([Message(role="assistant", content="Hi")])[0] == {"role": "user", "content": ""}


def test_rendered_prompt_follows_gemma3_rules(tiny: HFBackend) -> None:
    messages = [
        Message(role="system", content="You are a physician."),
        Message(role="user", content="The patient is in the room."),
        Message(role="assistant", content="What brings you in?"),
        Message(role="user", content="Patient: chest pain."),
    ]
    text = tiny.render(messages)
    assert text == (
        "<bos><start_of_turn>user\nYou are a physician.\n\nThe patient is in the room.<end_of_turn>\n"
        "<start_of_turn>model\nWhat brings you in?<end_of_turn>\n"
        "<start_of_turn>user\nPatient: chest pain.<end_of_turn>\n<start_of_turn>model\n"
    )
    ids = tiny.encode(messages)
    bos = tiny.tokenizer.bos_token_id
    assert ids[0] == bos and ids.count(bos) == 1
    assert "system" not in text


def test_batched_greedy_equals_one_at_a_time(tiny: HFBackend) -> None:
    config = GenerationConfig(max_tokens=12)
    prompts = [
        tiny.encode([Message(role="user", content=f"Case {i}: " + "where does it hurt? " * (i + 1))]) for i in range(6)
    ]
    assert len({len(p) for p in prompts}) == 6  # different lengths: left padding is exercised
    batched = tiny.generate_batch(prompts, config)
    single = [tiny.generate_batch([prompt], config)[0] for prompt in prompts]
    assert [(g.text, g.token_ids) for g in batched] == [(g.text, g.token_ids) for g in single]
    assert len({g.text for g in batched}) > 1  # the outputs differ, so equality means something


def test_concurrent_chats_share_one_generate_call(tiny: HFBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = tiny.generate_batch

    def counting(prompts, config, seeds=None):  # noqa: ANN001, ANN202
        calls.append(len(prompts))
        return original(prompts, config, seeds)

    monkeypatch.setattr(tiny, "generate_batch", counting)
    config = GenerationConfig(max_tokens=8)
    conversations = [[Message(role="user", content=f"Question number {i}?")] for i in range(5)]

    async def together() -> list[str]:
        completions = await asyncio.gather(*(tiny.chat(c, config) for c in conversations))
        return [c.text for c in completions]

    texts = asyncio.run(together())
    assert calls == [5]
    alone = [original([tiny.encode(c)], config)[0].text for c in conversations]
    assert texts == alone


def test_usage_and_stop_strings(tiny: HFBackend) -> None:
    messages = [Message(role="user", content="Describe the pain.")]
    full = asyncio.run(tiny.chat(messages, GenerationConfig(max_tokens=10)))
    assert full.usage.prompt_tokens == len(tiny.encode(messages))
    assert 0 < full.usage.completion_tokens <= 10
    assert full.backend == "tiny"
    assert len(full.text) > 2
    stop = full.text[1:3]
    cut = asyncio.run(tiny.chat(messages, GenerationConfig(max_tokens=10, stop=[stop])))
    assert cut.text == full.text[: full.text.find(stop)] and len(cut.text) < len(full.text)


def test_fp16_is_refused(tiny_path: Path) -> None:
    with pytest.raises(BackendError, match="fp16"):
        HFBackend(str(tiny_path), dtype="float16")


def test_tiny_uri_loads_through_the_hf_path(tiny_path: Path) -> None:
    backend = backend_from_uri(f"tiny:{tiny_path}")
    assert isinstance(backend, HFBackend) and backend.name == f"tiny:{tiny_path}"
    assert type(backend.model).__name__ == "Gemma3ForCausalLM"


def test_missing_model_is_a_backend_error(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="cannot load"):
        HFBackend(str(tmp_path / "nowhere"))


def test_full_episode_with_the_tiny_doctor(tiny: HFBackend) -> None:
    case = load_cases("demo")[0]
    cast = CastSpec().for_case(case)
    doctor = BackendDoctor(tiny, config=GenerationConfig(max_tokens=16))
    state = start(case, max_turns=4)

    async def episode() -> None:
        while not state.done:
            reply = await doctor.aact(state.doctor_view())
            await astep(state, cast, reply.text, RewardConfig(), reply)

    asyncio.run(episode())
    assert state.done and state.turn <= 4
    doctor_turns = [turn for turn in state.dialogue if turn.role == "doctor"]
    assert doctor_turns and all(turn.backend == "tiny" and turn.completion_tokens > 0 for turn in doctor_turns)
    assert all(turn.prompt_tokens > 0 for turn in doctor_turns)
