"""Notification and UI preferences (§1.8, §1.9, §3.1.9–§3.1.12, D1)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from shared_models.models import User, UserNotificationPreferences, UserUiPreferences
from shared_models.settings import Settings
from tests.helpers import bearer, make_user, table_rows
from tests.stacks import ApiClient

PREF_KEYS = {
    "id", "user_id", "email_on_job_success", "email_on_job_failure", "email_on_job_disabled",
    "browser_notifications", "daily_digest", "weekly_report", "created_at", "updated_at",
}
GET_CREATED = {
    "email_on_job_success": True, "email_on_job_failure": True, "email_on_job_disabled": False,
    "browser_notifications": False, "daily_digest": False, "weekly_report": False,
}
MODEL_DEFAULTS = {**GET_CREATED, "browser_notifications": True, "weekly_report": True}
DEFAULT_COLUMNS = {
    "pic_team": True, "end_date": True, "cron_expression": False, "target_url": False, "last_execution_at": False,
}
FORBID_READ = {"error": "Forbidden: Cannot access other users preferences"}
FORBID_WRITE = {"error": "Forbidden: Cannot update other users preferences"}


@pytest.fixture
def user(db: Session) -> User:
    return make_user(db, "user")


@pytest.fixture
def own(settings: Settings, user: User) -> dict[str, str]:
    return bearer(settings, user)


def _flags(body: dict) -> dict:
    return {key: body["preferences"][key] for key in GET_CREATED}


# --- notification preferences --------------------------------------------------------------


def test_get_creates_row_with_get_create_values(client: ApiClient, db: Session, user: User, own: dict) -> None:
    response = client.get(f"/api/auth/users/{user.id}/preferences", headers=own)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"message", "preferences"}
    assert body["message"] == "Notification preferences retrieved successfully"
    assert set(body["preferences"]) == PREF_KEYS and body["preferences"]["user_id"] == user.id
    assert _flags(body) == GET_CREATED
    (row,) = table_rows(db, UserNotificationPreferences)
    assert row["id"] == body["preferences"]["id"] and row["browser_notifications"] is False
    # a second GET returns the same row
    again = client.get(f"/api/auth/users/{user.id}/preferences", headers=own).get_json()
    assert again["preferences"]["id"] == row["id"] and len(table_rows(db, UserNotificationPreferences)) == 1


def test_put_creates_row_with_model_defaults(client: ApiClient, db: Session, user: User, own: dict) -> None:
    response = client.put(f"/api/auth/users/{user.id}/preferences", json={"daily_digest": True, "junk": "x"}, headers=own)
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Notification preferences updated successfully"
    assert set(body["preferences"]) == PREF_KEYS
    assert _flags(body) == {**MODEL_DEFAULTS, "daily_digest": True}
    assert table_rows(db, UserNotificationPreferences)[0]["daily_digest"] is True


def test_put_empty_body_succeeds(client: ApiClient, user: User, own: dict) -> None:
    response = client.put(f"/api/auth/users/{user.id}/preferences", json={}, headers=own)
    assert response.status_code == 200 and _flags(response.get_json()) == MODEL_DEFAULTS


def test_put_updates_existing_row(client: ApiClient, db: Session, user: User, own: dict) -> None:
    created = client.get(f"/api/auth/users/{user.id}/preferences", headers=own).get_json()
    body = {"email_on_job_success": False, "weekly_report": True}
    updated = client.put(f"/api/auth/users/{user.id}/preferences", json=body, headers=own).get_json()
    assert updated["preferences"]["id"] == created["preferences"]["id"]
    assert _flags(updated) == {**GET_CREATED, **body}


def test_admin_reads_and_writes_others_preferences(client: ApiClient, db: Session, settings: Settings, user: User) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    assert client.get(f"/api/auth/users/{user.id}/preferences", headers=admin).status_code == 200
    response = client.put(f"/api/auth/users/{user.id}/preferences", json={"daily_digest": True}, headers=admin)
    assert response.status_code == 200 and response.get_json()["preferences"]["user_id"] == user.id


def test_preferences_of_others_are_403(client: ApiClient, db: Session, user: User, own: dict) -> None:
    other = make_user(db, "viewer")
    for target in (other.id, "no-such-id"):
        got = client.get(f"/api/auth/users/{target}/preferences", headers=own)
        assert (got.status_code, got.get_json()) == (403, FORBID_READ)
        put = client.put(f"/api/auth/users/{target}/preferences", json={}, headers=own)
        assert (put.status_code, put.get_json()) == (403, FORBID_WRITE)
    assert table_rows(db, UserNotificationPreferences) == []


def test_preferences_missing_user_is_404(client: ApiClient, db: Session, settings: Settings) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    for method in (client.get, client.put):
        response = method("/api/auth/users/no-such-id/preferences", json={}, headers=admin)
        assert (response.status_code, response.get_json()) == (404, {"error": "User not found"})


def test_put_preferences_permission_before_content_type(client: ApiClient, db: Session, own: dict) -> None:
    other = make_user(db, "viewer")
    response = client.put(f"/api/auth/users/{other.id}/preferences", data="x", content_type="text/plain", headers=own)
    assert (response.status_code, response.get_json()) == (403, FORBID_WRITE)


def test_put_preferences_content_type_before_404(client: ApiClient, db: Session, settings: Settings) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    response = client.put("/api/auth/users/no-such-id/preferences", data="x", content_type="text/plain", headers=admin)
    assert (response.status_code, response.get_json()) == (400, {"error": "Content-Type must be application/json"})


@pytest.mark.parametrize("path", ["preferences", "ui-preferences"])
def test_put_preferences_body_read_after_404(client: ApiClient, db: Session, settings: Settings, path: str) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    response = client.put(f"/api/auth/users/no-such-id/{path}", data="[1", content_type="application/json", headers=admin)
    assert (response.status_code, response.get_json()) == (404, {"error": "User not found"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"daily_digest": "true"}', {"error": "Invalid payload", "message": '"daily_digest" must be a boolean.'}),
        ('{"weekly_report": null}', {"error": "Invalid payload", "message": '"weekly_report" must be a boolean.'}),
        ('{"daily_digest": true, "weekly_report": 2}', {"error": "Invalid payload", "message": '"weekly_report" must be a boolean.'}),
        ("{oops", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ("[true]", {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_put_preferences_bad_bodies_change_nothing(client: ApiClient, db: Session, user: User, own: dict, raw: str, expected: dict) -> None:
    response = client.put(f"/api/auth/users/{user.id}/preferences", data=raw, content_type="application/json", headers=own)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert table_rows(db, UserNotificationPreferences) == []


# --- UI preferences ----------------------------------------------------------------------------


def test_get_ui_creates_defaults(client: ApiClient, db: Session, user: User, own: dict) -> None:
    response = client.get(f"/api/auth/users/{user.id}/ui-preferences", headers=own)
    assert (response.status_code, response.get_json()) == (200, {"preferences": {"jobs_table_columns": DEFAULT_COLUMNS}})
    (row,) = table_rows(db, UserUiPreferences)
    assert row["user_id"] == user.id and json.loads(row["jobs_table_columns"]) == DEFAULT_COLUMNS


def test_get_ui_falls_back_to_defaults_for_a_non_object(client: ApiClient, db: Session, user: User, own: dict) -> None:
    db.add(UserUiPreferences(user_id=user.id, jobs_table_columns="[1, 2]"))
    db.commit()
    response = client.get(f"/api/auth/users/{user.id}/ui-preferences", headers=own)
    assert response.get_json() == {"preferences": {"jobs_table_columns": DEFAULT_COLUMNS}}


def test_put_ui_overlays_defaults_not_stored_values(client: ApiClient, db: Session, user: User, own: dict) -> None:
    url = f"/api/auth/users/{user.id}/ui-preferences"
    first = client.put(url, json={"jobs_table_columns": {"target_url": True, "pic_team": False}}, headers=own)
    assert first.status_code == 200
    assert first.get_json() == {"preferences": {"jobs_table_columns": {**DEFAULT_COLUMNS, "target_url": True, "pic_team": False}}}
    second = client.put(url, json={"jobs_table_columns": {"cron_expression": True, "unknown": True}}, headers=own)
    expected = {**DEFAULT_COLUMNS, "cron_expression": True}
    assert second.get_json() == {"preferences": {"jobs_table_columns": expected}}
    (row,) = table_rows(db, UserUiPreferences)
    assert json.loads(row["jobs_table_columns"]) == expected
    assert client.get(url, headers=own).get_json() == {"preferences": {"jobs_table_columns": expected}}


def test_ui_preferences_of_others_are_403(client: ApiClient, db: Session, user: User, own: dict) -> None:
    other = make_user(db, "admin")
    for target in (other.id, "no-such-id"):
        got = client.get(f"/api/auth/users/{target}/ui-preferences", headers=own)
        assert (got.status_code, got.get_json()) == (403, FORBID_READ)
        put = client.put(f"/api/auth/users/{target}/ui-preferences", json={"jobs_table_columns": {}}, headers=own)
        assert (put.status_code, put.get_json()) == (403, FORBID_WRITE)
    assert table_rows(db, UserUiPreferences) == []


def test_admin_sets_others_ui_preferences(client: ApiClient, db: Session, settings: Settings, user: User) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    response = client.put(f"/api/auth/users/{user.id}/ui-preferences", json={"jobs_table_columns": {}}, headers=admin)
    assert response.status_code == 200
    assert table_rows(db, UserUiPreferences)[0]["user_id"] == user.id


def test_ui_preferences_missing_user_is_404(client: ApiClient, db: Session, settings: Settings) -> None:
    admin = bearer(settings, make_user(db, "admin"))
    for method in (client.get, client.put):
        response = method("/api/auth/users/no-such-id/ui-preferences", json={"jobs_table_columns": {}}, headers=admin)
        assert (response.status_code, response.get_json()) == (404, {"error": "User not found"})


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("{}", "text/plain", {"error": "Content-Type must be application/json"}),
        ("{oops", "application/json", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ("[]", "application/json", {"error": "Invalid payload", "message": "JSON body must be an object."}),
        ("{}", "application/json", {"error": "Missing required fields", "message": '"jobs_table_columns" is required.'}),
        ('{"jobs_table_columns": null}', "application/json", {"error": "Missing required fields", "message": '"jobs_table_columns" is required.'}),
        ('{"jobs_table_columns": [true]}', "application/json", {"error": "Invalid payload", "message": '"jobs_table_columns" must be an object.'}),
        ('{"jobs_table_columns": "x"}', "application/json", {"error": "Invalid payload", "message": '"jobs_table_columns" must be an object.'}),
        ('{"jobs_table_columns": {"end_date": "yes"}}', "application/json", {"error": "Invalid payload", "message": '"jobs_table_columns.end_date" must be a boolean.'}),
        ('{"jobs_table_columns": {"pic_team": null}}', "application/json", {"error": "Invalid payload", "message": '"jobs_table_columns.pic_team" must be a boolean.'}),
    ],
)
def test_put_ui_bad_bodies_change_nothing(client: ApiClient, db: Session, user: User, own: dict, raw: str, content_type: str, expected: dict) -> None:
    client.get(f"/api/auth/users/{user.id}/ui-preferences", headers=own)
    before = table_rows(db, UserUiPreferences)
    response = client.put(f"/api/auth/users/{user.id}/ui-preferences", data=raw, content_type=content_type, headers=own)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert table_rows(db, UserUiPreferences) == before


def test_put_ui_unknown_keys_are_not_validated(client: ApiClient, user: User, own: dict) -> None:
    body = {"jobs_table_columns": {"whatever": "not a bool", "end_date": False}}
    response = client.put(f"/api/auth/users/{user.id}/ui-preferences", json=body, headers=own)
    assert response.get_json() == {"preferences": {"jobs_table_columns": {**DEFAULT_COLUMNS, "end_date": False}}}
