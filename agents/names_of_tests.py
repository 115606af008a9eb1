"""How clinicians name tests: names read through a reviewed table into keys, and keys compared.

Names are read through a reviewed table (``agents/data/test_names.csv``: usual names, abbreviations,
qualifiers, specimens, imaging modalities, body regions and panel members, each row with its source) into
a :class:`Key`: the words that name the test, plus its specimen, modality and side. "Serum lipase",
"lipase level" and "Lipase" share a key, as do "abdominal CT", "CT of the abdomen" and "CT_Abdomen".

:func:`match_tier` says how well one key answers another: the same key, a broader request than the
finding ("troponin" for "Troponin I", "CT" for "CT abdomen"), or a narrower one ("CT head without
contrast" for "CT head"). A broader or narrower request may differ from the finding only by words the
table marks as specifiers (regions, subtypes, methods), so a sibling test ("Troponin T" for "Troponin I",
"CT head" for "CT abdomen", "blood culture" for "urine culture") is never taken for the one the case holds.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.findings import normalise_name

NAMES_FILE = "test_names.csv"
NameKind = Literal[
    "synonym",
    "abbreviation",
    "spelling",
    "qualifier",
    "specimen",
    "modality",
    "side",
    "specifier",
    "region",
    "panel",
    "sign",
    "within",
]
FACET_KINDS: tuple[NameKind, ...] = ("specimen", "modality", "side")
ANY_MODALITY = "any"
BOTH_SIDES = "both"

_POSSESSIVE = re.compile(r"['’]s(?![a-z])", re.IGNORECASE)


class NameEntry(BaseModel):
    """One reviewed row of the test-name table: ``term`` read as ``concept``, with where that comes from.

    ``concept`` holds the words the term stands for (``-`` for a qualifier, which is dropped), a
    specimen / modality / side for those kinds, the usual spelling of a one-word ``spelling`` term,
    for ``panel`` rows the panel the term (a member's words) belongs to, and for ``sign`` rows (an
    examination sign or manoeuvre, reported inside examination text) the words a case writes it in, and for
    ``within`` rows the broader regions that contain the region ``term`` (a region's concept word:
    'knee' within 'joint extremity musculoskeletal'), nearest first."""

    model_config = ConfigDict(frozen=True)

    term: str = Field(min_length=1)
    concept: str = Field(min_length=1)
    kind: NameKind
    source: str = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Key:
    """What a name asks for: the words naming the test, and its specimen, modality and side."""

    tokens: frozenset[str] = frozenset()
    specimen: frozenset[str] = frozenset()
    modality: frozenset[str] = frozenset()
    side: frozenset[str] = frozenset()

    @property
    def has_facets(self) -> bool:
        return bool(self.specimen or self.modality or self.side)

    def inherit(self, parent: Key) -> Key:
        """This key with the parent's specimen, modality and side where it names none of its own."""
        return Key(
            self.tokens,
            self.specimen or parent.specimen,
            self.modality or parent.modality,
            self.side or parent.side,
        )


@dataclass(frozen=True)
class NameTable:
    """The test-name table, ready for reading names."""

    phrases: dict[tuple[str, ...], NameEntry]
    longest: int
    spellings: dict[str, str]
    """a word's other spelling -> the spelling the table uses ('haemoglobin' -> 'hemoglobin')."""
    facets: dict[str, str]
    """a facet value ('urine', 'ct', 'left') -> its kind, for concept words that name one."""
    specifiers: frozenset[str]
    """words that narrow a test without changing it (subtypes, methods, body regions)."""
    regions: frozenset[str]
    """the specifiers that name a body region or organ."""
    panels: dict[str, frozenset[frozenset[str]]]
    """panel concept -> its members, each the words of a member's key ('bilirubin direct')."""
    member_of: dict[str, frozenset[str]]
    """a member's word -> the panels it belongs to."""
    words: frozenset[str]
    within: dict[str, tuple[str, ...]] = dataclass_field(default_factory=dict)
    """a region -> every region containing it, nearest first ('liver' -> 'abdomen'; 'knee' -> 'joint',
    'extremity', 'musculoskeletal')."""


def words_of(name: str) -> list[str]:
    """A name's words as the table reads them: lowercase, singular, possessives and punctuation gone
    ('Gram’s stain' -> ['gram', 'stain'], 'X-Rays' -> ['x', 'ray'])."""
    return normalise_name(_POSSESSIVE.sub("", name)).split()


def read_names(path: Path | None = None) -> list[NameEntry]:
    """The reviewed rows of the test-name table; a malformed row raises ``ValueError`` naming its line."""
    source = path or Path(str(resources.files("agents").joinpath("data", NAMES_FILE)))
    entries = []
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                entries.append(NameEntry.model_validate(row))
            except ValueError as error:
                raise ValueError(f"{source}:{reader.line_num}: {error}") from error
    return entries


