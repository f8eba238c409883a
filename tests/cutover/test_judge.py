"""The rollout judge's passes on figures written straight into the shared database.

The clock is frozen and moved by hand, so holds and leases pass without waiting; the
judge against a live gateway is tests/cutover/test_rollout_live.py.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from cutover import flags, lease, rollout
from cutover.config import CutoverConfig
from cutover.figures import ArmFigures, add_figures
from cutover.judge import LEASE_NAME, Judge
from gateway import create_gateway
from shared_models import clock
from shared_models.db import begin_write, make_sessionmaker
from shared_models.models.ops import ShadowMismatch
from shared_models.models.rollouts import Rollout, RouteWindow
from tests.cutover.support import flag_of, green, write
from tests.helpers import at

ROUTE = "GET /api/jobs"
KEYS = (ROUTE,)
T0 = at(2026, 3, 1, 12, 0)
HOLD = 60.0


@pytest.fixture
def sessions(engine) -> sessionmaker[Session]:  # noqa: ANN001
    return make_sessionmaker(engine)


@pytest.fixture
def now() -> list:
    """The frozen clock; `now[0] += timedelta(...)` then `tick()` moves it."""
    clock.freeze(T0)
    return [T0]


def move(now: list, seconds: float) -> None:
    now[0] += timedelta(seconds=seconds)
    clock.freeze(now[0])


def start(db: Session, steps: tuple[int, ...] = (1, 5, 25, 50, 100), min_requests: int = 200) -> None:
    green(db, ROUTE)
    write(db, rollout.start, route_key=ROUTE, actor="cli:ann", known_keys=KEYS, steps=steps,
          hold_seconds=HOLD, min_requests=min_requests)


def serve(db: Session, now: list, *, legacy: int = 0, fastapi: int = 0, legacy_ms: float = 10.0,
          fastapi_ms: float = 10.0, fastapi_5xx: int = 0, legacy_5xx: int = 0) -> None:
    """Figures as the gateway's workers add them: one slot starting a second from now."""
    arms = {}
    for stack, count, ms, errors in (("legacy", legacy, legacy_ms, legacy_5xx),
                                     ("fastapi", fastapi, fastapi_ms, fastapi_5xx)):
        figures = ArmFigures()
        for index in range(count):
            figures.add(ms / 1000, 500 if index < errors else 200)
        arms[ROUTE, stack] = figures
    begin_write(db)
    add_figures(db, slot_start=now[0] + timedelta(seconds=1), arms=arms)
    db.commit()


def actions(db: Session) -> list[tuple[str, str, int | None]]:
    db.rollback()
    return [(d["actor"], d["action"], d["to_percent"]) for d in reversed(rollout.decisions(db, ROUTE))]


def latest(db: Session) -> dict:
    db.rollback()
    return rollout.status(db, ROUTE)[0]


