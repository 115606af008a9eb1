"""Case images: the figure a case comes with (NEJM cases have one), its text, and a checked, cached fetch.

``case_image(case)`` says whether a case has an image and gives the text published with it (for NEJM, the
question without its final ask: the vignette the figure was shown with). ``fetch_image(url)`` downloads
the image once into ``<cache dir>/images`` (the dataset cache's folder, ``$AGENTCLINIC_CACHE`` honoured),
keyed by the URL's sha256, and later calls read it from there. What is kept is checked:

* the bytes must be a PNG, JPEG, GIF or WebP image by their magic bytes (an HTML error page served with
  status 200 is refused, whatever its Content-Type says);
* at most ``max_bytes`` (default 20 MiB, the OpenAI API's per-image limit) are read;
* the file is written through a temporary file in the same folder and ``os.replace``, so an interrupted or
  refused transfer leaves nothing in the cache; a cached file that no longer passes the check is fetched again.

A failure raises ``ImageFetchError`` naming the case and the URL. No torch and no PIL here.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from scenarios.download import CHUNK_BYTES, cache_dir
from scenarios.errors import DatasetError
from scenarios.schema import Case

IMAGE_FOLDER = "images"
MAX_IMAGE_BYTES = 20 * 1024 * 1024
USER_AGENT = "agentclinic-sim (case image fetch)"
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_URL_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


class ImageFetchError(DatasetError):
    """A case's image cannot be fetched or is not an image; the message names the case and the URL."""


class CaseImage(BaseModel):
    """The image a case comes with: where it is, and the text published with it (None when there is none)."""

    model_config = ConfigDict(frozen=True)

    url: str
    text: str | None = None


class FetchedImage(BaseModel):
    """An image's checked bytes, its media type by magic bytes, and the cache file holding them."""

    model_config = ConfigDict(frozen=True)

    url: str
    data: bytes = Field(repr=False)
    mime_type: str
    path: Path


def image_mime(data: bytes) -> str | None:
    """The media type the bytes' magic number names (PNG, JPEG, GIF, WebP), or None when it is none of them."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in MAGIC if data.startswith(magic)), None)


def nejm_image_text(question: str) -> str:
    """A NEJM question without its final ask (the ask is already the doctor's objective)."""
    sentences = _SENTENCE_END.split(question.strip())
    while len(sentences) > 1 and sentences[-1].rstrip().endswith("?"):
        sentences.pop()
    return " ".join(sentences).strip()


def case_image(case: Case) -> CaseImage | None:
    """The case's image and its text, or None when the case has no image URL."""
    url = (case.image_url or "").strip()
    if not url:
        return None
    question = case.raw.get("question")
    text = nejm_image_text(question) if isinstance(question, str) and question.strip() else None
    return CaseImage(url=url, text=text or None)


def image_cache_dir() -> Path:
    return cache_dir() / IMAGE_FOLDER


def cache_path(url: str) -> Path:
    """Where an image URL's bytes are kept: its sha256 under the image cache."""
    return image_cache_dir() / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()}.img"


def _lock_for(url: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _URL_LOCKS.setdefault(url, threading.Lock())


def _cached(url: str, path: Path) -> FetchedImage | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    mime = image_mime(data)
    return FetchedImage(url=url, data=data, mime_type=mime, path=path) if mime else None


def fetch_image(
    url: str,
    *,
    case_id: str | None = None,
    timeout_s: float = 60.0,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> FetchedImage:
    """The image at ``url``: from the cache, else downloaded, checked and cached (see the module docstring).

    Raises ``ImageFetchError`` (naming ``case_id`` and ``url``) when it cannot be fetched or is not an image."""
    path = cache_path(url)
    with _lock_for(url):
        cached = _cached(url, path)
        if cached is not None:
            return cached
        data, content_type = _download(url, case_id, timeout_s, max_bytes)
        mime = image_mime(data)
        if mime is None:
            start = data[:16].decode("latin-1", errors="replace")
            raise _error(
                url, case_id, f"the reply is not an image (Content-Type {content_type or 'absent'}, starts {start!r})"
            )
        _write_atomic(path, data, url, case_id)
        return FetchedImage(url=url, data=data, mime_type=mime, path=path)


def _error(url: str, case_id: str | None, reason: str) -> ImageFetchError:
    who = f"case {case_id}: " if case_id else ""
    return ImageFetchError(f"{who}image {url}: {reason}; nothing was cached")


def _download(url: str, case_id: str | None, timeout_s: float, max_bytes: int) -> tuple[bytes, str]:
    """The body (at most ``max_bytes``) and the Content-Type of ``url``."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _error(url, case_id, f"it is {int(length)} bytes, over the {max_bytes}-byte cap")
            chunks, received = [], 0
            while chunk := response.read(CHUNK_BYTES):
                received += len(chunk)
                if received > max_bytes:
                    raise _error(url, case_id, f"it is over the {max_bytes}-byte cap")
                chunks.append(chunk)
            if length and length.isdigit() and received != int(length):
                raise _error(url, case_id, f"the transfer was cut off after {received} of {length} bytes")
    except ImageFetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise _error(url, case_id, f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise _error(url, case_id, f"download failed ({getattr(exc, 'reason', exc)})") from None
    except Exception as exc:  # http.client.IncompleteRead, a malformed URL and the like
        raise _error(url, case_id, f"download failed ({type(exc).__name__}: {exc})") from None
    return b"".join(chunks), content_type


def _write_atomic(path: Path, data: bytes, url: str, case_id: str | None) -> None:
    """Write through a temporary file beside ``path`` and ``os.replace``: the cache holds all of it or nothing."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _error(url, case_id, f"cannot write to the image cache {path.parent} ({exc})") from None
    temp_path = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp_path, path)
    except OSError as exc:
        raise _error(url, case_id, f"cannot write to the image cache {path.parent} ({exc})") from None
    finally:
        temp_path.unlink(missing_ok=True)
