"""v2 twins of the cron tools (API_CONTRACT.md §3.4.1–§3.4.2, D3): any signed-in user.

The services are pure (no database); the session only serves the token check.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import CurrentUser, SettingsDep
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ErrorBody
from fastapi_app.schemas.cron import CronPreview, CronValidation
from shared_models.contracts.cron_tools import CronExpression, CronPreviewBody
from shared_models.services import cron_tools

router = APIRouter(prefix="/jobs", tags=["cron"], route_class=ContractRoute)


@router.post(
    "/validate-cron",
    response_model=CronValidation,
    response_model_exclude_unset=True,  # a valid and an invalid answer carry different keys
    summary="Check a cron expression (always 200 for a well-formed request)",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        400: {"model": ErrorBody, "description": "Not JSON, invalid JSON, not an object, or an expression that is not a string"},
    },
)
async def validate_cron(
    _user: CurrentUser, body: Annotated[CronExpression, ContractBody(CronExpression)]
) -> dict[str, Any]:
    return cron_tools.validate_cron(body=body)


@router.post(
    "/cron-preview",
    response_model=CronPreview,
    summary="The next runs of a cron expression in the scheduler time zone",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        400: {
            "model": ErrorBody,
            "description": "Not JSON, invalid JSON, not an object, an invalid cron expression, or a non-numeric count",
        },
    },
)
async def cron_preview(
    settings: SettingsDep, _user: CurrentUser, body: Annotated[CronPreviewBody, ContractBody(CronPreviewBody)]
) -> dict[str, Any]:
    return cron_tools.cron_preview(settings=settings, body=body)
