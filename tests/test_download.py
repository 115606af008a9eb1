"""The verified download: a local HTTP server plays upstream, and nothing unverified may reach the cache."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import scenarios
from scenarios import DATASETS, DatasetError
from scenarios.download import download_verified

MEDQA = DATASETS["medqa"]
MEDQA_PATH = f"/pinned/{MEDQA.filename}"

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Upstream:
    """The test's upstream: what each path answers, and every path requested so far."""

    root: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        """What ``AGENTCLINIC_DATA_URL`` is set to: the folder the pinned files are served from."""
        return f"{self.root}/pinned"

    def url(self, path: str = MEDQA_PATH) -> str:
        return self.root + path


def serve_bytes(data: bytes) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return route


def serve_status(code: int) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_error(code)

    return route


def serve_cut_off(data: bytes) -> Route:
    """Promise all of ``data``, send half, then drop the connection."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data[: len(data) // 2])
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
        handler.connection.close()

    return route


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    state = Upstream(root="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            state.routes.get(self.path, serve_status(404))(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.root = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def medqa_bytes(shared_data: Path) -> bytes:
    data = (shared_data / MEDQA.filename).read_bytes()
    assert hashlib.sha256(data).hexdigest() == MEDQA.sha256
    return data


@pytest.fixture
def use_upstream(upstream: Upstream, monkeypatch: pytest.MonkeyPatch) -> Upstream:
    monkeypatch.setenv("AGENTCLINIC_DATA_URL", upstream.base_url)
    return upstream


def altered(data: bytes) -> bytes:
    index = data.index(b"Correct_Diagnosis")
    return data[:index] + b"c" + data[index + 1 :]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def run_cli(*args: str, cache: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENTCLINIC_CACHE": str(cache), "AGENTCLINIC_DATA_URL": base_url, "COLUMNS": "200"}
    env.pop("AGENTCLINIC_DATA", None)
    return subprocess.run(
        [sys.executable, "-m", "agentclinic_sim.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- download_verified on its own --------------------------------------------------------------------------------


def test_good_download_lands_verified_with_progress(upstream: Upstream, medqa_bytes: bytes, tmp_path: Path) -> None:
    upstream.routes[MEDQA_PATH] = serve_bytes(medqa_bytes)
    destination = tmp_path / "new" / "folder" / MEDQA.filename
    seen: list[tuple[int, int | None]] = []

    result = download_verified(
        upstream.url(), destination, MEDQA.sha256, timeout_s=10, progress=lambda n, t: seen.append((n, t))
    )

    assert result == destination
    assert destination.read_bytes() == medqa_bytes
    assert files_in(destination.parent) == [MEDQA.filename]
    assert seen[-1] == (len(medqa_bytes), len(medqa_bytes))
    assert [n for n, _ in seen] == sorted(n for n, _ in seen)
    assert upstream.requests == [MEDQA_PATH]


def test_checksum_mismatch_saves_nothing(upstream: Upstream, medqa_bytes: bytes, tmp_path: Path) -> None:
    upstream.routes[MEDQA_PATH] = serve_bytes(altered(medqa_bytes))
    destination = tmp_path / "cache" / MEDQA.filename

    with pytest.raises(DatasetError, match="checksum mismatch") as raised:
        download_verified(upstream.url(), destination, MEDQA.sha256, timeout_s=10)

    assert MEDQA.sha256 in str(raised.value)
    assert hashlib.sha256(altered(medqa_bytes)).hexdigest() in str(raised.value)
    assert not destination.exists()
    assert files_in(destination.parent) == []


def test_checksum_mismatch_keeps_an_existing_destination(
    upstream: Upstream, medqa_bytes: bytes, tmp_path: Path
) -> None:
    upstream.routes[MEDQA_PATH] = serve_bytes(altered(medqa_bytes))
    destination = tmp_path / MEDQA.filename
    destination.write_bytes(b"previous content\n")

    with pytest.raises(DatasetError, match="checksum mismatch"):
        download_verified(upstream.url(), destination, MEDQA.sha256, timeout_s=10)

    assert destination.read_bytes() == b"previous content\n"
    assert files_in(tmp_path) == [MEDQA.filename]


@pytest.mark.parametrize("code", [500, 404])
def test_http_error_saves_nothing(upstream: Upstream, tmp_path: Path, code: int) -> None:
    upstream.routes[MEDQA_PATH] = serve_status(code)
    destination = tmp_path / "cache" / MEDQA.filename

    with pytest.raises(DatasetError, match=f"HTTP {code}"):
        download_verified(upstream.url(), destination, MEDQA.sha256, timeout_s=10)

    assert files_in(destination.parent) == []


def test_interrupted_transfer_saves_nothing(upstream: Upstream, medqa_bytes: bytes, tmp_path: Path) -> None:
    upstream.routes[MEDQA_PATH] = serve_cut_off(medqa_bytes)
    destination = tmp_path / "cache" / MEDQA.filename

    with pytest.raises(DatasetError, match="nothing was saved") as raised:
        download_verified(upstream.url(), destination, MEDQA.sha256, timeout_s=10)

    assert "checksum" not in str(raised.value)  # reported as a cut-off transfer, not as a corrupt file
    assert files_in(destination.parent) == []


def test_unreachable_server_points_to_data_dir(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    destination = tmp_path / "cache" / MEDQA.filename

    with pytest.raises(DatasetError, match="--data-dir"):
        download_verified(f"http://127.0.0.1:{port}/x.jsonl", destination, MEDQA.sha256, timeout_s=10)

    assert files_in(destination.parent) == []


# --- the registry: load_cases downloads into the cache ------------------------------------------------------------


def test_load_cases_downloads_once_into_the_cache(
    use_upstream: Upstream, medqa_bytes: bytes, isolated_cache: Path
) -> None:
    use_upstream.routes[MEDQA_PATH] = serve_bytes(medqa_bytes)

    cases = scenarios.load_cases("medqa")

    assert len(cases) == MEDQA.count == 107
    assert [c.id for c in cases[:2]] == ["medqa:0", "medqa:1"]
    cached = isolated_cache / MEDQA.filename
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == MEDQA.sha256
    assert files_in(isolated_cache) == [MEDQA.filename]
    assert use_upstream.requests == [MEDQA_PATH]

    again = scenarios.load_cases("medqa")

    assert [c.content_hash for c in again] == [c.content_hash for c in cases]
    assert use_upstream.requests == [MEDQA_PATH]  # served from the cache


def test_load_cases_with_downloads_off_does_not_ask(use_upstream: Upstream, isolated_cache: Path) -> None:
    with pytest.raises(DatasetError, match="--data-dir"):
        scenarios.load_cases("medqa", download=False)
    assert use_upstream.requests == []
    assert files_in(isolated_cache) == []


def test_load_cases_checksum_mismatch_leaves_cache_empty(
    use_upstream: Upstream, medqa_bytes: bytes, isolated_cache: Path
) -> None:
    use_upstream.routes[MEDQA_PATH] = serve_bytes(altered(medqa_bytes))

    with pytest.raises(DatasetError, match="checksum mismatch"):
        scenarios.load_cases("medqa")

    assert files_in(isolated_cache) == []
    assert use_upstream.requests == [MEDQA_PATH]


@pytest.mark.parametrize("code", [500, 404])
def test_load_cases_http_error_leaves_cache_empty(use_upstream: Upstream, isolated_cache: Path, code: int) -> None:
    use_upstream.routes[MEDQA_PATH] = serve_status(code)

    with pytest.raises(DatasetError, match=f"HTTP {code}"):
        scenarios.load_cases("medqa")

    assert files_in(isolated_cache) == []


def test_load_cases_interrupted_leaves_cache_empty(
    use_upstream: Upstream, medqa_bytes: bytes, isolated_cache: Path
) -> None:
    use_upstream.routes[MEDQA_PATH] = serve_cut_off(medqa_bytes)

    with pytest.raises(DatasetError, match="nothing was saved"):
        scenarios.load_cases("medqa")

    assert files_in(isolated_cache) == []


def test_mimiciv_is_never_downloaded(use_upstream: Upstream, isolated_cache: Path) -> None:
    with pytest.raises(DatasetError, match="PhysioNet"):
        scenarios.load_cases("mimiciv")
    assert use_upstream.requests == []
    assert files_in(isolated_cache) == []


# --- the CLI ------------------------------------------------------------------------------------------------------


def test_cli_validate_medqa_downloads_and_counts(upstream: Upstream, medqa_bytes: bytes, tmp_path: Path) -> None:
    upstream.routes[MEDQA_PATH] = serve_bytes(medqa_bytes)
    cache = tmp_path / "cli-cache"

    result = run_cli("cases", "validate", "medqa", cache=cache, base_url=upstream.base_url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: 107 cases" in result.stdout
    assert (cache / MEDQA.filename).read_bytes() == medqa_bytes
    assert upstream.requests == [MEDQA_PATH]


def test_cli_validate_medqa_checksum_mismatch(upstream: Upstream, medqa_bytes: bytes, tmp_path: Path) -> None:
    upstream.routes[MEDQA_PATH] = serve_bytes(altered(medqa_bytes))
    cache = tmp_path / "cli-cache"

    result = run_cli("cases", "validate", "medqa", cache=cache, base_url=upstream.base_url)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "checksum mismatch" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert files_in(cache) == []


def test_cli_validate_mimiciv_explains_and_asks_nothing(upstream: Upstream, tmp_path: Path) -> None:
    cache = tmp_path / "cli-cache"

    result = run_cli("cases", "validate", "mimiciv", cache=cache, base_url=upstream.base_url)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "PhysioNet" in result.stderr
    assert "--data-dir" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert upstream.requests == []
    assert files_in(cache) == []
