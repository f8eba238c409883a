"""User accounts and their preferences (API_CONTRACT.md §3.1.5–§3.1.12, D1, D5, D6, D10).

The field rules (`normalize_username`, `normalize_email`, `check_password`, `check_role`)
and `create_user` are shared by register, the admin CLI and user updates, so every way
into the `users` table enforces the same D10 rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.contracts.fields import checked
from shared_models.contracts.users import PreferencesUpdate, UiPreferencesUpdate, UserUpdate
from shared_models.errors import ApiError, bad_request, forbidden, not_found
from shared_models.models import ROLES, User, UserNotificationPreferences, UserUiPreferences
from shared_models.passwords import hash_password
from shared_models.serializers import PREFERENCE_FLAGS, preferences_to_dict, user_to_dict

USERNAME_MIN, USERNAME_MAX = 3, 80
EMAIL_MAX = 120
PASSWORD_MIN = 6
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_]+")

USER_NOT_FOUND = "User not found"
EMAIL_TAKEN = "Email already exists"
USERNAME_TAKEN = "Username already exists"

# §1.8: a row made by GET differs from the model defaults used by PUT.
GET_CREATE_PREFERENCES = {
    "email_on_job_success": True,
    "email_on_job_failure": True,
    "email_on_job_disabled": False,
    "browser_notifications": False,
    "daily_digest": False,
    "weekly_report": False,
}
# §3.1.11: insertion order is the order stored as JSON text.
DEFAULT_JOBS_TABLE_COLUMNS = {
    "pic_team": True,
    "end_date": True,
    "cron_expression": False,
    "target_url": False,
    "last_execution_at": False,
}

Row = TypeVar("Row", UserNotificationPreferences, UserUiPreferences)


# --- field rules (D10) -------------------------------------------------------------


def normalize_username(raw: str) -> str:
    """Trimmed, case kept; 3–80 letters, digits or underscores."""
    username = raw.strip()
    if len(username) < USERNAME_MIN:
        raise bad_request("Username must be at least 3 characters long")
    if len(username) > USERNAME_MAX:
        raise bad_request("Invalid username", f"Username must be at most {USERNAME_MAX} characters long.")
    if not USERNAME_PATTERN.fullmatch(username):
        raise bad_request("Invalid username", "Username may contain only letters, digits and underscores.")
    return username


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased, then checked for syntax (no DNS) and length.

    The stored value is the lower-cased input, as the legacy stored it; the validator
    only judges it (its own normalisation would change IDN domains, for instance).
    """
    email = raw.strip().lower()
    if len(email) > EMAIL_MAX:
        raise bad_request("Invalid email", f"Email must be at most {EMAIL_MAX} characters long.")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise bad_request("Invalid email", str(exc)) from None
    return email


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise bad_request("Password must be at least 6 characters long")
    return password


def check_role(role: Any) -> str:
    if role not in ROLES:
        raise bad_request("Invalid role", f"Role must be one of: {', '.join(ROLES)}")
    return role


def _email_owner(session: Session, email: str) -> str | None:
    return session.scalar(select(User.id).where(User.email == email))


def _ensure_unique(session: Session, username: str, email: str) -> None:
    if session.scalar(select(User.id).where(User.username == username)):
        raise ApiError(409, USERNAME_TAKEN)
    if _email_owner(session, email):
        raise ApiError(409, EMAIL_TAKEN)


def create_user(*, session: Session, username: str, email: str, password: str, role: str) -> User:
    """Validate (register's steps 3–7, in order) and insert an active user.

    A concurrent insert of the same name loses at the unique index; it is reported as
    the same 409 the pre-check gives, not as a 500.
    """
    username = normalize_username(username)
    email = normalize_email(email)
    check_password(password)
    check_role(role)
    _ensure_unique(session, username, email)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        role=role,
        is_active=True,
    )
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        _ensure_unique(session, username, email)
        raise
    return user


# --- access ---------------------------------------------------------------------------


def _self_or_admin(actor: User, user_id: str, message: str) -> None:
    """403 `message` unless the caller is the target or an admin (DB role, D6)."""
    if actor.id != user_id and actor.role != "admin":
        raise forbidden(message)


