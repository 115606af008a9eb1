"""Gemma 3 chat rules, applied in this one place for every Gemma-family model (MedGemma, the tiny model),
and only to them: ``uses_gemma_turns(tokenizer)`` tells a Gemma tokenizer from any other.

* No system role: the system text is put before the first user turn, followed by a blank line.
* Roles strictly alternate user / model, starting with user: consecutive same-role messages are merged.
* ``assistant`` renders as ``model``; turns are ``<start_of_turn>{role}\\n{text}<end_of_turn>\\n``.
* The chat template writes ``<bos>`` itself, so the rendered prompt is tokenised without special tokens
  and holds ``<bos>`` exactly once. Generation stops at ``<end_of_turn>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.backends.base import Message

BOS = "<bos>"
START_OF_TURN = "<start_of_turn>"
END_OF_TURN = "<end_of_turn>"

# A Jinja chat template that renders the Gemma 3 turn format (for tokenizers built by this project;
# MedGemma checkpoints ship their own template, which renders the same format).
GEMMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


def gemma_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """Fold system text into the first user turn and merge same-role neighbours so roles alternate."""
    system = "\n\n".join(m.content.strip() for m in messages if m.role == "system" and m.content.strip())
    turns: list[dict[str, str]] = []
    for message in messages:
        if message.role == "system":
            continue
        if turns and turns[-1]["role"] == message.role:
            turns[-1]["content"] += "\n\n" + message.content
        else:
            turns.append({"role": message.role, "content": message.content})
    if not turns or turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": ""})
    if system:
        first = turns[0]["content"]
        turns[0]["content"] = f"{system}\n\n{first}" if first.strip() else system
    return turns


def uses_gemma_turns(tokenizer: object) -> bool:
    """Whether a tokenizer speaks the Gemma turn format (it has ``<start_of_turn>`` and ``<end_of_turn>``)."""
    vocab: dict[str, int] = getattr(tokenizer, "get_vocab", lambda: {})()
    return START_OF_TURN in vocab and END_OF_TURN in vocab


def template_messages(messages: Sequence[Message], gemma: bool) -> list[dict[str, str]]:
    """Messages as a chat template takes them: Gemma's rules for a Gemma tokenizer, unchanged otherwise."""
    if gemma:
        return gemma_messages(messages)
    return [{"role": m.role, "content": m.content} for m in messages]


def strip_at_stops(text: str, stops: Sequence[str]) -> str:
    """Cut generated text at the first stop string (and at ``<end_of_turn>``)."""
    cut = len(text)
    for stop in (*stops, END_OF_TURN):
        index = text.find(stop)
        if stop and index != -1:
            cut = min(cut, index)
    return text[:cut]
