"""POST /auth/register and the user routes (§3.1.1, §3.1.5–§3.1.8, D1, D5, D10, D18)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.models import Job, Notification, User, UserNotificationPreferences, UserUiPreferences
from shared_models.passwords import verify_password
from shared_models.settings import Settings
from tests.helpers import PASSWORD, bearer, make_job, make_notification, make_user, table_rows
from tests.stacks import ApiClient

USER_KEYS = {"id", "username", "email", "role", "is_active", "created_at", "updated_at"}
INVALID_ROLE = {"error": "Invalid role", "message": "Role must be one of: admin, user, viewer"}
SHORT_PASSWORD = {"error": "Password must be at least 6 characters long"}


@pytest.fixture
def admin(db: Session) -> User:
    return make_user(db, "admin")


@pytest.fixture
def as_admin(settings: Settings, admin: User) -> dict[str, str]:
    return bearer(settings, admin)


# --- register ---------------------------------------------------------------------------


def _register(client: ApiClient, headers: dict[str, str], **body: object):
    return client.post("/api/auth/register", json=body, headers=headers)


def test_register_creates_an_active_viewer_by_default(client: ApiClient, db: Session, as_admin: dict) -> None:
    response = _register(client, as_admin, username="  New_User1 ", email=" New@Example.COM ", password="abcdef")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"message", "user"} and body["message"] == "User registered successfully"
    user = body["user"]
    assert set(user) == USER_KEYS
    assert (user["username"], user["email"], user["role"], user["is_active"]) == (
        "New_User1", "new@example.com", "viewer", True,
    )
    stored = db.get(User, user["id"])
    assert stored is not None and verify_password("abcdef", stored.password_hash)


@pytest.mark.parametrize("role", ["admin", "user", "viewer"])
def test_register_with_role(client: ApiClient, as_admin: dict, role: str) -> None:
    response = _register(client, as_admin, username="someone", email="someone@example.com", password="abcdef", role=role)
    assert response.status_code == 201 and response.get_json()["user"]["role"] == role


def test_register_null_role_means_default(client: ApiClient, as_admin: dict) -> None:
    response = _register(client, as_admin, username="someone", email="someone@example.com", password="abcdef", role=None)
    assert response.get_json()["user"]["role"] == "viewer"


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, ["username", "email", "password"]),
        ({"username": "abc", "password": "abcdef"}, ["email"]),
        ({"username": "", "email": None, "password": "abcdef"}, ["username", "email"]),
        ({"username": "abc", "email": "a@example.com", "password": ""}, ["password"]),
        ({"role": 5}, ["username", "email", "password"]),  # the presence test before role's type
    ],
)
def test_register_missing_fields(client: ApiClient, db: Session, as_admin: dict, body: dict, missing: list) -> None:
    before = table_rows(db, User)
    response = client.post("/api/auth/register", json=body, headers=as_admin)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Missing required fields", "missing": missing}
    assert table_rows(db, User) == before


GOOD = {"username": "valid_name", "email": "valid@example.com", "password": "abcdef"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"username": "ab"}, {"error": "Username must be at least 3 characters long"}),
        ({"username": "  ab  "}, {"error": "Username must be at least 3 characters long"}),
        ({"username": "a" * 81}, {"error": "Invalid username", "message": "Username must be at most 80 characters long."}),
        ({"username": "bad name"}, {"error": "Invalid username", "message": "Username may contain only letters, digits and underscores."}),
        ({"username": "bad-name"}, {"error": "Invalid username", "message": "Username may contain only letters, digits and underscores."}),
        ({"username": "näme"}, {"error": "Invalid username", "message": "Username may contain only letters, digits and underscores."}),
        ({"email": "not-an-email"}, {"error": "Invalid email", "message": "An email address must have an @-sign."}),
        ({"email": "a" * 110 + "@example.com"}, {"error": "Invalid email", "message": "Email must be at most 120 characters long."}),
        ({"password": "abcde"}, SHORT_PASSWORD),
        ({"role": "superuser"}, INVALID_ROLE),
        ({"role": ""}, INVALID_ROLE),
        ({"username": 123}, {"error": "Invalid payload", "message": '"username" must be a string.'}),
        ({"email": True}, {"error": "Invalid payload", "message": '"email" must be a string.'}),
        ({"password": 123456}, {"error": "Invalid payload", "message": '"password" must be a string.'}),
        ({"role": ["admin"]}, {"error": "Invalid payload", "message": '"role" must be a string.'}),
    ],
)
def test_register_invalid_fields(client: ApiClient, db: Session, as_admin: dict, changes: dict, expected: dict) -> None:
    before = table_rows(db, User)
    response = client.post("/api/auth/register", json={**GOOD, **changes}, headers=as_admin)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert table_rows(db, User) == before


def test_register_check_order_username_before_password_before_role(client: ApiClient, as_admin: dict) -> None:
    body = {"username": "ab", "email": "x", "password": "1", "role": "nope"}
    assert client.post("/api/auth/register", json=body, headers=as_admin).get_json() == {
        "error": "Username must be at least 3 characters long"
    }
    body["username"] = "abc"
    assert client.post("/api/auth/register", json=body, headers=as_admin).get_json()["error"] == "Invalid email"
    body["email"] = "x@example.com"
    assert client.post("/api/auth/register", json=body, headers=as_admin).get_json() == SHORT_PASSWORD
    body["password"] = "123456"
    assert client.post("/api/auth/register", json=body, headers=as_admin).get_json() == INVALID_ROLE


def test_register_duplicates_are_409(client: ApiClient, db: Session, admin: User, as_admin: dict) -> None:
    other = make_user(db, "viewer")
    taken_name = client.post(
        "/api/auth/register", json={**GOOD, "username": other.username, "email": other.email}, headers=as_admin
    )
    assert (taken_name.status_code, taken_name.get_json()) == (409, {"error": "Username already exists"})
    taken_email = client.post(
        "/api/auth/register", json={**GOOD, "email": other.email.upper()}, headers=as_admin
    )
    assert (taken_email.status_code, taken_email.get_json()) == (409, {"error": "Email already exists"})
    assert len(table_rows(db, User)) == 2


def test_register_username_match_is_exact(client: ApiClient, db: Session, as_admin: dict) -> None:
    other = make_user(db, "viewer", username="CaseName")
    response = client.post("/api/auth/register", json={**GOOD, "username": "casename"}, headers=as_admin)
    assert response.status_code == 201 and other.username == "CaseName"


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("username=a", "application/x-www-form-urlencoded", {"error": "Content-Type must be application/json"}),
        ("{oops", "application/json", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ("[1, 2]", "application/json", {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_register_bad_bodies(client: ApiClient, db: Session, as_admin: dict, raw: str, content_type: str, expected: dict) -> None:
    before = table_rows(db, User)
    response = client.post("/api/auth/register", data=raw, content_type=content_type, headers=as_admin)
    assert (response.status_code, response.get_json()) == (400, expected)
    assert table_rows(db, User) == before


def test_registered_user_can_log_in(client: ApiClient, as_admin: dict) -> None:
    _register(client, as_admin, username="fresh_one", email="fresh@example.com", password="abcdef")
    login = client.post("/api/auth/login", json={"email": "fresh@example.com", "password": "abcdef"})
    assert login.status_code == 200
    assert (login.get_json()["user"]["username"], login.get_json()["user"]["role"]) == ("fresh_one", "viewer")


# --- list ---------------------------------------------------------------------------------


def test_list_users_orders_by_created_at_then_id(client: ApiClient, db: Session, admin: User, as_admin: dict) -> None:
    same = utcnow() + timedelta(seconds=5)
    late = make_user(db, "viewer", created_at=same + timedelta(seconds=1))
    tie_b = make_user(db, "user", id="bbbbbbbb-0000-0000-0000-000000000000", created_at=same)
    tie_a = make_user(db, "user", id="aaaaaaaa-0000-0000-0000-000000000000", created_at=same)
    response = client.get("/api/auth/users", headers=as_admin)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"count", "users"} and body["count"] == 4
    assert [user["id"] for user in body["users"]] == [admin.id, tie_a.id, tie_b.id, late.id]
    assert all(set(user) == USER_KEYS for user in body["users"])


# --- get ------------------------------------------------------------------------------------


def test_get_self(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "viewer")
    response = client.get(f"/api/auth/users/{user.id}", headers=bearer(settings, user))
    assert response.status_code == 200 and response.get_json()["user"]["id"] == user.id
    assert set(response.get_json()) == {"user"}


def test_get_other_as_non_admin_is_403(client: ApiClient, db: Session, settings: Settings, admin: User) -> None:
    user = make_user(db, "user")
    expected = {"error": "Forbidden. You can only view your own profile."}
    for target in (admin.id, "no-such-id"):
        response = client.get(f"/api/auth/users/{target}", headers=bearer(settings, user))
        assert (response.status_code, response.get_json()) == (403, expected)


def test_get_as_admin(client: ApiClient, db: Session, as_admin: dict) -> None:
    user = make_user(db, "viewer", is_active=False)
    response = client.get(f"/api/auth/users/{user.id}", headers=as_admin)
    assert response.status_code == 200 and response.get_json()["user"]["is_active"] is False
    missing = client.get("/api/auth/users/no-such-id", headers=as_admin)
    assert (missing.status_code, missing.get_json()) == (404, {"error": "User not found"})


def test_get_uses_db_role_not_token_role(client: ApiClient, db: Session, settings: Settings) -> None:
    demoted = make_user(db, "admin")
    headers = bearer(settings, demoted)
    demoted.role = "user"
    db.commit()
    other = make_user(db, "viewer")
    response = client.get(f"/api/auth/users/{other.id}", headers=headers)
    assert (response.status_code, response.get_json()) == (
        403, {"error": "Forbidden. You can only view your own profile."})


# --- update ------------------------------------------------------------------------------------


def _put(client: ApiClient, user_id: str, headers: dict, body: object):
    return client.put(f"/api/auth/users/{user_id}", json=body, headers=headers)


def test_update_self_email_and_password(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    response = _put(client, user.id, bearer(settings, user), {"email": "  NEW@Example.com ", "password": "newpass1"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"message", "updated_fields", "user"}
    assert body["message"] == "User updated successfully"
    assert body["updated_fields"] == ["email", "password"]
    assert body["user"]["email"] == "new@example.com"
    (row,) = [row for row in table_rows(db, User) if row["id"] == user.id]
    assert row["email"] == "new@example.com" and verify_password("newpass1", row["password_hash"])


def test_update_all_fields_as_admin_in_processed_order(client: ApiClient, db: Session, as_admin: dict) -> None:
    user = make_user(db, "viewer")
    body = {"is_active": False, "role": "user", "password": "abcdef", "email": "all@example.com"}
    response = _put(client, user.id, as_admin, body)
    assert response.status_code == 200
    assert response.get_json()["updated_fields"] == ["email", "password", "role", "is_active"]
    assert (response.get_json()["user"]["role"], response.get_json()["user"]["is_active"]) == ("user", False)


def test_update_own_unchanged_email_is_allowed(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    response = _put(client, user.id, bearer(settings, user), {"email": user.email.upper()})
    assert response.status_code == 200 and response.get_json()["updated_fields"] == ["email"]


def test_update_admin_may_change_own_role(client: ApiClient, admin: User, as_admin: dict) -> None:
    response = _put(client, admin.id, as_admin, {"role": "viewer"})
    assert response.status_code == 200 and response.get_json()["user"]["role"] == "viewer"


def test_update_falsy_email_and_password_are_ignored(client: ApiClient, db: Session, settings: Settings) -> None:
    user = make_user(db, "user")
    response = _put(client, user.id, bearer(settings, user), {"email": "", "password": None, "unknown": 1})
    assert (response.status_code, response.get_json()) == (400, {"error": "No valid fields to update"})


def test_update_other_as_non_admin_is_403(client: ApiClient, db: Session, settings: Settings, admin: User) -> None:
    user = make_user(db, "user")
    expected = {"error": "Forbidden. You can only update your own profile."}
    for target in (admin.id, "no-such-id"):
        response = _put(client, target, bearer(settings, user), {"email": "x@example.com"})
        assert (response.status_code, response.get_json()) == (403, expected)


def test_update_missing_target_is_404(client: ApiClient, as_admin: dict) -> None:
    response = _put(client, "no-such-id", as_admin, {"email": "x@example.com"})
    assert (response.status_code, response.get_json()) == (404, {"error": "User not found"})


@pytest.mark.parametrize(
    ("as_role", "body", "status", "expected"),
    [
        ("user", {"email": "taken@example.com"}, 409, {"error": "Email already exists"}),
        ("user", {"email": "TAKEN@example.com "}, 409, {"error": "Email already exists"}),
        ("user", {"email": "broken"}, 400, {"error": "Invalid email", "message": "An email address must have an @-sign."}),
        ("user", {"email": "   "}, 400, {"error": "Invalid email", "message": "An email address must have an @-sign."}),
        ("user", {"email": 42}, 400, {"error": "Invalid payload", "message": '"email" must be a string.'}),
        ("user", {"password": "abc"}, 400, SHORT_PASSWORD),
        ("user", {"password": ["abcdefg"]}, 400, {"error": "Invalid payload", "message": '"password" must be a string.'}),
        ("user", {"role": "user"}, 403, {"error": "Only admins can change user roles"}),
        ("user", {"role": 7}, 403, {"error": "Only admins can change user roles"}),
        ("user", {"is_active": True}, 403, {"error": "Only admins can change user active status"}),
        ("user", {"is_active": None}, 403, {"error": "Only admins can change user active status"}),
        ("admin", {"role": "root"}, 400, INVALID_ROLE),
        ("admin", {"role": 7}, 400, {"error": "Invalid payload", "message": '"role" must be a string.'}),
        ("admin", {"is_active": "false"}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        ("admin", {"is_active": None}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        # the first failure aborts everything, including fields processed before it
        ("user", {"email": "ok@example.com", "password": "abc"}, 400, SHORT_PASSWORD),
        ("user", {"email": "ok@example.com", "password": "abcdef", "role": "admin"}, 403, {"error": "Only admins can change user roles"}),
        ("admin", {"email": "ok@example.com", "role": "user", "is_active": "no"}, 400, {"error": "Invalid payload", "message": '"is_active" must be a boolean.'}),
        # each key's type at its turn: an earlier key's rule (or the 403) answers first
        ("user", {"email": "broken", "password": 5}, 400, {"error": "Invalid email", "message": "An email address must have an @-sign."}),
        ("user", {"email": "taken@example.com", "role": 7}, 409, {"error": "Email already exists"}),
        ("user", {"password": "abc", "is_active": "x"}, 400, SHORT_PASSWORD),
        ("admin", {"role": "root", "is_active": "x"}, 400, INVALID_ROLE),
    ],
)
def test_update_errors_change_nothing(
    client: ApiClient, db: Session, settings: Settings, admin: User,
    as_role: str, body: dict, status: int, expected: dict,
) -> None:
    make_user(db, "viewer", email="taken@example.com")
    target = make_user(db, "user")
    headers = bearer(settings, target if as_role == "user" else admin)
    before = table_rows(db, User)
    response = _put(client, target.id, headers, body)
    assert (response.status_code, response.get_json()) == (status, expected)
    assert table_rows(db, User) == before


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ('{"email": "a@example.com"}', "text/plain", {"error": "Content-Type must be application/json"}),
        ("{oops", "application/json", {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        ('"text"', "application/json", {"error": "Invalid payload", "message": "JSON body must be an object."}),
    ],
)
def test_update_bad_bodies(client: ApiClient, db: Session, settings: Settings, raw: str, content_type: str, expected: dict) -> None:
    user = make_user(db, "user")
    response = client.put(f"/api/auth/users/{user.id}", data=raw, content_type=content_type, headers=bearer(settings, user))
    assert (response.status_code, response.get_json()) == (400, expected)


def test_update_content_type_checked_before_permission(client: ApiClient, db: Session, settings: Settings, admin: User) -> None:
    user = make_user(db, "viewer")
    response = client.put(f"/api/auth/users/{admin.id}", data="x", content_type="text/plain", headers=bearer(settings, user))
    assert (response.status_code, response.get_json()) == (400, {"error": "Content-Type must be application/json"})


def test_update_body_read_after_the_403_and_404(client: ApiClient, db: Session, settings: Settings, admin: User) -> None:
    user = make_user(db, "user")
    other = client.put(f"/api/auth/users/{admin.id}", data="{oops", content_type="application/json", headers=bearer(settings, user))
    assert (other.status_code, other.get_json()) == (403, {"error": "Forbidden. You can only update your own profile."})
    gone = client.put("/api/auth/users/no-such-id", data="{oops", content_type="application/json", headers=bearer(settings, admin))
    assert (gone.status_code, gone.get_json()) == (404, {"error": "User not found"})


# --- delete (D5) ---------------------------------------------------------------------------------


def test_delete_user_removes_dependents_and_orphans_jobs(client: ApiClient, db: Session, settings: Settings, admin: User, as_admin: dict) -> None:
    victim = make_user(db, "user")
    victim_id, victim_name = victim.id, victim.username
    job = make_job(db, created_by=victim)
    make_notification(db, victim)
    kept = make_notification(db, admin)
    headers = bearer(settings, victim)
    assert client.get(f"/api/auth/users/{victim_id}/preferences", headers=headers).status_code == 200
    assert client.get(f"/api/auth/users/{victim_id}/ui-preferences", headers=headers).status_code == 200

    response = client.delete(f"/api/auth/users/{victim_id}", headers=as_admin)
    assert response.status_code == 200
    assert response.get_json() == {
        "message": "User deleted successfully",
        "deleted_user": {"id": victim_id, "username": victim_name},
    }
    assert [row["id"] for row in table_rows(db, User)] == [admin.id]
    assert [row["id"] for row in table_rows(db, Notification)] == [kept.id]
    assert table_rows(db, UserNotificationPreferences) == []
    assert table_rows(db, UserUiPreferences) == []
    assert [(row["id"], row["created_by"]) for row in table_rows(db, Job)] == [(job.id, None)]
    # the deleted user's token no longer works
    stale = client.get("/api/auth/me", headers=headers)
    assert (stale.status_code, stale.get_json()) == (401, {"msg": "User not found or inactive"})


def test_delete_self_is_400(client: ApiClient, db: Session, admin: User, as_admin: dict) -> None:
    response = client.delete(f"/api/auth/users/{admin.id}", headers=as_admin)
    assert (response.status_code, response.get_json()) == (400, {"error": "Cannot delete your own account"})
    assert len(table_rows(db, User)) == 1


def test_delete_missing_is_404(client: ApiClient, as_admin: dict) -> None:
    response = client.delete("/api/auth/users/no-such-id", headers=as_admin)
    assert (response.status_code, response.get_json()) == (404, {"error": "User not found"})


def test_deleted_user_cannot_log_in(client: ApiClient, db: Session, as_admin: dict) -> None:
    victim = make_user(db, "viewer")
    name = victim.username
    client.delete(f"/api/auth/users/{victim.id}", headers=as_admin)
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert (response.status_code, response.get_json()) == (401, {"error": "Invalid email/username or password"})
