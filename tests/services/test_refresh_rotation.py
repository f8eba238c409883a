"""The D20 rotation service on the test database (SQLite or PostgreSQL): families, the
reuse window, reuse detection, and concurrent first uses of one token agreeing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shared_models import clock
from shared_models.clock import utcnow
from shared_models.db import begin_write, make_sessionmaker
from shared_models.errors import TokenError
from shared_models.models import RefreshTokenUse, RevokedToken
from shared_models.services import refresh_rotation
from shared_models.settings import Settings
from tests.conftest import make_settings
from tests.helpers import make_user, table_rows, token_for


@pytest.fixture
def rotating(settings: Settings) -> Settings:
    return make_settings(settings.DATABASE_URL, REFRESH_TOKEN_ROTATION=True, REFRESH_TOKEN_REUSE_SECONDS=60)


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def _login_tokens(settings: Settings, db: Session) -> dict[str, str]:
    user = make_user(db, "user")
    return {"access_token": token_for(settings, user), "refresh_token": token_for(settings, user, "refresh")}


def _consume(db: Session, settings: Settings, token: str) -> str:
    begin_write(db)
    family = refresh_rotation.consume(session=db, settings=settings, claims=_claims(token))
    db.commit()
    return family


def test_a_login_starts_a_family_and_refreshes_join_it(db: Session, rotating: Settings) -> None:
    login = _login_tokens(rotating, db)
    family = refresh_rotation.start_family(session=db, issued=login)
    db.commit()
    assert family == _claims(login["refresh_token"])["jti"]
    assert _consume(db, rotating, login["refresh_token"]) == family
    child = _login_tokens(rotating, db)
    refresh_rotation.record_issued(session=db, family_id=family, issued=child)
    db.commit()
    assert _consume(db, rotating, child["refresh_token"]) == family
    rows = {row["jti"]: row for row in table_rows(db, RefreshTokenUse)}
    assert len(rows) == 4 and {row["family_id"] for row in rows.values()} == {family}
    consumed = {jti for jti, row in rows.items() if row["consumed_at"] is not None}
    assert consumed == {_claims(login["refresh_token"])["jti"], _claims(child["refresh_token"])["jti"]}


def test_a_token_from_before_rotation_roots_its_own_family(db: Session, rotating: Settings) -> None:
    token = _login_tokens(rotating, db)["refresh_token"]
    assert _consume(db, rotating, token) == _claims(token)["jti"]


def test_reuse_within_the_window_keeps_the_first_use(db: Session, rotating: Settings) -> None:
    token = _login_tokens(rotating, db)["refresh_token"]
    start = utcnow()
    clock.freeze(start)
    _consume(db, rotating, token)
    clock.freeze(start + timedelta(seconds=60))  # the window's last instant still counts
    _consume(db, rotating, token)
    assert [row["consumed_at"] for row in table_rows(db, RefreshTokenUse)] == [start]
    assert table_rows(db, RevokedToken) == []


def test_reuse_after_the_window_revokes_the_family_and_commits_it(
    db: Session, engine: Engine, rotating: Settings
) -> None:
    login = _login_tokens(rotating, db)
    start = utcnow()
    clock.freeze(start)
    family = refresh_rotation.start_family(session=db, issued=login)
    _consume(db, rotating, login["refresh_token"])
    child = _login_tokens(rotating, db)
    refresh_rotation.record_issued(session=db, family_id=family, issued=child)
    db.commit()
    clock.freeze(start + timedelta(seconds=61))
    with make_sessionmaker(engine)() as request_session, pytest.raises(TokenError) as refused:
        begin_write(request_session)
        refresh_rotation.consume(session=request_session, settings=rotating, claims=_claims(login["refresh_token"]))
    assert (refused.value.status, refused.value.body) == (401, {"msg": "Token has been revoked"})
    # The revocation survived the request's rollback (the session was closed without commit).
    expected = {_claims(token)["jti"] for token in (*login.values(), *child.values())}
    assert {row["jti"] for row in table_rows(db, RevokedToken)} == expected
    kinds = {row["jti"]: row["token_type"] for row in table_rows(db, RevokedToken)}
    assert kinds[_claims(child["access_token"])["jti"]] == "access"


def test_a_family_revoked_twice_stays_one_row_per_token(db: Session, rotating: Settings) -> None:
    login = _login_tokens(rotating, db)
    family = refresh_rotation.start_family(session=db, issued=login)
    assert refresh_rotation.revoke_family(session=db, family_id=family) == 2
    assert refresh_rotation.revoke_family(session=db, family_id=family) == 2
    db.commit()
    assert len(table_rows(db, RevokedToken)) == 2


def test_concurrent_first_uses_of_one_token_all_succeed_with_one_first_use(
    db: Session, engine: Engine, rotating: Settings
) -> None:
    """7 workers consume one token at once, each in its own transaction held open a while
    (on PostgreSQL the upserts really overlap; on SQLite BEGIN IMMEDIATE queues them)."""
    token = _login_tokens(rotating, db)["refresh_token"]
    sessions = make_sessionmaker(engine)
    barrier = threading.Barrier(7)
    families: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with sessions() as session:
                barrier.wait(timeout=30)
                begin_write(session)
                families.append(refresh_rotation.consume(session=session, settings=rotating, claims=_claims(token)))
                session.execute(select(RefreshTokenUse.jti))  # still inside the transaction
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert families == [_claims(token)["jti"]] * 7
    rows = table_rows(db, RefreshTokenUse)
    assert len(rows) == 1 and rows[0]["consumed_at"] is not None
    assert table_rows(db, RevokedToken) == []
