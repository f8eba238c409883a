"""A gateway (both stacks, one database) and a small world of rows for the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from gateway import create_gateway
from shared_models.models import JobCategory, User
from shared_models.settings import Settings
from tests.helpers import make_execution, make_job, make_notification, make_team, make_user

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


@pytest.fixture
def gateway(settings: Settings, engine: object) -> Iterator[TestClient]:
    """A TestClient over the gateway, lifespan entered (v2's async engine is open)."""
    app = create_gateway(settings)
    with TestClient(app) as client:
        yield client
