"""The one error the MIMIC-IV builder raises for bad input: a missing table, column or extra, in one line."""

from __future__ import annotations

from scenarios.errors import DatasetError


class MimicInputError(DatasetError):
    """The MIMIC-IV folder cannot be built from; the message names the file and column (or what to install)."""
