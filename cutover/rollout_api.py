"""Progressive rollouts under the cutover admin API (admins only), the HTTP face of
`python -m cutover rollout ...`:

    GET  /api/v2/admin/cutover/rollouts             ?route_key=   every route's latest rollout
    POST /api/v2/admin/cutover/rollouts             {"route_key", "steps"?, "hold"?, "min_requests"?, "reason"?}
    GET  /api/v2/admin/cutover/rollouts/decisions   ?route_key=&limit=   newest first
    POST /api/v2/admin/cutover/rollouts/pause       {"route_key", "reason"?}
    POST /api/v2/admin/cutover/rollouts/resume      {"route_key", "reason"?}
    POST /api/v2/admin/cutover/rollouts/abort       {"route_key", "reason"?}

Route keys hold spaces and slashes, so they travel in the body or the query, not the
path. `steps` is a list of percents or "1,5,25,50,100"; `hold` is seconds or a duration
("90s", "10m"). The DB logic is `cutover.rollout`; actions are audited as `api:<username>`.
Refusals: 400 bad input, 404 unknown route, 409 a rollout already active (start), none
active (pause/resume/abort), or parity not green (start).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cutover import rollout
from cutover.admin_api import known_keys
from cutover.contracts import RolloutAction, RolloutStart
from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import AdminUser, SessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody

router = APIRouter(prefix="/api/v2/admin/cutover/rollouts", tags=["admin: cutover"], route_class=ContractRoute)

REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown route key"},
    409: {"model": ErrorBody, "description": "A rollout is already active / none is, or parity is not green"},
}


class RolloutVerdict(BaseModel):
    kind: str = Field(description="pass, fail, wait or superseded: the latest judgement")
    reason: str | None
    figures: dict[str, Any] | None
    judged_at: str | None


class RolloutRead(BaseModel):
    id: str
    route_key: str
    state: str = Field(description="running, paused, completed, rolled_back or aborted")
    steps: list[int]
    step_index: int
    percent: int
    hold_seconds: float
    min_requests: int
    started_at: str | None
    started_by: str
    step_started_at: str | None
    updated_at: str | None
    finished_at: str | None
    verdict: RolloutVerdict | None


class RolloutList(BaseModel):
    rollouts: list[RolloutRead]


class DecisionRead(BaseModel):
    id: str
    rollout_id: str
    route_key: str
    at: str | None
    actor: str
    action: str = Field(description="start, promote, complete, rollback, pause, resume or abort")
    step_index: int
    from_percent: int | None
    to_percent: int | None
    reason: str | None
    figures: dict[str, Any] | None


class DecisionList(BaseModel):
    decisions: list[DecisionRead]


def _actor(user: Any) -> str:
    return f"api:{user.username}"


@router.get("", response_model=RolloutList, summary="Every route's latest rollout (or one route's)",
            responses=ROLE_RESPONSES)
async def list_rollouts(session: SessionDep, _admin: AdminUser, route_key: str | None = None) -> dict[str, Any]:
    return {"rollouts": await session.run_sync(lambda sync: rollout.status(sync, route_key))}


@router.post("", response_model=RolloutRead, status_code=201, summary="Start a progressive rollout (audited)",
             responses={**ROLE_RESPONSES, **BODY_ERRORS, **REFUSALS})
async def start(request: Request, session: SessionDep, admin: AdminUser,
                body: Annotated[RolloutStart, ContractBody(RolloutStart)]) -> dict[str, Any]:
    return await call(session, rollout.start_from, body=body, actor=_actor(admin), known_keys=known_keys(request))


@router.get("/decisions", response_model=DecisionList, summary="Rollout decisions with their figures, newest first",
            responses=ROLE_RESPONSES)
async def decisions(session: SessionDep, _admin: AdminUser, route_key: str | None = None,
                    limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
    return {"decisions": await session.run_sync(lambda sync: rollout.decisions(sync, route_key, limit))}


def _action_route(name: str, action: Any, summary: str) -> None:
    async def endpoint(session: SessionDep, admin: AdminUser,
                       body: Annotated[RolloutAction, ContractBody(RolloutAction)]) -> dict[str, Any]:
        return await call(session, action, route_key=body.route_key, actor=_actor(admin), reason=body.reason)

    router.add_api_route(f"/{name}", endpoint, methods=["POST"], response_model=RolloutRead, summary=summary,
                         name=f"rollout_{name}",
                         responses={**ROLE_RESPONSES, **BODY_ERRORS, **REFUSALS})


_action_route("pause", rollout.pause, "Pause a running rollout: no judging, the canary share stays")
_action_route("resume", rollout.resume, "Resume a paused rollout: the step's window starts again")
_action_route("abort", rollout.abort, "Abort a rollout: the route goes back to legacy (audited)")