@dataclass
class _TableRows:
    """The table's rows sorted by what they say, while it is read."""

    phrases: dict[tuple[str, ...], NameEntry] = dataclass_field(default_factory=dict)
    spellings: dict[str, str] = dataclass_field(default_factory=dict)
    facets: dict[str, str] = dataclass_field(default_factory=dict)
    specifiers: set[str] = dataclass_field(default_factory=set)
    regions: set[str] = dataclass_field(default_factory=set)
    panels: dict[str, set[frozenset[str]]] = dataclass_field(default_factory=dict)
    containers: dict[str, list[str]] = dataclass_field(default_factory=dict)

    def add(self, entry: NameEntry) -> None:
        """File one row; a term listed twice (outside the panel rows) or a region placed twice is an error."""
        if entry.kind == "panel":
            self.panels.setdefault(entry.concept, set()).add(frozenset(entry.term.split()))
        elif entry.kind == "within":
            if entry.term in self.containers:
                raise ValueError(f"test-name table: region {entry.term!r} is placed twice")
            self.containers[entry.term] = entry.concept.split()
        else:
            self._add_phrase(entry)

    def _add_phrase(self, entry: NameEntry) -> None:
        words = tuple(words_of(entry.term))
        if words in self.phrases or (len(words) == 1 and words[0] in self.spellings):
            raise ValueError(f"test-name table: {entry.term!r} is listed twice")
        if entry.kind == "spelling":
            if len(words) != 1:
                raise ValueError(f"test-name table: spelling {entry.term!r} must be one word")
            self.spellings[words[0]] = " ".join(words_of(entry.concept))
            return
        self.phrases[words] = entry
        if entry.kind in FACET_KINDS:
            self.facets[entry.concept] = entry.kind
        elif entry.kind in ("specifier", "region"):
            self.specifiers.update(entry.concept.split())
            if entry.kind == "region":
                self.regions.update(entry.concept.split())


def build_name_table(entries: Iterable[NameEntry]) -> NameTable:
    """Index the table: phrases by their words, facet values, specifier words, panel membership and which
    region holds which. A term listed twice outside the panel rows is an error (the table would contradict
    itself)."""
    rows = _TableRows()
    for entry in entries:
        rows.add(entry)
    member_of: dict[str, set[str]] = {}
    for panel, members in rows.panels.items():
        for member in members:
            if len(member) == 1:
                member_of.setdefault(next(iter(member)), set()).add(panel)
    facet_words = set(rows.facets)
    return NameTable(
        phrases=rows.phrases,
        spellings=rows.spellings,
        longest=max((len(words) for words in rows.phrases), default=1),
        facets=rows.facets,
        specifiers=frozenset(rows.specifiers - facet_words),
        regions=frozenset(rows.regions - facet_words),
        panels={panel: frozenset(members) for panel, members in rows.panels.items()},
        member_of={member: frozenset(found) for member, found in member_of.items()},
        words=frozenset({word for words in rows.phrases for word in words} | set(rows.spellings)),
        within={region: _containing(region, rows.containers) for region in rows.containers},
    )


def _containing(region: str, containers: dict[str, list[str]]) -> tuple[str, ...]:
    """Every region containing ``region``, nearest first: its own containers, then theirs."""
    found: list[str] = []
    queue = list(containers.get(region, ()))
    while queue:
        broader = queue.pop(0)
        if broader != region and broader not in found:
            found.append(broader)
            queue.extend(containers.get(broader, ()))
    return tuple(found)


@lru_cache(maxsize=1)
def name_table() -> NameTable:
    """The packaged table, read once per process."""
    return build_name_table(read_names())


def _longest_phrase(words: Sequence[str], start: int, table: NameTable) -> tuple[NameEntry | None, int]:
    """The longest phrase of the table starting at ``start``, and how many words it covers."""
    for size in range(min(table.longest, len(words) - start), 0, -1):
        entry = table.phrases.get(tuple(words[start : start + size]))
        if entry is not None:
            return entry, size
    return None, 1


_ADJECTIVE_ENDINGS = (("scopic", "scopy"), ("graphic", "graphy"), ("metric", "metry"))
"""Adjectives of procedures read as the procedure ('anoscopic' -> 'anoscopy', 'angiographic' -> 'angiography')."""


def _noun_form(word: str, table: NameTable) -> str:
    """A procedure's adjective the table does not list, as the procedure's name."""
    if word in table.words:
        return word
    for adjective, noun in _ADJECTIVE_ENDINGS:
        if word.endswith(adjective) and len(word) > len(adjective) + 2:
            return word[: -len(adjective)] + noun
    return word


