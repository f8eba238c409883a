"""Traffic capture through the real gateway: switches (CLI, admin API, audit), what a
capture file holds (no secret), rotation and the size cap, and drops on a full queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from cutover import captures
from cutover.__main__ import run
from cutover.capture import CaptureRecorder, RawRecord
from cutover.config import CutoverConfig
from cutover.metrics import CAPTURE_RECORDS
from gateway import Gateway, create_gateway
from shared_models.models import CutoverAudit, CutoverCapture
from shared_models.passwords import hash_password
from shared_models.settings import Settings
from tests.cutover.support import write
from tests.helpers import bearer, make_job, make_user

URL = "/api/v2/admin/cutover/capture"
LIST = "GET /api/jobs"
LOGIN = "POST /api/auth/login"


@pytest.fixture
def capture_dir(tmp_path: Path) -> Path:
    return tmp_path / "captures"


@pytest.fixture
def gateway(settings: Settings, capture_dir: Path) -> Gateway:
    return create_gateway(settings, CutoverConfig(refresh_interval=0.1, capture_dir=str(capture_dir)))


@pytest.fixture
def client(gateway: Gateway) -> Iterator[TestClient]:
    with TestClient(gateway) as client:
        yield client


def _lines(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for path in sorted(directory.glob("capture-*.jsonl"))
            for line in path.read_text().splitlines()]


def _switch(db: Session, gateway: Gateway, route_key: str, rate: float) -> None:
    write(db, captures.set_capture, route_key=route_key, sample_rate=rate, actor="test")
    gateway.flags.refresh()


def test_capture_is_off_by_default_and_records_only_switched_routes(
    client: TestClient, gateway: Gateway, db: Session, settings: Settings, capture_dir: Path
) -> None:
    headers = bearer(settings, make_user(db, "admin"))
    assert client.get("/api/jobs", headers=headers).status_code == 200
    gateway.capture.flush()
    assert not capture_dir.exists() and gateway.capture.written == 0
    _switch(db, gateway, LIST, 1.0)
    assert client.get("/api/jobs?page=1", headers=headers).status_code == 200
    assert client.get("/api/pic-teams", headers=headers).status_code == 200  # not switched
    gateway.capture.flush()
    (line,) = _lines(capture_dir)
    assert (line["route"], line["method"], line["path"], line["query"]) == (LIST, "GET", "/api/jobs", "page=1")
    assert line["response"]["status"] == 200 and json.loads(line["response"]["body"])["jobs"] == []


def test_secrets_never_reach_the_file(client: TestClient, gateway: Gateway, db: Session, settings: Settings,
                                      capture_dir: Path) -> None:
    admin = make_user(db, "admin", username="root_admin")
    make_user(db, "user", username="alice", password_hash=hash_password("alice-pass-123"))
    _switch(db, gateway, LOGIN, 1.0)
    _switch(db, gateway, "PUT /api/jobs/<job_id>", 1.0)
    job = make_job(db, admin)
    token = bearer(settings, admin)["Authorization"]
    login = client.post("/api/auth/login", json={"username": "alice", "password": "alice-pass-123"},
                        headers={"Cookie": "session=cookie-secret"})
    assert login.status_code == 200
    update = client.put(f"/api/jobs/{job.id}", json={"name": "renamed", "github_token": "ghp_topsecret"},
                        headers={"Authorization": token})
    assert update.status_code in (200, 400)
    gateway.capture.flush()
    text = "\n".join(path.read_text() for path in capture_dir.glob("capture-*.jsonl"))
    for secret in ("alice-pass-123", "cookie-secret", "ghp_topsecret", token.split()[1],
                   login.json()["access_token"], login.json()["refresh_token"]):
        assert secret not in text
    by_route = {line["route"]: line for line in _lines(capture_dir)}
    login_line = by_route[LOGIN]
    assert json.loads(login_line["body"]) == {"username": "alice", "password": "***"}
    assert login_line["auth"] is None and "cookie" not in login_line["headers"]
    assert json.loads(login_line["response"]["body"])["access_token"] == "***"
    update_line = by_route["PUT /api/jobs/<job_id>"]
    assert update_line["auth"] == {"user_id": admin.id, "role": "admin", "type": "access", "expired": False}
    assert "authorization" not in update_line["headers"]
    assert json.loads(update_line["body"])["github_token"] == "***"


def test_switches_from_the_admin_api_and_the_cli_are_audited(
    client: TestClient, gateway: Gateway, db: Session, settings: Settings
) -> None:
    headers = bearer(settings, make_user(db, "admin", username="ops_admin"))
    viewer = bearer(settings, make_user(db, "viewer"))
    assert client.put(URL, json={"route_key": LIST, "sample_rate": 0.5}, headers=viewer).status_code == 403
    assert client.put(URL, json={"route_key": "GET /api/nope", "sample_rate": 0.5}, headers=headers).status_code == 404
    bad = client.put(URL, json={"route_key": LIST, "sample_rate": 2}, headers=headers)
    assert bad.status_code == 400 and "sample_rate" in bad.json()["message"]
    assert client.put(URL, json={"route_key": LIST}, headers=headers).status_code == 400
    answer = client.put(URL, json={"route_key": LIST, "sample_rate": 0.25, "reason": "replay"}, headers=headers)
    assert answer.json() == {"route_key": LIST, "sample_rate": 0.25, "changed": True}
    listed = client.get(URL, headers=headers).json()
    assert [(c["route_key"], c["sample_rate"], c["updated_by"]) for c in listed["captures"]] == [
        (LIST, 0.25, "api:ops_admin")]
    assert listed["writer"]["dropped"] == 0
    assert run(["capture", "set", LOGIN, "0.1", "--reason", "cli on", "--actor", "cli:tester"], settings) == 0
    assert run(["capture", "off", LIST, "--reason", "enough", "--actor", "cli:tester"], settings) == 0
    assert run(["capture", "set", "GET /api/nope", "0.1"], settings) == 1
    assert run(["capture", "list", "--json"], settings) == 0
    db.rollback()
    assert {row.route_key: row.sample_rate for row in db.scalars(select(CutoverCapture))} == {LOGIN: 0.1}
    trail = [(a.actor, a.route_key, a.from_state, a.to_state, a.reason) for a in
             db.scalars(select(CutoverAudit))]
    assert sorted(trail) == sorted([
        ("api:ops_admin", f"capture:{LIST}", "off", "sample:0.25", "replay"),
        ("cli:tester", f"capture:{LOGIN}", "off", "sample:0.1", "cli on"),
        ("cli:tester", f"capture:{LIST}", "sample:0.25", "off", "enough"),
    ])
    history = client.get("/api/v2/admin/cutover/history", params={"route_key": f"capture:{LIST}"},
                         headers=headers).json()["history"]
    assert [h["to_state"] for h in history] == ["off", "sample:0.25"]


def _raw(n: int, size: int = 300) -> RawRecord:
    return RawRecord(at=1.0, route=LIST, method="GET", path="/api/jobs", query=f"page={n}".encode(),
                     headers=[], status=200, response_body=[b"x" * size], response_size=size)


def test_files_rotate_and_the_directory_stays_under_its_cap(tmp_path: Path) -> None:
    recorder = CaptureRecorder(tmp_path, secret="s", file_bytes=4096, total_bytes=4 * 4096, queue_size=1000,
                               max_body=1024)
    try:
        for n in range(200):
            recorder.submit(_raw(n))
            recorder.flush()
    finally:
        recorder.close()
    files = sorted(tmp_path.glob("capture-*.jsonl"))
    assert recorder.written == 200 and len(files) >= 2
    assert sum(path.stat().st_size for path in files) <= 4 * 4096
    assert all(path.stat().st_size <= 4096 for path in files)
    newest = [json.loads(line)["query"] for line in files[-1].read_text().splitlines()]
    assert newest[-1] == "page=199"  # the oldest files went, the newest records stayed


def test_a_full_queue_drops_and_counts_instead_of_waiting(tmp_path: Path) -> None:
    recorder = CaptureRecorder(tmp_path, secret="s", file_bytes=1 << 20, total_bytes=1 << 22, queue_size=2,
                               max_body=1024)
    recorder._start = lambda: None  # type: ignore[method-assign]  # no writer: the queue only fills
    recorder._thread = object()  # type: ignore[assignment]
    counted = CAPTURE_RECORDS.labels(LIST, "dropped")
    before = counted._value.get()
    accepted = [recorder.submit(_raw(n)) for n in range(5)]
    assert accepted == [True, True, False, False, False] and recorder.dropped == 3
    assert counted._value.get() == before + 3  # also on /metrics


def test_a_large_body_is_not_kept(tmp_path: Path) -> None:
    recorder = CaptureRecorder(tmp_path, secret="s", file_bytes=1 << 20, total_bytes=1 << 22, queue_size=10,
                               max_body=100)
    try:
        recorder.submit(_raw(1, size=500))
        recorder.flush()
    finally:
        recorder.close()
    (line,) = _lines(tmp_path)
    assert line["response"]["body_dropped"] is True and line["response"]["body"] == ""
