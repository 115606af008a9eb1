"""Pinned upstream case files: the user cache, and a verified, atomic download into it.

A file is written to the cache only after its sha256 matches the pin, through a temporary file in the
same folder and ``os.replace``; an interrupted or mismatched transfer leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import platformdirs

from scenarios.errors import DatasetError

UPSTREAM_COMMIT = "b6570edefb940857a7c334350656b29f9d984f24"
UPSTREAM_BASE_URL = f"https://raw.githubusercontent.com/SamuelSchmidgall/AgentClinic/{UPSTREAM_COMMIT}"
BASE_URL_ENV = "AGENTCLINIC_DATA_URL"
CACHE_ENV = "AGENTCLINIC_CACHE"
CHUNK_BYTES = 64 * 1024

Progress = Callable[[int, int | None], None]
"""Called as ``progress(bytes_so_far, total_bytes_or_None)`` while downloading."""


def cache_dir() -> Path:
    """Where downloaded case files live: ``$AGENTCLINIC_CACHE`` or the platform's user cache folder."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir("agentclinic-sim")) / "datasets"


def upstream_url(filename: str) -> str:
    base = os.environ.get(BASE_URL_ENV, UPSTREAM_BASE_URL).rstrip("/")
    return f"{base}/{filename}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_verified(
    url: str,
    destination: Path,
    expected_sha256: str,
    *,
    timeout_s: float = 60.0,
    progress: Progress | None = None,
) -> Path:
    """Download ``url`` to ``destination`` if and only if its sha256 is ``expected_sha256``."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    temp_path = Path(temp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if progress:
                    progress(received, total)
            if total is not None and received != total:
                raise DatasetError(
                    f"download of {url} was cut off after {received} of {total} bytes; nothing was saved"
                )
        actual = digest.hexdigest()
        if actual != expected_sha256:
            raise DatasetError(
                f"checksum mismatch for {url}: expected sha256 {expected_sha256}, got {actual}; "
                "the file was not saved (the upstream file changed or the transfer was corrupted)"
            )
        os.replace(temp_path, destination)
        return destination
    except urllib.error.HTTPError as exc:
        raise DatasetError(f"download of {url} failed: HTTP {exc.code} {exc.reason}; nothing was saved") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if isinstance(exc, DatasetError):
            raise
        reason = getattr(exc, "reason", exc)
        raise DatasetError(
            f"download of {url} failed ({reason}); nothing was saved. "
            "Offline? Pass --data-dir DIR (or set AGENTCLINIC_DATA) to a folder holding the file."
        ) from None
    except Exception as exc:  # http.client.IncompleteRead and friends
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"download of {url} was interrupted ({type(exc).__name__}); nothing was saved") from None
    finally:
        temp_path.unlink(missing_ok=True)
