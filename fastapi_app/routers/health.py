"""GET /api/v2/health (D16): the shared health answer, same body and status as legacy.

The probe runs on the read path's connection (no ORM session): this route is the
"hello world" ceiling the API benchmark prints next to the legacy one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.responses import LegacyJSONResponse
from shared_models.services.health import PROBE, health_answer

router = APIRouter(tags=["health"])

_EXAMPLE = {"status": "healthy", "scheduler_running": True, "scheduled_jobs_count": 3, "database": "ok"}


@router.get(
    "/health",
    summary="Service health",
    responses={
        200: {"description": "Database reachable", "content": {"application/json": {"example": _EXAMPLE}}},
        503: {"description": "Database unreachable (`status: unhealthy`, `database: error`)"},
    },
)
async def health(request: Request) -> Response:
    try:
        await read_path.run_unit(request, lambda connection: connection.execute(PROBE))
        database_ok = True
    except SQLAlchemyError:
        database_ok = False
    status, body = health_answer(database_ok)
    return LegacyJSONResponse(body, status_code=status)
