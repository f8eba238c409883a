"""The consecutive-failure alert policy: one alert at the threshold, one recovery after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shared_models.alerts import MISSED_RUN_PREFIX, decide, outcomes_needed, recent_outcomes
from shared_models.clock import utcnow
from tests.helpers import make_execution, make_job

F, S = "failed", "success"


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ([F, F, F, S], "alert"),  # the 3rd consecutive failure
        ([F, F, F], "alert"),  # ... also with no earlier history
        ([F, F, F, F], None),  # the 4th: already alerted
        ([F, F, S], None),  # streak not reached
        ([S, F, F, F], "recovery"),
        ([S, F, F, F, F, F], "recovery"),
        ([S, F, F, S], None),
        ([S, S], None),
        ([], None),
    ],
)
def test_decide(outcomes: list[str], expected: str | None) -> None:
    assert decide(outcomes, 3) == expected


def test_threshold_edge_cases() -> None:
    assert decide([F], 1) == "alert" and decide([F, F], 1) is None and decide([S, F], 1) == "recovery"
    assert decide([F, F, F], 0) is None  # 0 turns alerts off
    assert outcomes_needed(3) == 4


def test_recent_outcomes_skips_running_and_missed_rows(db: Session) -> None:
    job = make_job(db)
    base = utcnow()
    for minutes, status, error in [(1, F, "boom"), (2, F, f"{MISSED_RUN_PREFIX}: slot x"), (3, S, None), (4, F, None)]:
        make_execution(db, job, status=status, error_message=error, completed_at=base + timedelta(minutes=minutes))
    make_execution(db, job, status="running", completed_at=None)
    other = make_job(db)
    make_execution(db, other, status=S, completed_at=base + timedelta(minutes=9))
    assert db.scalars(recent_outcomes(job.id, limit=10)).all() == [F, S, F]
    assert db.scalars(recent_outcomes(job.id, limit=2)).all() == [F, S]
