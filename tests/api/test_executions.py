"""GET /api/executions, /api/executions/<id>, /api/executions/statistics (§3.6.4–3.6.6, D9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from shared_models.models import Job
from shared_models.settings import Settings
from tests.helpers import at, bearer, make_execution, make_executions, make_job, make_user
from tests.stacks import ApiClient

INVALID_DATE = {"error": "Invalid date", "message": "Invalid date format. Use YYYY-MM-DD or ISO datetime."}
INVALID_RANGE = {"error": "Invalid date range", "message": '"from" must be earlier than "to".'}
MISSING_TOKEN = {"msg": "Missing Authorization Header"}


@pytest.fixture
def headers(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "viewer"))


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["executions"]]


def five_runs(db: Session) -> tuple[Job, list[str]]:
    """Five runs of one job, one minute apart; their ids newest first."""
    job = make_job(db)
    rows = make_executions(db, job, [at(2026, 1, 1) + timedelta(minutes=i) for i in range(5)])
    return job, [row.id for row in reversed(rows)]


# --- 3.6.4 list ------------------------------------------------------------------------


def test_list_shape_is_exact(client: ApiClient, db: Session, headers: dict) -> None:
    job = make_job(db, name="deploy", github_owner="o", github_repo="repo", github_workflow_name="w.yml")
    execution = make_execution(
        db,
        job,
        status="success",
        trigger_type="manual",
        started_at=datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC),
        completed_at=None,
        duration_seconds=None,
        execution_type="github_actions",
        target="o/repo/w.yml",
        response_status=204,
    )

    response = client.get("/api/executions", headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {
        "executions": [
            {
                "id": execution.id,
                "job_id": job.id,
                "job_name": "deploy",
                "github_repo": "repo",
                "status": "success",
                "trigger_type": "manual",
                "started_at": "2026-01-02T03:04:05.006Z",
                "completed_at": None,
                "duration_seconds": None,
                "execution_type": "github_actions",
                "target": "o/repo/w.yml",
                "response_status": 204,
                "error_message": None,
                "output": None,
            }
        ],
        "total": 1,
        "page": 1,
        "limit": 20,
        "total_pages": 1,
    }


def test_empty_list(client: ApiClient, headers: dict) -> None:
    body = client.get("/api/executions", headers=headers).get_json()
    assert body == {"executions": [], "total": 0, "page": 1, "limit": 20, "total_pages": 0}


def test_order_is_newest_first_then_id_desc_across_jobs(client: ApiClient, db: Session, headers: dict) -> None:
    same = at(2026, 1, 5)
    a = make_executions(db, make_job(db), [same, same])
    b = make_executions(db, make_job(db), [same, at(2026, 1, 6)])
    expected = [b[1].id, *sorted((a[0].id, a[1].id, b[0].id), reverse=True)]
    assert ids(client.get("/api/executions", headers=headers).get_json()) == expected


@pytest.mark.parametrize(
    ("query", "page", "limit", "window"),
    [
        ("limit=2", 1, 2, slice(0, 2)),
        ("limit=2&page=3", 3, 2, slice(4, 6)),
        ("limit=2&page=4", 4, 2, slice(0, 0)),  # past the end: empty, total kept
        ("limit=2&page=0", 1, 2, slice(0, 2)),  # page below 1 → 1 (echoed effective, D9)
        ("limit=2&page=-7", 1, 2, slice(0, 2)),
        ("limit=2&page=abc", 1, 2, slice(0, 2)),  # non-integer → default
        ("limit=2&page=100000000000000000000000", 100000000000000000000000, 2, slice(0, 0)),
        ("limit=0", 1, 1, slice(0, 1)),  # clamped to 1..200
        ("limit=-5", 1, 1, slice(0, 1)),
        ("limit=5000", 1, 200, slice(0, 5)),
        ("limit=x", 1, 20, slice(0, 5)),
        ("per_page=2&page=2", 2, 2, slice(2, 4)),  # D9: per_page is an alias of limit
        ("per_page=9999", 1, 200, slice(0, 5)),
        ("limit=3&per_page=2", 1, 3, slice(0, 3)),  # limit wins when both are sent
    ],
)
def test_paging_echoes_effective_values(
    client: ApiClient, db: Session, headers: dict, query: str, page: int, limit: int, window: slice
) -> None:
    _job, newest_first = five_runs(db)

    response = client.get(f"/api/executions?{query}", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["page"], body["limit"], body["total"]) == (page, limit, 5)
    assert body["total_pages"] == -(-5 // limit)
    assert ids(body) == newest_first[window]


def test_filters(client: ApiClient, db: Session, headers: dict) -> None:
    first, second = make_job(db), make_job(db)
    hook_ok = make_execution(db, first, status="success", execution_type="webhook", started_at=at(2026, 1, 1))
    gh_failed = make_execution(
        db, first, status="failed", execution_type="github_actions", trigger_type="manual", started_at=at(2026, 1, 2)
    )
    other_running = make_execution(db, second, status="running", started_at=at(2026, 1, 3))

    def listed(query: str) -> list[str]:
        response = client.get(f"/api/executions?{query}", headers=headers)
        assert response.status_code == 200
        assert response.get_json()["total"] == len(response.get_json()["executions"])
        return ids(response.get_json())

    assert listed(f"job_id={first.id}") == [gh_failed.id, hook_ok.id]
    assert listed("status=running") == [other_running.id]
    assert listed("status=success,%20running") == [other_running.id, hook_ok.id]
    assert listed("trigger_type=manual") == [gh_failed.id]
    assert listed("execution_type=github_actions") == [gh_failed.id]
    assert listed(f"job_id={second.id}&status=failed") == []
    assert listed("job_id=unknown") == []
    assert listed("status=bogus") == []
    assert listed("status=") == [other_running.id, gh_failed.id, hook_ok.id]  # blank = no filter


def test_date_filters(client: ApiClient, db: Session, headers: dict) -> None:
    job = make_job(db)
    late_day1 = make_execution(db, job, started_at=datetime(2026, 1, 1, 23, 59, 59, tzinfo=UTC))
    day2 = make_execution(db, job, started_at=at(2026, 1, 2, 12))
    day3 = make_execution(db, job, started_at=at(2026, 1, 3))

    def listed(query: str) -> list[str]:
        return ids(client.get(f"/api/executions?{query}", headers=headers).get_json())

    assert listed("from=2026-01-02") == [day3.id, day2.id]
    assert listed("to=2026-01-02") == [day2.id, late_day1.id]  # whole day included
    assert listed("from=2026-01-02&to=2026-01-02") == [day2.id]
    assert listed("to=2026-01-03T00:00:00Z") == [day2.id, late_day1.id]  # exclusive
    assert listed("from=2026-01-02T08:59:59-15:00") == [day3.id]  # 23:59:59 UTC on the 2nd
    assert listed("from=2026-01-02T21:00:00%2B09:00&to=2026-01-02") == [day2.id]  # 12:00 UTC


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("from=soon", INVALID_DATE),
        ("to=2026-1-1", INVALID_DATE),
        ("from=2026-01-01T10:00:00ZZ", INVALID_DATE),
        ("to=9999-12-31", INVALID_DATE),
        ("from=2026-01-02&to=2026-01-01", INVALID_RANGE),
    ],
)
@pytest.mark.parametrize("path", ["/api/executions", "/api/executions/statistics"])
def test_bad_dates_are_400(client: ApiClient, headers: dict, path: str, query: str, expected: dict) -> None:
    response = client.get(f"{path}?{query}", headers=headers)
    assert (response.status_code, response.get_json()) == (400, expected)


@pytest.mark.parametrize("path", ["/api/executions", "/api/executions/statistics"])
def test_the_token_owner_is_checked_before_the_dates(
    client: ApiClient, db: Session, settings: Settings, path: str
) -> None:
    """The legacy checked the token's user before reading the query; v2 validates the
    query first, so its 400 waits for the owner check."""
    gone = make_user(db, "viewer")
    headers = bearer(settings, gone)
    gone.is_active = False
    db.commit()
    response = client.get(f"{path}?from=soon", headers=headers)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})
    assert client.get(f"{path}?from=soon").get_json() == MISSING_TOKEN


# --- 3.6.5 get one -----------------------------------------------------------------------


def test_get_one(client: ApiClient, db: Session, headers: dict) -> None:
    job = make_job(db, name="solo", github_repo=None)
    execution = make_execution(db, job, started_at=at(2026, 2, 3, 4, 5))

    response = client.get(f"/api/executions/{execution.id}", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"execution"}
    assert body["execution"]["id"] == execution.id
    assert body["execution"]["job_name"] == "solo"
    assert body["execution"]["github_repo"] is None
    assert body["execution"]["started_at"] == "2026-02-03T04:05:00.000Z"


def test_get_one_missing_is_404(client: ApiClient, headers: dict) -> None:
    response = client.get("/api/executions/nope", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Execution not found", "message": "No execution found with ID: nope"}


# --- 3.6.6 statistics --------------------------------------------------------------------


def test_statistics_empty(client: ApiClient, headers: dict) -> None:
    response = client.get("/api/executions/statistics", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "total_executions": 0,
        "successful_executions": 0,
        "failed_executions": 0,
        "running_executions": 0,
        "success_rate": 0.0,
        "average_duration_seconds": 0.0,
        "range": {"from": None, "to": None},
    }


def test_statistics_are_unrounded_and_average_every_status(
    client: ApiClient, db: Session, headers: dict
) -> None:
    job = make_job(db)
    make_execution(db, job, status="success", duration_seconds=1.0)
    make_execution(db, job, status="failed", duration_seconds=2.5)
    make_execution(db, job, status="failed", duration_seconds=6.0)
    make_execution(db, job, status="running", duration_seconds=None)  # no duration: not averaged

    body = client.get("/api/executions/statistics", headers=headers).get_json()

    assert body == {
        "total_executions": 4,
        "successful_executions": 1,
        "failed_executions": 2,
        "running_executions": 1,
        "success_rate": 25.0,
        "average_duration_seconds": 9.5 / 3,
        "range": {"from": None, "to": None},
    }


def test_statistics_rate_is_not_rounded(client: ApiClient, db: Session, headers: dict) -> None:
    job = make_job(db)
    make_executions(db, job, [at(2026, 1, 1)], status="success")
    make_executions(db, job, [at(2026, 1, 1)] * 2, status="failed")
    body = client.get("/api/executions/statistics", headers=headers).get_json()
    assert body["success_rate"] == 1 / 3 * 100


def test_statistics_filters_and_range(client: ApiClient, db: Session, headers: dict) -> None:
    job, other = make_job(db), make_job(db)
    make_execution(db, job, status="success", duration_seconds=4.0, started_at=at(2026, 1, 10))
    make_execution(db, job, status="failed", duration_seconds=8.0, started_at=at(2026, 2, 1))  # `to` excludes it
    make_execution(db, job, status="failed", duration_seconds=1.0, started_at=at(2025, 12, 31, 23))
    make_execution(db, other, status="failed", duration_seconds=9.0, started_at=at(2026, 1, 10))

    response = client.get(
        f"/api/executions/statistics?job_id={job.id}&from=2026-01-01T09:00:00%2B09:00&to=2026-01-31"
        "&status=failed",  # not a filter of this route: ignored
        headers=headers,
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "total_executions": 1,
        "successful_executions": 1,
        "failed_executions": 0,
        "running_executions": 0,
        "success_rate": 100.0,
        "average_duration_seconds": 4.0,
        "range": {"from": "2026-01-01T00:00:00.000Z", "to": "2026-02-01T00:00:00.000Z"},
    }


# --- roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/executions", "/api/executions/statistics", "/api/executions/{eid}"])
def test_every_role_may_read_and_anonymous_is_401(
    client: ApiClient, db: Session, settings: Settings, path: str
) -> None:
    owner = make_user(db, "user")
    execution = make_execution(db, make_job(db, created_by=owner))
    url = path.format(eid=execution.id)
    answers = [client.get(url, headers=bearer(settings, user))
               for user in (make_user(db, "viewer"), owner, make_user(db, "user"), make_user(db, "admin"))]
    assert [answer.status_code for answer in answers] == [200] * 4
    assert answers[0].get_json()  # a real body, and every role reads the same one
    assert all(answer.get_json() == answers[0].get_json() for answer in answers)
    anonymous = client.get(url)
    assert (anonymous.status_code, anonymous.get_json()) == (401, MISSING_TOKEN)


def test_trailing_slash_is_404(client: ApiClient, headers: dict) -> None:
    response = client.get("/api/executions/", headers=headers)
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "The requested URL was not found."})


def test_statistics_segment_wins_over_an_execution_id(client: ApiClient, db: Session, headers: dict) -> None:
    """`/executions/statistics` is the statistics route even when an execution has the
    id "statistics" (a literal segment beats `{execution_id}` on both stacks)."""
    make_execution(db, make_job(db), id="statistics")
    statistics = client.get("/api/executions/statistics", headers=headers).get_json()
    assert statistics["total_executions"] == 1 and "execution" not in statistics
    other = client.get("/api/executions/statistics-x", headers=headers)
    assert other.status_code == 404
    assert other.get_json() == {"error": "Execution not found", "message": "No execution found with ID: statistics-x"}


def test_nul_in_url_is_refused_before_any_query(client: ApiClient, db: Session, headers: dict) -> None:
    """A NUL byte cannot even be sent to PostgreSQL as a parameter: both stacks refuse it
    at the door (shared_models.requests.check_url_text), never a 500 (D1)."""
    job = make_job(db)
    for query in ("status=a%00b", "job_id=%00", "trigger_type=%00", "execution_type=x%00"):
        response = client.get(f"/api/executions?{query}", headers=headers)
        assert response.status_code == 400
        assert response.get_json() == {"error": "Invalid payload", "message": "Text must not contain NUL characters."}
    for path in ("/api/executions/%00", f"/api/jobs/{job.id}/executions/%00", "/api/jobs/%00/executions"):
        missing = client.get(path, headers=headers)
        assert missing.status_code == 404
        assert missing.get_json() == {"error": "Not found", "message": "The requested URL was not found."}
    # Before routing and before the token check: anonymous callers and unrouted methods
    # get the same answers.
    anonymous = client.get("/api/executions?from=%00")
    assert (anonymous.status_code, anonymous.get_json()["message"]) == (400, "Text must not contain NUL characters.")
    assert client.get("/api/executions/%00").status_code == 404
    assert client.post("/api/executions/%00", headers=headers).status_code == 404


def test_unknown_method_is_json_405(client: ApiClient, headers: dict) -> None:
    response = client.post("/api/executions", headers=headers)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
