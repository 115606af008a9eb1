"""The reviewed test-name table (``agents/data/test_names.csv``), read and indexed for reading names.

Each row reads a ``term`` as a ``concept`` of one kind (usual names, abbreviations, spellings, qualifiers,
specimens, imaging modalities, sides, specifiers, body regions, panel members, examination signs, and which
region lies within which), with the source it comes from. :func:`name_table` is the packaged table, indexed
once per process: phrases by their words, facet values, specifier and region words, panels and their
members, and the regions containing each region.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.measurement.name_words import words_of

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
    "instance",
    "detail",
    "alternative",
    "written",
    "finding",
    "organism",
    "default",
]
FACET_KINDS: tuple[NameKind, ...] = ("specimen", "modality", "side")


class NameEntry(BaseModel):
    """One reviewed row of the test-name table: ``term`` read as ``concept``, with where that comes from.

    ``concept`` holds the words the term stands for (``-`` for a qualifier, which is dropped), a
    specimen / modality / side for those kinds, the usual spelling of a one-word ``spelling`` term,
    for ``panel`` rows the panel the term (a member's words) belongs to, and for ``sign`` rows (an
    examination sign or manoeuvre, reported inside examination text) the words a case writes it in, and for
    ``within`` rows the broader regions that contain the region ``term`` (a region's concept word:
    'knee' within 'joint extremity musculoskeletal'), nearest first, for ``instance`` rows the kind of
    test the test ``term`` (a concept word) is one of ('finger_to_nose' is a 'coordination' test), for
    ``detail`` rows the concept word itself (a detail of how a result was obtained: 'timed_urine'), and for
    ``alternative`` rows the words of a second meaning of an abbreviation ('tlc': 'total lung capacity'), and for
    ``written`` rows the words an examination's text may write the sign ``term`` asks about in, a phrase's words
    joined by '_' ('tone': 'rigidity spasticity flaccid ...': a report of rigidity answers a question about the
    tone; 'dip': 'distal_interphalangeal'), and for ``finding`` rows ``-`` (a word saying what an examination
    found, not what it examined: 'distended', 'intact'), and for ``organism`` rows the kind of culture that grows the
    organism ``term`` ('pseudomonas': 'bacterial'; 'candida': 'fungal'), and for ``default`` rows the specifier a
    result of the concept word ``term`` is where its name states none ('bilirubin': 'total')."""

    model_config = ConfigDict(frozen=True)

    term: str = Field(min_length=1)
    concept: str = Field(min_length=1)
    kind: NameKind
    source: str = Field(min_length=1)


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
    lone_members: frozenset[str]
    """the members' words that name no panel themselves ('renin', 'urea'; not 'electrolyte'): such words written one
    after another without a comma list tests ('urea creatinine')."""
    words: frozenset[str]
    within: dict[str, tuple[str, ...]] = dataclass_field(default_factory=dict)
    """a region -> every region containing it, nearest first ('liver' -> 'abdomen'; 'knee' -> 'joint',
    'extremity', 'musculoskeletal')."""
    inside: dict[str, frozenset[str]] = dataclass_field(default_factory=dict)
    """a region -> every region within it, at any depth ('skin' -> 'nail', 'scalp'; 'joint' -> 'knee', 'hip'): the
    converse of ``within``."""
    categories: dict[str, frozenset[str]] = dataclass_field(default_factory=dict)
    """a test's concept word -> the kinds of test it is one of ('dix_hallpike' -> 'positional')."""
    defaults: dict[str, str] = dataclass_field(default_factory=dict)
    """a test's concept word -> the specifier its result is where its name states none ('bilirubin' -> 'total'): a
    request naming another specifier ('direct bilirubin') is not answered by such a result."""
    details: frozenset[str] = frozenset()
    """concept words for how a result was obtained ('timed_urine'): a request that does not name one may
    be answered by a result that does, but a request naming one is not answered by a result without it."""
    vocabulary: frozenset[str] = frozenset()
    """every word the table reads or reads a name as (its terms' words and its concepts' words)."""
    alternatives: dict[tuple[str, ...], tuple[str, ...]] = dataclass_field(default_factory=dict)
    """an abbreviation with a second meaning -> the words of that meaning ('tlc' -> 'total lung capacity'),
    read when the first meaning finds nothing in the case."""
    written: dict[tuple[str, ...], frozenset[tuple[str, ...]]] = dataclass_field(default_factory=dict)
    """a sign's words -> the words or phrases an examination's text may write it in, its own last word among them
    ('muscle tone' -> 'tone', 'rigidity', ...; 'DIP' -> 'dip', 'distal interphalangeal'): how the lookup's last
    resort reads a text for the sign."""
    findings: frozenset[str] = frozenset()
    """words that say what an examination found ('distended', 'red', 'intact'): a question about a part asked with one
    ('Is his belly distended?') is read without them when nothing else answers it."""
    organisms: dict[tuple[str, ...], str] = dataclass_field(default_factory=dict)
    """an organism's words -> the kind of culture it grows in ('pseudomonas' -> 'bacterial'): a culture asked for by
    its kind ('fungal culture') is not one whose result names only organisms of another kind."""
    culture_kinds: frozenset[str] = frozenset()
    """the kinds of culture the organisms grow in ('bacterial', 'fungal', 'viral')."""
    tests: frozenset[str] = frozenset()
    """the words of the tests the usual names and abbreviations stand for ('lipase', 'cbc', 'biopsy'):
    what a finding's name says it is a result of, beyond regions, methods and facets."""


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
    categories: dict[str, frozenset[str]] = dataclass_field(default_factory=dict)
    details: set[str] = dataclass_field(default_factory=set)
    defaults: dict[str, str] = dataclass_field(default_factory=dict)
    alternatives: dict[tuple[str, ...], tuple[str, ...]] = dataclass_field(default_factory=dict)
    written: dict[tuple[str, ...], frozenset[tuple[str, ...]]] = dataclass_field(default_factory=dict)
    findings: set[str] = dataclass_field(default_factory=set)
    organisms: dict[tuple[str, ...], str] = dataclass_field(default_factory=dict)

    def add(self, entry: NameEntry) -> None:
        """File one row; a term listed twice (outside the panel rows) or a region placed twice is an error."""
        if entry.kind == "panel":
            self.panels.setdefault(entry.concept, set()).add(frozenset(entry.term.split()))
        elif entry.kind == "within":
            if entry.term in self.containers:
                raise ValueError(f"test-name table: region {entry.term!r} is placed twice")
            self.containers[entry.term] = entry.concept.split()
        elif entry.kind == "detail":
            self.details.add(entry.term)
        elif entry.kind == "default":
            if entry.term in self.defaults:
                raise ValueError(f"test-name table: the default of {entry.term!r} is listed twice")
            self.defaults[entry.term] = entry.concept
        elif entry.kind == "alternative":
            self.alternatives[tuple(words_of(entry.term))] = tuple(words_of(entry.concept))
        elif entry.kind in ("written", "finding", "organism", "instance"):
            self._add_reading(entry)
        else:
            self._add_phrase(entry)

    def _add_reading(self, entry: NameEntry) -> None:
        """File a row saying how a text or a request is read: a sign's words, a finding word, an organism's kind or
        a test's kinds."""
        if entry.kind == "written":
            words = tuple(words_of(entry.term))
            if words in self.written:
                raise ValueError(f"test-name table: how a text writes {entry.term!r} is listed twice")
            said = [tuple(words_of(phrase.replace("_", " "))) for phrase in entry.concept.split()]
            self.written[words] = frozenset({(words[-1],), *said})
        elif entry.kind == "finding":
            if entry.term in self.findings:
                raise ValueError(f"test-name table: finding word {entry.term!r} is listed twice")
            self.findings.add(entry.term)
        elif entry.kind == "organism":
            words = tuple(words_of(entry.term))
            if words in self.organisms:
                raise ValueError(f"test-name table: organism {entry.term!r} is listed twice")
            self.organisms[words] = entry.concept
        elif entry.kind == "instance":
            if entry.term in self.categories:
                raise ValueError(f"test-name table: test {entry.term!r} is given its kinds twice")
            self.categories[entry.term] = frozenset(entry.concept.split())

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
    within = {region: _containing(region, rows.containers) for region in rows.containers}
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
        lone_members=frozenset(member_of) - frozenset(rows.panels),
        words=frozenset({word for words in rows.phrases for word in words} | set(rows.spellings)),
        within=within,
        inside=_inside(within),
        categories=rows.categories,
        details=frozenset(rows.details),
        defaults=rows.defaults,
        alternatives=rows.alternatives,
        written=rows.written,
        findings=frozenset(rows.findings),
        organisms=rows.organisms,
        culture_kinds=frozenset(rows.organisms.values()),
        vocabulary=frozenset({word for words in rows.phrases for word in words} | set(rows.spellings)).union(
            *(entry.concept.split() for entry in rows.phrases.values()), rows.spellings.values(), rows.regions
        ),
        tests=frozenset(
            word
            for entry in rows.phrases.values()
            if entry.kind in ("synonym", "abbreviation")
            for word in entry.concept.split()
        )
        - rows.specifiers
        - facet_words,
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


def _inside(within: dict[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    """Each region containing others -> the regions within it."""
    inside: dict[str, set[str]] = {}
    for region, wider in within.items():
        for broader in wider:
            inside.setdefault(broader, set()).add(region)
    return {region: frozenset(parts) for region, parts in inside.items()}


@lru_cache(maxsize=1)
def name_table() -> NameTable:
    """The packaged table, read once per process."""
    return build_name_table(read_names())
