"""Builders for the console tests (plain HTTP and browser): users, a login, planted rows."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from cutover.answers import capture
from shared_models.models.ops import ParityResult, ShadowMismatch, ShadowStat
from shared_models.models.users import User
from tests.helpers import PASSWORD, make_user

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def operator(db: Session, role: str = "admin", username: str | None = None) -> User:
    """A user who can log in with `PASSWORD`."""
    return make_user(db, role, username=username or f"{role}-op")


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(client, username: str, password: str = PASSWORD):  # noqa: ANN001, ANN201 - any httpx-like client
    """Fill the console's login form as a browser would (GET for the form token, then POST)."""
    form = client.get("/ops/login")
    return client.post("/ops/login", data={"csrf": csrf_of(form.text), "username": username, "password": password},
                       follow_redirects=False)


def green(db: Session, route_key: str, *, mismatched: int = 0) -> None:
    db.add(ParityResult(run_id="run-1", route_key=route_key, backend="sqlite", cases=10,
                        matched=10 - mismatched, mismatched=mismatched))
    db.commit()


def plant_mismatch(db: Session, route_key: str = "GET /api/health") -> None:
    """A kept shadow mismatch with both answers, as the gateway's replay stores it."""
    db.add(ShadowStat(route_key=route_key, compared=4, matched=3, mismatched=1))
    db.add(ShadowMismatch(
        route_key=route_key, request="GET /api/health?probe=1",
        diff="body['status']: legacy 'ok' != v2 'degraded'",
        legacy_answer=capture(status=200, headers={"content-type": "application/json", "x-served-by": "legacy"},
                              body=b'{"status": "ok", "database": "up", "access_token": "eyJ.secret.sig"}'),
        fastapi_answer=capture(status=503, headers={"content-type": "application/json"},
                               body=b'{"status": "degraded", "database": "up"}'),
    ))
    db.commit()
