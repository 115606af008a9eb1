"""Cell text as the case shows it: de-identification blanks (``___``) are not values, numbers lose a
trailing ``.0``, names become findings keys.

``SHOWN_SQL`` is the same "is there a value" rule for DuckDB, so a query can skip blank rows early;
``shown`` is the rule's authority.
"""

from __future__ import annotations

import re
from typing import TypeGuard

BLANK = re.compile(r"_{3,}")
REDACTED = "[redacted]"
_HAS_CONTENT = re.compile(r"[A-Za-z0-9]")
_SPACES = re.compile(r"\s+")
_KEY_JUNK = re.compile(r"[^A-Za-z0-9]+")

SHOWN_SQL = (
    "CREATE OR REPLACE MACRO shown(x) AS "
    "x IS NOT NULL AND regexp_matches(regexp_replace(x, '_{3,}', '', 'g'), '[A-Za-z0-9]')"
)


def shown(text: str | None) -> TypeGuard[str]:
    """Whether a cell holds something to show: not empty, not only de-identification blanks."""
    return text is not None and bool(_HAS_CONTENT.search(BLANK.sub("", text)))


def clean(text: str) -> str:
    """A shown cell as one tidy line: blanks inside it marked ``[redacted]``, runs of spaces collapsed."""
    return _SPACES.sub(" ", BLANK.sub(REDACTED, text)).strip()


def number(text: str) -> str:
    """``'140.0'`` -> ``'140'``; anything else as written."""
    text = text.strip()
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return text


def key(*words: str) -> str:
    """A findings key from words: ``('Blood', 'Chemistry')`` -> ``'Blood_Chemistry'``."""
    return "_".join(part for word in words for part in _KEY_JUNK.split(word) if part)
