"""One bounded HTTP exchange for the outbound clients (GitHub, webhooks).

Redirects are not followed (a 3xx is an answer, not a hop to an unchecked host), TLS
is verified, and at most `max_body_bytes` of the response are read, so a hostile
target cannot fill memory or the executions table.
"""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass, field
from http.cookiejar import Cookie, CookieJar
from typing import Any

import httpx

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


_tls_lock = threading.Lock()
_tls: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA store costs ~50 ms of CPU,
    which per call capped the scheduler at a few dozen webhook calls per second.

    Built under a lock: 32 run threads creating their clients at once each loaded the
    CA store (an unlocked cache lets every concurrent first caller compute), ~1 s of
    CPU at the start of a burst.
    """
    global _tls
    with _tls_lock:  # taken per client built, not per call
        if _tls is None:
            _tls = ssl.create_default_context()
        return _tls


class NoCookies(CookieJar):
    """A cookie jar that never stores a cookie.

    One client serves every user's jobs, so a cookie one job's target sets must never be
    sent on another user's call. Refusing at `extract_cookies` rather than by policy
    also skips parsing each reply's headers into an `email.message.Message` first (a
    few % of a local webhook call's CPU).
    """

    def extract_cookies(self, response: object, request: object) -> None:  # noqa: ARG002 - CookieJar's signature
        return

    def set_cookie(self, cookie: Cookie) -> None:  # noqa: ARG002 - CookieJar's signature
        return


def new_client(*, max_keepalive_connections: int = 20) -> httpx.Client:
    """A connection-pooling client: no redirects followed, TLS verified, no cookies kept.

    Timeouts are set per request.
    """
    return httpx.Client(
        follow_redirects=False, verify=tls_context(), cookies=NoCookies(),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=max_keepalive_connections),
    )


_client_lock = threading.Lock()
_client: httpx.Client | None = None


def shared_client() -> httpx.Client:
    """One connection-pooling client per process (httpx clients are thread-safe).

    A client per call cost ~1.5 ms of CPU (proxy environment scan, pool and transport
    set-up) plus a new TCP/TLS connection; in a burst of 1,000 webhook calls on two
    cores that was about a third of each run.
    """
    global _client
    client = _client
    if client is None:
        with _client_lock:
            if _client is None:
                _client = new_client()
            client = _client
    return client


_own = threading.local()
THREAD_KEEPALIVE_CONNECTIONS = 4
"""Idle connections a thread's own client keeps: its calls are sequential, so one per
recently called host (for a few hosts) is all it can reuse."""


def current_client() -> httpx.Client:
    """The calling thread's own client (`ThreadClients.bind`), else the shared one."""
    client: httpx.Client | None = getattr(_own, "client", None)
    return client if client is not None else shared_client()


class ThreadClients:
    """A client of its own for each thread of a long-lived pool; closed together.

    For the scheduler's run threads. With one client shared by 32 threads, every request
    takes the pool's lock and, under it, scans every pooled connection (a poll() per
    idle one) several times: in a burst of 1,000 local webhook calls on two cores the
    threads queued on that lock, ~0.5 ms of CPU and wall per call against ~0.3 ms with a
    client per thread. Only threads that live long should bind one (a thread per run
    would pay the client's set-up and a new connection on every call).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: list[httpx.Client] = []
        tls_context()  # loaded now (~50 ms of CPU), not when the first burst binds clients

    def bind(self) -> None:
        """Give the calling thread its own client (a pool's `initializer`); never raises.

        An initializer that raises breaks its ThreadPoolExecutor for good (every later
        submit fails), so a client that cannot be built leaves the thread on the shared
        client, whose calls then fail, and are recorded, one by one.
        """
        try:
            client = new_client(max_keepalive_connections=THREAD_KEEPALIVE_CONNECTIONS)
        except Exception:  # e.g. a malformed HTTPS_PROXY in the environment
            log.exception("outbound: no HTTP client of its own for thread %s", threading.current_thread().name)
            return
        with self._lock:
            self._clients.append(client)
        _own.client = client

    def clients(self) -> list[httpx.Client]:
        with self._lock:
            return list(self._clients)

    def close(self) -> None:
        """Close every bound client (once their threads are done: a call in flight would fail)."""
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()


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
    client = current_client()
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
