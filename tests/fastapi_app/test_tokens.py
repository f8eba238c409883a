"""The v2 JWT layer answers exactly as the legacy `@authenticated()` (§2.3, D6, D17).

Each case sends an Authorization header to v2 GET /api/v2/auth/verify and expects the
legacy stack's status and body; tests/migration/test_tokens_on_legacy.py sends the same
cases to legacy GET /api/auth/me while that stack exists (and goes with it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from shared_models import tokens
from shared_models.models import RevokedToken, User
from shared_models.serializers import user_to_dict
from shared_models.settings import Settings
from tests.helpers import PASSWORD, make_user, token_for

MISSING_BEARER = {
    "msg": "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
}
BAD_HEADER = {"msg": "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(user: User, **changes: Any) -> dict[str, Any]:
    claims = {"fresh": False, "iat": 1, "jti": "j-1", "type": "access", "sub": user.id,
              "nbf": 1, "exp": 4_102_444_800, "role": user.role, "email": user.email}
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not ...}


def _signed(settings: Settings, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, settings.JWT_SECRET_KEY or "", tokens.ALGORITHM)


def _tampered_role(settings: Settings, user: User) -> str:
    header, _payload, signature = token_for(settings, user).split(".")
    payload = jwt.decode(token_for(settings, user), options={"verify_signature": False})
    return ".".join([header, _b64({**payload, "role": "admin"}), signature])


Case = Callable[[Settings, User, Session], str | None]

CASES: dict[str, tuple[Case, int, dict[str, Any]]] = {
    "no header": (lambda s, u, d: None, 401, {"msg": "Missing Authorization Header"}),
    "Token scheme": (lambda s, u, d: f"Token {token_for(s, u)}", 401, MISSING_BEARER),
    "lowercase bearer": (lambda s, u, d: f"bearer {token_for(s, u)}", 401, MISSING_BEARER),
    "Bearer alone": (lambda s, u, d: "Bearer", 422, BAD_HEADER),
    "two tokens": (lambda s, u, d: f"Bearer {token_for(s, u)} {token_for(s, u)}", 422, BAD_HEADER),
    "two Bearer values": (
        lambda s, u, d: f"Bearer {token_for(s, u)}, Bearer {token_for(s, u)}", 401, MISSING_BEARER
    ),
    "garbage": (lambda s, u, d: "Bearer garbage", 422, {"msg": "Not enough segments"}),
    "other key": (
        lambda s, u, d: "Bearer " + jwt.encode(_claims(u), "another-secret-key-of-32-bytes-length!", "HS256"),
        422,
        {"msg": "Signature verification failed"},
    ),
    "alg none": (
        lambda s, u, d: f"Bearer {_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(u))}.",
        422,
        {"msg": "The specified alg value is not allowed"},
    ),
    "tampered role": (
        lambda s, u, d: f"Bearer {_tampered_role(s, u)}", 422, {"msg": "Signature verification failed"}
    ),
    "expired": (
        lambda s, u, d: f"Bearer {token_for(s, u, expires_in=-30)}", 401, {"msg": "Token has expired"}
    ),
    "refresh as access": (
        lambda s, u, d: f"Bearer {token_for(s, u, 'refresh')}",
        422,
        {"msg": "Only non-refresh tokens are allowed"},
    ),
    "non-string sub": (
        lambda s, u, d: f"Bearer {_signed(s, _claims(u, sub=123))}", 422, {"msg": "Subject must be a string"}
    ),
    "missing sub": (
        lambda s, u, d: f"Bearer {_signed(s, _claims(u, sub=...))}", 422, {"msg": "Missing claim: sub"}
    ),
}


def _revoked(settings: Settings, user: User, db: Session) -> str:
    token = token_for(settings, user)
    tokens.revoke(db, tokens.decode(token, secret=settings.JWT_SECRET_KEY or ""))
    db.commit()
    return f"Bearer {token}"


def _deleted(settings: Settings, user: User, db: Session) -> str:
    token = token_for(settings, user)
    db.delete(user)
    db.commit()
    return f"Bearer {token}"


def _deactivated(settings: Settings, user: User, db: Session) -> str:
    token = token_for(settings, user)
    user.is_active = False
    db.commit()
    return f"Bearer {token}"


CASES.update({
    "revoked": (_revoked, 401, {"msg": "Token has been revoked"}),
    "deleted user": (_deleted, 401, {"msg": "User not found or inactive"}),
    "deactivated user": (_deactivated, 401, {"msg": "User not found or inactive"}),
})


def _headers(value: str | None) -> dict[str, str]:
    return {} if value is None else {"Authorization": value}


@pytest.mark.parametrize("name", list(CASES))
def test_refusals(name: str, settings: Settings, db: Session, v2_client: TestClient) -> None:
    """The legacy stack's refusals, byte for byte (tests/migration/test_tokens_on_legacy.py
    checks the legacy stack against the same CASES while it exists)."""
    build, status, body = CASES[name]
    user = make_user(db, "viewer")

    v2 = v2_client.get("/api/v2/auth/verify", headers=_headers(build(settings, user, db)))

    assert (v2.status_code, v2.json()) == (status, body)
    assert v2.headers["content-type"] == "application/json"


def test_a_good_token_is_verified(settings: Settings, db: Session, v2_client: TestClient) -> None:
    user = make_user(db, "user")

    v2 = v2_client.get("/api/v2/auth/verify", headers=_headers(f"Bearer {token_for(settings, user)}"))

    assert v2.status_code == 200
    assert v2.json() == {"valid": True, "user": user_to_dict(user)}


# --- POST /api/v2/auth/login/form ---------------------------------------------------


def test_login_form_answers_the_login_body_with_token_type(db: Session, v2_client: TestClient) -> None:
    user = make_user(db, "user")
    response = v2_client.post("/api/v2/auth/login/form", data={"username": user.email, "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "access_token", "refresh_token", "token_type", "user"}
    assert (body["message"], body["token_type"], body["user"]) == ("Login successful", "bearer", user_to_dict(user))
    assert jwt.decode(body["refresh_token"], options={"verify_signature": False})["type"] == "refresh"


LOGIN_FORM_ERRORS = [
        ({}, 400, "Email/Username and password are required"),
        ({"username": "USER"}, 400, "Email/Username and password are required"),
        ({"password": PASSWORD}, 400, "Email/Username and password are required"),
        ({"username": "nobody", "password": PASSWORD}, 401, "Invalid email/username or password"),
        ({"username": "USER", "password": "wrong-password"}, 401, "Invalid email/username or password"),
        ({"username": "INACTIVE", "password": "wrong-password"}, 401, "Account is inactive. Contact administrator."),
]


def login_form(db: Session, form: dict[str, str]) -> dict[str, str]:
    """`form` with USER / INACTIVE replaced by the names of new users of that kind."""
    names = {"USER": make_user(db, "user").username, "INACTIVE": make_user(db, "user", is_active=False).username}
    return {key: names.get(value, value) for key, value in form.items()}


@pytest.mark.parametrize(("form", "status", "error"), LOGIN_FORM_ERRORS)
def test_login_form_errors_are_the_login_errors(
    form: dict[str, str], status: int, error: str, db: Session, v2_client: TestClient
) -> None:
    v2 = v2_client.post("/api/v2/auth/login/form", data=login_form(db, form))

    assert (v2.status_code, v2.json()) == (status, {"error": error})


# --- POST /api/v2/auth/logout -------------------------------------------------------


def _revoked_jtis(db: Session) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(RevokedToken.jti)))


def _jti(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["jti"]


def test_logout_revokes_the_access_token(settings: Settings, db: Session, v2_client: TestClient) -> None:
    user = make_user(db, "user")
    access = token_for(settings, user)
    headers = {"Authorization": f"Bearer {access}"}

    response = v2_client.post("/api/v2/auth/logout", headers=headers)

    assert (response.status_code, response.json()) == (200, {"message": "Logged out"})
    assert _revoked_jtis(db) == {_jti(access)}
    revoked = (401, {"msg": "Token has been revoked"})
    v2 = v2_client.get("/api/v2/auth/verify", headers=headers)
    assert (v2.status_code, v2.json()) == revoked
    again = v2_client.post("/api/v2/auth/logout", headers=headers)
    assert (again.status_code, again.json()) == revoked


def test_logout_revokes_the_refresh_token_sent_in_the_body(
    settings: Settings, db: Session, v2_client: TestClient
) -> None:
    user = make_user(db, "viewer")
    access, refresh = token_for(settings, user), token_for(settings, user, "refresh")

    response = v2_client.post(
        "/api/v2/auth/logout", headers={"Authorization": f"Bearer {access}"}, json={"refresh_token": refresh}
    )

    assert (response.status_code, response.json()) == (200, {"message": "Logged out"})
    assert _revoked_jtis(db) == {_jti(access), _jti(refresh)}
    again = v2_client.post("/api/v2/auth/refresh", headers={"Authorization": f"Bearer {refresh}"})
    assert (again.status_code, again.json()) == (401, {"msg": "Token has been revoked"})


def test_logout_skips_an_expired_refresh_token(settings: Settings, db: Session, v2_client: TestClient) -> None:
    user = make_user(db, "viewer")
    access = token_for(settings, user)
    expired = token_for(settings, user, "refresh", expires_in=-30)

    response = v2_client.post(
        "/api/v2/auth/logout", headers={"Authorization": f"Bearer {access}"}, json={"refresh_token": expired}
    )

    assert response.status_code == 200
    assert _revoked_jtis(db) == {_jti(access)}


@pytest.mark.parametrize(
    ("raw_body", "status", "body"),
    [
        (b'{"refresh_token": ', 400, {"error": "Invalid JSON", "message": "Request body is not valid JSON."}),
        (b"[1]", 400, {"error": "Invalid payload", "message": "JSON body must be an object."}),
        (b'{"refresh_token": 5}', 400, {"error": "Invalid payload", "message": '"refresh_token" must be a string.'}),
        (b'{"refresh_token": "garbage"}', 422, {"msg": "Not enough segments"}),
        (b'{"refresh_token": "ACCESS"}', 422, {"msg": "Only refresh tokens are allowed"}),
    ],
)
def test_a_bad_logout_body_revokes_nothing(
    raw_body: bytes, status: int, body: dict[str, Any], settings: Settings, db: Session, v2_client: TestClient
) -> None:
    user = make_user(db, "viewer")
    access = token_for(settings, user)

    response = v2_client.post(
        "/api/v2/auth/logout",
        headers={"Authorization": f"Bearer {access}", "Content-Type": "application/json"},
        content=raw_body.replace(b"ACCESS", access.encode()),
    )

    assert (response.status_code, response.json()) == (status, body)
    assert _revoked_jtis(db) == set()


def test_logout_needs_a_token(v2_client: TestClient, db: Session) -> None:
    response = v2_client.post("/api/v2/auth/logout", json={})

    assert (response.status_code, response.json()) == (401, {"msg": "Missing Authorization Header"})
    assert _revoked_jtis(db) == set()
