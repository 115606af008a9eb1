"""``hf:<path>.gguf``: a user's GGUF is converted once into the cache, found there on every later load, and
converted again when the file changes; an unfinished conversion is never taken for a finished one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("gguf")

from models.backends import gguf as gguf_module  # noqa: E402
from models.backends.gguf import DONE_MARKER, gguf_model_folder, is_gguf_model  # noqa: E402


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path]]:
    """Record conversions instead of running them (the real one is in test_real_gemma.py)."""
    calls: list[tuple[Path, Path]] = []

    def convert(gguf_file: Path, folder: Path, *, name: str) -> None:
        calls.append((gguf_file, folder))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DONE_MARKER).write_text(str(gguf_file))

    monkeypatch.setattr(gguf_module, "convert_gguf", convert)
    return calls


def test_gguf_specs_are_recognised() -> None:
    assert is_gguf_model("gemma3-270m") and is_gguf_model("/models/medgemma-4b-it-Q4_K_M.GGUF")
    assert not is_gguf_model("google/medgemma-4b-it") and not is_gguf_model("/models/medgemma")


def test_a_gguf_is_converted_once_and_again_when_it_changes(
    tmp_path: Path, isolated_cache: Path, conversions: list[tuple[Path, Path]]
) -> None:
    model = tmp_path / "medgemma-4b-it-Q4_K_M.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 32)
    first = gguf_model_folder(str(model), "hf:x")
    assert first.parent == isolated_cache / "models" and first.name.startswith("medgemma-4b-it-Q4_K_M-")
    assert gguf_model_folder(str(model), "hf:x") == first and len(conversions) == 1  # found in the cache
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the file was replaced
    second = gguf_model_folder(str(model), "hf:x")
    assert second != first and len(conversions) == 2


def test_a_folder_without_its_marker_is_converted_again(
    tmp_path: Path, isolated_cache: Path, conversions: list[tuple[Path, Path]]
) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    folder = gguf_model_folder(str(model), "hf:m.gguf")
    (folder / DONE_MARKER).unlink()  # as a conversion killed before it finished would leave it
    gguf_model_folder(str(model), "hf:m.gguf")
    assert len(conversions) == 2
