"""Rollout rows, decisions and the flag moves behind them (no gateway, no judge loop)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from cutover import flags, rollout
from cutover.verdict import Verdict
from shared_models.errors import ApiError
from tests.cutover.support import flag_of, green, write

ROUTE = "GET /api/jobs"
KEYS = (ROUTE, "GET /api/jobs/<job_id>")
PASS = Verdict("pass", "fine", {"legacy": {"requests": 600}, "fastapi": {"requests": 600}})
FAIL = Verdict("fail", "5xx rate fastapi 0.5 vs legacy 0.0", {"fastapi": {"errors_5xx": 300}})


def started(db: Session, **options) -> dict:  # noqa: ANN003
    green(db, ROUTE)
    return write(db, rollout.start, route_key=ROUTE, actor="cli:ann", known_keys=KEYS, **options)


def running_row(db: Session):  # noqa: ANN201
    return rollout.active(db, ROUTE)


def test_start_moves_the_route_to_the_first_step_and_records_it(db: Session) -> None:
    result = started(db, steps=(5, 50, 100), hold_seconds="2m", min_requests=100, reason="go")
    assert (result["state"], result["steps"], result["percent"], result["hold_seconds"]) == (
        "running", [5, 50, 100], 5, 120.0)
    assert flag_of(db, ROUTE) == ("canary", 5)
    [status] = rollout.status(db)
    assert status["id"] == result["id"] and status["started_by"] == "cli:ann" and status["verdict"] is None
    [decision] = rollout.decisions(db, ROUTE)
    assert (decision["action"], decision["to_percent"], decision["reason"]) == ("start", 5, "go")
    [audit] = flags.history(session=db, route_key=ROUTE)
    assert (audit["actor"], audit["to_state"]) == ("cli:ann", "canary:5") and "rollout start" in audit["reason"]


@pytest.mark.parametrize(("options", "status"), [
    ({"steps": "5,1,100"}, 400), ({"steps": "1,5,50"}, 400), ({"steps": "x"}, 400), ({"hold_seconds": "0s"}, 400),
    ({"hold_seconds": "10 years"}, 400), ({"min_requests": 0}, 400), ({"route_key": "GET /api/nope"}, 404),
])
def test_start_refuses_bad_input(db: Session, options: dict, status: int) -> None:
    green(db, ROUTE)
    arguments = {"route_key": ROUTE, "actor": "cli:ann", "known_keys": KEYS, **options}
    with pytest.raises(ApiError) as refused:
        write(db, rollout.start, **arguments)
    db.rollback()
    assert refused.value.status == status and rollout.status(db) == []


def test_start_needs_green_parity_and_no_rollout_in_progress(db: Session) -> None:
    with pytest.raises(ApiError) as refused:
        write(db, rollout.start, route_key=ROUTE, actor="cli:ann", known_keys=KEYS)
    db.rollback()
    assert refused.value.status == 409 and rollout.status(db) == [] and flag_of(db, ROUTE) == ("legacy", 0)
    started(db)
    with pytest.raises(ApiError) as again:
        write(db, rollout.start, route_key=ROUTE, actor="cli:bob", known_keys=KEYS)
    db.rollback()
    assert again.value.status == 409 and len(rollout.decisions(db, ROUTE)) == 1


def test_pause_keeps_the_share_resume_restarts_the_window_abort_goes_back_to_legacy(db: Session) -> None:
    first = started(db)
    paused = write(db, rollout.pause, route_key=ROUTE, actor="cli:ann")
    assert paused["state"] == "paused" and flag_of(db, ROUTE) == ("canary", 1)
    with pytest.raises(ApiError):
        write(db, rollout.pause, route_key=ROUTE, actor="cli:ann")
    db.rollback()
    resumed = write(db, rollout.resume, route_key=ROUTE, actor="cli:ann")
    assert resumed["state"] == "running" and resumed["step_started_at"] >= first["step_started_at"]
    aborted = write(db, rollout.abort, route_key=ROUTE, actor="cli:ann", reason="enough")
    assert aborted["state"] == "aborted" and aborted["finished_at"] and flag_of(db, ROUTE) == ("legacy", 0)
    assert [d["action"] for d in rollout.decisions(db, ROUTE)] == ["abort", "resume", "pause", "start"]
    with pytest.raises(ApiError) as nothing:
        write(db, rollout.resume, route_key=ROUTE, actor="cli:ann")
    assert nothing.value.status == 409
    db.rollback()
    assert started(db)["state"] == "running"  # a finished rollout does not block the next one


def test_promotions_walk_every_step_then_complete_on_fastapi(db: Session) -> None:
    started(db, steps=(1, 50, 100))
    seen = []
    for _ in range(3):
        begin = running_row(db)
        rollout.promote(db, begin, PASS)
        db.commit()
        seen.append(flag_of(db, ROUTE))
    assert seen == [("canary", 50), ("canary", 100), ("fastapi", 0)]
    [status] = rollout.status(db, ROUTE)
    assert status["state"] == "completed" and status["verdict"]["kind"] == "pass"
    assert [(d["action"], d["from_percent"], d["to_percent"]) for d in rollout.decisions(db, ROUTE)] == [
        ("complete", 100, 100), ("promote", 50, 100), ("promote", 1, 50), ("start", None, 1)]
    assert rollout.decisions(db, ROUTE)[0]["figures"] == PASS.figures
    audit = flags.history(session=db, route_key=ROUTE)
    assert audit[0]["actor"] == "rollout" and '"requests": 600' in audit[0]["reason"]


def test_a_failed_step_rolls_back_with_its_figures(db: Session) -> None:
    started(db)
    rollout.roll_back(db, running_row(db), FAIL)
    db.commit()
    assert flag_of(db, ROUTE) == ("legacy", 0)
    [status] = rollout.status(db)
    assert status["state"] == "rolled_back" and status["verdict"]["reason"] == FAIL.reason
    decision = rollout.decisions(db, ROUTE)[0]
    assert (decision["action"], decision["figures"]) == ("rollback", FAIL.figures)
    assert "errors_5xx" in flags.history(session=db, route_key=ROUTE)[0]["reason"]


def test_a_flag_moved_by_someone_else_ends_the_rollout(db: Session) -> None:
    started(db)
    write(db, flags.auto_rollback, route_key=ROUTE, reason="burst")
    rollout.end_superseded(db, running_row(db), ("legacy", 0), "gateway")
    db.commit()
    [status] = rollout.status(db)
    assert status["state"] == "rolled_back" and "by gateway" in status["verdict"]["reason"]
    assert rollout.decisions(db, ROUTE)[0]["actor"] == "gateway"
