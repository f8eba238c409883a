"""POST/GET/PUT/DELETE /api/jobs[/<id>] (§3.5.2-3.5.5 with D1, D10, D11, D13)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.models import Job, JobExecution, Notification, User
from shared_models.serializers import job_to_dict
from shared_models.settings import Settings
from tests.helpers import bearer, make_execution, make_job, make_notification, make_team, make_user


def today_jst(settings: Settings):
    return utcnow().astimezone(settings.timezone).date()


@pytest.fixture
def future(settings: Settings) -> str:
    return (today_jst(settings) + timedelta(days=30)).isoformat()


@pytest.fixture
def people(db: Session) -> dict[str, User]:
    make_team(db)
    return {
        "admin": make_user(db, "admin"),
        "owner": make_user(db, "user"),
        "other": make_user(db, "user"),
        "viewer": make_user(db, "viewer"),
    }


def valid_body(future: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Nightly sync",
        "cron_expression": " 0 2 * * * ",
        "end_date": future,
        "pic_team": "qa-team",
        "target_url": "https://hooks.example.com/run",
    }
    body.update(overrides)
    return body


def job_rows(db: Session) -> list[dict[str, Any]]:
    db.rollback()  # end the snapshot so rows committed by the app are visible
    db.expire_all()
    return [job_to_dict(job) for job in db.scalars(select(Job).order_by(Job.id))]


def notifications(db: Session) -> list[tuple[str, str, str, str | None]]:
    db.rollback()  # end the snapshot so rows committed by the app are visible
    db.expire_all()
    rows = db.execute(
        select(Notification.title, Notification.message, Notification.type, Notification.related_job_id)
        .distinct()
        .order_by(Notification.title)
    )
    return [tuple(row) for row in rows]


# --------------------------------------------------------------------------------------
# POST /api/jobs


def test_create_returns_201_with_the_job_and_broadcasts(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    owner = people["owner"]
    response = client.post("/api/jobs", json=valid_body(future, metadata={"env": "prod"}), headers=bearer(settings, owner))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    job = db.scalars(select(Job)).one()
    assert body == {"message": "Job created successfully", "job": job_to_dict(job)}
    assert "last_execution_at" not in body["job"]
    assert body["job"]["cron_expression"] == "0 2 * * *"
    assert body["job"]["created_by"] == owner.id
    assert body["job"]["is_active"] is True
    assert body["job"]["category"] == "general"
    assert body["job"]["pic_team"] == "qa-team"
    assert body["job"]["metadata"] == {"env": "prod"}
    assert body["job"]["end_date"] == future
    # Every user (4) gets the broadcast.
    assert db.scalar(select(func.count()).select_from(Notification)) == 4
    assert notifications(db) == [
        ("New Job Created", f'Job "Nightly sync" was created by {owner.email}.', "info", job.id)
    ]


def test_create_with_github_triple_and_emails(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    body = valid_body(
        future,
        target_url=None,
        github_owner=" acme ",
        github_repo="tools",
        github_workflow_name="nightly.yml",
        category="Regression",
        pic_team=None,
        pic_team_slug="QA Team",
        enable_email_notifications=True,
        notification_emails=["a@example.com", " b@example.com "],
        notify_on_success=True,
        is_active=False,  # not accepted: new jobs are always active
    )
    response = client.post("/api/jobs", json=body, headers=bearer(settings, people["admin"]))
    assert response.status_code == 400  # pic_team null wins over pic_team_slug (key present)
    assert response.get_json()["message"].startswith("PIC team is required")

    del body["pic_team"]
    response = client.post("/api/jobs", json=body, headers=bearer(settings, people["admin"]))
    assert response.status_code == 201, response.get_json()
    job = response.get_json()["job"]
    assert (job["target_url"], job["github_owner"], job["github_repo"], job["github_workflow_name"]) == (
        None, "acme", "tools", "nightly.yml",
    )
    assert job["category"] == "regression"
    assert job["pic_team"] == "qa-team"
    assert job["notification_emails"] == ["a@example.com", "b@example.com"]
    assert job["enable_email_notifications"] is True
    assert job["notify_on_success"] is True
    assert job["is_active"] is True


def test_create_ignores_emails_unless_enabled(
    client: Any, settings: Settings, people: dict[str, User], future: str
) -> None:
    body = valid_body(future, notification_emails="not-an-address", notify_on_success=True)
    response = client.post("/api/jobs", json=body, headers=bearer(settings, people["owner"]))
    assert response.status_code == 201
    job = response.get_json()["job"]
    assert (job["notification_emails"], job["notify_on_success"], job["enable_email_notifications"]) == ([], False, False)


def test_create_defaults_owner_from_setting_d13(
    client: Any, client_for: Any, settings: Settings, people: dict[str, User], future: str
) -> None:
    body = valid_body(future, target_url=None, github_repo="tools", github_workflow_name="42")
    response = client.post("/api/jobs", json=body, headers=bearer(settings, people["owner"]))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Missing target configuration",
        "message": 'Please provide either "target_url" or GitHub Actions configuration '
        "(github_owner, github_repo, github_workflow_name)",
    }
    with client_for(settings.model_copy(update={"DEFAULT_GITHUB_OWNER": " acme "})) as other:
        response = other.post("/api/jobs", json=body, headers=bearer(settings, people["owner"]))
    assert response.status_code == 201
    assert response.get_json()["job"]["github_owner"] == "acme"


def test_create_role_matrix(client: Any, db: Session, settings: Settings, people: dict[str, User], future: str) -> None:
    assert client.post("/api/jobs", json=valid_body(future)).get_json() == {"msg": "Missing Authorization Header"}
    response = client.post("/api/jobs", json=valid_body(future), headers=bearer(settings, people["viewer"]))
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "Insufficient permissions",
        "message": "This endpoint requires one of the following roles: admin, user",
    }
    assert job_rows(db) == []
    assert client.post("/api/jobs", json=valid_body(future, name="a"), headers=bearer(settings, people["admin"])).status_code == 201
    assert client.post("/api/jobs", json=valid_body(future, name="b"), headers=bearer(settings, people["owner"])).status_code == 201


CREATE_ERRORS = [
    # (overrides or raw body, expected JSON)
    ({"__delete__": ["name", "end_date"]}, {"error": "Missing required fields", "missing_fields": ["name", "end_date"]}),
    ({"__delete__": ["name", "cron_expression", "end_date"]},
     {"error": "Missing required fields", "missing_fields": ["name", "cron_expression", "end_date"]}),
    ({"name": "   "}, {"error": "Job name cannot be empty"}),
    ({"name": "x" * 256}, {"error": "Invalid name", "message": "Job name must be at most 255 characters."}),
    ({"name": None}, {"error": "Invalid payload", "message": '"name" must be a string.'}),
    ({"name": 12}, {"error": "Invalid payload", "message": '"name" must be a string.'}),
    ({"cron_expression": None}, {"error": "Invalid payload", "message": '"cron_expression" must be a string.'}),
    ({"cron_expression": ["0"]}, {"error": "Invalid payload", "message": '"cron_expression" must be a string.'}),
    ({"end_date": 20300101}, {"error": "Invalid payload", "message": '"end_date" must be a string.'}),
    ({"target_url": 5}, {"error": "Invalid payload", "message": '"target_url" must be a string.'}),
    ({"github_repo": True}, {"error": "Invalid payload", "message": '"github_repo" must be a string.'}),
    ({"category": 3}, {"error": "Invalid payload", "message": '"category" must be a string.'}),
    ({"pic_team": {"slug": "qa-team"}}, {"error": "Invalid payload", "message": '"pic_team" must be a string.'}),
    ({"metadata": ["a"]}, {"error": "Invalid payload", "message": '"metadata" must be an object.'}),
    ({"metadata": "text"}, {"error": "Invalid payload", "message": '"metadata" must be an object.'}),
    ({"enable_email_notifications": "yes"}, {"error": "Invalid payload", "message": '"enable_email_notifications" must be a boolean.'}),
    ({"notify_on_success": None}, {"error": "Invalid payload", "message": '"notify_on_success" must be a boolean.'}),
    ({"notification_emails": 7}, {"error": "Invalid payload", "message": '"notification_emails" must be a list of strings or a string.'}),
    ({"notification_emails": [1]}, {"error": "Invalid payload", "message": '"notification_emails" must be a list of strings or a string.'}),
    ({"cron_expression": "61 * * * *"}, {"error": "Invalid cron expression", "message": "Invalid value for minute: 61 (allowed 0-59)."}),
    ({"cron_expression": ""}, {"error": "Invalid cron expression", "message": "Cron expression is required."}),
    ({"cron_expression": "0 0 31 2 *"}, {"error": "Invalid cron expression", "message": "Cron expression never fires."}),
    ({"cron_expression": ",".join(["1"] * 60) + " * * * *"},
     {"error": "Invalid cron expression", "message": "Cron expression must be at most 100 characters."}),
    ({"category": "nope"}, {"error": "Invalid category",
                            "message": "Unknown category. Create it in Settings \u2192 Categories first, or choose General."}),
    ({"end_date": "2030/01/01"}, {"error": "Invalid end_date", "message": "Invalid end_date. Use YYYY-MM-DD."}),
    ({"end_date": "2030-02-30"}, {"error": "Invalid end_date", "message": "Invalid end_date. Use YYYY-MM-DD."}),
    ({"end_date": ""}, {"error": "Missing required fields", "message": '"end_date" is required (YYYY-MM-DD).'}),
    ({"end_date": None}, {"error": "Missing required fields", "message": '"end_date" is required (YYYY-MM-DD).'}),
    ({"end_date": "2000-01-01"}, {"error": "Invalid end_date", "message": "end_date must be today or in the future (JST)."}),
    ({"__delete__": ["pic_team"]}, {"error": "Invalid PIC team", "message": "PIC team is required. Create one in Settings \u2192 PIC Teams."}),
    ({"pic_team": "ghosts"}, {"error": "Invalid PIC team", "message": "Unknown PIC team. Create it in Settings \u2192 PIC Teams first."}),
    ({"target_url": None}, {"error": "Missing target configuration",
                            "message": 'Please provide either "target_url" or GitHub Actions configuration '
                                       "(github_owner, github_repo, github_workflow_name)"}),
    ({"target_url": "  "}, {"error": "Missing target configuration",
                            "message": 'Please provide either "target_url" or GitHub Actions configuration '
                                       "(github_owner, github_repo, github_workflow_name)"}),
    ({"target_url": None, "github_owner": "a", "github_repo": "b"}, {"error": "Missing target configuration",
     "message": 'Please provide either "target_url" or GitHub Actions configuration '
                "(github_owner, github_repo, github_workflow_name)"}),
    ({"target_url": "http://hooks.example.com/x"},
     {"error": "Invalid target_url", "message": "Webhook URL must be an https:// URL with a host."}),
    ({"target_url": "https://10.0.0.5/hook"}, {"error": "Invalid target_url",
     "message": "Webhook URL must not point to a loopback, private, link-local or multicast address."}),
    ({"target_url": "https://hooks.example.com/" + "a" * 480},
     {"error": "Invalid target_url", "message": "Webhook URL must be at most 500 characters."}),
    ({"target_url": None, "github_owner": "o" * 256, "github_repo": "r", "github_workflow_name": "w.yml"},
     {"error": "Invalid GitHub configuration", "message": '"github_owner" must be at most 255 characters.'}),
    ({"target_url": None, "github_owner": "o", "github_repo": "r", "github_workflow_name": "deploy"},
     {"error": "Invalid GitHub configuration", "message": '"github_workflow_name" must be a workflow file name '
                                                          "ending in .yml or .yaml, or a numeric workflow id."}),
    ({"enable_email_notifications": True, "notification_emails": "ok@example.com, nope"},
     {"error": "Invalid payload", "message": '"notification_emails" contains an invalid e-mail address: "nope".'}),
]


@pytest.mark.parametrize(("overrides", "expected"), CREATE_ERRORS)
def test_create_rejects_bad_input_and_writes_nothing(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str,
    overrides: dict[str, Any], expected: dict[str, Any],
) -> None:
    body = valid_body(future)
    # The parameters are shared by every stack's run: read them, never mutate them.
    for key in overrides.get("__delete__", []):
        del body[key]
    body.update({key: value for key, value in overrides.items() if key != "__delete__"})
    response = client.post("/api/jobs", json=body, headers=bearer(settings, people["owner"]))
    assert response.status_code == 400
    assert response.get_json() == expected
    assert job_rows(db) == []
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_create_disabled_team_and_duplicate_name(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    make_team(db, "old-team", is_active=False)
    response = client.post("/api/jobs", json=valid_body(future, pic_team="old-team"), headers=bearer(settings, people["owner"]))
    assert response.get_json() == {
        "error": "Invalid PIC team",
        "message": "PIC team is disabled. Enable it in Settings \u2192 PIC Teams or choose another.",
    }
    make_job(db, name="Nightly sync")
    before = job_rows(db)
    response = client.post("/api/jobs", json=valid_body(future), headers=bearer(settings, people["owner"]))
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Duplicate job name",
        "message": 'A job with the name "Nightly sync" already exists. Please use a unique name.',
    }
    assert job_rows(db) == before


def test_create_order_duplicate_before_cron(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    make_job(db, name="taken")
    response = client.post(
        "/api/jobs", json=valid_body(future, name="taken", cron_expression="bad"), headers=bearer(settings, people["owner"])
    )
    assert response.get_json()["error"] == "Duplicate job name"


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        ("{not json", "application/json", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ("[1, 2]", "application/json", {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ("null", "application/json", {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ("name=x", "application/x-www-form-urlencoded", {"error": "Content-Type must be application/json"}),
        ("", None, {"error": "Content-Type must be application/json"}),
    ],
)
def test_create_rejects_malformed_bodies(
    client: Any, db: Session, settings: Settings, people: dict[str, User],
    data: str, content_type: str | None, expected: dict[str, Any],
) -> None:
    headers = bearer(settings, people["owner"])
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/api/jobs", data=data, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == expected
    assert job_rows(db) == []


def test_create_end_date_today_in_jst_is_accepted(
    client: Any, settings: Settings, people: dict[str, User]
) -> None:
    from shared_models import clock
    from tests.helpers import at

    headers = bearer(settings, people["owner"])  # tokens are checked against the real time
    # 2030-01-01 16:00 UTC is already 2030-01-02 01:00 in Tokyo.
    clock.freeze(at(2030, 1, 1, 16))
    response = client.post("/api/jobs", json=valid_body("2030-01-01"), headers=headers)
    assert response.get_json() == {"error": "Invalid end_date", "message": "end_date must be today or in the future (JST)."}
    response = client.post("/api/jobs", json=valid_body("2030-01-02"), headers=headers)
    assert response.status_code == 201


# --------------------------------------------------------------------------------------
# GET /api/jobs/<id>


def test_get_job_adds_schedule_fields(
    client: Any, db: Session, settings: Settings, people: dict[str, User]
) -> None:
    from shared_models import clock
    from tests.helpers import at

    headers = bearer(settings, people["viewer"])
    clock.freeze(at(2030, 1, 1, 12))  # 21:00 in Tokyo
    job = make_job(db, cron_expression="0 9 * * *", end_date=today_jst(settings) + timedelta(days=5))
    make_execution(db, job, started_at=at(2029, 12, 31, 1, 2))
    make_execution(db, job, started_at=at(2029, 12, 31, 3, 4))
    response = client.get(f"/api/jobs/{job.id}", headers=headers)
    assert response.status_code == 200
    expected = job_to_dict(job) | {
        "last_execution_at": "2029-12-31T03:04:00.000Z",
        "next_execution_at": "2030-01-02T09:00:00+09:00",
    }
    assert response.get_json() == {"job": expected}


def test_get_inactive_job_has_no_next_run_and_missing_is_404(
    client: Any, db: Session, settings: Settings, people: dict[str, User]
) -> None:
    job = make_job(db, is_active=False)
    body = client.get(f"/api/jobs/{job.id}", headers=bearer(settings, people["viewer"])).get_json()["job"]
    assert body["next_execution_at"] is None
    assert body["last_execution_at"] is None
    response = client.get("/api/jobs/nope", headers=bearer(settings, people["viewer"]))
    assert response.status_code == 404
    assert response.get_json() == {"error": "Job not found", "message": "No job found with ID: nope"}
    assert client.get(f"/api/jobs/{job.id}").status_code == 401


# --------------------------------------------------------------------------------------
# PUT /api/jobs/<id>


@pytest.fixture
def owned(db: Session, people: dict[str, User], settings: Settings) -> Job:
    return make_job(db, people["owner"], name="owned", end_date=today_jst(settings) + timedelta(days=10))


def test_update_changes_fields_and_broadcasts(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job, future: str
) -> None:
    payload = {
        "name": " renamed ",
        "cron_expression": "*/5 * * * *",
        "target_url": "",
        "github_owner": "acme",
        "github_repo": "tools",
        "github_workflow_name": "ci.yaml",
        "metadata": {"branchDetails": "main"},
        "category": "dr-testing",
        "end_date": future,
        "pic_team": "QA Team",
        "enable_email_notifications": True,
        "notification_emails": "x@example.com",
        "notify_on_success": 1,
    }
    response = client.put(f"/api/jobs/{owned.id}", json=payload, headers=bearer(settings, people["owner"]))
    assert response.status_code == 200, response.get_json()
    db.rollback()  # end the snapshot so rows committed by the app are visible
    db.expire_all()
    job = db.get(Job, owned.id)
    assert response.get_json() == {"message": "Job updated successfully", "job": job_to_dict(job)}
    assert (job.name, job.cron_expression, job.target_url, job.github_owner, job.github_workflow_name) == (
        "renamed", "*/5 * * * *", None, "acme", "ci.yaml",
    )
    assert (job.category, job.end_date.isoformat(), job.pic_team) == ("dr-testing", future, "qa-team")
    assert (job.notification_emails, job.notify_on_success) == ("x@example.com", True)
    assert notifications(db) == [
        ("Job Updated", f'Job "renamed" was updated by {people["owner"].email}.', "info", owned.id)
    ]


def test_update_empty_body_still_notifies(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    before = job_rows(db)
    response = client.put(f"/api/jobs/{owned.id}", json={}, headers=bearer(settings, people["admin"]))
    assert response.status_code == 200
    assert job_rows(db) == before
    assert notifications(db) == [
        ("Job Updated", f'Job "owned" was updated by {people["admin"].email}.', "info", owned.id)
    ]


def test_update_enable_disable_notifications(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    headers = bearer(settings, people["owner"])
    assert client.put(f"/api/jobs/{owned.id}", json={"is_active": False}, headers=headers).get_json()["job"]["is_active"] is False
    assert notifications(db) == [
        ("Job Disabled", f'Job "owned" was disabled by {people["owner"].email}.', "warning", owned.id)
    ]
    db.execute(Notification.__table__.delete())
    db.commit()
    client.put(f"/api/jobs/{owned.id}", json={"is_active": True}, headers=headers)
    assert notifications(db) == [
        ("Job Enabled", f'Job "owned" was enabled by {people["owner"].email}.', "info", owned.id)
    ]
    db.execute(Notification.__table__.delete())
    db.commit()
    client.put(f"/api/jobs/{owned.id}", json={"is_active": True}, headers=headers)  # unchanged → generic
    assert [row[0] for row in notifications(db)] == ["Job Updated"]


def test_update_disabling_email_clears_addresses(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    headers = bearer(settings, people["owner"])
    client.put(
        f"/api/jobs/{owned.id}",
        json={"enable_email_notifications": True, "notification_emails": ["a@example.com"], "notify_on_success": True},
        headers=headers,
    )
    job = client.put(f"/api/jobs/{owned.id}", json={"enable_email_notifications": False}, headers=headers).get_json()["job"]
    assert (job["enable_email_notifications"], job["notification_emails"], job["notify_on_success"]) == (False, [], False)
    job = client.put(
        f"/api/jobs/{owned.id}", json={"notification_emails": ["b@example.com"], "notify_on_success": True}, headers=headers
    ).get_json()["job"]
    assert (job["notification_emails"], job["notify_on_success"]) == ([], False)


def test_update_null_target_clears_and_metadata_null_clears(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    headers = bearer(settings, people["owner"])
    client.put(f"/api/jobs/{owned.id}", json={"metadata": {"a": 1}}, headers=headers)
    response = client.put(f"/api/jobs/{owned.id}", json={"metadata": None}, headers=headers)
    assert response.get_json()["job"]["metadata"] == {}
    response = client.put(f"/api/jobs/{owned.id}", json={"target_url": None}, headers=headers)
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "Missing target configuration",
        "message": "Job must have either target_url or complete GitHub Actions configuration",
    }
    db.rollback()  # end the snapshot so rows committed by the app are visible
    db.expire_all()
    assert db.get(Job, owned.id).target_url == "https://hooks.example.com/run"


UPDATE_ERRORS = [
    ({"name": ""}, {"error": "Job name cannot be empty"}),
    ({"name": None}, {"error": "Invalid payload", "message": '"name" must be a string.'}),
    ({"is_active": "false"}, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
    ({"is_active": None}, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
    ({"metadata": [1]}, {"error": "Invalid payload", "message": '"metadata" must be an object.'}),
    ({"cron_expression": "* * *"}, {"error": "Invalid cron expression",
                                    "message": "Cron expression must have exactly 5 fields (minute hour day month day-of-week)."}),
    ({"end_date": "soon"}, {"error": "Invalid end_date", "message": "Invalid end_date. Use YYYY-MM-DD."}),
    ({"end_date": None}, {"error": "Invalid end_date", "message": "end_date is required (YYYY-MM-DD)."}),
    ({"end_date": "2001-01-01"}, {"error": "Invalid end_date", "message": "end_date must be today or in the future (JST)."}),
    ({"category": "zzz"}, {"error": "Invalid category",
                           "message": "Unknown category. Create it in Settings \u2192 Categories first, or choose General."}),
    ({"pic_team": None}, {"error": "Invalid PIC team", "message": "PIC team is required. Create one in Settings \u2192 PIC Teams."}),
    ({"pic_team_slug": "nobody"}, {"error": "Invalid PIC team", "message": "Unknown PIC team. Create it in Settings \u2192 PIC Teams first."}),
    ({"target_url": "ftp://x.example.com"}, {"error": "Invalid target_url", "message": "Webhook URL must be an https:// URL with a host."}),
    ({"github_workflow_name": "x.txt"}, {"error": "Invalid GitHub configuration",
                                         "message": '"github_workflow_name" must be a workflow file name '
                                                    "ending in .yml or .yaml, or a numeric workflow id."}),
    ({"enable_email_notifications": True, "notification_emails": ["@bad"]},
     {"error": "Invalid payload", "message": '"notification_emails" contains an invalid e-mail address: "@bad".'}),
    ({"name": "renamed", "target_url": ""}, {"error": "Missing target configuration",
                                            "message": "Job must have either target_url or complete GitHub Actions configuration"}),
]


@pytest.mark.parametrize(("payload", "expected"), UPDATE_ERRORS)
def test_update_rejects_bad_input_and_saves_nothing(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job,
    payload: dict[str, Any], expected: dict[str, Any],
) -> None:
    before = job_rows(db)
    response = client.put(f"/api/jobs/{owned.id}", json=payload, headers=bearer(settings, people["owner"]))
    assert response.status_code == 400
    assert response.get_json() == expected
    assert job_rows(db) == before
    assert notifications(db) == []


def test_update_duplicate_name_and_same_name(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    make_job(db, name="taken")
    headers = bearer(settings, people["owner"])
    response = client.put(f"/api/jobs/{owned.id}", json={"name": "taken"}, headers=headers)
    assert response.get_json() == {"error": "Duplicate job name", "message": 'A job with the name "taken" already exists.'}
    assert client.put(f"/api/jobs/{owned.id}", json={"name": "owned"}, headers=headers).status_code == 200


def test_update_expiry_guard(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    expired = make_job(db, people["owner"], end_date=today_jst(settings) - timedelta(days=1))
    headers = bearer(settings, people["owner"])
    expected = {"error": "Job expired", "message": "Job cannot be enabled after end_date has passed. Update end_date first."}
    assert client.put(f"/api/jobs/{expired.id}", json={"name": "x"}, headers=headers).get_json() == expected
    assert client.put(f"/api/jobs/{expired.id}", json={"is_active": False}, headers=headers).status_code == 200
    assert client.put(f"/api/jobs/{expired.id}", json={"is_active": True}, headers=headers).get_json() == expected
    response = client.put(f"/api/jobs/{expired.id}", json={"is_active": True, "end_date": future}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["job"]["is_active"] is True


def test_update_json_checked_after_ownership(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    response = client.put(f"/api/jobs/{owned.id}", data="nope", headers=bearer(settings, people["viewer"]))
    assert response.status_code == 403
    response = client.put(f"/api/jobs/{owned.id}", data="nope", headers=bearer(settings, people["owner"]))
    assert response.get_json() == {"error": "Content-Type must be application/json"}
    response = client.put(
        f"/api/jobs/{owned.id}", data="{", content_type="application/json", headers=bearer(settings, people["owner"])
    )
    assert response.get_json() == {"error": "Invalid JSON", "message": "Request body is not valid JSON."}
    response = client.put("/api/jobs/missing", data="nope", headers=bearer(settings, people["owner"]))
    assert response.status_code == 404
    assert response.get_json() == {"error": "Job not found", "message": "No job found with ID: missing"}


@pytest.mark.parametrize(
    ("who", "created_by", "status"),
    [
        ("admin", "owner", 200),
        ("owner", "owner", 200),
        ("other", "owner", 403),
        ("viewer", "owner", 403),
        ("viewer", "viewer", 403),  # viewers never modify, even "their" job
        ("admin", None, 200),
        ("owner", None, 403),
    ],
)
@pytest.mark.parametrize("verb", ["update", "delete"])
def test_update_and_delete_role_matrix(
    client: Any, db: Session, settings: Settings, people: dict[str, User],
    who: str, created_by: str | None, status: int, verb: str,
) -> None:
    job = make_job(db, people[created_by] if created_by else None, end_date=today_jst(settings) + timedelta(days=3))
    before = job_rows(db)
    headers = bearer(settings, people[who])
    if verb == "update":
        response = client.put(f"/api/jobs/{job.id}", json={"name": "changed"}, headers=headers)
    else:
        response = client.delete(f"/api/jobs/{job.id}", headers=headers)
    assert response.status_code == status
    if status == 403:
        assert response.get_json() == {"error": "Insufficient permissions", "message": f"You can only {verb} your own jobs"}
        assert job_rows(db) == before
        assert notifications(db) == []
    else:
        assert job_rows(db) != before


def test_update_and_delete_need_a_token(client: Any, owned: Job) -> None:
    assert client.put(f"/api/jobs/{owned.id}", json={}).status_code == 401
    assert client.delete(f"/api/jobs/{owned.id}").get_json() == {"msg": "Missing Authorization Header"}


# --------------------------------------------------------------------------------------
# DELETE /api/jobs/<id>


def test_delete_cascades_and_nulls_references(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    execution = make_execution(db, owned)
    old = make_notification(db, people["viewer"], related_job_id=owned.id, related_execution_id=execution.id)
    other_job = make_job(db)
    make_execution(db, other_job)
    job_id, other_id, old_id = owned.id, other_job.id, old.id
    response = client.delete(f"/api/jobs/{job_id}", headers=bearer(settings, people["owner"]))
    assert response.status_code == 200
    assert response.get_json() == {"message": "Job deleted successfully", "deleted_job": {"id": job_id, "name": "owned"}}
    db.rollback()  # end the snapshot so rows committed by the app are visible
    db.expunge_all()
    assert db.get(Job, job_id) is None
    assert db.scalars(select(JobExecution.job_id)).all() == [other_id]
    kept = db.get(Notification, old_id)
    assert (kept.related_job_id, kept.related_execution_id) == (None, None)
    deleted = db.execute(
        select(Notification.title, Notification.message, Notification.type, Notification.related_job_id)
        .where(Notification.title == "Job Deleted")
    ).all()
    assert len(deleted) == 4
    assert set(deleted) == {("Job Deleted", f'Job "owned" was deleted by {people["owner"].email}.', "warning", None)}


def test_delete_missing_is_404(client: Any, settings: Settings, people: dict[str, User]) -> None:
    response = client.delete("/api/jobs/abc", headers=bearer(settings, people["admin"]))
    assert response.status_code == 404
    assert response.get_json() == {"error": "Job not found", "message": "No job found with ID: abc"}


def test_responses_are_json_never_500_on_odd_bodies(
    client: Any, db: Session, settings: Settings, people: dict[str, User], owned: Job
) -> None:
    headers = bearer(settings, people["owner"])
    expected = {
        '{"name": "\\ud800"}': (400, {"error": "Invalid payload", "message": "Text must be valid Unicode (no lone surrogates)."}),
        '"just a string"': (400, {"error": "Invalid payload", "message": "JSON body must be an object."}),
    }
    for raw in [*expected, json.dumps({"metadata": {"deep": [[[[[]]]]]}}), "1e999"]:
        response = client.put(f"/api/jobs/{owned.id}", data=raw, content_type="application/json", headers=headers)
        assert response.status_code in (200, 400), (raw, response.get_json())
        if raw in expected:
            assert (response.status_code, response.get_json()) == expected[raw]


def test_literal_job_paths_and_job_ids_do_not_capture_each_other(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    """`/jobs/<job_id>` answers GET/PUT/DELETE only: the POST literals of the cron tools,
    test-run and bulk upload keep their routes, and the other methods on a literal are a
    job lookup (Werkzeug's rule: a method mismatch falls through to the next rule)."""
    headers = bearer(settings, people["owner"])
    literals = ("validate-cron", "cron-preview", "test-run", "bulk-upload")
    for literal in literals:
        for method in ("get", "put", "delete"):
            response = getattr(client, method)(f"/api/jobs/{literal}", headers=headers, json={})
            assert (response.status_code, response.get_json()) == (
                404, {"error": "Job not found", "message": f"No job found with ID: {literal}"}
            ), (method, literal)
    # POST on each literal reaches its own route, not a 405 of the job route.
    assert client.post("/api/jobs/validate-cron", json={"cron_expression": "0 9 * * *"},
                       headers=headers).get_json()["valid"] is True
    assert "next_runs" in client.post("/api/jobs/cron-preview", json={"cron_expression": "0 9 * * *"},
                                      headers=headers).get_json()
    assert client.post("/api/jobs/test-run", json={}, headers=headers).get_json()["error"] == "Missing target configuration"
    assert client.post("/api/jobs/bulk-upload", json={}, headers=headers).get_json() == {
        "error": "Missing file", "message": 'Upload a CSV file using form field "file".'
    }
    # POST on a job id is not a route: 405 with the job route's methods.
    job = make_job(db, people["owner"], end_date=today_jst(settings) + timedelta(days=3))
    response = client.post(f"/api/jobs/{job.id}", json={}, headers=headers)
    assert response.status_code == 405
    assert response.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PUT"
    assert response.get_json()["error"] == "Method not allowed"
    assert len(job_rows(db)) == 1