def _target(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found(USER_NOT_FOUND)
    return user


def target_user(*, session: Session, user_id: str) -> User:
    """404 "User not found" unless the user exists (the preference writes check it after
    the Content-Type, before reading the body)."""
    return _target(session, user_id)


def check_preferences_writer(*, actor: User, user_id: str) -> None:
    """403 unless the caller may write `user_id`'s preferences (before anything else, §3.1.10)."""
    _self_or_admin(actor, user_id, "Forbidden: Cannot update other users preferences")


def editable_user(*, session: Session, actor: User, user_id: str) -> User:
    """The user a PUT may update: 403, then 404 (§3.1.7 steps 3-4, before the body is read)."""
    _self_or_admin(actor, user_id, "Forbidden. You can only update your own profile.")
    return _target(session, user_id)


# --- user management (§3.1.5–§3.1.8) ------------------------------------------------------


def list_users(*, session: Session) -> dict[str, Any]:
    """All users, oldest first, ties by id (D18)."""
    users = session.scalars(select(User).order_by(User.created_at, User.id)).all()
    return {"count": len(users), "users": [user_to_dict(user) for user in users]}


def get_user(*, session: Session, actor: User, user_id: str) -> dict[str, Any]:
    _self_or_admin(actor, user_id, "Forbidden. You can only view your own profile.")
    return {"user": user_to_dict(_target(session, user_id))}


def update_user(*, session: Session, actor: User, user: User, body: UserUpdate) -> dict[str, Any]:
    """PUT a user, once the stack has checked the Content-Type, then `editable_user`, then
    read the body: each key in contract order (its type at its turn); changes are applied
    only when all pass."""
    is_admin = actor.role == "admin"
    changes: dict[str, Any] = {}

    email = checked(body.email)
    if email:  # only if truthy (§3.1.7)
        email = normalize_email(email)
        owner = _email_owner(session, email)
        if owner is not None and owner != user.id:
            raise ApiError(409, EMAIL_TAKEN)
        changes["email"] = email

    password = checked(body.password)
    if password:
        changes["password"] = hash_password(check_password(password))

    # `null` means absent for an optional string (D1); the permission check comes
    # first, as in the legacy, so a non-admin learns nothing about valid values.
    if body.role is not None:
        if not is_admin:
            raise forbidden("Only admins can change user roles")
        changes["role"] = check_role(checked(body.role))

    if "is_active" in body.sent():
        if not is_admin:
            raise forbidden("Only admins can change user active status")
        changes["is_active"] = checked(body.is_active)

    if not changes:
        raise bad_request("No valid fields to update")
    for field, value in changes.items():
        setattr(user, "password_hash" if field == "password" else field, value)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ApiError(409, EMAIL_TAKEN) from None
    return {
        "message": "User updated successfully",
        "updated_fields": list(changes),
        "user": user_to_dict(user),
    }


def delete_user(*, session: Session, actor: User, user_id: str) -> dict[str, Any]:
    """D5: the database cascades notifications and both preference rows, and sets
    `jobs.created_by` to NULL (ON DELETE clauses), so one DELETE does it all."""
    if actor.id == user_id:
        raise bad_request("Cannot delete your own account")
    user = _target(session, user_id)
    deleted = {"id": user.id, "username": user.username}
    session.delete(user)
    session.flush()
    return {"message": "User deleted successfully", "deleted_user": deleted}


# --- preferences (§3.1.9–§3.1.12) -----------------------------------------------------------


def _preferences_row(session: Session, model: type[Row], user_id: str) -> Row | None:
    return session.scalar(select(model).where(model.user_id == user_id))


def _get_or_create(session: Session, model: type[Row], user_id: str, make: Callable[[], Row]) -> Row:
    """The user's row of `model`, inserted by `make()` when there is none.

    A concurrent request may insert it first; the unique `user_id` then rejects ours
    inside a savepoint and the winner's row is used.
    """
    row = _preferences_row(session, model, user_id)
    if row is not None:
        return row
    row = make()
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _preferences_row(session, model, user_id)
        if existing is None:
            raise
        return existing
    return row


def get_preferences(*, session: Session, actor: User, user_id: str) -> dict[str, Any]:
    _self_or_admin(actor, user_id, "Forbidden: Cannot access other users preferences")
    _target(session, user_id)
    row = _get_or_create(
        session,
        UserNotificationPreferences,
        user_id,
        lambda: UserNotificationPreferences(user_id=user_id, **GET_CREATE_PREFERENCES),
    )
    return {
        "message": "Notification preferences retrieved successfully",
        "preferences": preferences_to_dict(row),
    }


def update_preferences(*, session: Session, user: User, body: PreferencesUpdate) -> dict[str, Any]:
    """PUT, once the stack has checked the permission, the Content-Type, the user
    (`target_user`) and read the body: each flag sent is set."""
    row = _get_or_create(
        session,
        UserNotificationPreferences,
        user.id,
        lambda: UserNotificationPreferences(user_id=user.id),  # model defaults (§1.8)
    )
    for flag in PREFERENCE_FLAGS:
        if flag in body.sent():
            setattr(row, flag, getattr(body, flag))
    session.flush()
    return {
        "message": "Notification preferences updated successfully",
        "preferences": preferences_to_dict(row),
    }


def _stored_columns(text: str | None) -> dict[str, Any]:
    """The stored object, or the defaults when the text is not a JSON object (§1.9)."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        value = None
    return value if isinstance(value, dict) else dict(DEFAULT_JOBS_TABLE_COLUMNS)


def get_ui_preferences(*, session: Session, actor: User, user_id: str) -> dict[str, Any]:
    _self_or_admin(actor, user_id, "Forbidden: Cannot access other users preferences")
    _target(session, user_id)
    row = _get_or_create(
        session,
        UserUiPreferences,
        user_id,
        lambda: UserUiPreferences(user_id=user_id, jobs_table_columns=json.dumps(DEFAULT_JOBS_TABLE_COLUMNS)),
    )
    return {"preferences": {"jobs_table_columns": _stored_columns(row.jobs_table_columns)}}


def update_ui_preferences(*, session: Session, user: User, body: UiPreferencesUpdate) -> dict[str, Any]:
    """PUT, in the order of `update_preferences`: the defaults overlaid with the keys sent
    (not merged with the stored values)."""
    sent = body.jobs_table_columns
    columns = {key: getattr(sent, key) if key in sent.sent() else default
               for key, default in DEFAULT_JOBS_TABLE_COLUMNS.items()}
    text = json.dumps(columns)
    row = _get_or_create(
        session, UserUiPreferences, user.id, lambda: UserUiPreferences(user_id=user.id, jobs_table_columns=text)
    )
    row.jobs_table_columns = text
    session.flush()
    return {"preferences": {"jobs_table_columns": columns}}
