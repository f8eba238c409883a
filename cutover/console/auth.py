"""Who is using the console: login, the session cookie and the CSRF tokens.

    auth = ConsoleAuth(settings)
    token = auth.log_in(session, username=..., password=..., client_address="127.0.0.1")
    admin = auth.admin(session, token)          # -> Admin, or NotLoggedIn / NotAdmin
    auth.csrf_for(admin.jti)                    # the token every form of this session carries

The session is the access token the existing login service (`services.auth.login`, the
one behind POST /api/auth/login, with its rate limit) issues, kept in an HttpOnly,
SameSite=Strict cookie on `/ops`: the page never sees it, and everything the API checks
on a token (signature, expiry, revocation, active user) holds for the console too. The
role is read from the database on every request, so a demoted admin is out at once.
Logging out revokes the token. CSRF tokens are HMACs of the session's `jti` (stateless,
per session); the login form, before any session exists, is bound to a random cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fastapi_app.deps import issue_tokens
from shared_models import tokens
from shared_models.contracts import parse_body
from shared_models.contracts.auth import Login
from shared_models.errors import TokenError
from shared_models.requests import JsonBody
from shared_models.services import auth as auth_service
from shared_models.settings import Settings

SESSION_COOKIE = "ops_session"
LOGIN_COOKIE = "ops_login"
COOKIE_PATH = "/ops"
ADMIN_ROLE = "admin"


class NotLoggedIn(Exception):
    """No session, or one the API would refuse (expired, revoked, user gone)."""


class NotAdmin(Exception):
    """A valid session of a user who is not an admin (now)."""


@dataclass(frozen=True)
class Admin:
    user_id: str
    username: str
    jti: str

    @property
    def actor(self) -> str:
        """How the audit trail names this operator."""
        return f"console:{self.username}"


class ConsoleAuth:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._key = (settings.SECRET_KEY or "").encode()

    # --- CSRF ---------------------------------------------------------------------

    def csrf_for(self, value: str) -> str:
        """The CSRF token bound to `value` (a session's jti, or the login cookie)."""
        return hmac.new(self._key, b"ops-csrf\0" + value.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, value: str | None, given: str | None) -> bool:
        return bool(value) and bool(given) and hmac.compare_digest(self.csrf_for(str(value)), str(given))

    @staticmethod
    def new_login_nonce() -> str:
        return secrets.token_urlsafe(24)

    # --- sessions -----------------------------------------------------------------

    def admin(self, session: Session, token: str | None) -> Admin:
        """The admin behind a session cookie; NotLoggedIn / NotAdmin otherwise."""
        if not token:
            raise NotLoggedIn
        try:
            claims = tokens.decode(token, secret=self.settings.JWT_SECRET_KEY or "")
        except TokenError:
            raise NotLoggedIn from None
        if tokens.is_revoked(session, claims.get("jti")):
            raise NotLoggedIn
        user = tokens.active_user(session, claims["sub"])
        if user is None:
            raise NotLoggedIn
        if user.role != ADMIN_ROLE:
            raise NotAdmin
        return Admin(user_id=user.id, username=user.username, jti=str(claims.get("jti") or ""))

    def log_in(self, session: Session, *, username: str, password: str, client_address: str) -> str:
        """Check the credentials with the login service; the session token of an admin.

        ApiError (401, 429, 400) as the login route answers; NotAdmin for anyone else,
        whose freshly issued tokens are revoked at once (they never left the server).
        The caller commits.
        """
        body = JsonBody("application/json", json.dumps({"username": username, "password": password}).encode())
        answer = auth_service.login(session=session, settings=self.settings, body=parse_body(Login, body),
                                    issue_tokens=issue_tokens(self.settings), client_address=client_address)
        secret = self.settings.JWT_SECRET_KEY or ""
        tokens.revoke(session, tokens.decode(answer["refresh_token"], secret=secret, refresh=True))
        if answer["user"]["role"] != ADMIN_ROLE:
            tokens.revoke(session, tokens.decode(answer["access_token"], secret=secret))
            raise NotAdmin
        return str(answer["access_token"])

    def log_out(self, session: Session, token: str | None) -> None:
        """Revoke the session's token (the caller commits)."""
        try:
            claims = tokens.decode(token or "", secret=self.settings.JWT_SECRET_KEY or "")
        except TokenError:
            return
        tokens.revoke(session, claims)

    @property
    def session_seconds(self) -> int:
        return int(self.settings.JWT_ACCESS_TOKEN_EXPIRES)
