"""v2 twins of the Slack settings routes (API_CONTRACT.md §3.2): admins only.

GET creates the row when it is missing (legacy `@writes`), so it takes `WriteSessionDep`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import AdminUser, SessionDep, SettingsDep, WriteSessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.settings import SlackSettingsEnvelope, SlackSettingsUpdated
from shared_models.contracts.settings import SlackSettingsUpdate
from shared_models.services import slack

router = APIRouter(prefix="/settings", tags=["settings"], route_class=ContractRoute)


@router.get(
    "/slack",
    response_model=SlackSettingsEnvelope,
    summary="The Slack settings (admin; created disabled and empty on first read)",
    responses={**ROLE_RESPONSES, 200: {"model": SlackSettingsEnvelope}},
)
async def get_slack_settings(session: WriteSessionDep, _admin: AdminUser) -> dict[str, Any]:
    return await call(session, slack.get_slack_settings)


@router.put(
    "/slack",
    response_model=SlackSettingsUpdated,
    summary="Update the Slack settings (admin); keys left out keep their value",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        400: {
            "model": ErrorBody,
            "description": "Not JSON, invalid JSON, a field of the wrong type, an unsafe or non-https "
            "webhook_url, channel over 255 characters, or enabled without a webhook_url",
        },
        200: {"model": SlackSettingsUpdated},
    },
)
async def update_slack_settings(
    session: SessionDep,
    settings: SettingsDep,
    _admin: AdminUser,
    body: Annotated[SlackSettingsUpdate, ContractBody(SlackSettingsUpdate)],
) -> dict[str, Any]:
    return await call(session, slack.update_slack_settings, settings=settings, body=body)
