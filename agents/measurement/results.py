"""What the measurement reader's answers look like: ``RESULTS: …``, and the answer to a request the case holds
nothing for, by the missing-result policy (``normal``: "NORMAL READINGS", AgentClinic's choice; or
``unavailable``)."""

from __future__ import annotations

from typing import Literal

MissingPolicy = Literal["normal", "unavailable"]
RESULTS_PREFIX = "RESULTS:"
NORMAL_READINGS = "NORMAL READINGS"
RESULT_SEPARATOR = " | "


def missing_result(policy: MissingPolicy, name: str) -> str:
    """The answer to a request for ``name`` that the case holds no result for."""
    if policy == "normal":
        return f"{RESULTS_PREFIX} {NORMAL_READINGS}"
    return f"{RESULTS_PREFIX} {name} is not available for this patient."
