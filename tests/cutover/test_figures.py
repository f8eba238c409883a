"""Window figures in the shared database: added by many workers, read per window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cutover.figures import (
    INF_US,
    LATENCY_BUCKETS_US,
    ArmFigures,
    add_figures,
    arm_figures,
    bucket_of,
    fastapi_share,
    prune_figures,
    route_figures,
    slot_of,
)
from shared_models.db import begin_write
from shared_models.models.rollouts import RouteWindow, RouteWindowLatency
from tests.helpers import at, table_rows

JOBS = "GET /api/jobs"
JOB = "GET /api/jobs/<job_id>"
T0 = at(2026, 3, 1, 12, 0)


def served(*answers: tuple[float, int]) -> ArmFigures:
    figures = ArmFigures()
    for seconds, status in answers:
        figures.add(seconds, status)
    return figures


def flush(db: Session, slot_start, arms) -> None:  # noqa: ANN001
    begin_write(db)
    add_figures(db, slot_start=slot_start, arms=arms)
    db.commit()


def test_buckets_and_slots() -> None:
    bounds = LATENCY_BUCKETS_US
    assert all(1.09 < b / a < 1.11 for a, b in zip(bounds[20:], bounds[21:], strict=False))  # finer than 1.2x
    for seconds in (0.00004, 0.0004, 0.0031, 0.012, 0.25, 9.9):
        le = bucket_of(seconds)
        index = bounds.index(le)
        assert le >= seconds * 1e6 and (index == 0 or bounds[index - 1] < seconds * 1e6)
    assert bucket_of(bounds[30] / 1e6) == bounds[30]  # a bound is inclusive (le)
    assert bucket_of(63.0) == INF_US
    assert slot_of(T0 + timedelta(seconds=17.5), 10) == T0 + timedelta(seconds=10)
    assert slot_of(T0 + timedelta(seconds=17.5), 1) == T0 + timedelta(seconds=17)


def test_quantiles_interpolate_inside_the_bucket() -> None:
    figures = served(*[(0.008, 200)] * 98, (0.045, 200), (0.045, 500))
    assert figures.requests == 100 and figures.errors_5xx == 1
    assert figures.buckets == {bucket_of(0.008): 98, bucket_of(0.045): 2}
    assert 8 / 1.1 < figures.quantile_ms(0.5) <= bucket_of(0.008) / 1000
    assert 45 / 1.1 < figures.quantile_ms(0.99) <= bucket_of(0.045) / 1000
    assert ArmFigures().quantile_ms(0.99) is None
    assert served((70.0, 200)).quantile_ms(0.99) == LATENCY_BUCKETS_US[-1] / 1000  # overflow: its lower bound


def test_two_workers_add_to_the_same_slot_rows(db: Session) -> None:
    flush(db, T0, {(JOBS, "legacy"): served((0.004, 200), (0.004, 200)), (JOBS, "fastapi"): served((0.02, 503))})
    flush(db, T0, {(JOBS, "legacy"): served((0.004, 200), (0.2, 500))})  # the other worker
    windows = {(r["route_key"], r["stack"]): (r["requests"], r["errors_5xx"]) for r in table_rows(db, RouteWindow)}
    assert windows == {(JOBS, "legacy"): (4, 1), (JOBS, "fastapi"): (1, 1)}
    latency = {(r["stack"], r["le_us"]): r["count"] for r in table_rows(db, RouteWindowLatency)}
    fast, slow, mid = bucket_of(0.004), bucket_of(0.2), bucket_of(0.02)
    assert latency == {("legacy", fast): 3, ("legacy", slow): 1, ("fastapi", mid): 1}
    arms = arm_figures(db, route_key=JOBS, since=T0)
    assert (arms["legacy"].requests, arms["legacy"].errors_5xx, arms["legacy"].buckets) == (4, 1, {fast: 3, slow: 1})
    assert arms["fastapi"].buckets == {mid: 1}


def test_a_window_holds_the_slots_that_start_inside_it(db: Session) -> None:
    for offset in range(5):
        flush(db, T0 + timedelta(seconds=10 * offset), {(JOB, "legacy"): served(*[(0.003, 200)] * (offset + 1))})
    since = T0 + timedelta(seconds=15)  # straddles the slot at +10: left out
    assert arm_figures(db, route_key=JOB, since=since)["legacy"].requests == 3 + 4 + 5
    assert arm_figures(db, route_key=JOB, since=since, until=T0 + timedelta(seconds=40))["legacy"].requests == 7
    assert arm_figures(db, route_key=JOB, since=since)["fastapi"].requests == 0


def test_route_figures_and_fastapi_share_for_the_console(db: Session) -> None:
    flush(db, T0, {
        (JOBS, "legacy"): served(*[(0.004, 200)] * 9),
        (JOBS, "fastapi"): served((0.004, 200), (0.004, 500)),
        (JOB, "legacy"): served((0.002, 200)),
    })
    rows = route_figures(db, since=T0)
    assert [(r["route_key"], r["stack"], r["requests"], r["errors_5xx"]) for r in rows] == [
        (JOBS, "fastapi", 2, 1), (JOBS, "legacy", 9, 0), (JOB, "legacy", 1, 0),
    ]
    assert rows[0]["error_rate"] == 0.5 and 4 / 1.1 < rows[0]["p99_ms"] <= 4 * 1.1
    assert route_figures(db, since=T0, route_key=JOB)[0]["requests"] == 1
    assert fastapi_share(db, since=T0) == {"requests": 12, "fastapi": 2, "share": 2 / 12}
    assert fastapi_share(db, since=T0 + timedelta(hours=1)) == {"requests": 0, "fastapi": 0, "share": None}


def test_prune_drops_old_slots_only(db: Session) -> None:
    flush(db, T0, {(JOBS, "legacy"): served((0.004, 200))})
    flush(db, T0 + timedelta(hours=2), {(JOBS, "legacy"): served((0.004, 200))})
    begin_write(db)
    assert prune_figures(db, before=T0 + timedelta(hours=1)) == 2  # one window row, one bucket row
    db.commit()
    assert [r["slot_start"] for r in table_rows(db, RouteWindow)] == [T0 + timedelta(hours=2)]
