"""Deterministic train/test split by case content hash: the same case lands in the same split everywhere."""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["train", "test", "all"]
DEFAULT_TEST_FRACTION = 0.2


def split_position(content_hash: str, seed: int = 0) -> float:
    """A number in [0, 1) fixed by the case's content and the seed."""
    digest = hashlib.sha256(f"{seed}:{content_hash}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_split(content_hash: str, split: Split, *, test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = 0) -> bool:
    if split == "all":
        return True
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be within [0, 1], got {test_fraction}")
    is_test = split_position(content_hash, seed) < test_fraction
    return is_test if split == "test" else not is_test
