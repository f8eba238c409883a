"""The v2 read path of the hot GET routes: the shared reads on a plain connection.

    @router.get("/executions")
    async def list_executions(request: Request, claims: ReadClaims) -> Response:
        return await respond(request, claims, executions.list_executions, query=request.query_params)

Why (measured at 10k jobs / 1M executions, one worker, see bench/api_throughput.py):
the generic path (AsyncSession + `run_sync` of the ORM service, then FastAPI's
`jsonable_encoder`) spent most of its time loading ORM entities, hopping to the
aiosqlite thread once per statement and walking the body twice. Here a request is:

- the token decoded without the database (`ReadClaims`, the legacy refusals),
- ONE unit of work on one connection in one transaction: the revocation check and the
  user lookup as one query (`token_owner_statement`), then the route's read from
  `shared_models.services` (the very function the legacy stack calls with its session's
  connection), rows serialized by the shared serializers (Core rows have the
  attributes they read),
- the body written once by orjson (`LegacyJSONResponse`).

On SQLite the unit runs on a sync connection: inline on the event loop for the small
indexed reads (cheaper than any thread hop), in a worker thread for the scans
(`heavy=True`, e.g. statistics of one job or a filtered count), where sqlite3 releases the GIL so a second core
serves other requests meanwhile. Other databases run it through the app's async
engine (`AsyncConnection.run_sync`), so nothing blocks the loop on network I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Request, Security
from sqlalchemy import Connection, Engine, Select, String, bindparam, exists, select
from starlette.responses import Response

from fastapi_app.deps import oauth2_scheme
from fastapi_app.responses import LegacyJSONResponse
from shared_models import tokens
from shared_models.db import is_sqlite, make_engine
from shared_models.errors import TokenError
from shared_models.models import RevokedToken, User
from shared_models.settings import Settings

Work = Callable[..., dict[str, Any]]
"""A read of `shared_models.services`: `(connection, *, user_id, settings, **route args)`."""
T = TypeVar("T")


# --- authentication ------------------------------------------------------------------


async def read_claims(
    request: Request, _token: Annotated[str | None, Security(oauth2_scheme)] = None
) -> dict[str, Any]:
    """The access token's claims, refused as `@jwt_required()` refuses (no database yet).

    Settings come from `app.state`, not `SettingsDep`: FastAPI runs a sync dependency
    in a worker thread, a hop per request that cost more than the whole token check.
    """
    secret = request.app.state.settings.JWT_SECRET_KEY or ""
    token = tokens.token_from_header(request.headers.get(tokens.HEADER_NAME))
    return _verified(token, secret)


_VERIFIED: dict[tuple[str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def _verified(token: str, secret: str) -> dict[str, Any]:
    """`tokens.decode(token)` with the signature check done once per token.

    The HMAC check gives the same answer every time, so an accepted token's claims are
    kept (bounded; cleared when full). The time claims are checked again on every use
    with PyJWT's own rules (leeway 0, wall clock): outside nbf, iat <= now < exp the token
    goes through `tokens.decode` again, which refuses it with the legacy message.
    """
    key = (secret, token)
    claims = _VERIFIED.get(key)
    now = time.time()
    if claims is not None and max(claims.get("nbf", 0), int(claims.get("iat", 0))) <= now < claims.get("exp", float("inf")):
        return dict(claims)
    claims = tokens.decode(token, secret=secret, refresh=False)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return dict(claims)


ReadClaims = Annotated[dict[str, Any], Depends(read_claims)]


def token_owner_statement() -> Select[Any]:
    """One row: `revoked` (the jti is on the blocklist) and `user_id` (the token's user
    if it exists and is active, else NULL) — `tokens.is_revoked` + `tokens.active_user`.

    Built once with bind parameters `jti` and `sub`: building it per request was ~12% of
    a small read. A token without a jti compares NULL, which matches no row."""
    revoked = exists().where(RevokedToken.jti == bindparam("jti", type_=String))
    user = select(User.id).where(User.id == bindparam("sub", type_=String), User.is_active.is_(True))
    return select(revoked.label("revoked"), user.scalar_subquery().label("user_id"))


TOKEN_OWNER = token_owner_statement()


def token_owner(connection: Connection, claims: Mapping[str, Any]) -> str:
    """The active user's id, or TokenError in Flask-JWT-Extended's order (blocklist first)."""
    jti = claims.get("jti")
    row = connection.execute(TOKEN_OWNER, {"jti": str(jti) if jti else None, "sub": str(claims["sub"])}).one()
    if row.revoked:
        raise TokenError(401, tokens.REVOKED_MSG)
    if row.user_id is None:
        raise TokenError(401, tokens.STALE_USER_MSG)
    return row.user_id


# --- running a unit of work ------------------------------------------------------------


def _sync_engine(request: Request) -> Engine:
    """The app's sync engine of the read path (SQLite only), made on first use on the loop."""
    engine = getattr(request.app.state, "read_engine", None)
    if engine is None:
        engine = request.app.state.read_engine = make_engine(request.app.state.settings)
    return engine


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.connect() as connection, connection.begin():
        return work(connection)


async def run_unit(request: Request, unit: Callable[[Connection], T], *, heavy: bool = False) -> T:
    """`unit(connection)` in one transaction: inline or in a worker thread on SQLite,
    through the async engine elsewhere (see the module docstring)."""
    if is_sqlite(request.app.state.engine.url):
        engine = _sync_engine(request)
        if heavy:
            return await anyio.to_thread.run_sync(_in_transaction, engine, unit)
        return _in_transaction(engine, unit)
    async with request.app.state.engine.connect() as connection, connection.begin():
        return await connection.run_sync(unit)


async def respond(
    request: Request, claims: Mapping[str, Any], work: Work, *, heavy: bool = False, **kwargs: Any
) -> Response:
    """Run `work(connection, user_id=..., settings=..., **kwargs)` after the token owner
    check, in one read transaction, and answer its body with status 200."""
    settings: Settings = request.app.state.settings

    def unit(connection: Connection) -> dict[str, Any]:
        user_id = token_owner(connection, claims)
        return work(connection, user_id=user_id, settings=settings, **kwargs)

    return LegacyJSONResponse(await run_unit(request, unit, heavy=heavy))
