"""Shared test fixtures: where the AgentClinic case files live, and an isolated cache per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import Case, load_cases

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data" / "agentclinic"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty dataset cache, no data dir, and a download URL that goes nowhere."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AGENTCLINIC_CACHE", str(cache))
    monkeypatch.delenv("AGENTCLINIC_DATA", raising=False)
    monkeypatch.setenv("AGENTCLINIC_DATA_URL", "http://127.0.0.1:9/unreachable")
    return cache


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"AgentClinic case files not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def mg_case(shared_data: Path) -> Case:
    """AgentClinic-MedQA case 0 (myasthenia gravis): exam and test trees several levels deep."""
    case = load_cases("medqa", shared_data)[0]
    assert case.diagnosis == "Myasthenia gravis"
    return case
