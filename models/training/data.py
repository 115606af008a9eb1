"""Training data for the doctor: demonstrations as chats, and chats as token rows for TRL.

Two sources: the privileged oracle doctor played through the clinic's core on a dataset split, and the
transcripts of any run, filtered by reward. Both are rendered by the doctor's one renderer
(``DoctorPrompt``) and tokenised by ``ChatTokens``, exactly as rollouts and evaluation prompts are, so the
doctor is trained on what it will see. The moderator's verdict is never part of a chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from agentclinic_sim.consultation import start, step
from agentclinic_sim.rewards import RewardConfig
from agentclinic_sim.transcript import iter_latest_records, transcript_path
from agents.cast import CastSpec
from agents.doctor import DoctorPrompt, DoctorView, OracleDoctor
from models.backends.base import Message
from models.training.tokens import ChatTokens
from scenarios import Case


class TrainingSetupError(ValueError):
    """A training run cannot start as configured: the user's input is at fault, not this package."""


class NoTrainingData(TrainingSetupError):
    """Nothing to train on (no cases, or no transcript reaches the reward threshold)."""


def oracle_chats(cases: Sequence[Case], max_turns: int, prompt: DoctorPrompt | None = None) -> list[list[Message]]:
    """One demonstration per case: the oracle doctor's consultation as the doctor's chat."""
    prompt = prompt or DoctorPrompt()
    cast_spec = CastSpec()
    chats = []
    for case in cases:
        state = start(case, max_turns, prompt)
        doctor = OracleDoctor(case, max_turns)
        cast = cast_spec.for_case(case)
        while not state.done:
            step(state, cast, doctor.act(state.doctor_view()).text, RewardConfig())
        chats.append(prompt.messages(state.doctor_view()))
    return chats


def transcript_chats(run: Path, min_reward: float) -> tuple[list[list[Message]], int]:
    """The doctor's chat of every episode in a run (folder or transcripts file) whose reward is at least
    ``min_reward`` and that ended with the doctor speaking; returns the chats and how many episodes were read."""
    path = transcript_path(run)
    if not path.is_file():
        raise NoTrainingData(f"{path} not found: --from takes a run folder holding transcripts.jsonl")
    chats, read = [], 0
    for record in iter_latest_records(path):
        read += 1
        if record.error is not None or record.reward < min_reward:
            continue
        view = DoctorView(
            objective=record.objective,
            dialogue=record.turns,
            turn=record.turns_used,
            max_turns=record.max_turns,
            options=record.options,
        )
        prompt = record.doctor_prompt or DoctorPrompt()
        if prompt.format != "chat":
            continue  # a one-message-per-turn prompt has no multi-turn chat to learn from
        messages = prompt.messages(view)
        if messages[-1].role == "assistant":
            chats.append(messages)
    return chats, read


def token_rows(chats: Iterable[Sequence[Message]], chat: ChatTokens) -> list[dict[str, list[int]]]:
    """Rows of ``input_ids`` and ``assistant_masks`` (1 on the doctor's tokens, its turn ends included)."""
    rows = []
    for messages in chats:
        sequence = chat.conversation(messages)
        rows.append({"input_ids": sequence.ids, "assistant_masks": sequence.mask})
    return rows
