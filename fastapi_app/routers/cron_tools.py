"""v2 twins of the cron tools (API_CONTRACT.md §3.4.1–§3.4.2, D3): any signed-in user.

The services are pure (no database); the session only serves the token check.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from fastapi_app.deps import CurrentUser, JsonBodyDep, SettingsDep
from fastapi_app.openapi_bodies import json_body_doc
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ErrorBody
from fastapi_app.schemas.cron import CronExpressionBody, CronPreview, CronPreviewBody, CronValidation
from shared_models.services import cron_tools

router = APIRouter(prefix="/jobs", tags=["cron"])


@router.post(
    "/validate-cron",
    response_model=None,
    summary="Check a cron expression (always 200 for a well-formed request)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        400: {"model": ErrorBody, "description": "Not JSON, invalid JSON, not an object, or an expression that is not a string"},
        200: {"model": CronValidation},
    },
    openapi_extra=json_body_doc(CronExpressionBody),
)
async def validate_cron(_user: CurrentUser, body: JsonBodyDep) -> dict[str, Any]:
    return cron_tools.validate_cron(body=body)


@router.post(
    "/cron-preview",
    response_model=None,
    summary="The next runs of a cron expression in the scheduler time zone",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        400: {
            "model": ErrorBody,
            "description": "Not JSON, invalid JSON, not an object, an invalid cron expression, or a non-numeric count",
        },
        200: {"model": CronPreview},
    },
    openapi_extra=json_body_doc(CronPreviewBody),
)
async def cron_preview(settings: SettingsDep, _user: CurrentUser, body: JsonBodyDep) -> dict[str, Any]:
    return cron_tools.cron_preview(settings=settings, body=body)
