"""The `auth` blueprint (12 routes): login, tokens, users and their preferences.

Views only translate HTTP; the rules live in `shared_models.services.auth` / `.users`.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_jwt_extended import current_user, get_jwt

from legacy_flask.auth import authenticated, issue_tokens, writes
from legacy_flask.extensions import db
from legacy_flask.http import app_settings, commit_and_respond, json_body
from shared_models.contracts import parse_body
from shared_models.contracts.auth import Login, Register
from shared_models.contracts.users import PreferencesUpdate, UiPreferencesUpdate, UserUpdate
from shared_models.models import User
from shared_models.requests import require_json
from shared_models.services import auth as auth_service
from shared_models.services import users as users_service

bp = Blueprint("auth", __name__)

Answer = tuple[Response, int]


@bp.post("/register")
@authenticated("admin")
def register() -> Answer:
    body = parse_body(Register, json_body())
    return commit_and_respond(auth_service.register(session=db.session, body=body), 201)


@bp.post("/login")
def login() -> Answer:
    body = auth_service.login(
        session=db.session,
        settings=app_settings(),
        body=parse_body(Login, json_body()),
        issue_tokens=issue_tokens,
        client_address=request.remote_addr or "",
    )
    return commit_and_respond(body)


@bp.post("/refresh")
@authenticated(refresh=True)
def refresh() -> Answer:
    body = auth_service.refresh(
        session=db.session, settings=app_settings(), actor=current_user, claims=get_jwt(), issue_tokens=issue_tokens
    )
    return commit_and_respond(body)


@bp.get("/me")
@authenticated()
def me() -> Answer:
    return commit_and_respond(auth_service.me(actor=current_user))


@bp.get("/users")
@authenticated("admin")
def list_users() -> Answer:
    return commit_and_respond(users_service.list_users(session=db.session))


@bp.get("/users/<user_id>")
@authenticated()
def get_user(user_id: str) -> Answer:
    return commit_and_respond(users_service.get_user(session=db.session, actor=current_user, user_id=user_id))


@bp.put("/users/<user_id>")
@authenticated()
def update_user(user_id: str) -> Answer:
    require_json(request.content_type)  # §3.1.7: Content-Type → 403 → 404 → body
    user = users_service.editable_user(session=db.session, actor=current_user, user_id=user_id)
    update = parse_body(UserUpdate, json_body())
    body = users_service.update_user(session=db.session, actor=current_user, user=user, body=update)
    return commit_and_respond(body)


@bp.delete("/users/<user_id>")
@authenticated("admin")
def delete_user(user_id: str) -> Answer:
    return commit_and_respond(users_service.delete_user(session=db.session, actor=current_user, user_id=user_id))


@bp.get("/users/<user_id>/preferences")
@writes
@authenticated()
def get_preferences(user_id: str) -> Answer:
    body = users_service.get_preferences(session=db.session, actor=current_user, user_id=user_id)
    return commit_and_respond(body)


@bp.put("/users/<user_id>/preferences")
@authenticated()
def update_preferences(user_id: str) -> Answer:
    user = _preferences_target(user_id)
    body = users_service.update_preferences(
        session=db.session, user=user, body=parse_body(PreferencesUpdate, json_body())
    )
    return commit_and_respond(body)


@bp.get("/users/<user_id>/ui-preferences")
@writes
@authenticated()
def get_ui_preferences(user_id: str) -> Answer:
    body = users_service.get_ui_preferences(session=db.session, actor=current_user, user_id=user_id)
    return commit_and_respond(body)


@bp.put("/users/<user_id>/ui-preferences")
@authenticated()
def update_ui_preferences(user_id: str) -> Answer:
    user = _preferences_target(user_id)
    body = users_service.update_ui_preferences(
        session=db.session, user=user, body=parse_body(UiPreferencesUpdate, json_body())
    )
    return commit_and_respond(body)


def _preferences_target(user_id: str) -> User:
    """§3.1.10 / §3.1.12: 403 → Content-Type → 404, before the body is read."""
    users_service.check_preferences_writer(actor=current_user, user_id=user_id)
    require_json(request.content_type)
    return users_service.target_user(session=db.session, user_id=user_id)

