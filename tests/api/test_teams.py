"""PIC teams (§3.3.5-3.3.8, D1, D10, D18) on each stack (tests/stacks.py).

Teams share their implementation with categories (services.catalog); these tests cover
the team messages and what only teams have: `slack_handle`, no "general" guard.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.models import Job, PicTeam
from shared_models.settings import Settings
from tests.helpers import bearer, make_job, make_team, make_user

NOW = datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)
NOW_TEXT = "2026-03-04T05:06:07.891Z"
INSUFFICIENT = {
    "error": "Insufficient permissions",
    "message": "This endpoint requires one of the following roles: admin",
}
MISSING_HEADER = {"msg": "Missing Authorization Header"}
SLUG_NOT_EDITABLE = {"error": "Invalid payload", "message": "Slug cannot be edited directly; it is derived from name."}


@pytest.fixture
def admin(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "admin"))


@pytest.fixture
def qa(db: Session) -> PicTeam:
    return make_team(db, "qa-team", name="QA Team", slack_handle="@qa")


def _snapshot(db: Session) -> list[tuple]:
    """Every team and every job's team, read in a fresh transaction (SQLite WAL snapshots)."""
    db.rollback()
    db.expire_all()
    teams = db.execute(
        select(PicTeam.id, PicTeam.slug, PicTeam.name, PicTeam.slack_handle, PicTeam.is_active, PicTeam.updated_at)
        .order_by(PicTeam.id)
    ).all()
    jobs = db.execute(select(Job.id, Job.pic_team).order_by(Job.id)).all()
    return [*teams, *jobs]


def _team(db: Session, team_id: str) -> PicTeam:
    db.rollback()
    db.expire_all()
    return db.get(PicTeam, team_id)


# -- GET /pic-teams --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
def test_list_for_every_role(client: Any, db: Session, settings: Settings, role: str) -> None:
    ops = make_team(db, "ops", name="ops", slack_handle=None)
    make_team(db, "alpha", name="Alpha", is_active=False)
    qa = make_team(db, "qa-team", name="QA Team", slack_handle="<!subteam^S1>")
    response = client.get("/api/pic-teams", headers=bearer(settings, make_user(db, role)))
    assert response.status_code == 200
    body = response.get_json()
    assert [t["slug"] for t in body["pic_teams"]] == ["ops", "qa-team"]
    assert body["pic_teams"][1] == {
        "id": qa.id, "slug": "qa-team", "name": "QA Team", "slack_handle": "<!subteam^S1>", "is_active": True,
        "created_at": body["pic_teams"][1]["created_at"], "updated_at": body["pic_teams"][1]["updated_at"],
    }
    assert body["pic_teams"][0]["id"] == ops.id and body["pic_teams"][0]["slack_handle"] is None


def test_list_anonymous_is_401(client: Any) -> None:
    response = client.get("/api/pic-teams")
    assert (response.status_code, response.get_json()) == (401, MISSING_HEADER)


@pytest.mark.parametrize(("role", "query", "slugs"), [
    ("admin", "?include_inactive=true", ["alpha", "beta-1", "beta-2"]),
    ("admin", "?include_inactive=nah", ["beta-1", "beta-2"]),
    ("user", "?include_inactive=true", ["beta-1", "beta-2"]),
    ("viewer", "?include_inactive=1", ["beta-1", "beta-2"]),
])
def test_include_inactive_and_stable_order(
    client: Any, db: Session, settings: Settings, role: str, query: str, slugs: list[str]
) -> None:
    make_team(db, "alpha", name="Alpha", is_active=False)
    make_team(db, "beta-2", id="id-1", name="BETA")  # same lower(name): the smaller id first
    make_team(db, "beta-1", id="id-2", name="beta")
    response = client.get(f"/api/pic-teams{query}", headers=bearer(settings, make_user(db, role)))
    expected = {"alpha": "Alpha", "beta-2": "BETA", "beta-1": "beta"}
    assert [t["name"] for t in response.get_json()["pic_teams"]] == [
        expected[s] for s in (["alpha"] if "alpha" in slugs else []) + ["beta-2", "beta-1"]
    ]


# -- POST /pic-teams -------------------------------------------------------------------


def test_create(client: Any, db: Session, admin: dict) -> None:
    clock.freeze(NOW)
    response = client.post("/api/pic-teams", json={"name": " Data Platform ", "slack_handle": " @data "}, headers=admin)
    assert response.status_code == 201
    team = db.scalars(select(PicTeam).where(PicTeam.slug == "data-platform")).one()
    assert response.get_json() == {
        "message": "PIC team created",
        "pic_team": {
            "id": team.id, "slug": "data-platform", "name": "Data Platform", "slack_handle": "@data",
            "is_active": True, "created_at": NOW_TEXT, "updated_at": NOW_TEXT,
        },
    }


