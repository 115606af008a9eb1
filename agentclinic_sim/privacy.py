"""PhysioNet's rule for MIMIC-IV cases: they go to no third-party API unless the user says it is allowed.

One check, used by the runner and the env alike. It keys on the cases' provenance (``Case.credentialed``:
the registry's flag for ``mimiciv``, a file named like AgentClinic's MIMIC-IV file, or records whose
metadata say they were built from MIMIC) and on whether each role's backend sends data off this
machine (``models.backends.remote``: a URI or a backend object; only loopback servers are local).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

from models.backends.reference import is_remote
from scenarios import Case


class MimicPrivacyError(ValueError):
    """MIMIC-IV cases would reach a remote API and the user has not allowed it."""


def _label(backend: object) -> str:
    return backend if isinstance(backend, str) else str(getattr(backend, "name", type(backend).__name__))


def remote_roles(backends: Mapping[str, object]) -> list[str]:
    """``role=backend`` for each role whose backend (URI string or object) is remote; deterministic role
    names (``retrieval``, ``oracle`` …) are URIs of no server, so they are local."""
    return [f"{role}={_label(backend)}" for role, backend in backends.items() if is_remote(backend)]


def check_mimic_privacy(cases: Iterable[Case], backends: Mapping[str, object], allow_remote: bool) -> None:
    """``backends`` maps a role to its backend URI or backend object. Raises, or warns when allowed."""
    check_credentialed_privacy(any(case.credentialed for case in cases), backends, allow_remote)


def check_credentialed_privacy(credentialed: bool, backends: Mapping[str, object], allow_remote: bool) -> None:
    """The same check when the caller already knows whether MIMIC-IV material is involved."""
    if not credentialed:
        return
    remote = remote_roles(backends)
    if not remote:
        return
    message = (
        f"MIMIC-IV cases would be sent to a remote API ({', '.join(remote)}). PhysioNet's data use agreement "
        "forbids this unless the provider assures zero retention, no training use and no human review."
    )
    if not allow_remote:
        raise MimicPrivacyError(f"{message} Use local models, or pass --allow-remote-mimic if that is assured.")
    warnings.warn(message, stacklevel=3)
