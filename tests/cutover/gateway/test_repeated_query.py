"""D19 through the gateway: a route moved to `fastapi` keeps the first of a repeated value
(the probe of issue 11: moving `GET /api/jobs` silently changed its pages)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from gateway import Gateway
from shared_models.settings import Settings
from tests.cutover.gateway.conftest import refreshed, set_flag
from tests.helpers import at, bearer, make_job, make_user


@pytest.mark.parametrize("state", ["legacy", "fastapi"])
def test_a_moved_route_answers_the_same_page(state: str, gateway: Gateway, client: TestClient, db: Session,
                                             settings: Settings) -> None:
    user = make_user(db, "admin")
    for n in range(3):
        make_job(db, user, name=f"job-{n}", created_at=at(2030, 1, n + 1))
    set_flag(db, "GET /api/jobs", state)
    refreshed(gateway)
    answer = client.get("/api/jobs?page=1&per_page=2&page=2&sort_order=asc&sort_order=desc",
                        headers=bearer(settings, user))
    assert answer.headers["x-served-by"] == state
    body = answer.json()
    assert (body["page"], body["per_page"], body["count"]) == (1, 2, 2)
    assert [job["name"] for job in body["jobs"]] == ["job-0", "job-1"]  # ascending: the first order
