"""D11: webhook targets must be https and must not reach internal addresses.

Checked when a target is saved and again right before it is called. Hosts listed in
WEBHOOK_ALLOWED_HOSTS are exempt from both rules (tests point them at local servers).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from shared_models.settings import Settings

MAX_URL_LENGTH = 500


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


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_target_url(url: str, settings: Settings, *, resolve_host: bool = True) -> str:
    """Return the host of a safe target URL, or raise UnsafeTarget.

    A host that does not resolve passes when saving (DNS may be down); the call made
    at fire time fails on its own then, and is checked again before it is made.
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
        addresses = resolve(host, port)
    except (OSError, ValueError):
        return host
    if any(_blocked(address) for address in addresses):
        raise UnsafeTarget(
            "Webhook URL must not point to a loopback, private, link-local or multicast address."
        )
    return host
