"""Job categories (§3.3.1-3.3.4, D1, D10, D18) on each stack (tests/stacks.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.models import Job, JobCategory
from shared_models.settings import Settings
from tests.helpers import bearer, make_job, make_team, make_user

NOW = datetime(2026, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)
NOW_TEXT = "2026-03-04T05:06:07.891Z"
INSUFFICIENT = {
    "error": "Insufficient permissions",
    "message": "This endpoint requires one of the following roles: admin",
}
MISSING_HEADER = {"msg": "Missing Authorization Header"}
SEED_NAMES = [
    "Backward Compatibility", "DR Testing", "Feature Testing", "General", "Prod/Canary", "Refund", "Regression",
]


@pytest.fixture
def admin(db: Session, settings: Settings) -> dict[str, str]:
    return bearer(settings, make_user(db, "admin"))


def _snapshot(db: Session) -> list[tuple]:
    """Every category and every job's category, read fresh from the database.

    The rollback ends the session's read transaction: on SQLite (WAL) an open one keeps
    seeing the snapshot it started with, which would hide the app's writes.
    """
    db.rollback()
    db.expire_all()
    categories = db.execute(
        select(JobCategory.id, JobCategory.slug, JobCategory.name, JobCategory.is_active, JobCategory.updated_at)
        .order_by(JobCategory.id)
    ).all()
    jobs = db.execute(select(Job.id, Job.category).order_by(Job.id)).all()
    return [*categories, *jobs]


def _category(db: Session, slug: str) -> JobCategory:
    db.rollback()  # a fresh transaction sees the app's commits (see _snapshot)
    db.expire_all()
    return db.scalars(select(JobCategory).where(JobCategory.slug == slug)).one()


# -- GET /job-categories ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "user", "admin"])
def test_list_active_sorted_for_every_role(client: Any, db: Session, settings: Settings, role: str) -> None:
    db.add(JobCategory(slug="zz-off", name="aaa disabled", is_active=False))
    db.commit()
    response = client.get("/api/job-categories", headers=bearer(settings, make_user(db, role)))
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["categories"]
    assert [c["name"] for c in body["categories"]] == SEED_NAMES
    general = next(c for c in body["categories"] if c["slug"] == "general")
    row = _category(db, "general")
    assert general == {
        "id": row.id, "slug": "general", "name": "General", "is_active": True,
        "created_at": general["created_at"], "updated_at": general["updated_at"],
    }
    assert general["created_at"].endswith("Z") and len(general["created_at"]) == 24


def test_list_anonymous_is_401(client: Any) -> None:
    response = client.get("/api/job-categories")
    assert (response.status_code, response.get_json()) == (401, MISSING_HEADER)


@pytest.mark.parametrize("flag", ["1", "true", "YES", "y", "On"])
def test_admin_sees_inactive_on_request(client: Any, db: Session, admin: dict, flag: str) -> None:
    db.add(JobCategory(slug="old", name="old stuff", is_active=False))
    db.commit()
    response = client.get(f"/api/job-categories?include_inactive={flag}", headers=admin)
    names = [c["name"] for c in response.get_json()["categories"]]
    assert names == [*SEED_NAMES[:4], "old stuff", *SEED_NAMES[4:]]


@pytest.mark.parametrize("query", ["", "?include_inactive=0", "?include_inactive=maybe", "?include_inactive="])
def test_inactive_hidden_without_truthy_flag(client: Any, db: Session, admin: dict, query: str) -> None:
    db.add(JobCategory(slug="old", name="Old", is_active=False))
    db.commit()
    response = client.get(f"/api/job-categories{query}", headers=admin)
    assert "old" not in [c["slug"] for c in response.get_json()["categories"]]


@pytest.mark.parametrize("role", ["viewer", "user"])
def test_include_inactive_ignored_for_non_admins(client: Any, db: Session, settings: Settings, role: str) -> None:
    db.add(JobCategory(slug="old", name="Old", is_active=False))
    db.commit()
    response = client.get("/api/job-categories?include_inactive=true", headers=bearer(settings, make_user(db, role)))
    assert "old" not in [c["slug"] for c in response.get_json()["categories"]]


def test_list_ties_broken_by_id(client: Any, db: Session, admin: dict) -> None:
    db.add_all([JobCategory(id="b-id", slug="abc-2", name="ABC"), JobCategory(id="a-id", slug="abc-1", name="abc")])
    db.commit()
    categories = client.get("/api/job-categories", headers=admin).get_json()["categories"]
    assert [c["id"] for c in categories if c["name"].lower() == "abc"] == ["a-id", "b-id"]


# -- POST /job-categories --------------------------------------------------------------


def test_create(client: Any, db: Session, admin: dict) -> None:
    clock.freeze(NOW)
    response = client.post("/api/job-categories", json={"name": "  Nightly ETL  "}, headers=admin)
    assert response.status_code == 201
    row = _category(db, "nightly-etl")
    assert response.get_json() == {
        "message": "Category created",
        "category": {
            "id": row.id, "slug": "nightly-etl", "name": "Nightly ETL", "is_active": True,
            "created_at": NOW_TEXT, "updated_at": NOW_TEXT,
        },
    }


def test_create_with_explicit_slug_slugifies_it(client: Any, db: Session, admin: dict) -> None:
    response = client.post("/api/job-categories", json={"name": "Ops", "slug": " My Ops! ", "is_active": False}, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["category"]["slug"] == "my-ops"
    assert _category(db, "my-ops").is_active is True  # new categories are always active


def test_create_blank_slug_falls_back_to_name(client: Any, admin: dict) -> None:
    response = client.post("/api/job-categories", json={"name": "Data Sync", "slug": "  ", "is_active": 0}, headers=admin)
    assert response.get_json()["category"]["slug"] == "data-sync"
    response = client.post("/api/job-categories", json={"name": "Data Sync 2", "slug": None}, headers=admin)
    assert response.get_json()["category"]["slug"] == "data-sync-2"


@pytest.mark.parametrize(
    ("payload", "status", "body"),
    [
        ({}, 400, {"error": "Missing required fields", "message": '"name" is required.'}),
        ({"name": "   "}, 400, {"error": "Missing required fields", "message": '"name" is required.'}),
        ({"name": None}, 400, {"error": "Missing required fields", "message": '"name" is required.'}),
        ({"name": 12}, 400, {"error": "Invalid payload", "message": '"name" must be a string.'}),
        ({"name": ["x"]}, 400, {"error": "Invalid payload", "message": '"name" must be a string.'}),
        ({"name": "x" * 256}, 400, {"error": "Invalid name", "message": "Name must be at most 255 characters."}),
        ({"name": "Ok", "slug": 5}, 400, {"error": "Invalid payload", "message": '"slug" must be a string.'}),
        ({"name": "日本語"}, 400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}),
        ({"name": "Ok", "slug": "!!!"}, 400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}),
        ({"name": "a" * 101}, 400, {"error": "Invalid slug", "message": "Slug must be at most 100 characters."}),
        ({"name": "New", "slug": "Regression"}, 409,
         {"error": "Duplicate slug", "message": 'Category slug "regression" already exists.'}),
        ({"name": "Prod / Canary"}, 409,
         {"error": "Duplicate slug", "message": 'Category slug "prod-canary" already exists.'}),
    ],
)
def test_create_errors_leave_db_unchanged(
    client: Any, db: Session, admin: dict, payload: dict, status: int, body: dict
) -> None:
    before = _snapshot(db)
    response = client.post("/api/job-categories", json=payload, headers=admin)
    assert (response.status_code, response.get_json()) == (status, body)
    assert _snapshot(db) == before


def test_create_longest_name_and_slug_are_accepted(client: Any, admin: dict) -> None:
    response = client.post("/api/job-categories", json={"name": "n" * 255, "slug": "s" * 100}, headers=admin)
    assert response.status_code == 201
    assert response.get_json()["category"]["slug"] == "s" * 100


@pytest.mark.parametrize(
    ("kwargs", "body"),
    [
        ({"data": '{"name": "x"}'}, {"error": "Content-Type must be application/json"}),
        ({"data": '{"name": "x"}', "content_type": "text/plain"}, {"error": "Content-Type must be application/json"}),
        ({"data": '{"name": ', "content_type": "application/json"},
         {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"data": "", "content_type": "application/json"},
         {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ({"json": ["name"]}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ({"json": "General"}, {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_create_bad_bodies(client: Any, db: Session, admin: dict, kwargs: dict, body: dict) -> None:
    before = _snapshot(db)
    response = client.post("/api/job-categories", headers=admin, **kwargs)
    assert (response.status_code, response.get_json()) == (400, body)
    assert _snapshot(db) == before


def test_create_accepts_json_with_charset_and_vendor_type(client: Any, admin: dict) -> None:
    response = client.post("/api/job-categories", data='{"name": "A1"}', content_type="application/json; charset=utf-8", headers=admin)
    assert (response.status_code, response.get_json()["category"]["name"]) == (201, "A1")
    response = client.post("/api/job-categories", data='{"name": "A2"}', content_type="application/merge-patch+json", headers=admin)
    assert (response.status_code, response.get_json()["category"]["name"]) == (201, "A2")


# -- PUT /job-categories/<id> ----------------------------------------------------------


def test_rename_cascades_to_jobs(client: Any, db: Session, admin: dict) -> None:
    make_team(db)
    moved = [make_job(db, category="refund"), make_job(db, category="refund")]
    other = make_job(db, category="regression")
    row = _category(db, "refund")
    clock.freeze(NOW)
    response = client.put(f"/api/job-categories/{row.id}", json={"name": " Refund Flow "}, headers=admin)
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "Category updated",
        "category": {
            "id": row.id, "slug": "refund-flow", "name": "Refund Flow", "is_active": True,
            "created_at": response.get_json()["category"]["created_at"], "updated_at": NOW_TEXT,
        },
        "jobs_updated": 2,
    }
    db.rollback()
    db.expire_all()
    assert [db.get(Job, job.id).category for job in moved] == ["refund-flow", "refund-flow"]
    assert db.get(Job, other.id).category == "regression"


def test_rename_keeping_slug_updates_only_name(client: Any, db: Session, admin: dict) -> None:
    make_team(db)
    job = make_job(db, category="refund")
    row = _category(db, "refund")
    response = client.put(f"/api/job-categories/{row.id}", json={"name": "REFUND", "is_active": False}, headers=admin)
    body = response.get_json()
    assert (response.status_code, body["jobs_updated"]) == (200, 0)
    assert (body["category"]["slug"], body["category"]["name"], body["category"]["is_active"]) == ("refund", "REFUND", False)
    db.rollback()
    db.expire_all()
    assert db.get(Job, job.id).category == "refund"


def test_empty_body_object_changes_nothing(client: Any, db: Session, admin: dict) -> None:
    row = _category(db, "refund")
    response = client.put(f"/api/job-categories/{row.id}", json={}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["category"]["name"] == "Refund"
    assert response.get_json()["jobs_updated"] == 0


def test_general_may_keep_its_name_and_be_disabled(client: Any, db: Session, admin: dict) -> None:
    row = _category(db, "general")
    response = client.put(f"/api/job-categories/{row.id}", json={"name": " General ", "is_active": False}, headers=admin)
    assert response.status_code == 200
    assert response.get_json()["category"]["is_active"] is False


def test_slug_key_rolls_back_a_valid_rename(client: Any, db: Session, admin: dict) -> None:
    make_team(db)
    make_job(db, category="refund")
    row = _category(db, "refund")
    before = _snapshot(db)
    response = client.put(
        f"/api/job-categories/{row.id}", json={"name": "Refunds v2", "slug": "refunds-v2", "is_active": False}, headers=admin
    )
    assert (response.status_code, response.get_json()) == (
        400, {"error": "Invalid payload", "message": "Slug cannot be edited directly; it is derived from name."}
    )
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("slug", "payload", "status", "body"),
    [
        ("refund", {"name": ""}, 400, {"error": "Invalid name", "message": "Name cannot be empty."}),
        ("refund", {"name": "  "}, 400, {"error": "Invalid name", "message": "Name cannot be empty."}),
        ("refund", {"name": None}, 400, {"error": "Invalid name", "message": "Name cannot be empty."}),
        ("refund", {"name": 3}, 400, {"error": "Invalid payload", "message": '"name" must be a string.'}),
        ("refund", {"name": "x" * 256}, 400, {"error": "Invalid name", "message": "Name must be at most 255 characters."}),
        ("general", {"name": "Generic"}, 400,
         {"error": "Invalid category", "message": 'The "General" category cannot be renamed.'}),
        ("general", {"name": "general"}, 400,
         {"error": "Invalid category", "message": 'The "General" category cannot be renamed.'}),
        ("refund", {"name": "???"}, 400, {"error": "Invalid slug", "message": "Unable to generate a valid slug from name."}),
        ("refund", {"name": "r" * 101}, 400, {"error": "Invalid slug", "message": "Slug must be at most 100 characters."}),
        ("refund", {"name": "Regression"}, 409,
         {"error": "Duplicate slug", "message": 'Category slug "regression" already exists.'}),
        ("refund", {"slug": "refund"}, 400,
         {"error": "Invalid payload", "message": "Slug cannot be edited directly; it is derived from name."}),
        ("refund", {"slug": None}, 400,
         {"error": "Invalid payload", "message": "Slug cannot be edited directly; it is derived from name."}),
        ("refund", {"is_active": "false"}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        ("refund", {"is_active": None}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        ("refund", {"name": "Refund Flow", "is_active": "no"}, 400,
         {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
    ],
)
def test_update_errors_leave_db_unchanged(
    client: Any, db: Session, admin: dict, slug: str, payload: dict, status: int, body: dict
) -> None:
    make_team(db)
    make_job(db, category="refund")
    row = _category(db, slug)
    before = _snapshot(db)
    response = client.put(f"/api/job-categories/{row.id}", json=payload, headers=admin)
    assert (response.status_code, response.get_json()) == (status, body)
    assert _snapshot(db) == before


def test_update_missing_is_404(client: Any, admin: dict) -> None:
    response = client.put("/api/job-categories/nope", json={"name": "x"}, headers=admin)
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "No category found with ID: nope"}
    )


def test_update_json_checked_before_lookup(client: Any, admin: dict) -> None:
    response = client.put("/api/job-categories/nope", data="name=x", headers=admin)
    assert (response.status_code, response.get_json()) == (400, {"error": "Content-Type must be application/json"})
    response = client.put("/api/job-categories/nope", data="{", content_type="application/json", headers=admin)
    assert response.get_json() == {"error": "Invalid JSON", "message": "Request body is not valid JSON."}
    response = client.put("/api/job-categories/nope", json=[1], headers=admin)
    assert response.get_json() == {"error": "Invalid payload", "message": "JSON body must be an object."}


def test_update_types_checked_after_lookup(client: Any, admin: dict) -> None:
    response = client.put("/api/job-categories/nope", json={"name": 5, "is_active": "x"}, headers=admin)
    assert (response.status_code, response.get_json()["error"]) == (404, "Not found")


# -- DELETE /job-categories/<id> -------------------------------------------------------


def test_delete_disables_and_leaves_jobs(client: Any, db: Session, admin: dict) -> None:
    make_team(db)
    job = make_job(db, category="refund")
    row = _category(db, "refund")
    clock.freeze(NOW)
    response = client.delete(f"/api/job-categories/{row.id}", headers=admin)
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "Category disabled",
        "category": {
            "id": row.id, "slug": "refund", "name": "Refund", "is_active": False,
            "created_at": response.get_json()["category"]["created_at"], "updated_at": NOW_TEXT,
        },
    }
    assert _category(db, "refund").is_active is False
    assert db.get(Job, job.id).category == "refund"


def test_delete_missing_is_404(client: Any, admin: dict) -> None:
    response = client.delete("/api/job-categories/nope", headers=admin)
    assert (response.status_code, response.get_json()) == (
        404, {"error": "Not found", "message": "No category found with ID: nope"}
    )


# -- role matrix for the admin-only writes ---------------------------------------------


def _write_requests(category_id: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", "/api/job-categories", {"name": "Role Test"}),
        ("put", f"/api/job-categories/{category_id}", {"name": "Role Test"}),
        ("delete", f"/api/job-categories/{category_id}", None),
    ]


@pytest.mark.parametrize("role", ["anonymous", "viewer", "user"])
def test_writes_are_admin_only(client: Any, db: Session, settings: Settings, role: str) -> None:
    headers = {} if role == "anonymous" else bearer(settings, make_user(db, role))
    expected = (401, MISSING_HEADER) if role == "anonymous" else (403, INSUFFICIENT)
    before = _snapshot(db)
    for method, path, payload in _write_requests(_category(db, "refund").id):
        response = getattr(client, method)(path, json=payload, headers=headers)
        assert (response.status_code, response.get_json()) == expected, (method, path)
    assert _snapshot(db) == before


def test_admin_may_write(client: Any, db: Session, admin: dict) -> None:
    statuses = [
        getattr(client, method)(path, json=payload, headers=admin).status_code
        for method, path, payload in _write_requests(_category(db, "refund").id)
    ]
    assert statuses == [201, 409, 200]  # the PUT's new slug was just taken by the POST
