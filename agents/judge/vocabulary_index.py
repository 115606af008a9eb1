"""The judge's vocabulary as a prebuilt index: built once from its sources, stored in the user cache, loaded
in milliseconds by every later process.

Building the vocabulary (``agents.judge.diagnosis_vocabulary.build_vocabulary``) reads and keys all of MeSH's
disease names, about three seconds. The built index is stored as JSON under
``<cache dir>/vocabulary/<digest>.json`` (``$AGENTCLINIC_CACHE`` honoured, beside the case files and
images), where the digest is a sha256 of everything that decides its contents: the MeSH data file, the
lexicon, and the code that builds and keys it (``diagnosis_vocabulary.py``, ``diagnosis_names.py`` and this
file). A changed lexicon, clean-up rule or MeSH release has another digest, so a stale index is never found;
the file also carries its digest, which is checked on load, and a file that does not read back whole is
rebuilt. Files are written through a temporary file and ``os.replace``, so processes building at the same
time (the ranks of a distributed training) never see half an index. Where the cache cannot be written the
vocabulary is built in memory, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from agents.judge import diagnosis_names, diagnosis_vocabulary
from agents.judge.diagnosis_vocabulary import Vocabulary, build_vocabulary

INDEX_FOLDER = "vocabulary"


def source_files() -> list[Path]:
    """Every file that decides the index's contents: its data and the code that builds and keys it."""
    return [
        diagnosis_vocabulary.mesh_data_path(),
        diagnosis_vocabulary.lexicon_path(),
        Path(diagnosis_vocabulary.__file__),
        Path(diagnosis_names.__file__),
        Path(__file__),
    ]


def sources_digest() -> str:
    """sha256 over the MeSH data, the lexicon and the code that turns them into the index."""
    digest = hashlib.sha256()
    for source in source_files():
        content = source.read_bytes()
        digest.update(f"{source.name}:{len(content)}:".encode())
        digest.update(content)
    return digest.hexdigest()


def index_dir() -> Path:
    from scenarios.download import cache_dir  # the one owner of where this package caches things

    return cache_dir() / INDEX_FOLDER


def index_path(digest: str) -> Path:
    return index_dir() / f"{digest}.json"


def to_json(vocabulary: Vocabulary, digest: str) -> dict[str, Any]:
    return {
        "digest": digest,
        "same": {name_key: sorted(found) for name_key, found in vocabulary.same.items()},
        "narrower": {name_key: sorted(found) for name_key, found in vocabulary.narrower.items()},
        "abbreviations": {word: list(names) for word, names in vocabulary.abbreviations.items()},
        "origin": vocabulary.origin,
        "closed_up": vocabulary.closed_up,
        "trees": {heading: list(numbers) for heading, numbers in vocabulary.trees.items()},
    }


def from_json(stored: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        same={name_key: frozenset(found) for name_key, found in stored["same"].items()},
        narrower={name_key: frozenset(found) for name_key, found in stored["narrower"].items()},
        abbreviations={word: tuple(names) for word, names in stored["abbreviations"].items()},
        origin=dict(stored["origin"]),
        closed_up=dict(stored["closed_up"]),
        trees={heading: tuple(numbers) for heading, numbers in stored["trees"].items()},
    )


def load_index(path: Path, digest: str) -> Vocabulary | None:
    """The index stored at ``path`` if it is whole and built from sources with ``digest``; else None."""
    try:
        stored = json.loads(path.read_bytes())
        if not isinstance(stored, dict) or stored.get("digest") != digest:
            return None
        return from_json(stored)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_index(vocabulary: Vocabulary, path: Path, digest: str) -> bool:
    """Write the index atomically; False (nothing written) when the folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(to_json(vocabulary, digest), out, separators=(",", ":"))
        os.replace(temp_name, path)
        return True
    except OSError:
        Path(temp_name).unlink(missing_ok=True)
        return False


def cached_vocabulary() -> Vocabulary:
    """MeSH plus the shipped lexicon: from the index when one built from today's sources is cached, else
    built now and cached for the next process."""
    digest = sources_digest()
    path = index_path(digest)
    found = load_index(path, digest)
    if found is not None:
        return found
    built = build_vocabulary()
    save_index(built, path, digest)
    return built


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The vocabulary every judge uses by default, read once per process (see ``cached_vocabulary``)."""
    return cached_vocabulary()
