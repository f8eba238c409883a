"""The harness can fail: alter one v2 behaviour at a time and assert the diff names it.

Each alteration wraps the v2 app in a tiny ASGI middleware that rewrites one response
(or writes one extra row) for one path; everything else is the real v2 app.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import insert

from cutover.compare import Observed, compare
from fastapi_app import create_app
from parity_tests.cases import Case
from parity_tests.corpus import CASES
from parity_tests.fixture import FROZEN_AT
from shared_models.db import make_engine
from shared_models.models import Notification
from shared_models.settings import Settings

Rewrite = Callable[[int, list[tuple[bytes, bytes]], bytes], tuple[int, list[tuple[bytes, bytes]], bytes]]


def _case(route: str, name: str) -> Case:
    return next(c for c in CASES if c.route == route and c.name == name)


def rewriting(match: Callable[[dict[str, Any]], bool], rewrite: Rewrite) -> Callable[[Settings], Any]:
    """A v2 app whose answers to matching requests pass through `rewrite` first."""

    def build(settings: Settings) -> Any:
        app = create_app(settings, prepare=False)

        async def wrapped(scope: dict[str, Any], receive: Any, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
            if scope["type"] != "http" or not match(scope):
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def capture(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    status, headers, body = rewrite(start["status"], list(start["headers"]), b"".join(chunks))
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": body})

            await app(scope, receive, capture)

        return wrapped

    return build


def json_rewrite(change: Callable[[Any], Any]) -> Rewrite:
    return lambda status, headers, body: (status, headers, json.dumps(change(json.loads(body))).encode())


def path_is(method: str, prefix: str, suffix: str = "") -> Callable[[dict[str, Any]], bool]:
    return lambda scope: (scope["method"] == method and scope["path"].startswith(prefix)
                          and scope["path"].endswith(suffix))


def _rename(body: dict[str, Any]) -> dict[str, Any]:
    body["job"]["job_name"] = body["job"].pop("name")
    return body


def _iso_offset(body: dict[str, Any]) -> dict[str, Any]:
    body["job"]["created_at"] = body["job"]["created_at"].replace("Z", "+00:00")
    return body


def _reword(body: dict[str, Any]) -> dict[str, Any]:
    body["message"] = body["message"].replace("No job found", "Could not find job")
    return body


def test_a_renamed_key_is_caught(make_harness: Any) -> None:
    h = make_harness(rewriting(path_is("GET", "/api/v2/jobs/"), json_rewrite(_rename)))
    result = h.run_case(_case("GET /api/jobs/<job_id>", "owner job"))
    assert not result.matched
    assert "body['job']['name']: key only in legacy: 'job-user'" in result.differences
    assert "body['job']['job_name']: key only in v2: 'job-user'" in result.differences


def test_a_changed_status_is_caught(make_harness: Any) -> None:
    h = make_harness(rewriting(path_is("GET", "/api/v2/jobs/"), lambda s, hd, b: (400 if s == 404 else s, hd, b)))
    result = h.run_case(_case("GET /api/jobs/<job_id>", "missing"))
    assert result.differences == ["status: legacy 404 != v2 400"]
    assert h.run_case(_case("GET /api/jobs/<job_id>", "owner job")).matched  # only 404s were changed


def test_a_different_datetime_format_is_caught(make_harness: Any) -> None:
    h = make_harness(rewriting(path_is("GET", "/api/v2/jobs/"), json_rewrite(_iso_offset)))
    result = h.run_case(_case("GET /api/jobs/<job_id>", "owner job"))
    assert len(result.differences) == 1
    line = result.differences[0]
    assert line.startswith("body['job']['created_at']: legacy '2026-03-10T02:50:")
    assert "Z' != v2 '2026-03-10T02:50:" in line and line.endswith("+00:00'")


def test_a_different_message_text_is_caught(make_harness: Any) -> None:
    h = make_harness(rewriting(path_is("GET", "/api/v2/jobs/"), json_rewrite(_reword)))
    result = h.run_case(_case("GET /api/jobs/<job_id>", "missing"))
    assert len(result.differences) == 1
    assert result.differences[0].startswith("body['message']: legacy 'No job found with ID: ")
    assert "!= v2 'Could not find job with ID: " in result.differences[0]


def test_a_different_content_type_is_caught(make_harness: Any) -> None:
    def as_text(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
        kept = [(k, v) for k, v in headers if k.lower() != b"content-type"]
        return status, [*kept, (b"content-type", b"text/plain; charset=utf-8")], body

    h = make_harness(rewriting(path_is("GET", "/api/v2/health"), as_text))
    result = h.run_case(_case("GET /api/health", "healthy"))
    assert result.differences == ["content-type: legacy 'application/json' != v2 'text/plain; charset=utf-8'"]


def test_one_extra_row_written_is_caught(make_harness: Any) -> None:
    owner: list[str] = []  # the fixture user's id, known once the harness has built its snapshot
    extra_id = "11111111-1111-4111-8111-111111111111"

    def extra_row(settings: Settings) -> Any:
        app = create_app(settings, prepare=False)
        engine = make_engine(settings)

        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            await app(scope, receive, send)
            if scope["type"] == "http" and scope["path"] == "/api/v2/notifications/read-all":
                with engine.begin() as connection:
                    connection.execute(insert(Notification.__table__).values(
                        id=extra_id, user_id=owner[0], title="Extra", message="written by the altered v2",
                        type="info", is_read=False, created_at=FROZEN_AT))

        return wrapped

    h = make_harness(extra_row)
    owner.append(h.snapshot.ids["user"])
    result = h.run_case(_case("PUT /api/notifications/read-all", "user"))
    assert result.legacy.observed.status == result.v2.observed.status == 200
    assert len(result.differences) == 1
    assert result.differences[0].startswith("db['notifications']['inserted']: key only in v2: ")
    assert extra_id in result.differences[0]


def test_matching_answers_compare_equal_despite_key_order_and_escapes() -> None:
    left = Observed(200, "application/json", b'{"b":1,"a":"\\u2192"}')
    right = Observed(200, "application/json", '{"a": "→", "b": 1}'.encode())
    result = compare(left, right)
    assert result.matched and result.rules_applied == ("json-semantics",)


@pytest.mark.parametrize(("left", "right", "expected"), [
    (b'{"a": 1}', b'{"a": 1.0}', "body['a']: legacy 1 (int) != v2 1.0 (float)"),
    (b'{"a": [1, 2]}', b'{"a": [2, 1]}', "body['a'][0]: legacy 1 != v2 2"),
    (b'{"a": null}', b'{}', "body['a']: key only in legacy: null"),
])
def test_json_differences_name_the_path(left: bytes, right: bytes, expected: str) -> None:
    result = compare(Observed(200, "application/json", left), Observed(200, "application/json", right))
    assert expected in result.differences
