"""D19: a repeated query parameter, the first value wins, on both stacks.

The probes of issue 11 (`page=1&per_page=2&page=2`, `limit=1&limit=3`,
`sort_order=asc&sort_order=desc`) plus one key of every other list route; each case
also sends the reversed order, so a stack that took the last value fails one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fastapi_app.first_query_value import first_values
from shared_models.models import User
from shared_models.settings import Settings
from tests.helpers import at, bearer, make_execution, make_job, make_notification, make_team, make_user
from tests.stacks import selected_stacks, stack_client


@pytest.fixture(params=selected_stacks())
def client(request: pytest.FixtureRequest, settings: Settings, engine: Engine) -> Iterator[Any]:
    with stack_client(request.param, settings) as test_client:
        yield test_client


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, "admin")


@pytest.fixture
def world(db: Session, admin: User) -> dict[str, Any]:
    """Three jobs (distinct created_at), four executions, three notifications, a hidden team."""
    jobs = [make_job(db, created_by=admin, name=f"job-{n}", created_at=at(2030, 1, n + 1)) for n in range(3)]
    for n in range(4):
        make_execution(db, jobs[0], started_at=at(2030, 2, n + 1))
    for n in range(3):
        make_notification(db, admin, created_at=at(2030, 3, n + 1))
    make_team(db, slug="hidden-team", is_active=False)
    db.commit()
    return {"jobs": jobs}


def _get(client: Any, settings: Settings, admin: User, query: str) -> Any:
    response = client.get(query, headers=bearer(settings, admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("first", "second"), [("1", "2"), ("2", "1")])
def test_jobs_page_first_value_wins(client: Any, settings: Settings, admin: User, world: dict[str, Any],
                                    first: str, second: str) -> None:
    body = _get(client, settings, admin, f"/api/jobs?page={first}&per_page=2&page={second}")
    assert body["page"] == int(first)
    assert body["per_page"] == 2
    assert body["count"] == (2 if first == "1" else 1)


@pytest.mark.parametrize(("first", "second"), [("1", "3"), ("3", "1")])
def test_executions_limit_first_value_wins(client: Any, settings: Settings, admin: User, world: dict[str, Any],
                                           first: str, second: str) -> None:
    body = _get(client, settings, admin, f"/api/executions?limit={first}&limit={second}")
    assert body["limit"] == int(first)
    assert len(body["executions"]) == int(first)
    job_id = world["jobs"][0].id
    body = _get(client, settings, admin, f"/api/jobs/{job_id}/executions?limit={first}&limit={second}")
    assert len(body["executions"]) == int(first)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_jobs_sort_order_first_value_wins(client: Any, settings: Settings, admin: User, world: dict[str, Any],
                                          order: str) -> None:
    other = "desc" if order == "asc" else "asc"
    body = _get(client, settings, admin, f"/api/jobs?page=1&sort_by=name&sort_order={order}&sort_order={other}")
    names = [job["name"] for job in body["jobs"]]
    assert names == sorted(names, reverse=order == "desc")


@pytest.mark.parametrize(("first", "second"), [("1", "2"), ("2", "1")])
def test_notifications_per_page_first_value_wins(client: Any, settings: Settings, admin: User,
                                                 world: dict[str, Any], first: str, second: str) -> None:
    body = _get(client, settings, admin, f"/api/notifications?per_page={first}&per_page={second}")
    assert body["per_page"] == int(first)
    assert len(body["notifications"]) == int(first)


@pytest.mark.parametrize(("first", "expected"), [("true", True), ("false", False)])
def test_include_inactive_first_value_wins(client: Any, settings: Settings, admin: User, world: dict[str, Any],
                                           first: str, expected: bool) -> None:
    other = "false" if first == "true" else "true"
    body = _get(client, settings, admin, f"/api/pic-teams?include_inactive={first}&include_inactive={other}")
    teams = body if isinstance(body, list) else body.get("teams", body.get("pic_teams", []))
    assert ("hidden-team" in {team["slug"] for team in teams}) is expected


def test_an_empty_first_value_still_wins(client: Any, settings: Settings, admin: User, world: dict[str, Any]) -> None:
    body = _get(client, settings, admin, "/api/executions?limit=&limit=1")
    assert body["limit"] == 20  # the empty first value means "default", the later 1 is ignored


@pytest.mark.parametrize(("raw", "reduced"), [
    (b"", b""),
    (b"page=1", b"page=1"),
    (b"page=1&per_page=2&page=2", b"page=1&per_page=2"),
    (b"a=&a=x", b"a="),
    (b"a+b=1&a%20b=2&a=3", b"a+b=1&a=3"),
    (b"x&x=1&&y=%E2%86%92&y=2", b"x&y=%E2%86%92"),
])
def test_first_values_keeps_the_first_segment_of_each_key(raw: bytes, reduced: bytes) -> None:
    assert first_values(raw) == reduced
