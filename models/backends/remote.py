"""Whether a server address is off this machine: the fact the MIMIC privacy gate keys on (through
``BackendReference.is_remote``).

Only loopback hosts count as local (``localhost``, ``127.0.0.0/8``, ``::1``): a server elsewhere on the
network, however private, is another machine.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

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
