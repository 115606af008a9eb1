"""Whether a backend sends what it is given off this machine: the fact the MIMIC privacy gate keys on.

Only loopback hosts count as local (``localhost``, ``127.0.0.0/8``, ``::1``): a server elsewhere on the
network, however private, is another machine. A backend object answers for itself through an
``is_remote`` attribute; an object that does not say is treated as remote.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

OPENAI_API_HOST = "api.openai.com"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def url_host(url: str) -> str:
    """The host part of a base URL (``http://127.0.0.1:8000/v1`` -> ``127.0.0.1``); lower-cased."""
    parsed = urlsplit(url if "://" in url else f"http://{url}")
    return (parsed.hostname or "").lower()


def host_is_local(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_is_remote(base_url: str | None) -> bool:
    """``None`` means the SDK's default: ``$OPENAI_BASE_URL`` when set, else the OpenAI API."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL")
    return not host_is_local(url_host(base_url)) if base_url else True


def uri_is_remote(uri: str) -> bool:
    """A backend URI (``openai:<model>[@<base_url>]``, ``hf:…``, ``tiny``, ``retrieval`` …). Only the
    ``openai`` scheme talks to a server; every other backend runs in this process."""
    scheme, _, rest = uri.strip().partition(":")
    if scheme != "openai":
        return False
    _, _, base_url = rest.partition("@")
    return base_url_is_remote(base_url or None)


def is_remote(backend: object) -> bool:
    """A URI string, or a backend object (its ``is_remote`` attribute; remote when it has none)."""
    if isinstance(backend, str):
        return uri_is_remote(backend)
    return bool(getattr(backend, "is_remote", True))
