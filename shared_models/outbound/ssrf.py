"""D11: webhook targets must be https and must not reach internal addresses.

Checked when a target is saved and again right before it is called. Hosts listed in
WEBHOOK_ALLOWED_HOSTS are exempt from both rules (tests point them at local servers).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from shared_models.settings import Settings

MAX_URL_LENGTH = 500
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[Address]]


class UnsafeTarget(ValueError):
    """The URL may not be called; `str(error)` is the message for users."""


def _blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


class RecentResolutions:
    """`resolve`, reusing a host's answer for at most `ttl_seconds` (thread-safe).

    For the scheduler: when a burst of jobs calls one host, the fire-time check (D11)
    still runs before every call, against an answer at most a few seconds old, instead
    of one DNS round trip per call. A failed lookup is not remembered. The HTTP client
    resolves the host again to connect, as it does without this cache.
    """

    def __init__(self, ttl_seconds: float = 5.0, resolver: Resolver = resolve) -> None:
        self.ttl_seconds = ttl_seconds
        self._resolver = resolver
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, int], tuple[float, list[Address]]] = {}

    def __call__(self, host: str, port: int) -> list[Address]:
        now = time.monotonic()
        with self._lock:
            found = self._answers.get((host, port))
        if found is not None and now - found[0] < self.ttl_seconds:
            return found[1]
        addresses = self._resolver(host, port)
        with self._lock:
            if len(self._answers) > 1024:  # hosts of long-gone bursts
                self._answers = {k: v for k, v in self._answers.items() if now - v[0] < self.ttl_seconds}
            self._answers[host, port] = (now, addresses)
        return addresses


def check_target_url(
    url: str, settings: Settings, *, resolve_host: bool = True, resolver: Resolver = resolve
) -> str:
    """Return the host of a safe target URL, or raise UnsafeTarget.

    A host that does not resolve passes when saving (DNS may be down); the call made
    at fire time fails on its own then, and is checked again before it is made.
    `resolver` looks the host up (a `RecentResolutions` in the scheduler).
    """
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"Webhook URL must be at most {MAX_URL_LENGTH} characters.")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeTarget("Webhook URL must be an https:// URL with a host.")
    if host in settings.webhook_allowed_hosts:
        if parts.scheme not in ("http", "https"):
            raise UnsafeTarget("Webhook URL must be an https:// URL with a host.")
        return host
    if parts.scheme != "https":
        raise UnsafeTarget("Webhook URL must be an https:// URL with a host.")
    if not resolve_host:
        return host
    try:
        port = parts.port or 443
        addresses = resolver(host, port)
    except (OSError, ValueError):
        return host
    if any(_blocked(address) for address in addresses):
        raise UnsafeTarget(
            "Webhook URL must not point to a loopback, private, link-local or multicast address."
        )
    return host