@pytest.mark.parametrize(
    ("payload", "status", "body"),
    [
        ({"slack_handle": "@x"}, 400, {"error": "Missing required fields", "message": '"name" is required.'}),
        ({"name": 1, "slack_handle": "@x"}, 400, {"error": "Invalid payload", "message": '"name" must be a string.'}),
        ({"name": "x" * 256, "slack_handle": "@x"}, 400, {"error": "Invalid name", "message": "Name must be at most 255 characters."}),
        ({"name": "—", "slack_handle": "@x"}, 400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}),
        ({"name": "t" * 101, "slack_handle": "@x"}, 400, {"error": "Invalid slug", "message": "Slug must be at most 100 characters."}),
        # the duplicate check comes before the slack_handle check
        ({"name": "QA team"}, 409, {"error": "Duplicate slug", "message": 'PIC team slug "qa-team" already exists.'}),
        ({"name": "Other", "slug": "QA Team", "slack_handle": "@x"}, 409,
         {"error": "Duplicate slug", "message": 'PIC team slug "qa-team" already exists.'}),
        ({"name": "New"}, 400, {"error": "Missing required fields", "message": '"slack_handle" is required.'}),
        ({"name": "New", "slack_handle": "  "}, 400, {"error": "Missing required fields", "message": '"slack_handle" is required.'}),
        ({"name": "New", "slack_handle": None}, 400, {"error": "Missing required fields", "message": '"slack_handle" is required.'}),
        ({"name": "New", "slack_handle": 7}, 400, {"error": "Invalid payload", "message": '"slack_handle" must be a string.'}),
        ({"name": "New", "slack_handle": "@" * 256}, 400,
         {"error": "Invalid slack_handle", "message": "slack_handle must be at most 255 characters."}),
    ],
)
def test_create_errors_leave_db_unchanged(
    client: Any, db: Session, admin: dict, qa: PicTeam, payload: dict, status: int, body: dict
) -> None:
    before = _snapshot(db)
    response = client.post("/api/pic-teams", json=payload, headers=admin)
    assert (response.status_code, response.get_json()) == (status, body)
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data": "x"}, {"error": "Content-Type must be application/json"}),
        ({"data": "{,}", "content_type": "application/json"}, {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": [{"name": "x"}]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ({"json": None}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_create_bad_bodies(client: Any, db: Session, admin: dict, kwargs: dict, body: dict) -> None:
    if kwargs.get("json", 0) is None:
        kwargs = {"data": "null", "content_type": "application/json"}
    before = _snapshot(db)
    response = client.post("/api/pic-teams", headers=admin, **kwargs)
    assert (response.status_code, response.get_json()) == (400, body)
    assert _snapshot(db) == before


# -- PUT /pic-teams/<id> ---------------------------------------------------------------


def test_update_renames_jobs_and_sets_fields(client: Any, db: Session, admin: dict, qa: PicTeam) -> None:
    make_team(db, "ops")
    moved = make_job(db, pic_team="qa-team")
    other = make_job(db, pic_team="ops")
    clock.freeze(NOW)
    response = client.put(
        f"/api/pic-teams/{qa.id}",
        json={"name": "Quality", "is_active": False, "slack_handle": " <!subteam^S2> "},
        headers=admin,
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "PIC team updated",
        "pic_team": {
            "id": qa.id, "slug": "quality", "name": "Quality", "slack_handle": "<!subteam^S2>", "is_active": False,
            "created_at": response.get_json()["pic_team"]["created_at"], "updated_at": NOW_TEXT,
        },
        "jobs_updated": 1,
    }
    db.rollback()
    db.expire_all()
    assert (db.get(Job, moved.id).pic_team, db.get(Job, other.id).pic_team) == ("quality", "ops")


def test_a_team_may_be_called_general(client: Any, db: Session, admin: dict) -> None:
    team = make_team(db, "general", name="General")
    response = client.put(f"/api/pic-teams/{team.id}", json={"name": "Generalists"}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["pic_team"]["slug"] == "generalists"


@pytest.mark.parametrize(
    ("payload", "status", "body"),
    [
        ({"name": ""}, 400, {"error": "Invalid name", "message": "Name cannot be empty."}),
        ({"name": None}, 400, {"error": "Invalid name", "message": "Name cannot be empty."}),
        ({"name": {"x": 1}}, 400, {"error": "Invalid payload", "message": '"name" must be a string.'}),
        ({"name": "n" * 256}, 400, {"error": "Invalid name", "message": "Name must be at most 255 characters."}),
        ({"name": "..."}, 400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}),
        ({"name": "Ops"}, 409, {"error": "Duplicate slug", "message": 'PIC team slug "ops" already exists.'}),
        ({"name": "Quality", "slug": "quality"}, 400, SLUG_NOT_EDITABLE),
        ({"slug": "qa-team"}, 400, SLUG_NOT_EDITABLE),
        ({"is_active": "yes"}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        ({"is_active": False, "slack_handle": ""}, 400, {"error": "Invalid slack_handle", "message": "slack_handle cannot be empty."}),
        ({"slack_handle": None}, 400, {"error": "Invalid slack_handle", "message": "slack_handle cannot be empty."}),
        ({"slack_handle": "   "}, 400, {"error": "Invalid slack_handle", "message": "slack_handle cannot be empty."}),
        ({"slack_handle": 5}, 400, {"error": "Invalid payload", "message": '"slack_handle" must be a string.'}),
        ({"name": "Quality", "slack_handle": "h" * 256}, 400,
         {"error": "Invalid slack_handle", "message": "slack_handle must be at most 255 characters."}),
    ],
)
def test_update_errors_leave_db_unchanged(
    client: Any, db: Session, admin: dict, qa: PicTeam, payload: dict, status: int, body: dict
) -> None:
    make_team(db, "ops")
    make_job(db, pic_team="qa-team")
    before = _snapshot(db)
    response = client.put(f"/api/pic-teams/{qa.id}", json=payload, headers=admin)
    assert (response.status_code, response.get_json()) == (status, body)
    assert _snapshot(db) == before


def test_keys_read_after_the_database_rules_are_refused_after_them(client: Any, db: Session, admin: dict, qa: PicTeam) -> None:
    # §3.3.6: the duplicate slug (409) comes before anything about slack_handle.
    response = client.post("/api/pic-teams", json={"name": qa.name, "slack_handle": 7}, headers=admin)
    assert response.status_code == 409
    # §3.3.7: the slug key (step 4) comes before is_active (5) and slack_handle (6).
    response = client.put(f"/api/pic-teams/{qa.id}", json={"slug": "x", "is_active": "no", "slack_handle": 1},
                          headers=admin)
    assert response.get_json() == {"error": "Invalid payload", "message": "Slug cannot be edited directly; it is derived from name."}
    response = client.put(f"/api/pic-teams/{qa.id}", json={"is_active": "no", "slack_handle": 1}, headers=admin)
    assert response.get_json() == {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}


def test_update_missing_is_404_after_json_check(client: Any, admin: dict) -> None:
    response = client.put("/api/pic-teams/nope", data="x", headers=admin)
    assert (response.status_code, response.get_json()) == (400, {"error": "Content-Type must be application/json"})
    response = client.put("/api/pic-teams/nope", json={"name": "x"}, headers=admin)
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "No PIC team found with ID: nope"}
    )


# -- DELETE /pic-teams/<id> ------------------------------------------------------------


def test_delete_disables(client: Any, db: Session, admin: dict, qa: PicTeam) -> None:
    job = make_job(db, pic_team="qa-team")
    clock.freeze(NOW)
    response = client.delete(f"/api/pic-teams/{qa.id}", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "message": "PIC team disabled",
        "pic_team": {
            "id": qa.id, "slug": "qa-team", "name": "QA Team", "slack_handle": "@qa", "is_active": False,
            "created_at": body["pic_team"]["created_at"], "updated_at": NOW_TEXT,
        },
    }
    assert _team(db, qa.id).is_active is False
    assert db.get(Job, job.id).pic_team == "qa-team"


def test_delete_missing_is_404(client: Any, admin: dict) -> None:
    response = client.delete("/api/pic-teams/nope", headers=admin)
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "No PIC team found with ID: nope"}
    )


# -- role matrix -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "viewer", "user"])
def test_writes_are_admin_only(client: Any, db: Session, settings: Settings, qa: PicTeam, role: str) -> None:
    headers = {} if role == "anonymous" else bearer(settings, make_user(db, role))
    expected = (401, MISSING_HEADER) if role == "anonymous" else (403, INSUFFICIENT)
    before = _snapshot(db)
    for method, path, payload in [
        ("post", "/api/pic-teams", {"name": "Ops", "slack_handle": "@ops"}),
        ("put", f"/api/pic-teams/{qa.id}", {"name": "Ops"}),
        ("delete", f"/api/pic-teams/{qa.id}", None),
    ]:
        response = getattr(client, method)(path, json=payload, headers=headers)
        assert (response.status_code, response.get_json()) == expected, (method, path)
    assert _snapshot(db) == before