def key_of_words(words: Sequence[str], table: NameTable | None = None) -> Key:
    """Read words through the table: other spellings first ('haemoglobin'), then the longest phrase
    first: qualifiers drop out, specimens, modalities and sides become facets, and every other phrase
    becomes the words of its concept."""
    table = table or name_table()
    words = [_noun_form(table.spellings.get(word, word), table) for word in words]
    tokens: set[str] = set()
    found: dict[str, set[str]] = {kind: set() for kind in FACET_KINDS}
    start = 0
    while start < len(words):
        entry, size = _longest_phrase(words, start, table)
        start += size
        if entry is None:
            tokens.add(words[start - size])
        elif entry.kind in FACET_KINDS:
            found[entry.kind].add(entry.concept)
        elif entry.kind != "qualifier":
            for word in entry.concept.split():
                kind = table.facets.get(word)
                (found[kind] if kind else tokens).add(word)
    if found["modality"] - {ANY_MODALITY}:
        found["modality"].discard(ANY_MODALITY)  # 'CT scan': the scan is a CT
    return Key(frozenset(tokens), frozenset(found["specimen"]), frozenset(found["modality"]), frozenset(found["side"]))


def signs_named(words: Sequence[str], table: NameTable | None = None) -> list[str]:
    """The examination signs and manoeuvres (``sign`` rows) a request names, as the words a case writes
    them in ('SLR' -> 'straight leg raise'): what the lookup searches examination texts for."""
    table = table or name_table()
    words = [table.spellings.get(word, word) for word in words]
    signs = []
    start = 0
    while start < len(words):
        entry, size = _longest_phrase(words, start, table)
        start += size
        if entry is not None and entry.kind == "sign":
            signs.append(entry.concept)
    return signs


def concept_key(name: str) -> Key:
    """The key of a test name as a clinician or the case writes it ('Serum lipase' == 'Lipase_Level')."""
    return key_of_words(words_of(name))


def exact_name(name: str) -> str:
    """A name's words without reading them through the table: how the case's own names are matched."""
    return " ".join(words_of(name))


def facets_agree(request: Key, found: Key) -> bool:
    """Whether a finding can answer the request's specimen, modality and side. An unstated specimen or
    side agrees with any; a requested modality needs the finding to be imaging of that kind (or
    imaging of an unstated kind), so 'CT head' never returns the head examination."""
    if request.specimen and found.specimen and not request.specimen & found.specimen:
        return False
    if request.side and found.side and not (request.side & found.side or BOTH_SIDES in request.side | found.side):
        return False
    if request.modality:
        if not found.modality:
            return False
        shared = request.modality & found.modality
        return bool(shared) or ANY_MODALITY in request.modality | found.modality
    return True


def _names_facets_of(request: Key, found: Key) -> bool:
    """For a request of facets only ('UA', 'CT'): the finding states every facet the request states."""
    return all(
        bool(asked) <= bool(held)
        for asked, held in (
            (request.specimen, found.specimen),
            (request.modality, found.modality),
            (request.side, found.side),
        )
    )


def match_tier(request: Key, found: Key, *, group: bool, table: NameTable) -> int | None:
    """How well a finding's key answers a request: 1 the same test, 2 the request is broader (the
    finding adds only specifiers), 3 the request is narrower (it adds only specifiers, and the finding
    is one study rather than a group of them); ``None`` for another test. A narrower request naming a
    body site is not answered by a finding whose specimen already says where it came from ('corneal
    culture' is no blood culture, 'gastric pH' no blood-gas pH)."""
    if not facets_agree(request, found):
        return None
    asked, held = request.tokens, found.tokens
    if not asked and not _names_facets_of(request, found):
        return None
    if not asked and ANY_MODALITY in found.modality and ANY_MODALITY not in request.modality:
        return None  # 'PET scan' is not answered by whatever imaging the case holds
    if asked == held:
        return 1
    if asked < held and held - asked <= table.specifiers:
        return 2
    narrower_ok = bool(held) or bool(found.modality - {ANY_MODALITY} and found.modality & request.modality)
    site_clash = bool((asked - held) & table.regions) and bool(found.specimen - request.specimen)
    if held < asked and asked - held <= table.specifiers and narrower_ok and not group and not site_clash:
        return 3
    return None


def is_generic_name(name: str) -> bool:
    """A name that says which part of a report it is ('Findings', 'Result') but not which test: its key
    holds no test words and no specimen, modality or side."""
    key = concept_key(name)
    return not key.tokens and not key.has_facets
