"""One bounded HTTP exchange for the outbound clients (GitHub, webhooks).

Redirects are not followed (a 3xx is an answer, not a hop to an unchecked host), TLS
is verified, and at most `max_body_bytes` of the response are read, so a hostile
target cannot fill memory or the executions table.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

MAX_BODY_BYTES = 64 * 1024


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA store costs ~50 ms of CPU,
    which per call capped the scheduler at a few dozen webhook calls per second."""
    return ssl.create_default_context()


_client_lock = threading.Lock()
_client: httpx.Client | None = None


def shared_client() -> httpx.Client:
    """One connection-pooling client per process (httpx clients are thread-safe).

    A client per call cost ~1.5 ms of CPU (proxy environment scan, pool and transport
    set-up) plus a new TCP/TLS connection; in a burst of 1,000 webhook calls on two
    cores that was about a third of each run. Timeouts are set per request.

    The client keeps no cookies: its jar refuses every domain, so a cookie one job's
    target sets is never sent on another user's call to the same host.
    """
    global _client
    client = _client
    if client is None:
        with _client_lock:
            if _client is None:
                _client = httpx.Client(
                    follow_redirects=False, verify=tls_context(),
                    cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                )
            client = _client
    return client


@dataclass(frozen=True)
class Reply:
    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)


def exchange(
    method: str,
    url: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    json: Any = None,
    send_json: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Reply:
    """Send one request and read a bounded reply; network faults raise `httpx.HTTPError`."""
    client = shared_client()
    request = client.build_request(
        method, url, headers=headers, json=json if send_json else None, timeout=timeout
    )
    response = client.send(request, stream=True)
    try:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= max_body_bytes:
                break
        raw = b"".join(chunks)[:max_body_bytes]
    finally:
        response.close()
    try:
        text = raw.decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name in the reply's Content-Type
        text = raw.decode("utf-8", errors="replace")
    return Reply(
        status_code=response.status_code,
        text=text,
        headers={key.lower(): value for key, value in response.headers.items()},
    )
