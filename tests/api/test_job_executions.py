"""GET /api/jobs/<id>/executions, /executions/<eid>, /executions/stats (§3.6.1–3.6.3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from shared_models.settings import Settings
from tests.helpers import at, bearer, make_execution, make_executions, make_job, make_user
from tests.stacks import ApiClient

INVALID_DATE = {"error": "Invalid date", "message": "Invalid date format. Use YYYY-MM-DD or ISO datetime."}
INVALID_RANGE = {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}
MISSING_TOKEN = {"msg": "Missing Authorization Header"}


@pytest.fixture
def viewer_headers(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "viewer"))


def job_not_found(job_id: str) -> dict[str, str]:
    return {"error": "Job not found", "message": f"No job found with ID: {job_id}"}


def ids(body: dict, key: str = "executions") -> list[str]:
    return [item["id"] for item in body[key]]


# --- 3.6.1 list --------------------------------------------------------------------------


def test_list_shape_is_exact(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db, name="nightly")
    execution = make_execution(
        db,
        job,
        status="failed",
        trigger_type="manual",
        started_at=datetime(2026, 1, 2, 3, 4, 5, 678999, tzinfo=UTC),
        completed_at=datetime(2026, 1, 2, 3, 4, 6, 1000, tzinfo=UTC),
        duration_seconds=0.322,
        execution_type="github_actions",
        target="o/r/w.yml",
        response_status=500,
        error_message="boom",
        output="log",
    )
    make_execution(db, make_job(db))  # another job's run is not listed

    response = client.get(f"/api/jobs/{job.id}/executions", headers=viewer_headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "job_id": job.id,
        "job_name": "nightly",
        "total_executions": 1,
        "executions": [
            {
                "id": execution.id,
                "job_id": job.id,
                "status": "failed",
                "trigger_type": "manual",
                "started_at": "2026-01-02T03:04:05.678Z",
                "completed_at": "2026-01-02T03:04:06.001Z",
                "duration_seconds": 0.322,
                "execution_type": "github_actions",
                "target": "o/r/w.yml",
                "response_status": 500,
                "error_message": "boom",
                "output": "log",
            }
        ],
    }


def test_list_is_newest_first_with_ties_broken_by_id_desc(
    client: ApiClient, db: Session, viewer_headers: dict
) -> None:
    job = make_job(db)
    same = at(2026, 1, 5, 12)
    rows = make_executions(db, job, [same, same, same, at(2026, 1, 6), at(2026, 1, 4)])
    tied = sorted((row.id for row in rows[:3]), reverse=True)

    body = client.get(f"/api/jobs/{job.id}/executions", headers=viewer_headers).get_json()

    assert ids(body) == [rows[3].id, *tied, rows[4].id]


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, 50),  # default
        ("3", 3),
        ("0", 0),  # legacy: 0 lists nothing
        ("-1", 50),  # decision: a negative limit is treated as absent (the legacy had no limit)
        ("abc", 50),  # non-integer → default
        ("1.5", 50),
        ("500", 200),  # at most 200
    ],
)
def test_limit(client: ApiClient, db: Session, viewer_headers: dict, limit: str | None, expected: int) -> None:
    job = make_job(db)
    base = at(2026, 1, 1)
    rows = make_executions(db, job, [base + timedelta(minutes=i) for i in range(205)])
    newest_first = [row.id for row in reversed(rows)]
    query = f"?limit={limit}" if limit is not None else ""

    body = client.get(f"/api/jobs/{job.id}/executions{query}", headers=viewer_headers).get_json()

    assert body["total_executions"] == expected
    assert ids(body) == newest_first[:expected]


def test_filters_status_list_and_trigger_type(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db)
    success = make_execution(db, job, status="success", trigger_type="scheduled", started_at=at(2026, 1, 1))
    failed = make_execution(db, job, status="failed", trigger_type="manual", started_at=at(2026, 1, 2))
    running = make_execution(db, job, status="running", trigger_type="manual", started_at=at(2026, 1, 3))
    url = f"/api/jobs/{job.id}/executions"

    assert ids(client.get(f"{url}?status=success", headers=viewer_headers).get_json()) == [success.id]
    both = client.get(f"{url}?status= failed , success ", headers=viewer_headers).get_json()
    assert ids(both) == [failed.id, success.id]
    manual = client.get(f"{url}?trigger_type=manual", headers=viewer_headers).get_json()
    assert ids(manual) == [running.id, failed.id]
    combined = client.get(f"{url}?trigger_type=manual&status=failed", headers=viewer_headers).get_json()
    assert ids(combined) == [failed.id]
    unknown = client.get(f"{url}?status=bogus", headers=viewer_headers)
    assert (unknown.status_code, unknown.get_json()["executions"]) == (200, [])


def test_date_filters(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db)
    day4_late = make_execution(db, job, started_at=datetime(2026, 1, 4, 23, 59, 59, 999000, tzinfo=UTC))
    day5 = make_execution(db, job, started_at=at(2026, 1, 5))
    day6 = make_execution(db, job, started_at=at(2026, 1, 6))
    url = f"/api/jobs/{job.id}/executions"

    # date-only: from inclusive at midnight, to covers its whole day
    body = client.get(f"{url}?from=2026-01-05&to=2026-01-05", headers=viewer_headers).get_json()
    assert ids(body) == [day5.id]
    # ISO with Z: `to` is exclusive
    body = client.get(f"{url}?to=2026-01-06T00:00:00Z", headers=viewer_headers).get_json()
    assert ids(body) == [day5.id, day4_late.id]
    # offsets are converted to UTC: 09:00+09:00 is midnight UTC
    body = client.get(f"{url}?from=2026-01-06T09:00:00%2B09:00", headers=viewer_headers).get_json()
    assert ids(body) == [day6.id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from=garbage", INVALID_DATE),
        ("to=2026-02-30", INVALID_DATE),
        ("from=2026-01-06&to=2026-01-05", INVALID_RANGE),
        ("from=2026-01-05T10:00:00Z&to=2026-01-05T10:00:00Z", INVALID_RANGE),
    ],
)
def test_bad_dates_are_400(
    client: ApiClient, db: Session, viewer_headers: dict, query: str, expected: dict
) -> None:
    job = make_job(db)
    response = client.get(f"/api/jobs/{job.id}/executions?{query}", headers=viewer_headers)
    assert (response.status_code, response.get_json()) == (400, expected)


def test_unknown_job_is_404_before_date_parsing(client: ApiClient, viewer_headers: dict) -> None:
    response = client.get("/api/jobs/nope/executions?from=garbage", headers=viewer_headers)
    assert (response.status_code, response.get_json()) == (404, job_not_found("nope"))


# --- 3.6.2 get one -------------------------------------------------------------------------


def test_get_one(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db, name="alpha")
    execution = make_execution(db, job, started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), completed_at=None)

    response = client.get(f"/api/jobs/{job.id}/executions/{execution.id}", headers=viewer_headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["job"] == {"id": job.id, "name": "alpha"}
    assert body["execution"]["id"] == execution.id
    assert body["execution"]["started_at"] == "2026-01-02T03:04:05.000Z"
    assert body["execution"]["completed_at"] is None
    assert set(body) == {"job", "execution"}


def test_get_one_of_another_job_is_404(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db)
    other = make_execution(db, make_job(db))
    for execution_id in (other.id, "missing"):
        response = client.get(f"/api/jobs/{job.id}/executions/{execution_id}", headers=viewer_headers)
        assert response.status_code == 404
        assert response.get_json() == {
            "error": "Execution not found",
            "message": f"No execution found with ID: {execution_id} for job: {job.id}",
        }


def test_get_one_of_unknown_job_is_404_job(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    execution = make_execution(db, make_job(db))
    response = client.get(f"/api/jobs/nope/executions/{execution.id}", headers=viewer_headers)
    assert (response.status_code, response.get_json()) == (404, job_not_found("nope"))


# --- 3.6.3 stats ---------------------------------------------------------------------------


def test_stats_of_a_job_without_runs(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db, name="idle")
    make_execution(db, make_job(db))  # another job's run is not counted

    response = client.get(f"/api/jobs/{job.id}/executions/stats", headers=viewer_headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "job_id": job.id,
        "job_name": "idle",
        "statistics": {
            "total_executions": 0,
            "success_count": 0,
            "failed_count": 0,
            "running_count": 0,
            "success_rate": 0,
            "average_duration_seconds": None,
        },
        "latest_execution": None,
    }
    # The integer 0, as the legacy wrote it (v2's response model must not make it 0.0).
    assert b'"success_rate":0,' in response.data


def test_stats_count_round_and_average_successful_runs_only(
    client: ApiClient, db: Session, viewer_headers: dict
) -> None:
    job = make_job(db, name="busy")
    make_execution(db, job, status="success", duration_seconds=1.0, started_at=at(2026, 1, 1))
    make_execution(db, job, status="success", duration_seconds=2.333, started_at=at(2026, 1, 2))
    make_execution(db, job, status="success", duration_seconds=None, started_at=at(2026, 1, 3))
    make_execution(db, job, status="failed", duration_seconds=100.0, started_at=at(2026, 1, 4))
    make_execution(db, job, status="failed", duration_seconds=50.0, started_at=at(2026, 1, 5))
    latest = make_execution(db, job, status="running", duration_seconds=None, started_at=at(2026, 1, 6))

    body = client.get(f"/api/jobs/{job.id}/executions/stats", headers=viewer_headers).get_json()

    assert body["statistics"] == {
        "total_executions": 6,
        "success_count": 3,
        "failed_count": 2,
        "running_count": 1,
        "success_rate": 50.0,
        "average_duration_seconds": 1.67,  # (1.0 + 2.333) / 2, failed runs excluded
    }
    assert body["latest_execution"]["id"] == latest.id
    assert body["latest_execution"]["status"] == "running"


def test_stats_rate_is_rounded_and_zero_mean_is_null(
    client: ApiClient, db: Session, viewer_headers: dict
) -> None:
    job = make_job(db)
    make_execution(db, job, status="success", duration_seconds=0.0)
    make_execution(db, job, status="failed", duration_seconds=3.0)
    make_execution(db, job, status="failed", duration_seconds=3.0)

    stats = client.get(f"/api/jobs/{job.id}/executions/stats", headers=viewer_headers).get_json()["statistics"]

    assert stats["success_rate"] == 33.33
    assert stats["average_duration_seconds"] is None


def test_stats_latest_breaks_ties_by_id(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    job = make_job(db)
    rows = make_executions(db, job, [at(2026, 1, 1)] * 3)
    body = client.get(f"/api/jobs/{job.id}/executions/stats", headers=viewer_headers).get_json()
    assert body["latest_execution"]["id"] == max(row.id for row in rows)


def test_stats_of_unknown_job_is_404(client: ApiClient, viewer_headers: dict) -> None:
    response = client.get("/api/jobs/nope/executions/stats", headers=viewer_headers)
    assert (response.status_code, response.get_json()) == (404, job_not_found("nope"))


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/stats", "/{eid}"])
def test_every_role_may_read_and_anonymous_is_401(
    client: ApiClient, db: Session, settings: Settings, suffix: str
) -> None:
    owner = make_user(db, "user")
    job = make_job(db, created_by=owner)
    execution = make_execution(db, job)
    url = f"/api/jobs/{job.id}/executions" + suffix.format(eid=execution.id)
    answers = [client.get(url, headers=bearer(settings, user))
               for user in (make_user(db, "viewer"), owner, make_user(db, "user"), make_user(db, "admin"))]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert answers[0].get_json()  # a real body, and every role reads the same one
    assert all(answer.get_json() == answers[0].get_json() for answer in answers)
    anonymous = client.get(url)
    assert (anonymous.status_code, anonymous.get_json()) == (401, MISSING_TOKEN)


def test_stats_segment_wins_over_an_execution_id(client: ApiClient, db: Session, viewer_headers: dict) -> None:
    """`/jobs/<id>/executions/stats` is the stats route even when the job has an execution
    with the id "stats" (a literal segment beats `{execution_id}` on both stacks)."""
    job = make_job(db)
    make_execution(db, job, id="stats")
    body = client.get(f"/api/jobs/{job.id}/executions/stats", headers=viewer_headers).get_json()
    assert body["statistics"]["total_executions"] == 1 and body["latest_execution"]["id"] == "stats"
    assert "execution" not in body
