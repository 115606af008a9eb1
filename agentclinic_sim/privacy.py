"""PhysioNet's rule for MIMIC-IV cases: they go to no third-party API unless the user says it is allowed.

One check, used by the runner (backend URIs of every role) and the env (its roles' backends).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from models.backends.uri import is_remote
from scenarios import Case


class MimicPrivacyError(ValueError):
    """MIMIC-IV cases would reach a remote API and the user has not allowed it."""


def check_mimic_privacy(cases: Iterable[Case], backends: dict[str, str], allow_remote: bool) -> None:
    """``backends`` maps a role to its backend URI (or name). Raises, or warns when allowed."""
    if not any(case.dataset == "mimiciv" for case in cases):
        return
    remote = [f"{role}={uri}" for role, uri in backends.items() if is_remote(uri)]
    if not remote:
        return
    message = (
        f"MIMIC-IV cases would be sent to a remote API ({', '.join(remote)}). PhysioNet's data use agreement "
        "forbids this unless the provider assures zero retention, no training use and no human review."
    )
    if not allow_remote:
        raise MimicPrivacyError(f"{message} Use local models, or pass --allow-remote-mimic if that is assured.")
    warnings.warn(message, stacklevel=3)
