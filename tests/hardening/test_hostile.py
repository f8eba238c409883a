"""Hostile inputs on `/api` and `/api/v2`: the documented error or a sane
result, never a 5xx, always within a bounded time."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models.clock import utcnow
from shared_models.models import Job
from shared_models.settings import Settings
from tests.hardening.conftest import World
from tests.helpers import bearer, table_rows

BASES = ("/api", "/api/v2")
INVALID_JSON = {"error": "Invalid JSON", "message": "Request body is not valid JSON."}
BOUNDARY = "----hostile-boundary"


def _timed(call: Any, limit: float = 10.0) -> Any:
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < limit
    assert response.status_code < 500, response.text[:500]
    return response


def _json_post(client: TestClient, url: str, raw: bytes, headers: dict[str, str]) -> Any:
    return client.post(url, content=raw, headers={**headers, "Content-Type": "application/json"})


def test_ten_megabyte_json_is_refused_by_the_limit(api: TestClient, settings: Settings, world: World, db: Session) -> None:
    raw = json.dumps({"name": "x" * (10 * 1024 * 1024)}).encode()
    for base in BASES:
        response = _timed(lambda base=base: _json_post(api, f"{base}/jobs", raw, bearer(settings, world.admin)))
        assert response.status_code == 413
        assert response.json() == {
            "error": "Payload too large",
            "message": f"Request body exceeds the limit of {settings.MAX_JSON_BODY_BYTES} bytes.",
        }
    assert len(table_rows(db, Job)) == 1  # the world's job only


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_ten_thousand_deep(opening: str, api: TestClient, settings: Settings, world: World) -> None:
    closing = "]" if opening == "[" else "}"
    raw = (opening * 10_000 + "1" + closing * 10_000).encode()
    answers = []
    for base in BASES:
        for path in ("/jobs/validate-cron", "/jobs", "/auth/login"):
            response = _timed(lambda base=base, path=path: _json_post(api, base + path, raw, bearer(settings, world.admin)))
            assert response.status_code == 400, (base, path)
            answers.append((path, response.json()))
    assert answers[:3] == answers[3:]  # both stacks alike


@pytest.mark.parametrize(
    "raw",
    [b'{"cron_expression": "\xff\xfe"}', b'{"cron_expression": "0 \x00 * * *"}', b'{"cron_expression": "0 9 * * *\\u0000"}'],
    ids=["invalid-utf8", "raw-nul", "escaped-nul"],
)
def test_invalid_text_in_json(raw: bytes, api: TestClient, settings: Settings, world: World) -> None:
    answers = [
        _timed(lambda base=base: _json_post(api, f"{base}/jobs/validate-cron", raw, bearer(settings, world.viewer)))
        for base in BASES
    ]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].json() == answers[1].json()


def test_very_long_header_values(api: TestClient, settings: Settings, world: World) -> None:
    for base in BASES:
        long_token = _timed(lambda base=base: api.get(f"{base}/jobs", headers={"Authorization": "Bearer " + "a" * 100_000}))
        assert long_token.status_code == 422
        noise = {**bearer(settings, world.viewer), "X-Noise": "n" * 60_000, "Origin": "https://" + "o" * 8_000 + ".example"}
        assert _timed(lambda base=base, noise=noise: api.get(f"{base}/jobs", headers=noise)).status_code == 200


def test_unicode_names_and_slugs(api: TestClient, settings: Settings, world: World, db: Session) -> None:
    end = (utcnow() + timedelta(days=30)).date().isoformat()
    for n, base in enumerate(BASES):
        name = f"ジョブ 🚀 Zoë {n}"
        created = _timed(lambda base=base, name=name: api.post(
            f"{base}/jobs",
            json={"name": name, "cron_expression": "0 9 * * *", "target_url": "https://127.0.0.1:9/x", "end_date": end,
                  "pic_team": "qa-team"},
            headers=bearer(settings, world.admin),
        ))
        assert created.status_code == 201, created.json()
        assert created.json()["job"]["name"] == name
        fetched = api.get(f"{base}/jobs/{created.json()['job']['id']}", headers=bearer(settings, world.viewer))
        assert fetched.json()["job"]["name"] == name
        slug = _timed(lambda base=base: api.post(
            f"{base}/pic-teams", json={"slug": "チーム-ß", "name": "Ünïcode"}, headers=bearer(settings, world.admin)
        ))
        assert slug.status_code == 400
        path = _timed(lambda base=base: api.get(f"{base}/jobs/ジョブ%F0%9F%9A%80", headers=bearer(settings, world.viewer)))
        assert path.status_code == 404


def _multipart_csv(content: bytes) -> tuple[bytes, str]:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="jobs.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


CSV_HEADER = b"Job Name,Cron Schedule (JST),Status,Target URL,Repo,Workflow Name,Category,End Date,PIC Team,Branch,Request Body\n"


def hundred_thousand_rows(row: bytes = b"n,bad,,,,,,,,,\n") -> bytes:
    return CSV_HEADER + row * 100_000


def test_hundred_thousand_row_csv(api: TestClient, settings: Settings, world: World, db: Session) -> None:
    """Under the upload limit: every row is answered (all invalid here), no job is made,
    in bounded time; both stacks agree."""
    body, content_type = _multipart_csv(hundred_thousand_rows())
    assert len(body) < settings.MAX_UPLOAD_BYTES
    answers = []
    for base in BASES:
        response = _timed(
            lambda base=base: api.post(
                f"{base}/jobs/bulk-upload", content=body,
                headers={**bearer(settings, world.admin), "Content-Type": content_type},
            ),
            limit=120.0,
        )
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] in (200, 400)
    assert len(table_rows(db, Job)) == 1


def test_csv_over_the_upload_limit(api: TestClient, settings: Settings, world: World) -> None:
    body, content_type = _multipart_csv(CSV_HEADER + b"x" * (settings.MAX_UPLOAD_BYTES + 10))
    for base in BASES:
        response = _timed(lambda base=base: api.post(
            f"{base}/jobs/bulk-upload", content=body, headers={**bearer(settings, world.admin), "Content-Type": content_type}
        ))
        assert response.status_code == 413
        assert response.json()["error"] == "Payload too large"
