"""Free-text reports split into named results: the tests a record writes inside one finding's text.

NEJM cases (and some long MedQA-Ext findings) hold several results in one text: 'Label: value' pieces,
'Header:' lines with bullets under them, and sentences such as 'Blood culture grew …'. :func:`text_items`
cuts such a text into (relative path, value) items, so the lookup can answer each test by its own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.measurement.names_of_tests import is_generic_name

_BULLET_SPLIT = re.compile(r"(?:^|\s)(?:[-•]\s+|(?=\d{1,2}\.\s+\S))")
_NUMBER = re.compile(r"^\d{1,2}\.\s+")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_LABELLED = re.compile(r"^([A-Za-z(][^:]{0,90}?)\s*:\s*(.*)$", re.DOTALL)
_HEADER_GAP = re.compile(r"\s+(?=[A-Z])")
_HEADER = re.compile(r"^[A-Z][\w ()'’-]{2,60}:$")
_VERB_ITEM = re.compile(
    r"^([A-Z][^,;:.]{2,80}?)\s+((?:showed|shows|revealed|reveals|demonstrated|demonstrates|indicated|indicates"
    r"|identified|grew|was|were|weakly positive|positive|negative|consistent with|detected)\b.*)$",
    re.DOTALL,
)
_NOT_A_TEST = re.compile(r"^(?:no|not|normal|negative|positive|within|the|a|an|this|these|it|there)\b", re.IGNORECASE)
MAX_LABEL_WORDS = 14


@dataclass(slots=True)
class _Segment:
    text: str
    bullet: bool


@dataclass(slots=True)
class _Item:
    path: tuple[str, ...]
    parts: list[str]


def _split_trailing_header(sentence: str) -> tuple[str, str] | None:
    """'Count: 2660 (range 40-200) Urinalysis:' -> ('Count: 2660 (range 40-200)', 'Urinalysis:'): a
    labelled piece with the next section's header glued to its end."""
    if not sentence.endswith(":") or ":" not in sentence[:-1]:
        return None
    for gap in _HEADER_GAP.finditer(sentence):
        head, tail = sentence[: gap.start()], sentence[gap.end() :]
        labelled = _LABELLED.match(head)
        if _HEADER.match(tail) and labelled and labelled.group(2).strip():
            return head, tail
    return None


def _segments(text: str) -> list[_Segment]:
    """Free text cut into bulleted, numbered and sentence-sized pieces, a trailing 'Header:' split off."""
    segments: list[_Segment] = []
    for line in text.replace("**", "").splitlines():
        bullet_line = line.lstrip().startswith(("-", "•"))
        pieces = [piece for piece in _BULLET_SPLIT.split(line) if piece.strip()]
        for index, piece in enumerate(pieces):
            numbered = bool(_NUMBER.match(piece.strip()))
            bullet = (index > 0 or bullet_line) and not numbered
            for number, sentence in enumerate(_SENTENCE_SPLIT.split(_NUMBER.sub("", piece.strip()))):
                sentence = sentence.strip()
                split = _split_trailing_header(sentence)
                if split:
                    segments.append(_Segment(split[0], bullet and number == 0))
                    segments.append(_Segment(split[1], False))
                elif sentence:
                    segments.append(_Segment(sentence, bullet and number == 0))
    return segments


def _named(segment: str, *, sentences: bool) -> tuple[str, str] | None:
    """'Label: value' or (in a text listing several results) 'Test name showed …' as (name, value);
    None for a sentence naming no test. A one-sentence finding ('Flattening of the femoral head
    consistent with …') describes a result and names no test inside it."""
    labelled = _LABELLED.match(segment)
    if labelled and len(labelled.group(1).split()) <= MAX_LABEL_WORDS and ". " not in labelled.group(1):
        return labelled.group(1).strip(), labelled.group(2).strip()
    verb = _VERB_ITEM.match(segment) if sentences else None
    if verb and not _NOT_A_TEST.match(verb.group(1)) and len(verb.group(1).split()) <= 10:
        return verb.group(1).strip(), verb.group(2).strip()
    return None


def text_items(text: str, *, free_text: bool = False) -> list[tuple[tuple[str, ...], str]]:
    """The tests written inside a free-text finding, as (relative path, value) pairs.

    'Label: value' pieces and 'Test showed …' sentences are items; a 'Header:' with bullets under it
    is an item holding them, and each named bullet is an item under it; a generic label ('Result:',
    'Findings:') belongs to the item before it; an unnamed sentence after an item continues it.
    ``free_text`` marks a record written as prose (NEJM cases), where one sentence may name a test."""
    items: list[_Item] = []
    header: _Item | None = None
    last: _Item | None = None
    segments = _segments(text)
    for index, segment in enumerate(segments):
        named = _named(segment.text, sentences=free_text or len(segments) > 1)
        if named is None:
            bullets_follow = index + 1 < len(segments) and segments[index + 1].bullet
            if segment.bullet and header is not None:
                header.parts.append(segment.text)
            elif not segment.bullet and bullets_follow and len(segment.text.split()) <= 10:
                header = last = _Item((segment.text.rstrip(".:"),), [])
                items.append(header)
            elif not segment.bullet and last is not None:
                last.parts.append(segment.text)
            continue
        name, value = named
        if not value:
            header = last = _Item((name,), [])
            items.append(header)
        elif (parent := header if segment.bullet else last if is_generic_name(name) else None) is not None:
            parent.parts.append(f"{name}: {value}")
            last = _Item((*parent.path, name), [value])
            items.append(last)
        else:
            header = None
            last = _Item((name,), [value])
            items.append(last)
    return [(item.path, "; ".join(item.parts)) for item in items if item.parts]
