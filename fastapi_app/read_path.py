"""The v2 read path of the hot GET routes: the shared reads on a plain connection.

    @router.get("/executions")
    async def list_executions(request: Request, claims: ReadClaims, query: ListQuery) -> Response:
        return await respond(request, claims, executions.list_executions, query=query)

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

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import Request
from sqlalchemy import Connection, Engine
from starlette.responses import Response

from fastapi_app.deps import token_owner
from fastapi_app.responses import LegacyJSONResponse
from shared_models.db import is_sqlite, make_engine
from shared_models.settings import Settings

Work = Callable[..., dict[str, Any]]
"""A read of `shared_models.services`: `(connection, *, user_id, settings, **route args)`."""
T = TypeVar("T")


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


async def owner_checked(request: Request) -> None:
    """On a read-path route, the owner check `respond` would have made (401 if the
    token's user is gone or the token revoked); nothing elsewhere.

    Called before a refused query is answered: FastAPI validates the query before the
    route runs, but the legacy checked the token first.
    """
    claims = getattr(request.state, "read_claims", None)
    if claims is not None:
        await run_unit(request, lambda connection: token_owner(connection, claims))


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
