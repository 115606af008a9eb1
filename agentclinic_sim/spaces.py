"""The text spaces of the environment: a charset wide enough for real case text (°, µ, –, β, ⁹, ℃)."""

from __future__ import annotations

from functools import cache

from gymnasium.spaces import Text

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


@cache
def clinical_charset() -> frozenset[str]:
    chars = {chr(code) for low, high in _RANGES for code in range(low, high + 1)}
    return frozenset(chars | {"\n", "\t", REPLACEMENT})


def text_space(max_length: int = MAX_TEXT_LENGTH, min_length: int = 0) -> Text:
    return Text(max_length=max_length, min_length=min_length, charset=clinical_charset())


def fit_to_space(text: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Replace characters outside the charset and cut to ``max_length`` so the text is in the space."""
    charset = clinical_charset()
    if not charset.issuperset(text):
        text = "".join(char if char in charset else REPLACEMENT for char in text)
    return text[:max_length]
