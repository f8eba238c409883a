"""GET /api/jobs (§3.5.1 with D4, D9, D18): every job, or pages with filters and sorting."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from shared_models.contracts.jobs import JobListQuery
from shared_models.formats import utc_instant
from shared_models.models import Job, User
from shared_models.serializers import job_to_dict
from shared_models.services.jobs import list_jobs
from shared_models.settings import Settings
from tests.helpers import at, bearer, make_execution, make_job, make_user

FAR = date(2099, 1, 1)


@pytest.fixture
def viewer(db: Session) -> User:
    return make_user(db, "viewer")


@pytest.fixture
def catalogue(db: Session) -> dict[str, Job]:
    """Five jobs with distinct created_at (oldest first) and two sharing one instant."""
    jobs = {
        "alpha": make_job(db, name="Alpha report", category="regression", pic_team="qa-team",
                          created_at=at(2030, 1, 1), updated_at=at(2030, 1, 9), end_date=FAR),
        "beta": make_job(db, name="beta 100% sync", category="general", pic_team="ops",
                         created_at=at(2030, 1, 2), updated_at=at(2030, 1, 8), end_date=None),
        "gamma": make_job(db, name="Gamma", category="regression", pic_team="ops", is_active=False,
                          created_at=at(2030, 1, 3), updated_at=at(2030, 1, 7), end_date=date(2098, 1, 1)),
        "delta": make_job(db, name="delta", category="general", pic_team="qa-team",
                          created_at=at(2030, 1, 4), updated_at=at(2030, 1, 6), end_date=date(2097, 1, 1)),
        "tie1": make_job(db, name="tie one", created_at=at(2030, 1, 5), updated_at=at(2030, 1, 5), end_date=FAR),
        "tie2": make_job(db, name="tie two", created_at=at(2030, 1, 5), updated_at=at(2030, 1, 5), end_date=FAR),
    }
    return jobs


def names(body: dict[str, Any]) -> list[str]:
    return [job["name"] for job in body["jobs"]]


def get(client: Any, settings: Settings, user: User, **query: Any) -> Any:
    return client.get("/api/jobs", query_string=query, headers=bearer(settings, user))


def test_unpaged_lists_every_job_newest_first(
    client: Any, db: Session, settings: Settings, viewer: User, catalogue: dict[str, Job]
) -> None:
    make_execution(db, catalogue["alpha"], started_at=at(2030, 2, 1, 8, 30))
    make_execution(db, catalogue["alpha"], started_at=at(2030, 2, 3, 8, 30))
    response = get(client, settings, viewer)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"count", "jobs"}
    ties = sorted([catalogue["tie1"].id, catalogue["tie2"].id], reverse=True)
    tie_names = [next(j.name for j in catalogue.values() if j.id == i) for i in ties]
    assert names(body) == [*tie_names, "delta", "Gamma", "beta 100% sync", "Alpha report"]
    assert body["count"] == 6
    by_name = {job["name"]: job for job in body["jobs"]}
    alpha = by_name["Alpha report"]
    assert alpha == job_to_dict(catalogue["alpha"]) | {
        "last_execution_at": "2030-02-03T08:30:00.000Z",
        "next_execution_at": alpha["next_execution_at"],
    }
    assert alpha["next_execution_at"].endswith("T09:00:00+09:00")
    assert by_name["Gamma"]["next_execution_at"] is None  # inactive
    assert by_name["delta"]["last_execution_at"] is None


def test_paged_response_echoes_effective_values(
    client: Any, settings: Settings, viewer: User, catalogue: dict[str, Job]
) -> None:
    body = get(client, settings, viewer, page=2, per_page=4).get_json()
    assert {k: body[k] for k in ("count", "total", "page", "per_page", "total_pages")} == {
        "count": 2, "total": 6, "page": 2, "per_page": 4, "total_pages": 2,
    }
    assert names(body) == ["beta 100% sync", "Alpha report"]
    assert set(body) == {"count", "jobs", "total", "page", "per_page", "total_pages"}


@pytest.mark.parametrize(
    ("query", "page", "per_page"),
    [
        ({"page": "0"}, 1, 20),
        ({"page": "-3", "per_page": "0"}, 1, 1),
        ({"per_page": "500"}, 1, 100),
        ({"page": "abc", "per_page": "x"}, 1, 20),
        ({"page": "99"}, 99, 20),
    ],
)
def test_paging_values_are_clamped(
    client: Any, settings: Settings, viewer: User, catalogue: dict[str, Job],
    query: dict[str, str], page: int, per_page: int,
) -> None:
    body = get(client, settings, viewer, **query).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (page, per_page, 6)
    assert body["total_pages"] == -(-6 // per_page)
    assert body["count"] == len(body["jobs"]) == max(0, min(per_page, 6 - (page - 1) * per_page))


def test_empty_page_has_zero_total_pages(client: Any, settings: Settings, viewer: User) -> None:
    body = get(client, settings, viewer, page=1).get_json()
    assert body == {"count": 0, "jobs": [], "total": 0, "page": 1, "per_page": 20, "total_pages": 0}
    assert get(client, settings, viewer).get_json() == {"count": 0, "jobs": []}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "regression"}, ["Gamma", "Alpha report"]),
        ({"pic_team": "ops"}, ["Gamma", "beta 100% sync"]),
        ({"is_active": "false"}, ["Gamma"]),
        ({"is_active": "TRUE", "category": "regression"}, ["Alpha report"]),
        ({"search": "A"}, ["delta", "Gamma", "beta 100% sync", "Alpha report"]),
        ({"search": "100%"}, ["beta 100% sync"]),
        ({"search": "_"}, []),  # LIKE wildcards are literal
        ({"search": "  "}, ["tie", "tie", "delta", "Gamma", "beta 100% sync", "Alpha report"]),
        ({"sort_by": "name", "sort_order": "asc"}, ["Alpha report", "beta 100% sync", "delta", "Gamma", "tie one", "tie two"]),
        ({"sort_by": "name"}, ["tie two", "tie one", "Gamma", "delta", "beta 100% sync", "Alpha report"]),
        ({"sort_by": "updated_at", "sort_order": "ASC"}, ["tie", "tie", "delta", "Gamma", "beta 100% sync", "Alpha report"]),
        # Blank sort values are not given, like blank filters: the default order.
        ({"sort_by": " \r\n", "sort_order": "\t"}, ["tie", "tie", "delta", "Gamma", "beta 100% sync", "Alpha report"]),
    ],
)
def test_filters_and_sorting(
    client: Any, settings: Settings, viewer: User, catalogue: dict[str, Job],
    query: dict[str, str], expected: list[str],
) -> None:
    for paged in (False, True):
        params = query | ({"per_page": "50"} if paged else {})
        body = get(client, settings, viewer, **params).get_json()
        got = [name if not name.startswith("tie") else "tie" for name in names(body)] if "tie" in expected else names(body)
        assert got == expected, params
        if paged:
            assert body["total"] == len(expected)


def test_ties_are_broken_by_id_in_the_sort_direction(
    client: Any, settings: Settings, viewer: User, catalogue: dict[str, Job]
) -> None:
    ids = sorted([catalogue["tie1"].id, catalogue["tie2"].id, catalogue["alpha"].id])
    body = get(client, settings, viewer, sort_by="end_date", sort_order="asc").get_json()
    assert names(body)[:2] == ["delta", "Gamma"]
    assert body["jobs"][-1]["end_date"] is None
    far = [job["id"] for job in body["jobs"] if job["end_date"] == FAR.isoformat()]
    assert far == ids
    body = get(client, settings, viewer, sort_by="end_date", sort_order="desc").get_json()
    assert [job["id"] for job in body["jobs"] if job["end_date"] == FAR.isoformat()] == ids[::-1]
    assert body["jobs"][-1]["end_date"] is None  # NULL end dates last in both directions


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sort_by": "cron_expression"}, "sort_by must be one of: name, created_at, updated_at, end_date."),
        ({"sort_order": "up"}, "sort_order must be asc or desc."),
        ({"is_active": "yes please"}, "is_active must be true or false."),
    ],
)
def test_unknown_query_values_are_400(
    client: Any, settings: Settings, viewer: User, query: dict[str, str], message: str
) -> None:
    response = get(client, settings, viewer, **query)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Invalid query", "message": message}


def test_the_token_owner_is_checked_before_the_query(client: Any, db: Session, settings: Settings) -> None:
    """The legacy checked the token (and its user) before reading the query; v2 validates
    the query before the route runs, so its 400 waits for the owner check."""
    gone = make_user(db, "viewer")
    headers = bearer(settings, gone)
    gone.is_active = False
    db.commit()
    response = client.get("/api/jobs", query_string={"sort_by": "size"}, headers=headers)
    assert (response.status_code, response.get_json()) == (401, {"msg": "User not found or inactive"})


def test_needs_a_token_but_any_role(client: Any, db: Session, settings: Settings) -> None:
    assert client.get("/api/jobs").get_json() == {"msg": "Missing Authorization Header"}
    for role in ("viewer", "user", "admin"):
        assert get(client, settings, make_user(db, role)).status_code == 200


def test_last_execution_is_one_grouped_query(db: Session, engine: Engine, settings: Settings) -> None:
    """No N+1: one SELECT whatever the page size: the page with each job's
    MAX(started_at) as a correlated subquery and the total as a scalar subquery."""
    for n in range(30):
        job = make_job(db, end_date=FAR)
        make_execution(db, job, started_at=at(2030, 1, 1) + timedelta(minutes=n))
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        db.rollback()
        db.expunge_all()
        body = list_jobs(db.connection(), user_id="anyone", settings=settings, query=JobListQuery(per_page=25))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert body["count"] == 25
    assert all(job["last_execution_at"] is not None for job in body["jobs"])
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


EDGE_INSTANTS = [
    at(2030, 1, 1).replace(microsecond=999_999),
    at(2030, 1, 1, 0, 1).replace(microsecond=999),
    at(2030, 1, 1, 0, 2).replace(microsecond=1000),
    at(2030, 1, 1, 0, 3),
    at(1970, 1, 1).replace(microsecond=500_500),
    at(9999, 12, 31, 23, 59).replace(second=59, microsecond=999_999),
]


def test_instants_read_as_the_orm_writes_them(
    client: Any, db: Session, settings: Settings, viewer: User
) -> None:
    """The job reads take their instants straight from the driver (`WireInstant`): the
    same strings as the ORM entity's aware datetimes through `utc_instant`, whatever
    the microseconds (milliseconds truncated), on each backend, list and one job alike."""
    jobs = []
    for n, instant in enumerate(EDGE_INSTANTS):
        job = make_job(db, name=f"edge {n}", created_at=instant, updated_at=EDGE_INSTANTS[-1 - n], end_date=FAR)
        if instant.year < 9999:  # the statistics trigger's day key stops before that
            make_execution(db, job, started_at=instant)
        jobs.append(job)
    jobs.append(make_job(db, name="never ran", end_date=FAR))
    starts = [instant if instant.year < 9999 else None for instant in EDGE_INSTANTS] + [None]
    db.expire_all()  # the values as stored, read back by the ORM
    expected = {job.id: job_to_dict(job) for job in jobs}
    listed = get(client, settings, viewer, sort_by="name", sort_order="asc").get_json()["jobs"]
    assert [job["id"] for job in listed] == [job.id for job in jobs]
    for job, instant in zip(listed, starts, strict=True):
        assert {key: job[key] for key in expected[job["id"]]} == expected[job["id"]]
        assert job["last_execution_at"] == utc_instant(instant)
        one = client.get(f"/api/jobs/{job['id']}", headers=bearer(settings, viewer)).get_json()["job"]
        assert one == job
    assert listed[0]["created_at"] == "2030-01-01T00:00:00.999Z"
    assert listed[1]["updated_at"] == "1970-01-01T00:00:00.500Z"
