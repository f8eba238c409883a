"""The existing frontend's session pattern, on both stacks, through a live gateway (D20, D17).

The frontend logs in once and keeps that refresh token for the whole session: it
refreshes with it again and again, fires several refreshes with it at once when parallel
requests meet an expired access token, and logs out with `POST <base>/auth/logout` (after
its CORS preflight) on whichever base it was built for. Any refused refresh logs the user
out. Here real `uvicorn gateway:app` processes serve both bases (`/api`: Flask for login
and refresh, FastAPI for the v2-only logout; `/api/v2`: FastAPI), token lives are
shortened through settings and real time passes. One gateway runs the default settings,
another opt-in rotation; both start at once and the four (setting, base) sessions run
side by side in threads.

Cost: one gateway start-up (two in parallel) plus ~11 s of real time for the token
lives: about 20 s in all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.helpers import PASSWORD, make_user
from tests.live_gateway import live_gateway

ORIGIN = "https://app.example.com"
ACCESS_LIFE = 2  # seconds (JWT exp has whole-second resolution: keep 2 or more)
REFRESH_LIFE = 20  # the 10 refreshes take ~5 s quiet, up to ~12 s at load 10+ (CI beside other work): margin
REFRESHES = 10
CONCURRENT = 7
REVOKED = {"msg": "Token has been revoked"}
EXPIRED = {"msg": "Token has expired"}
BASES = ("/api", "/api/v2")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Origin": ORIGIN}


def _login(http: httpx.Client, base: str, username: str) -> dict[str, Any]:
    response = http.post(f"{base}/auth/login", json={"username": username, "password": PASSWORD},
                         headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.text
    return response.json()


def _all_at_once(count: int, call: Callable[[httpx.Client], httpx.Response], url: str) -> list[httpx.Response]:
    """`count` requests released together, each on its own connection."""
    barrier = threading.Barrier(count)
    answers: list[httpx.Response] = []
    failures: list[BaseException] = []

    def one() -> None:
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                barrier.wait(timeout=30)
                answers.append(call(http))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and len(answers) == count
    return answers


def _side_by_side(scenarios: dict[str, tuple[str, Callable[[httpx.Client, str], None]]]) -> None:
    """Run each `label: (gateway url, scenario)` on /api and /api/v2, all at the same time;
    re-raise the failures with their label and base."""
    failures: dict[str, BaseException] = {}

    def run(label: str, url: str, scenario: Callable[[httpx.Client, str], None], base: str) -> None:
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                scenario(http, base)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures[f"{label} on {base}"] = exc

    threads = [threading.Thread(target=run, args=(label, url, scenario, base))
               for label, (url, scenario) in scenarios.items() for base in BASES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for where, exc in failures.items():
        raise AssertionError(where) from exc


def _logout_from_the_browser(http: httpx.Client, base: str, login: dict[str, Any]) -> None:
    preflight = http.options(f"{base}/auth/logout", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"].lower() == "authorization, content-type"
    assert preflight.headers["x-served-by"] == "fastapi"
    logout = http.post(f"{base}/auth/logout", headers=_bearer(login["access_token"]),
                       json={"refresh_token": login["refresh_token"]})
    assert logout.status_code == 200, logout.text
    assert logout.headers["access-control-allow-origin"] == ORIGIN
    assert logout.headers["x-served-by"] == "fastapi"
    # Logged out for real: both tokens are refused afterwards.
    assert http.get(f"{base}/auth/me", headers=_bearer(login["access_token"])).json() == REVOKED
    assert http.post(f"{base}/auth/refresh", headers=_bearer(login["refresh_token"])).json() == REVOKED


def _frontend_session(url: str, username: str) -> Callable[[httpx.Client, str], None]:
    """Default settings (no rotation): the whole session succeeds."""

    def session(http: httpx.Client, base: str) -> None:
        login = _login(http, base, username)
        started = time.monotonic()
        # 10 refreshes with the login refresh token, spread over most of its life.
        for index in range(REFRESHES):
            time.sleep(max(0.0, started + (index + 1) * 0.5 - time.monotonic()))
            refreshed = http.post(f"{base}/auth/refresh", headers=_bearer(login["refresh_token"]))
            assert refreshed.status_code == 200, (index, refreshed.text)
            assert set(refreshed.json()) == {"access_token"}  # D20: no rotation by default
            me = http.get(f"{base}/auth/me", headers=_bearer(refreshed.json()["access_token"]))
            assert me.status_code == 200 and me.json()["user"]["username"] == username
        # The login access token has expired by now: that is why the frontend refreshes.
        assert http.get(f"{base}/auth/me", headers=_bearer(login["access_token"])).json() == EXPIRED
        # 7 parallel requests meet the expired access token and refresh at once.
        answers = _all_at_once(CONCURRENT, lambda client: client.post(
            f"{base}/auth/refresh", headers=_bearer(login["refresh_token"])), url)
        assert [(answer.status_code, set(answer.json())) for answer in answers] == [
            (200, {"access_token"})] * CONCURRENT, [answer.text for answer in answers]
        # The refresh token's own life still ends it.
        time.sleep(max(0.0, started + REFRESH_LIFE + 1.2 - time.monotonic()))
        assert http.post(f"{base}/auth/refresh", headers=_bearer(login["refresh_token"])).json() == EXPIRED
        # A new login, then log out from the allowed origin, preflight first (D17 on /api).
        _logout_from_the_browser(http, base, _login(http, base, username))

    return session


def _rotating_session(url: str, username: str) -> Callable[[httpx.Client, str], None]:
    """REFRESH_TOKEN_ROTATION on, 1 s reuse window: parallel refreshes succeed, a replay
    after the window is refused and revokes the login's whole family."""

    def session(http: httpx.Client, base: str) -> None:
        login = _login(http, base, username)
        answers = _all_at_once(CONCURRENT, lambda client: client.post(
            f"{base}/auth/refresh", headers=_bearer(login["refresh_token"])), url)
        assert [answer.status_code for answer in answers] == [200] * CONCURRENT, [a.text for a in answers]
        rotated = [answer.json() for answer in answers]
        assert all(set(body) == {"access_token", "refresh_token"} for body in rotated)
        assert len({body["refresh_token"] for body in rotated}) == CONCURRENT
        # A rotated token is good (its first use); the consumed one, past the window, is not.
        newer = http.post(f"{base}/auth/refresh", headers=_bearer(rotated[0]["refresh_token"]))
        assert newer.status_code == 200
        time.sleep(1.6)
        replay = http.post(f"{base}/auth/refresh", headers=_bearer(login["refresh_token"]))
        assert (replay.status_code, replay.json()) == (401, REVOKED)
        # Reuse detection: every token of that login is revoked now.
        for body in [*rotated, newer.json()]:
            assert http.post(f"{base}/auth/refresh", headers=_bearer(body["refresh_token"])).json() == REVOKED
            assert http.get(f"{base}/auth/me", headers=_bearer(body["access_token"])).json() == REVOKED
        # A new login is a new family, untouched, and logs out as usual.
        _logout_from_the_browser(http, base, _login(http, base, username))

    return session


