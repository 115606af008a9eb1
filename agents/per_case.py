"""What a deterministic role computes from a case once and shares with every episode of that case.

A trainer plays each case many times (GRPO groups, several samples), and each episode builds its roles
afresh; the parts of a role that depend only on the case (the patient's first-person facts, the lookup's
findings with their keys) are computed the first time and then reused. A case is known by its id,
content hash and diagnosis, and the parts of the case a value is built from are compared too, so a case
changed with ``model_copy`` or built by hand under a known id never gets another case's value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from scenarios import Case

T = TypeVar("T")

DEFAULT_SIZE = 4096
"""Cases remembered before the memo starts afresh (more than every bundled and AgentClinic case together)."""


class PerCase(Generic[T]):
    """``build(case)`` computed once per case and shared; ``parts(case)`` is what the value is built from."""

    def __init__(self, build: Callable[[Case], T], parts: Callable[[Case], object], size: int = DEFAULT_SIZE):
        self.build = build
        self.parts = parts
        self.size = size
        self._known: dict[tuple[str, str, str], tuple[Case, T]] = {}

    def __call__(self, case: Case) -> T:
        key = (case.id, case.content_hash, case.diagnosis)
        cached = self._known.get(key)
        if cached is not None and (cached[0] is case or self.parts(cached[0]) == self.parts(case)):
            return cached[1]
        value = self.build(case)
        if len(self._known) >= self.size:
            self._known.clear()
        self._known[key] = (case, value)
        return value

    def clear(self) -> None:
        """Forget every case (the next call for each computes its value again)."""
        self._known.clear()
