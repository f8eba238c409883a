"""Cutover admin API (admins only), the HTTP face of `python -m cutover`.

    GET /api/v2/admin/cutover/flags               every route: state, parity, shadow figures
    PUT /api/v2/admin/cutover/flags               {"route_key", "state", "canary_percent"?, "reason"?, "force"?}
    PUT /api/v2/admin/cutover/switches/{name}     {"enabled", "reason"?, "force"?}  (flask_retired)
    GET /api/v2/admin/cutover/history             ?route_key=&limit=  audit trail, newest first
    GET /api/v2/admin/cutover/shadow              ?route_key=  shadow counters and recent diffs
    .../rollouts...                               progressive rollouts (`cutover.rollout_api`)
    GET/PUT /api/v2/admin/cutover/capture         traffic capture switches (`cutover.capture_admin`)

Part of the cutover room, not of `fastapi_app`: the gateway includes this router into
the v2 app it serves (`include_admin_api`), so FastAPI alone never imports `cutover`.
It reuses v2's dependencies (admin token, request session). The DB logic is
`cutover.flags`. Changes are audited with actor `api:<username>`. Known route keys:
the gateway's registry, published on `app.state.cutover_route_keys`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request

from cutover import capture_admin, flags
from cutover.admin_schemas import AuditList, FlagChanged, FlagList, ShadowStatList, SwitchRead
from cutover.contracts import FlagUpdate, SwitchUpdate
from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import AdminUser, SessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody
from shared_models.models import User

router = APIRouter(prefix="/api/v2/admin/cutover", tags=["admin: cutover"], route_class=ContractRoute)

GATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown route key or switch"},
    409: {"model": ErrorBody, "description": "Latest parity result not green and `force` not set"},
}


def known_keys(request: Request) -> tuple[str, ...]:
    return tuple(request.app.state.cutover_route_keys)


def _actor(user: User) -> str:
    return f"api:{user.username}"


@router.get("/flags", response_model=FlagList, summary="Every route's flag, parity and shadow figures",
            responses=ROLE_RESPONSES)
async def list_flags(request: Request, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    keys = known_keys(request)
    return {
        "flags": await call(session, flags.list_flags, keys=keys),
        "switches": await call(session, flags.switches),
    }


@router.put("/flags", response_model=FlagChanged, summary="Move one route to a state (audited)",
            responses={**ROLE_RESPONSES, **BODY_ERRORS, **GATE_RESPONSES})
async def set_flag(request: Request, session: SessionDep, admin: AdminUser,
                   body: Annotated[FlagUpdate, ContractBody(FlagUpdate)]) -> dict[str, Any]:
    return await call(session, flags.apply_flag, body=body, actor=_actor(admin), known_keys=known_keys(request))


@router.put("/switches/{name}", response_model=SwitchRead, summary="Turn a global switch on or off (audited)",
            responses={**ROLE_RESPONSES, **BODY_ERRORS, **GATE_RESPONSES})
async def set_switch(request: Request, name: str, session: SessionDep, admin: AdminUser,
                     body: Annotated[SwitchUpdate, ContractBody(SwitchUpdate)]) -> dict[str, Any]:
    return await call(session, flags.apply_switch, name=name, body=body, actor=_actor(admin),
                      known_keys=known_keys(request))


@router.get("/history", response_model=AuditList, summary="The audit trail, newest first",
            responses=ROLE_RESPONSES)
async def history(session: SessionDep, _admin: AdminUser, route_key: str | None = None,
                  limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
    return {"history": await call(session, flags.history, route_key=route_key, limit=limit)}


@router.get("/shadow", response_model=ShadowStatList, summary="Shadow counters and recent mismatches per route",
            responses=ROLE_RESPONSES)
async def shadow_stats(session: SessionDep, _admin: AdminUser, route_key: str | None = None) -> dict[str, Any]:
    return {"shadow": await call(session, flags.shadow_stats, route_key=route_key)}


def include_admin_api(v2_app: FastAPI, route_keys: tuple[str, ...]) -> None:
    """Serve this API from the v2 app the gateway runs, knowing the gateway's route keys."""
    from cutover.rollout_api import router as rollouts  # imports `known_keys` from here

    v2_app.state.cutover_route_keys = route_keys
    v2_app.include_router(router)
    v2_app.include_router(rollouts)
    v2_app.include_router(capture_admin.router)