def test_the_frontend_session_pattern_on_both_stacks_and_opt_in_rotation(
    database_url: str, engine: Engine, db: Session, tmp_path: Path
) -> None:
    """Two gateways on one database, started and exercised side by side (one per setting);
    one user each, so the login rate limit (10 a minute) is never near."""
    plain, rotating = make_user(db, "user").username, make_user(db, "user").username
    (tmp_path / "plain").mkdir()
    (tmp_path / "rotating").mkdir()
    lives = {"JWT_ACCESS_TOKEN_EXPIRES": str(ACCESS_LIFE), "JWT_REFRESH_TOKEN_EXPIRES": str(REFRESH_LIFE),
             "CORS_ORIGINS": ORIGIN}
    rotation = {"REFRESH_TOKEN_ROTATION": "true", "REFRESH_TOKEN_REUSE_SECONDS": "1", "CORS_ORIGINS": ORIGIN}
    with ExitStack() as running:
        starting = ThreadPoolExecutor(2)
        urls = starting.map(lambda args: running.enter_context(live_gateway(database_url, args[0], **args[1])),
                            [(tmp_path / "plain", lives), (tmp_path / "rotating", rotation)])
        plain_url, rotating_url = list(urls)
        starting.shutdown()
        _side_by_side({
            "default settings": (plain_url, _frontend_session(plain_url, plain)),
            "rotation on": (rotating_url, _rotating_session(rotating_url, rotating)),
        })
