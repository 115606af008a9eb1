"""The text spaces of the environment: a charset wide enough for real case text (°, µ, –, β, ⁹, ℃).

``text_space()`` returns a ``ClinicalText``: a gymnasium ``Text`` that also vectorizes correctly with
``AsyncVectorEnv``'s shared memory (the default of ``gym.make_vec(..., vectorization_mode="async")``).

Gymnasium's own ``Text`` shared-memory path (``gymnasium.vector.utils.shared_memory``, 1.x) is broken:
``read_from_shared_memory`` decodes the buffer into a tuple of immutable ``str`` once, when
``AsyncVectorEnv`` is built and the buffer is still all zeros. Index 0 is the first character of the
sorted charset (not the padding index), so every observation is ``max_length`` copies of that character
(``"aaaa…"``, or ``"\\t\\t…"`` for our charset), and the parent never decodes what the workers write later.

``ClinicalText`` registers its own ``create_shared_memory`` / ``write_to_shared_memory`` /
``read_from_shared_memory``: per env, one ``int32`` row of ``1 + max_length`` slots holding the text's
length and then its Unicode code points (lossless for any text, 256 KiB per env at the default
``max_length``), and reading returns a ``SharedTextBatch``, a live ``Sequence[str]`` that decodes the
rows on access. ``copy``/``deepcopy``/pickle of it give a plain ``tuple[str, ...]``, so by default
(``copy=True``) an async vector env returns tuples of strings, as the sync env and the async env without
shared memory do. Writing a text longer than ``max_length`` raises ``ValueError`` (use ``fit_to_space``).
Batching, ``concatenate``, ``iterate`` and ``create_empty_array`` use gymnasium's ``Text`` rules
(tuples of strings), which are correct.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Iterator, Sequence
from ctypes import c_int32
from functools import cache
from multiprocessing.sharedctypes import SynchronizedArray
from types import ModuleType
from typing import Any, overload

import numpy as np
from gymnasium.spaces import Text
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory
from numpy.typing import NDArray

MAX_TEXT_LENGTH = 65_536
REPLACEMENT = "\ufffd"
_RANGES = (
    (0x20, 0x7E),  # ASCII printable
    (0xA0, 0x24F),  # Latin-1 supplement, Latin extended A/B
    (0x370, 0x3FF),  # Greek (β, μ)
    (0x2000, 0x206F),  # general punctuation (– — ‘ ’ “ ” …)
    (0x2070, 0x209F),  # superscripts and subscripts (⁹)
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letterlike symbols (℃ ℉)
    (0x2150, 0x218F),  # number forms
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (≥ ≤ ±)
)
# Code points are stored as int32 in the machine's byte order; UTF-32 in that order turns a str into them.
_UTF32 = "utf-32-le" if sys.byteorder == "little" else "utf-32-be"


@cache
def clinical_charset() -> frozenset[str]:
    chars = {chr(code) for low, high in _RANGES for code in range(low, high + 1)}
    return frozenset(chars | {"\n", "\t", REPLACEMENT})


class ClinicalText(Text):
    """A ``Text`` space over the clinical charset whose async shared-memory vectorization is lossless."""

    def __init__(
        self,
        max_length: int = MAX_TEXT_LENGTH,
        *,
        min_length: int = 0,
        charset: frozenset[str] | str | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(
            max_length, min_length=min_length, charset=clinical_charset() if charset is None else charset, seed=seed
        )

    def __repr__(self) -> str:
        return f"ClinicalText({self.min_length}, {self.max_length}, charset=<{len(self.character_set)} characters>)"


class SharedTextBatch(Sequence[str]):
    """The texts of a batch, decoded on access from ``ClinicalText``'s shared memory (a live view).

    Like the numpy arrays gymnasium reads from shared memory for ``Box`` spaces, it changes when the
    workers write new observations; ``copy``, ``deepcopy`` and pickling give a plain, fixed ``tuple``.
    """

    def __init__(self, rows: NDArray[np.int32], max_length: int) -> None:
        self._rows = rows
        self._max_length = max_length

    def _decode(self, index: int) -> str:
        row = self._rows[index]
        length = int(row[0])
        if not 0 <= length <= self._max_length:
            raise ValueError(f"corrupt shared text buffer: length {length} outside [0, {self._max_length}]")
        return row[1 : 1 + length].tobytes().decode(_UTF32, "surrogatepass")

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            return tuple(self._decode(i) for i in range(len(self))[index])
        return self._decode(range(len(self))[index])  # normalises negative indexes, raises IndexError

    def __iter__(self) -> Iterator[str]:
        return (self._decode(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SharedTextBatch | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable view

    def __repr__(self) -> str:
        return f"SharedTextBatch({tuple(self)!r})"

    def __copy__(self) -> tuple[str, ...]:
        return tuple(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> tuple[str, ...]:
        return tuple(self)

    def __reduce__(self) -> tuple[type[tuple[str, ...]], tuple[tuple[str, ...]]]:
        return tuple, (tuple(self),)


def _rows(space: ClinicalText, shared_memory: SynchronizedArray[c_int32]) -> NDArray[np.int32]:
    return np.frombuffer(shared_memory.get_obj(), dtype=np.int32).reshape(-1, 1 + space.max_length)  # type: ignore[call-overload]


@create_shared_memory.register(ClinicalText)
def _create_clinical_text_shared_memory(
    space: ClinicalText, n: int = 1, ctx: ModuleType = mp
) -> SynchronizedArray[c_int32]:
    return ctx.Array(c_int32, n * (1 + space.max_length))


@read_from_shared_memory.register(ClinicalText)
def _read_clinical_text_from_shared_memory(
    space: ClinicalText, shared_memory: SynchronizedArray[c_int32], n: int = 1
) -> SharedTextBatch:
    rows = _rows(space, shared_memory)
    if len(rows) != n:
        raise ValueError(f"shared text buffer holds {len(rows)} texts, expected {n}")
    return SharedTextBatch(rows, space.max_length)


@write_to_shared_memory.register(ClinicalText)
def _write_clinical_text_to_shared_memory(
    space: ClinicalText, index: int, value: str, shared_memory: SynchronizedArray[c_int32]
) -> None:
    if not isinstance(value, str):
        raise TypeError(f"a ClinicalText observation must be a str, got {type(value).__name__}")
    if len(value) > space.max_length:
        raise ValueError(
            f"text of {len(value)} characters does not fit ClinicalText(max_length={space.max_length}); "
            "return fit_to_space(text, max_length) from the env, or build the space with a larger max_length"
        )
    codes = np.frombuffer(value.encode(_UTF32, "surrogatepass"), dtype=np.int32)
    row = _rows(space, shared_memory)[index]
    row[1 : 1 + len(codes)] = codes
    row[0] = len(codes)


def text_space(max_length: int = MAX_TEXT_LENGTH, min_length: int = 0) -> ClinicalText:
    return ClinicalText(max_length, min_length=min_length)


def fit_to_space(text: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Replace characters outside the charset and cut to ``max_length`` so the text is in the space."""
    charset = clinical_charset()
    if not charset.issuperset(text):
        text = "".join(char if char in charset else REPLACEMENT for char in text)
    return text[:max_length]
