"""GET /api/v2/health (D16): the shared health service, same body and status as legacy."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from fastapi_app.deps import SessionDep, call
from fastapi_app.responses import LegacyJSONResponse
from shared_models.services.health import health as health_service

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
async def health(session: SessionDep) -> Response:
    status, body = await call(session, health_service)
    return LegacyJSONResponse(body, status_code=status)
