"""Shared test fixtures: where the AgentClinic case files live, and an isolated cache per test.

Core tests run on the bundled demo cases. Tests that need the AgentClinic files find them through the
project's own lookup (``$AGENTCLINIC_DATA``, then the user cache) as it stood when the session started,
and skip with a one-line reason when they are absent. CI sets ``AGENTCLINIC_REQUIRE_DATA=1``, which
turns that skip into a failure. Pages are checked in Debian's headless chromium (``/usr/bin/chromium``) driven
by Playwright; without either the tests skip, unless ``AGENTCLINIC_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scenarios import Case, load_cases
from scenarios.download import cache_dir
from scenarios.registry import DATA_DIR_ENV, DATASETS

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from models.backends.hf import HFBackend
    from models.training.hf_policy import HFPolicy

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REQUIRE_DATA_ENV = "AGENTCLINIC_REQUIRE_DATA"
NEEDED_FILES = [spec.filename for spec in DATASETS.values() if spec.downloadable]


def _find_shared_data() -> Path | None:
    """The first folder of the documented lookup that holds every downloadable AgentClinic file."""
    candidates = [Path(os.environ[DATA_DIR_ENV]).expanduser()] if os.environ.get(DATA_DIR_ENV) else []
    candidates.append(cache_dir())
    return next((folder for folder in candidates if all((folder / name).is_file() for name in NEEDED_FILES)), None)


SHARED_DATA = _find_shared_data()  # read before any test's monkeypatching of the environment
USER_CACHE = os.environ.get("AGENTCLINIC_CACHE")  # where a converted real model is kept between test runs
REQUIRE_GEMMA_ENV = "AGENTCLINIC_REQUIRE_GEMMA"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty dataset cache, no data dir, and a download URL that goes nowhere."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AGENTCLINIC_CACHE", str(cache))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("AGENTCLINIC_DATA_URL", "http://127.0.0.1:9/unreachable")
    return cache


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if SHARED_DATA is None:
        reason = f"AgentClinic case files not found (set {DATA_DIR_ENV} to the folder holding them)"
        if os.environ.get(REQUIRE_DATA_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_DATA_ENV}=1 requires them")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(scope="session")
def mg_case(shared_data: Path) -> Case:
    """AgentClinic-MedQA case 0 (myasthenia gravis): exam and test trees several levels deep."""
    case = load_cases("medqa", shared_data)[0]
    assert case.diagnosis == "Myasthenia gravis"
    return case


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Gemma 3 model and tokenizer, built offline once per session."""
    pytest.importorskip("torch")
    from models.tiny import build_tiny

    return build_tiny(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="module")
def tiny(tiny_model_path: Path) -> HFBackend:
    """The tiny Gemma 3 loaded as a backend, once per test module."""
    from models.backends.hf import HFBackend

    return HFBackend(str(tiny_model_path), name="tiny")


@pytest.fixture(scope="module")
def policy(tiny: HFBackend) -> HFPolicy:
    """The tiny Gemma 3 as a rollout policy (``HFPolicy`` over the module's ``tiny`` backend)."""
    from models.training.hf_policy import HFPolicy

    return HFPolicy(tiny)


@pytest.fixture(scope="session")
def gemma3_270m_path() -> Path:
    """Google's Gemma 3 270M (the ``gemma3`` extra), converted once into the user cache (not the per-test cache,
    so later sessions reuse it). Skips with a one-line reason without the extra; CI sets
    ``AGENTCLINIC_REQUIRE_GEMMA=1``, which turns that skip into a failure."""
    pytest.importorskip("torch")
    from models.backends.base import BackendError
    from models.backends.gguf import GEMMA3_270M, check_gguf_model, gguf_model_folder

    try:
        check_gguf_model(GEMMA3_270M, GEMMA3_270M)
    except BackendError as exc:
        if os.environ.get(REQUIRE_GEMMA_ENV) == "1":
            pytest.fail(f"{exc}; {REQUIRE_GEMMA_ENV}=1 requires it")
        pytest.skip(str(exc))
    with pytest.MonkeyPatch.context() as patch:
        if USER_CACHE:
            patch.setenv("AGENTCLINIC_CACHE", USER_CACHE)
        else:
            patch.delenv("AGENTCLINIC_CACHE", raising=False)
        return gguf_model_folder(GEMMA3_270M, GEMMA3_270M)


@pytest.fixture
def stub_api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """No real OpenAI settings or proxies reach the test; ``AGENTCLINIC_TEST_KEY`` holds a fake key for the
    local stub server (pass ``--api-key-env AGENTCLINIC_TEST_KEY``)."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTCLINIC_TEST_KEY", "sk-test-key")
    return "AGENTCLINIC_TEST_KEY"


CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER_ENV = "AGENTCLINIC_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The system's headless chromium, driven by Playwright (never Playwright's own downloaded browsers). Skips
    with a one-line reason when either is missing; CI sets ``AGENTCLINIC_REQUIRE_BROWSER=1``, which turns that
    skip into a failure. Module-scoped: Playwright's sync API keeps an event loop running in this thread while it
    is open, and any later test that calls ``asyncio.run`` (every ``agentclinic run``) would find it."""
    reason = None
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "playwright is not installed (the dev extra: pip install -e '.[dev]')"
    if reason is not None:
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{reason}; {REQUIRE_BROWSER_ENV}=1 requires it")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
