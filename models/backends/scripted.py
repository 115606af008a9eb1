"""A backend that answers from a list of replies (or a function of the messages): for tests and demos."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from models.backends.base import BackendError, Completion, GenerationConfig, Message, Usage

Responder = Callable[[Sequence[Message]], str]


def read_script(path: str | Path) -> str:
    """The text of a script file; raises ``BackendError`` with one line naming the path when it cannot be read."""
    where = f"scripted:{path}: cannot read the script {Path(path).absolute()}"
    if Path(path).is_dir():
        raise BackendError(f"{where}: it is a folder, not a file")
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BackendError(f"{where}: the file does not exist") from None
    except UnicodeDecodeError as exc:
        raise BackendError(f"{where}: it is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise BackendError(f"{where}: {exc.strerror or exc}") from None


class ScriptedBackend:
    """Replies in order from ``replies`` (or by calling ``responder``); records every request it saw.

    With ``cycle`` the replies repeat; otherwise running out raises ``BackendError``.
    ``fresh()`` gives a copy that starts the script again from its first reply with no requests
    recorded; a runner calls it once per episode so every episode plays the whole script.
    """

    is_remote = False

    def __init__(
        self,
        replies: Sequence[str] | None = None,
        *,
        responder: Responder | None = None,
        cycle: bool = False,
        name: str = "scripted",
    ):
        if (replies is None) == (responder is None):
            raise ValueError("give exactly one of replies or responder")
        self.replies = list(replies or [])
        self.responder = responder
        self.cycle = cycle
        self.name = name
        self.requests: list[list[Message]] = []

    def fresh(self) -> ScriptedBackend:
        """A new backend with the same replies (or responder), ``cycle`` and name, at the first reply, no requests."""
        if self.responder is not None:
            return ScriptedBackend(responder=self.responder, cycle=self.cycle, name=self.name)
        return ScriptedBackend(self.replies, cycle=self.cycle, name=self.name)

    @classmethod
    def from_file(cls, path: str | Path, *, cycle: bool = False) -> ScriptedBackend:
        """One reply per block; blocks are separated by a line holding only ``---``.

        A missing file, a folder, a file that is not UTF-8 text or one with no replies raises ``BackendError``
        naming the path.
        """
        text = read_script(path)
        replies = [block.strip() for block in text.split("\n---\n") if block.strip()]
        if not replies:
            raise BackendError(f"scripted:{path}: the script {Path(path).absolute()} has no replies")
        return cls(replies, cycle=cycle, name=f"scripted:{path}")

    async def chat(self, messages: Sequence[Message], config: GenerationConfig) -> Completion:
        start = time.perf_counter()
        self.requests.append(list(messages))
        if self.responder is not None:
            text = self.responder(messages)
        else:
            index = len(self.requests) - 1
            if index >= len(self.replies) and not self.cycle:
                raise BackendError(f"{self.name}: ran out of scripted replies after {len(self.replies)}")
            text = self.replies[index % len(self.replies)]
        prompt_words = sum(len(message.content.split()) for message in messages)
        return Completion(
            text=text,
            usage=Usage(prompt_tokens=prompt_words, completion_tokens=len(text.split())),
            latency_s=time.perf_counter() - start,
            backend=self.name,
        )