def test_a_healthy_route_is_promoted_through_every_step_once_each_hold_is_over(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    judge = Judge(sessions, holder="judge-a")
    flags_seen = []
    for share in (1, 5, 25, 50, 100):
        # At 100 % legacy has no callers left: its arm is that of the earlier steps.
        serve(db, now, legacy=0 if share == 100 else 300, fastapi=300)
        move(now, 5)
        [waiting] = judge.tick()
        assert (waiting.action, latest(db)["verdict"]["kind"]) == ("wait", "wait")
        assert "hold" in waiting.reason and flag_of(db, ROUTE) == ("canary", share)
        move(now, HOLD)
        [moved] = judge.tick()
        flags_seen.append(moved.flag)
        assert moved.flag == flag_of(db, ROUTE)
    assert flags_seen == [("canary", 5), ("canary", 25), ("canary", 50), ("canary", 100), ("fastapi", 0)]
    assert actions(db) == [("cli:ann", "start", 1)] + [("rollout", "promote", p) for p in (5, 25, 50, 100)] + [
        ("rollout", "complete", 100)]
    done = latest(db)
    assert done["state"] == "completed" and done["verdict"]["figures"]["legacy_baseline"] == "earlier steps"
    assert done["verdict"]["figures"]["legacy"]["requests"] == 1200  # four earlier steps of 300
    promoted = rollout.decisions(db, ROUTE)[1]
    assert promoted["figures"]["fastapi"]["requests"] == 300 and promoted["figures"]["p_value"] is not None
    assert judge.tick() == []  # nothing running any more


def test_fastapi_5xx_rolls_the_route_back_at_once_with_its_figures(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    serve(db, now, legacy=300, fastapi=300, fastapi_5xx=30, legacy_5xx=1)
    move(now, 2)  # well inside the hold: a failure does not wait for it
    [outcome] = Judge(sessions).tick()
    assert (outcome.action, outcome.flag) == ("rollback", ("legacy", 0))
    assert flag_of(db, ROUTE) == ("legacy", 0) and latest(db)["state"] == "rolled_back"
    decision = rollout.decisions(db, ROUTE)[0]
    assert (decision["actor"], decision["action"], decision["from_percent"]) == ("rollout", "rollback", 1)
    assert decision["figures"]["fastapi"]["errors_5xx"] == 30 and decision["figures"]["p_value"] < 0.01
    audit = flags.history(session=db, route_key=ROUTE)[0]
    assert (audit["actor"], audit["to_state"]) == ("rollout", "legacy") and "5xx rate" in audit["reason"]


def test_a_slow_fastapi_arm_is_rolled_back_on_its_p99(db: Session, sessions: sessionmaker[Session],
                                                      now: list) -> None:
    start(db)
    serve(db, now, legacy=300, fastapi=300, legacy_ms=10, fastapi_ms=15)
    move(now, 2)
    [outcome] = Judge(sessions).tick()
    assert outcome.action == "rollback" and "p99" in outcome.reason
    assert rollout.decisions(db, ROUTE)[0]["figures"]["p99_ratio"] > 1.2


def test_a_quiet_route_waits_and_never_promotes_on_too_little_data(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    judge = Judge(sessions)
    serve(db, now, legacy=199, fastapi=50, fastapi_5xx=50)  # even all-5xx: too little data to condemn
    for _ in range(3):
        move(now, HOLD)
        [outcome] = judge.tick()
        assert outcome.action == "wait" and "too little data" in outcome.reason
    status = latest(db)
    assert (status["state"], status["percent"], status["verdict"]["kind"]) == ("running", 1, "wait")
    assert flag_of(db, ROUTE) == ("canary", 1) and actions(db) == [("cli:ann", "start", 1)]


def test_an_inconclusive_5xx_difference_waits(db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    serve(db, now, legacy=300, fastapi=300, fastapi_5xx=2)
    move(now, HOLD)
    [outcome] = Judge(sessions).tick()
    assert outcome.action == "wait" and "inconclusive" in outcome.reason and flag_of(db, ROUTE) == ("canary", 1)


def test_a_shadow_mismatch_in_the_window_fails_the_step(db: Session, sessions: sessionmaker[Session],
                                                       now: list) -> None:
    start(db)
    move(now, 1)
    db.add(ShadowMismatch(route_key=ROUTE, at=now[0], request="GET /api/jobs", diff="body differs"))
    db.commit()
    [outcome] = Judge(sessions).tick()
    assert outcome.action == "rollback" and "1 shadow" in outcome.reason


def test_one_judge_at_a_time_and_another_resumes_when_the_lease_lapses(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    first, second = Judge(sessions, holder="a", lease_seconds=10), Judge(sessions, holder="b", lease_seconds=10)
    serve(db, now, legacy=300, fastapi=300)
    move(now, 1)
    assert [o.action for o in first.tick()] == ["wait"]
    assert second.tick() == []  # "a" holds the lease
    with sessions() as session:
        assert lease.holder_of(session, LEASE_NAME) == "a"
    move(now, HOLD)  # "a" died (no renewal): its lease lapsed long ago
    [outcome] = second.tick()
    assert outcome.action == "promote" and flag_of(db, ROUTE) == ("canary", 5)
    assert first.tick() == []  # back from the dead: "b" holds it now
    with sessions() as session:
        assert lease.release(session, LEASE_NAME, holder="b")
    assert first.tick()[0].action == "wait"  # released: taken over at once, same rollout, step 2


def test_a_flag_moved_by_someone_else_ends_the_rollout(db: Session, sessions: sessionmaker[Session],
                                                       now: list) -> None:
    start(db)
    move(now, 1)  # decisions are ordered by instant
    write(db, flags.auto_rollback, route_key=ROUTE, reason="5 of the last 20 FastAPI answers were 5xx")
    [outcome] = Judge(sessions).tick()
    assert outcome.action == "superseded" and latest(db)["state"] == "rolled_back"
    assert actions(db)[-1] == ("gateway", "rollback", 0)


def test_a_paused_rollout_is_not_judged_and_resume_starts_the_window_again(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    start(db)
    judge = Judge(sessions)
    write(db, rollout.pause, route_key=ROUTE, actor="cli:ann")
    serve(db, now, legacy=300, fastapi=300)
    move(now, HOLD * 2)
    assert judge.tick() == [] and flag_of(db, ROUTE) == ("canary", 1)
    write(db, rollout.resume, route_key=ROUTE, actor="cli:ann")
    move(now, HOLD)
    [outcome] = judge.tick()  # the figures before the resume no longer count
    assert outcome.action == "wait" and "too little data" in outcome.reason


def test_the_lease_holder_prunes_old_figures_but_never_an_active_rollouts(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    def slots() -> list[int]:
        db.rollback()
        found = sorted(int((row.slot_start - T0).total_seconds() // 3600) for row in db.query(RouteWindow))
        db.rollback()
        return found

    for hours_ago in (50, 30, 1):
        begin_write(db)
        add_figures(db, slot_start=T0 - timedelta(hours=hours_ago), arms={(ROUTE, "legacy"): ArmFigures(requests=1)})
        db.commit()
    start(db)
    db.execute(update(Rollout).values(started_at=T0 - timedelta(hours=40)))  # a rollout running for 40 h
    db.commit()
    judge, standby = Judge(sessions, holder="a", keep_hours=24), Judge(sessions, holder="b", keep_hours=24)
    assert judge.prune() == 1 and slots() == [-30, -1]  # the 30 h old slot is the rollout's
    assert standby.prune() == 0  # not the lease holder
    write(db, rollout.abort, route_key=ROUTE, actor="cli:ann")
    assert judge.prune() == 1 and slots() == [-1]


def test_the_gateway_lifespan_runs_the_judge_and_lets_its_lease_go(
        db: Session, sessions: sessionmaker[Session], settings) -> None:  # noqa: ANN001
    assert create_gateway(settings, CutoverConfig(judge_enabled=False)).judge is None
    gateway = create_gateway(settings, CutoverConfig(refresh_interval=0.1, judge_interval=0.1, judge_lease=5))
    start(db)
    with TestClient(gateway):
        deadline = time.monotonic() + 60
        while latest(db)["verdict"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert latest(db)["verdict"]["kind"] == "wait"  # judged by the gateway's own judge
        with sessions() as session:
            assert lease.holder_of(session, LEASE_NAME) == gateway.judge.holder
    with sessions() as session:  # shut down: released, a standby need not wait for it to lapse
        assert lease.holder_of(session, LEASE_NAME) is None


def test_a_single_100_percent_step_is_judged_against_legacy_before_the_start(
        db: Session, sessions: sessionmaker[Session], now: list) -> None:
    legacy = ArmFigures()
    for _ in range(300):
        legacy.add(0.010, 200)
    begin_write(db)
    add_figures(db, slot_start=T0 - timedelta(seconds=HOLD / 2), arms={(ROUTE, "legacy"): legacy})
    add_figures(db, slot_start=T0 - timedelta(seconds=HOLD * 2), arms={(ROUTE, "legacy"): legacy})  # too old
    db.commit()
    start(db, steps=(100,))
    serve(db, now, fastapi=300, fastapi_ms=30)
    move(now, 2)
    [outcome] = Judge(sessions).tick()
    assert outcome.action == "rollback" and "p99" in outcome.reason
    assert rollout.decisions(db, ROUTE)[0]["figures"]["legacy"]["requests"] == 300
