"""Recorded traffic -> parity cases: record the corpus through the real gateway at rate 1,
replay the capture on both stacks (0 divergences), catch a planted divergence, and the
CLI (report, expired-token caller, skipped records)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from cutover import captures
from cutover.config import CutoverConfig
from gateway import create_gateway
from parity_tests import corpus
from parity_tests.__main__ import main
from parity_tests.cases import render
from parity_tests.fixture import build_snapshot
from parity_tests.replay import promote, read_capture, replay
from parity_tests.runner import all_cases, harness
from shared_models.db import begin_write, make_engine
from shared_models.settings import Settings
from tests.helpers import make_job, make_user

EXECUTE = "POST /api/jobs/<job_id>/execute"  # its real background run would call out from the gateway


def _record(ident: str, route: str, path: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "route": route, "method": route.split()[0], "path": path, "query": "", "headers": {},
            "auth": None, "body": "", "body_b64": False, "body_dropped": False, **fields}


def test_the_corpus_recorded_through_the_gateway_replays_without_divergence(
    parity_settings: Settings, tmp_path: Path
) -> None:
    """Cost: one pass of the corpus through the gateway plus one replay: ~30 s on SQLite;
    on PostgreSQL a third of the corpus (every route kept), ~40 s."""
    settings = parity_settings.model_copy(update={"LOGIN_RATE_LIMIT_PER_MINUTE": 0})
    engine = make_engine(settings)
    snapshot, _raw = build_snapshot(engine, settings)
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, capture_dir=str(tmp_path),
                                                     capture_queue=100_000))
    keys = gateway.route_keys()
    with Session(engine) as session:
        begin_write(session)
        for key in keys:
            captures.set_capture(session=session, route_key=key, sample_rate=1.0, actor="test")
        session.commit()
    gateway.flags.refresh()
    cases = [case for case in all_cases(keys) if case.route != EXECUTE]
    if settings.DATABASE_URL.startswith("postgres"):  # a third of the corpus (every route) keeps the PG pass short
        first = {case.route: case for case in reversed(cases)}
        cases = [case for n, case in enumerate(cases) if n % 3 == 0 or first[case.route] is case]
    with TestClient(gateway) as client:
        for case in cases:
            request = render(case, snapshot, corpus.default_path(case.route))
            client.request(request.method, request.path, headers=request.headers, content=request.body)
        gateway.capture.flush()
    engine.dispose()
    records = read_capture(tmp_path)
    assert gateway.capture.dropped == 0 and len(records) == len(cases)
    assert {record["route"] for record in records} == set(keys) - {EXECUTE}
    with harness(parity_settings) as h:
        outcome = replay(records, h)
    diverged = [(r.case.route, r.case.name, r.differences[:3]) for r in outcome.results if not r.matched]
    assert diverged == []
    replayed = len(outcome.results)
    assert replayed + len(outcome.skipped) == len(records) and replayed >= 0.9 * len(records)
    # the replay is not trivially uniform: every class of answer the corpus produces comes back
    statuses = {r.legacy.observed.status for r in outcome.results}
    assert {200, 201, 400, 401, 403, 404, 422} <= statuses


def _plant_status(app: Any) -> Callable[[Scope, Receive, Send], Any]:
    """v2 with one planted difference: /health answers 203 instead of 200."""
    async def planted(scope: Scope, receive: Receive, send: Send) -> None:
        async def changed(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("path") == "/api/v2/health":
                message = {**message, "status": 203}
            await send(message)

        await app(scope, receive, changed)

    return planted


def test_a_planted_divergence_is_reported(parity_settings: Settings) -> None:
    from fastapi_app import create_app

    records = [_record("h-1", "GET /api/health", "/api/health"),
               _record("h-2", "GET /api/job-categories", "/api/job-categories")]
    with harness(parity_settings, _plant_status(create_app(parity_settings, prepare=False))) as h:
        outcome = replay(records, h)
    verdicts = {r.case.name: r.matched for r in outcome.results}
    assert verdicts == {"replay h-1": False, "replay h-2": True}
    (bad,) = [r for r in outcome.results if not r.matched]
    assert any("status" in line for line in bad.differences)


def test_cli_reports_and_mints_tokens_for_recorded_callers(tmp_path: Path, database_url: str) -> None:
    with harness(_settings(database_url)) as h:
        admin = h.snapshot.ids["admin"]
    capture = tmp_path / "capture-host-1-1-0001.jsonl"
    lines = [
        _record("c-1", "GET /api/jobs", "/api/jobs", query="page=1&per_page=2&page=2",
                auth={"user_id": admin, "role": "admin", "type": "access", "expired": False}),
        _record("c-2", "GET /api/jobs", "/api/jobs",
                auth={"user_id": admin, "role": "admin", "type": "access", "expired": True}),
        _record("c-3", "GET /api/auth/me", "/api/auth/me", auth={"invalid": "header", "status": 422}),
        _record("c-4", "POST /api/jobs", "/api/jobs", body_dropped=True),
    ]
    capture.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = tmp_path / "out" / "replay.json"
    assert main(["replay", str(capture), "--report", str(report), "--database-url", database_url]) == 0
    data = json.loads(report.read_text())
    assert data["green"] is True and data["totals"]["cases"] == 3 and data["records"] == 4
    assert data["skipped"] == [{"id": "c-4", "why": "its body was not kept (too large, or not safe to keep)"}]
    by_route = {row["route"]: row for row in data["routes"]}
    assert by_route["GET /api/jobs"]["statuses"] == [200, 401]  # a fresh token, then an expired one
    assert by_route["GET /api/auth/me"]["statuses"] == [422]
    assert report.with_suffix(".md").exists()
    assert 'tests="3" failures="0"' in report.with_suffix(".xml").read_text()
    assert {row[1] for row in data["coverage_observations"]} == {"GET /api/jobs", "GET /api/auth/me"}


def _settings(database_url: str) -> Settings:
    from parity_tests.runner import harness_settings

    return harness_settings(database_url)


def test_replay_from_a_copy_of_a_source_database(tmp_path: Path, database_url: str, db: Session) -> None:
    """--source-url: recorded ids of a deployment resolve in the copy (not in the fixture world)."""
    admin = make_user(db, "admin")
    job = make_job(db, admin)
    capture = tmp_path / "capture-host-1-1-0001.jsonl"
    auth = {"user_id": admin.id, "role": "admin", "type": "access", "expired": False}
    capture.write_text(json.dumps(_record("s-1", "GET /api/jobs/<job_id>", f"/api/jobs/{job.id}", auth=auth)) + "\n"
                       + json.dumps(_record("s-2", "DELETE /api/jobs/<job_id>", f"/api/jobs/{job.id}", auth=auth))
                       + "\n")
    db.close()
    report = tmp_path / "replay.json"
    scratch = f"sqlite:///{tmp_path}/scratch.db"
    assert main(["replay", str(capture), "--report", str(report), "--database-url", scratch,
                 "--source-url", database_url]) == 0
    data = json.loads(report.read_text())
    assert {row["route"]: row["statuses"] for row in data["routes"]} == {
        "GET /api/jobs/<job_id>": [200], "DELETE /api/jobs/<job_id>": [200]}
    assert main(["replay", str(capture), "--report", str(report), "--database-url", scratch]) == 0
    assert {row["route"]: row["statuses"] for row in json.loads(report.read_text())["routes"]} == {
        "GET /api/jobs/<job_id>": [401], "DELETE /api/jobs/<job_id>": [401]}  # the fixture has neither user nor job
    assert main(["replay", str(capture), "--report", str(report), "--database-url", scratch,
                 "--source-url", database_url, "--promote", "s-1"]) == 2
    assert db.get(type(job), job.id) is not None  # the source was only read


def test_promoted_records_become_corpus_cases_that_pass(parity_settings: Settings, tmp_path: Path) -> None:
    from parity_tests import regressions

    with harness(parity_settings) as h:
        ids = h.snapshot.ids
        user = {"user_id": ids["user"], "role": "user", "type": "access", "expired": False}
        stranger = {"user_id": "00000000-0000-4000-8000-00000000dead", "role": "admin", "type": "access",
                    "expired": False}
        records = [
            _record("p-1", "PUT /api/jobs/<job_id>", f"/api/jobs/{ids['job_user']}", auth=user,
                    headers={"content-type": "application/json"}, body=json.dumps({"name": "renamed"})),
            _record("p-2", "DELETE /api/jobs/<job_id>", f"/api/jobs/{ids['job_other']}", auth=user,
                    query=f"x={ids['job_other']}"),
            _record("p-3", "GET /api/jobs", "/api/jobs", auth=stranger),
        ]
        outcome = replay(records, h)
        target = tmp_path / "regressions.json"
        target.write_text("[]")
        added, refusals = promote(["p-1", "p-2", "p-3", "nope"], records, outcome, h.snapshot, target)
        assert added == 2
        assert refusals == ["p-3: its caller is not a fixture user", "nope: not a replayed record of this capture"]
        cases = regressions.load(target)
        assert [(c.path, c.auth, c.expect) for c in cases] == [
            ("/api/jobs/{job_user}", "user", 200), ("/api/jobs/{job_other}", "user", 403)]
        assert cases[0].json == {"name": "renamed"} and cases[1].query == [("x", ids["job_other"])]
        results = list(h.run(cases))
    assert [(r.matched, r.legacy.observed.status) for r in results] == [(True, 200), (True, 403)]
