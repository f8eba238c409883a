"""What a kept shadow mismatch stores of each answer: safe to show, capped, diffable."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from cutover import answers
from cutover.config import CutoverConfig
from cutover.console.diff import side_by_side
from gateway import create_gateway
from shared_models.db import begin_write
from shared_models.models.ops import ShadowMismatch
from shared_models.settings import Settings


def test_capture_drops_credentials_and_caps_the_body() -> None:
    body = json.dumps({"user": {"username": "a", "api_key": "k-1", "refresh_token": "r-1"},
                       "items": [{"password": "p-1", "n": 1}], "github_token": "",
                       "webhook_url": "https://hooks.example/w-1"}).encode()
    stored = answers.load(answers.capture(status=200, body=body, headers={
        "Content-Type": "application/json", "Set-Cookie": "session=s-1", "Authorization": "Bearer b-1"}))
    assert stored is not None
    text = json.dumps(stored)
    for secret in ("k-1", "r-1", "p-1", "s-1", "b-1", "w-1"):
        assert secret not in text
    assert stored["headers"] == {"content-type": "application/json"}
    assert '"username": "a"' in stored["body"] and stored["body"].count(answers.REDACTED) == 4
    big = answers.capture(status=200, headers={"content-type": "text/plain"}, body=b"x" * 50_000)
    assert len(answers.load(big)["body"]) < answers.MAX_BODY_CHARS + 100
    assert answers.load(answers.capture(status=200, headers={}, body=b"\xff\xfe"))["body"] == "(2 bytes, not text)"
    assert answers.load("not json") is None and answers.load(None) is None


def test_side_by_side_pairs_lines_and_marks_what_differs() -> None:
    left = {"status": 200, "headers": {"content-type": "application/json", "date": "a"},
            "body": '{\n  "a": 1,\n  "b": 2\n}'}
    right = {"status": 200, "headers": {"content-type": "text/html", "date": "b"},
             "body": '{\n  "a": 1,\n  "b": 3,\n  "c": 4\n}'}
    sides = side_by_side(left, right)
    assert sides is not None and sides["status"]["differs"] is False
    assert {h["name"]: h["differs"] for h in sides["headers"]} == {"content-type": True, "date": False}
    kinds = [(line["kind"], line["legacy"], line["fastapi"]) for line in sides["body"]]
    assert ("equal", '  "a": 1,', '  "a": 1,') in kinds
    assert ("replace", '  "b": 2', '  "b": 3,') in kinds
    assert any(kind != "equal" and legacy is None and fastapi == '  "c": 4' for kind, legacy, fastapi in kinds)
    assert side_by_side(None, right) is None


def test_the_shadow_replay_keeps_both_answers_of_a_mismatch(settings: Settings, db: Session) -> None:
    from cutover import flags

    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1))
    inner = gateway.v2

    async def drifting_v2(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": message["body"].replace(b'"ok"', b'"drift"')}
            await send(message)

        await inner(scope, receive, send_changed if scope["path"] == "/api/v2/health" else send)

    gateway.v2 = drifting_v2
    begin_write(db)
    flags.set_flag(session=db, route_key="GET /api/health", state="shadow", actor="test")
    db.commit()
    with TestClient(gateway) as client:
        gateway.flags.refresh()
        assert client.get("/api/health").headers["x-served-by"] == "legacy"
        client.portal.call(gateway.shadow.drain)  # type: ignore[union-attr]
    db.rollback()
    [kept] = db.scalars(select(ShadowMismatch)).all()
    legacy, fastapi = answers.load(kept.legacy_answer), answers.load(kept.fastapi_answer)
    assert legacy and fastapi and legacy["status"] == fastapi["status"] == 200
    assert '"ok"' in legacy["body"] and '"drift"' in fastapi["body"]
    assert legacy["headers"]["x-served-by"] == "legacy"
