"""The whole API (`/api` and `/api/v2`, one database) and a small world of rows for the
hardening tests.

`api` is a TestClient over the app that serves both prefixes for the selected stacks
(tests/stacks.py): the gateway while Flask exists, `fastapi_app.main` once it is retired
(scripts/retire_flask.sh). Nothing here imports Flask: these tests outlive it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models.models import JobCategory, User
from shared_models.settings import Settings
from tests.helpers import make_execution, make_job, make_notification, make_team, make_user
from tests.stacks import api_app, selected_api_apps

# A local port where nothing listens: outbound calls of fuzzed jobs fail at once.
DEAD_TARGET = "https://127.0.0.1:9/hook"


@dataclass
class World:
    admin: User
    viewer: User
    owner: User  # role user, owns `job`
    other: User  # role user, owns nothing
    job_id: str
    execution_id: str
    team_id: str
    category_ids: list[str]
    notification_ids: dict[str, str]  # username -> one of their notifications


@pytest.fixture
def world(db: Session) -> World:
    admin = make_user(db, "admin")
    viewer = make_user(db, "viewer")
    owner = make_user(db, "user")
    other = make_user(db, "user")
    team = make_team(db)
    job = make_job(db, created_by=owner, target_url=DEAD_TARGET)
    execution = make_execution(db, job)
    db.commit()
    notes = {u.username: make_notification(db, u, title=f"private-{u.username}").id for u in (admin, viewer, owner, other)}
    categories = list(db.scalars(select(JobCategory.id).order_by(JobCategory.id)))
    return World(admin, viewer, owner, other, job.id, execution.id, team.id, categories, notes)


@pytest.fixture(params=selected_api_apps())
def api_app_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_api(api_app_name: str, engine: object) -> Callable[[Settings], Any]:
    """`TestClient(make_api(other_settings), ...)`: the same app on other settings."""
    return lambda settings: api_app(api_app_name, settings)


@pytest.fixture
def api(make_api: Callable[[Settings], Any], settings: Settings) -> Iterator[TestClient]:
    """A TestClient over the whole API, lifespan entered (the async engine is open)."""
    with TestClient(make_api(settings)) as client:
        yield client
