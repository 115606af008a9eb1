"""The judge's prebuilt vocabulary index: read back exactly as built, keyed by its sources, never stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agents.judge import diagnosis_vocabulary, vocabulary_index
from agents.judge.diagnosis_names import key
from agents.judge.diagnosis_vocabulary import build_vocabulary
from agents.judge.moderator import DiagnosisMatcher
from agents.judge.vocabulary_index import cached_vocabulary, index_path, load_index, source_files, sources_digest

NEW_TERM = "zzq syndrome"
"""A made-up name that no real source knows, added to a copy of the lexicon by the tests."""


@pytest.fixture(scope="module")
def built() -> diagnosis_vocabulary.Vocabulary:
    return build_vocabulary()


def never_built(*args: object, **kwargs: object) -> None:
    raise AssertionError("the vocabulary was built although a current index was cached")


def test_the_stored_index_reads_back_as_built(built: diagnosis_vocabulary.Vocabulary) -> None:
    first = cached_vocabulary()  # nothing cached yet (each test has its own cache): built and stored
    assert index_path(sources_digest()).is_file()
    assert first == built
    again = load_index(index_path(sources_digest()), sources_digest())
    assert again == built  # every field, so every verdict is the same as with the vocabulary built in memory


def test_a_cached_index_is_read_not_rebuilt(monkeypatch: pytest.MonkeyPatch, built: diagnosis_vocabulary.Vocabulary):
    cached_vocabulary()
    monkeypatch.setattr(vocabulary_index, "build_vocabulary", never_built)
    assert cached_vocabulary() == built


@pytest.mark.parametrize("which", range(5))
def test_every_source_is_in_the_digest(which: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = source_files()
    before = sources_digest()
    changed = tmp_path / sources[which].name
    changed.write_bytes(sources[which].read_bytes() + b"\n")
    monkeypatch.setattr(vocabulary_index, "source_files", lambda: [*sources[:which], changed, *sources[which + 1 :]])
    assert sources_digest() != before


def test_a_changed_lexicon_never_uses_the_stale_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = cached_vocabulary()  # the index of today's sources, now in the cache
    assert not stale.concepts(key(NEW_TERM))
    lexicon = tmp_path / "diagnosis_lexicon.csv"
    shutil.copy(diagnosis_vocabulary.lexicon_path(), lexicon)
    with lexicon.open("a", encoding="utf-8") as out:
        out.write(f"{NEW_TERM},Myasthenia Gravis,synonym,test row\n")
    monkeypatch.setattr(diagnosis_vocabulary, "lexicon_path", lambda: lexicon)

    fresh = cached_vocabulary()
    assert fresh.concepts(key(NEW_TERM)), "the edited lexicon's row is known: the index was rebuilt from it"
    matcher = DiagnosisMatcher(vocabulary=fresh)
    assert matcher.decide(NEW_TERM, "Myasthenia gravis")[0]
    assert len(list(index_path(sources_digest()).parent.glob("*.json"))) == 2  # the old index is left, unused


def test_an_index_with_another_digest_inside_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    cached_vocabulary()
    path = index_path(sources_digest())
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["digest"] = "0" * 64  # built from other sources, then copied under today's name
    assert key("Myasthenia gravis") in stored["same"]
    stored["same"][key("Myasthenia gravis")] = ["Something Else"]
    path.write_text(json.dumps(stored), encoding="utf-8")
    rebuilt = cached_vocabulary()
    assert "Something Else" not in rebuilt.concepts(key("Myasthenia gravis"))
    assert rebuilt.concepts(key("Myasthenia gravis")) == build_vocabulary().concepts(key("Myasthenia gravis"))
    assert json.loads(path.read_text(encoding="utf-8"))["digest"] == sources_digest()


def test_a_damaged_index_is_rebuilt(built: diagnosis_vocabulary.Vocabulary) -> None:
    cached_vocabulary()
    path = index_path(sources_digest())
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as by a full disk
    assert cached_vocabulary() == built
    assert load_index(path, sources_digest()) == built


def test_an_unwritable_cache_still_gives_the_vocabulary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built: diagnosis_vocabulary.Vocabulary
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("AGENTCLINIC_CACHE", str(blocked))
    assert cached_vocabulary() == built
    assert list(tmp_path.iterdir()) == [blocked]
