"""Token sequences of a doctor's chat, built turn by turn so that ids are never re-tokenised from decoded text.

A conversation's ids are the concatenation of segments, each with a mask (1 = the doctor's own tokens):

* the prompt: the rendered chat up to the first generation prompt;
* each doctor turn: the generated ids (rollouts) or the tokenised reply ending in the turn-end token (SFT),
  mask 1 — the turn-end token belongs to the doctor so that it learns to stop;
* each environment segment: what the chat template writes between the doctor's turn end and the next
  generation prompt, mask 0. It is the difference between two renders of the chat (the earlier one must be
  a prefix of the later one), so SFT sequences, RL sequences and evaluation prompts agree token for token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from models.backends.base import Message
from models.backends.gemma_chat import END_OF_TURN
from models.backends.hf import HFBackend


class TemplateMismatch(ValueError):
    """The chat template does not extend an earlier render when a message is added (needed for multi-turn ids)."""


@dataclass
class TokenSequence:
    """Ids with a per-token mask (1 = doctor-generated) and the sampling logprob of each token (0.0 where masked)."""

    ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)

    def extend(self, ids: Sequence[int], mask: int, logprobs: Sequence[float] | None = None) -> None:
        self.ids.extend(ids)
        self.mask.extend([mask] * len(ids))
        self.logprobs.extend(logprobs if logprobs is not None else [0.0] * len(ids))

    def __len__(self) -> int:
        return len(self.ids)


class ChatTokens:
    """Segments a model's chat into ids the way its tokenizer and chat template (``backend``) render them."""

    def __init__(self, backend: HFBackend):
        self.backend = backend
        tokenizer = backend.tokenizer
        self.turn_end_text = END_OF_TURN if backend.gemma else tokenizer.eos_token
        self.turn_end_id = tokenizer.convert_tokens_to_ids(self.turn_end_text)

    def prompt(self, messages: Sequence[Message]) -> list[int]:
        """The ids the doctor's first turn is generated from."""
        return self.backend.encode(messages)

    def environment(self, messages: Sequence[Message]) -> list[int]:
        """Ids between the doctor's last turn end (``messages[-2]`` is its reply) and the next generation prompt."""
        if len(messages) < 2 or messages[-2].role != "assistant" or messages[-1].role == "assistant":
            raise ValueError("environment ids need a chat ending in the doctor's reply and a new message")
        closed = self.backend.render(messages[:-1], add_generation_prompt=False)
        following = self.backend.render(messages, add_generation_prompt=True)
        if not following.startswith(closed):
            raise TemplateMismatch("the chat template re-renders earlier turns differently when a message is added")
        end = closed.rfind(self.turn_end_text)
        if end == -1:
            raise TemplateMismatch(f"the chat template does not close the doctor's turn with {self.turn_end_text!r}")
        after_turn_end = closed[end + len(self.turn_end_text) :]
        return self.backend.tokenize(after_turn_end + following[len(closed) :])

    def reply(self, text: str) -> list[int]:
        """A written doctor reply as the template renders it, through the turn-end token (for SFT)."""
        return self.backend.tokenize(text.strip() + self.turn_end_text)

    def conversation(self, messages: Sequence[Message]) -> TokenSequence:
        """A whole written chat (system, user, then alternating assistant/user, ending with the doctor's reply)
        as one sequence with the doctor's turns masked 1."""
        replies = [i for i, message in enumerate(messages) if message.role == "assistant"]
        if not replies or replies[-1] != len(messages) - 1:
            raise ValueError("an SFT conversation ends with the doctor's reply")
        if any(later - earlier != 2 for earlier, later in zip(replies, replies[1:], strict=False)):
            raise ValueError("after the first reply, the doctor's turns and the responses must alternate")
        sequence = TokenSequence()
        sequence.extend(self.prompt(messages[: replies[0]]), 0)
        for index in replies:
            if index > replies[0]:
                sequence.extend(self.environment(messages[:index]), 0)
            sequence.extend(self.reply(messages[index].content), 1)
        return sequence
