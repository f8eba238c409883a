"""The outbound HTTP clients: one TLS context, a client per long-lived thread, no cookies."""

from __future__ import annotations

import concurrent.futures
import ssl
import threading

import httpx
import pytest

from shared_models.outbound import http, webhook
from shared_models.settings import Settings
from tests.local_http import LocalHTTPServer


def test_tls_context_is_built_once_when_first_used_by_many_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[ssl.SSLContext] = []
    real = ssl.create_default_context

    def counting() -> ssl.SSLContext:
        built.append(real())
        return built[-1]

    monkeypatch.setattr(http, "_tls", None)
    monkeypatch.setattr(http.ssl, "create_default_context", counting)
    start = threading.Barrier(16)

    def first_use(_n: int) -> ssl.SSLContext:
        start.wait()
        return http.tls_context()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        contexts = list(pool.map(first_use, range(16)))
    assert len(built) == 1
    assert all(context is built[0] for context in contexts)


def test_bound_threads_call_through_their_own_clients(settings: Settings, http_server: LocalHTTPServer) -> None:
    http_server.on("/hook", body="ok")
    url = http_server.url("/hook")
    clients = http.ThreadClients()

    def call(_n: int) -> httpx.Client:
        assert webhook.call_webhook(settings=settings, url=url, method="GET").ok
        return http.current_client()

    with concurrent.futures.ThreadPoolExecutor(3, initializer=clients.bind) as pool:
        used = list(pool.map(call, range(12)))
    bound = clients.clients()
    assert len(http_server.requests) == 12
    assert 1 <= len(bound) <= 3 and all(any(client is b for b in bound) for client in used)
    assert all(client is not http.shared_client() for client in bound)
    assert http.current_client() is http.shared_client()  # an unbound thread shares the process's client
    clients.close()
    assert all(client.is_closed for client in bound) and clients.clients() == []


@pytest.mark.parametrize("bind", [False, True], ids=["shared client", "thread's own client"])
def test_no_client_keeps_a_cookie(settings: Settings, http_server: LocalHTTPServer, bind: bool) -> None:
    http_server.on("/hook", body="ok", headers={"Set-Cookie": "session=job-a-secret; Path=/"})
    clients = http.ThreadClients()

    def calls() -> httpx.Client:
        if bind:
            clients.bind()
        for _ in range(2):
            webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET")
        return http.current_client()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        client = pool.submit(calls).result()
    clients.close()
    assert [request.headers.get("Cookie") for request in http_server.requests] == [None, None]
    assert len(client.cookies.jar) == 0
    assert (client is http.shared_client()) is not bind


def test_a_client_that_cannot_be_built_leaves_the_pool_working(
    settings: Settings, http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raising initializer would break the run pool for good; the thread keeps the shared client."""
    http_server.on("/hook", body="ok")
    shared = http.shared_client()  # built before the environment goes bad
    monkeypatch.setenv("HTTPS_PROXY", "ftp://not-a-proxy")
    clients = http.ThreadClients()

    def call(_n: int) -> httpx.Client:
        assert webhook.call_webhook(settings=settings, url=http_server.url("/hook"), method="GET").ok
        return http.current_client()

    with concurrent.futures.ThreadPoolExecutor(2, initializer=clients.bind) as pool:
        used = list(pool.map(call, range(4)))
    assert clients.clients() == [] and all(client is shared for client in used)
    assert len(http_server.requests) == 4
