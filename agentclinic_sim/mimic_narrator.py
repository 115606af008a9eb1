"""``--narrate BACKEND`` for the MIMIC-IV builder: a chat model writes the patient's history as prose.

The model sees only ``NarrationFacts`` (demographics, chief complaint, arrival, the plain account the
builder would use): no results, codes or titles, so it has nothing to leak. The builder still runs the
leak guard over what comes back and keeps the plain account when the prose fails it. MIMIC-IV rows are
credentialed, so the privacy gate decides first whether the backend may see them.
"""

from __future__ import annotations

import asyncio

from agentclinic_sim.privacy import check_mimic_privacy
from models.backends import ChatBackend, GenerationConfig, Message
from scenarios import Case
from scenarios.mimic import NarrationFacts, Narrator

SYSTEM = (
    "You write the history section of a simulated patient case for medical training. Use only the facts "
    "given. Do not add symptoms, timings, diagnoses, test results or medical history that the facts do not "
    "state. Write two or three plain sentences in the third person, as a case writer would, and nothing else."
)
CONFIG = GenerationConfig(max_tokens=200, temperature=0.0, seed=0)

BUILT_FROM_MIMIC = Case(
    id="mimiciv:build",
    content_hash="-",
    dataset="mimiciv-build",
    index=0,
    schema_name="osce",
    objective="-",
    patient={},
    exam={},
    diagnosis="-",
    credentialed=True,
    raw={},
)
"""Stands for the cases being built: every one comes from MIMIC-IV, so all of them are credentialed."""


def check_narrator_privacy(uri: str, allow_remote: bool) -> None:
    """The privacy gate for the narrator's backend (raises ``MimicPrivacyError`` for a remote one)."""
    check_mimic_privacy([BUILT_FROM_MIMIC], {"narrator": uri}, allow_remote)


def prompt(facts: NarrationFacts) -> list[Message]:
    lines = [
        f"Patient: {facts.demographics}",
        f"Chief complaint: {facts.chief_complaint or 'not recorded'}",
        f"Arrival: {facts.arrival}",
        f"Plain account: {facts.presentation}",
    ]
    return [Message(role="system", content=SYSTEM), Message(role="user", content="\n".join(lines))]


def backend_narrator(backend: ChatBackend, loop: asyncio.AbstractEventLoop) -> Narrator:
    """A ``Narrator`` that asks ``backend`` on ``loop`` (one loop for the whole build, so a client's
    connections stay on the loop that made them)."""

    def narrate(facts: NarrationFacts) -> str:
        return loop.run_until_complete(backend.chat(prompt(facts), CONFIG)).text

    return narrate
