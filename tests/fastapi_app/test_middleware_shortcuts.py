"""The per-request shortcuts of the CORS and URL-guard middlewares answer as the full checks."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote

import pytest
from starlette.types import Message, Receive, Scope, Send

from fastapi_app.cors import RESOURCE, LegacyCORSMiddleware, is_resource, request_headers
from fastapi_app.url_guard import may_hold_nul, query_values


@pytest.mark.parametrize(
    "path", ["/api", "/api/v2/jobs", "/apix", "/ap", "/", "/%61pi/jobs", "/%2561pi", "/API/v2", "/x/api"]
)
def test_is_resource_is_flask_cors_resource_match(path: str) -> None:
    assert is_resource(path) is bool(RESOURCE.match(unquote(path)))


@pytest.mark.parametrize(
    ("query", "holds_nul"),
    [(b"", False), (b"page=3&per_page=20", False), (b"a=%00", True), (b"a=\x00", True), (b"a=x%00y&b=1", True),
     (b"%00=1", False), (b"a=%2500", False), (b"a=%0", False), (b"a=%zz", False)],
)
def test_only_a_query_that_may_hold_nul_is_parsed(query: bytes, holds_nul: bool) -> None:
    assert any("\x00" in value for value in query_values(query)) is holds_nul
    assert may_hold_nul(query) or not holds_nul


def test_request_headers_keeps_the_first_value_of_the_names_cors_reads() -> None:
    raw = [(b"origin", b"https://a.example"), (b"authorization", b"Bearer x"), (b"origin", b"https://b.example"),
           (b"Access-Control-Request-Method", b"GET")]  # ASGI names are lower-case: this one is not read
    assert request_headers(raw) == {"origin": "https://a.example"}


def _answer(origins: list[str], request: list[tuple[bytes, bytes]], response: list[tuple[bytes, bytes]]) -> Any:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": response})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> Message:
        return {"type": "http.request"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/v2/jobs", "query_string": b"", "headers": request}
    asyncio.run(LegacyCORSMiddleware(app, origins=origins)(scope, receive, send))
    return sent[0]["headers"]


def test_without_origin_a_list_answers_its_first_origin_and_a_wildcard_nothing() -> None:
    listed = _answer(["https://b.example", "https://a.example"], [], [(b"content-type", b"application/json")])
    assert listed == [
        (b"content-type", b"application/json"),
        (b"access-control-allow-origin", b"https://a.example"),
        (b"access-control-expose-headers", b"Content-Type"),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    ]
    assert _answer(["*"], [], [(b"content-type", b"application/json")]) == [(b"content-type", b"application/json")]


def test_an_answer_with_its_own_allow_origin_is_left_alone() -> None:
    own = [(b"access-control-allow-origin", b"https://own.example")]
    assert _answer(["*"], [(b"origin", b"https://a.example")], own) == own
    # Only the lower-case name counts, as in Starlette's MutableHeaders.
    shouting = [(b"Access-Control-Allow-Origin", b"https://own.example")]
    added = _answer(["*"], [(b"origin", b"https://a.example")], shouting)
    assert [value for name, value in added if name == b"access-control-allow-origin"] == [b"https://a.example"]
    assert all(name == name.lower() for name, _ in added[1:])
