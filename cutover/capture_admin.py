"""Capture switches over HTTP (admins only), next to the flags of `cutover.admin_api`.

    GET /api/v2/admin/cutover/capture    captured routes and this worker's writer figures
    PUT /api/v2/admin/cutover/capture    {"route_key", "sample_rate" (0..1, 0 = off), "reason"?}

Changes are audited like flag changes (actor `api:<username>`, route key
`capture:<route key>`); the DB logic is `cutover.captures`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from cutover import captures
from cutover.contracts import CaptureUpdate
from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import AdminUser, SessionDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody

router = APIRouter(prefix="/api/v2/admin/cutover", tags=["admin: cutover"], route_class=ContractRoute)


class CaptureRead(BaseModel):
    route_key: str = Field(examples=["GET /api/jobs"])
    sample_rate: float
    updated_at: str | None
    updated_by: str | None


class WriterFigures(BaseModel):
    written: int = Field(description="records this worker wrote since it started")
    dropped: int = Field(description="records dropped because the writer queue was full")
    queued: int
    directory: str


class CaptureList(BaseModel):
    captures: list[CaptureRead]
    writer: WriterFigures | None = Field(description="this worker's capture writer (other workers keep their own)")


class CaptureChanged(BaseModel):
    route_key: str
    sample_rate: float
    changed: bool


@router.get("/capture", response_model=CaptureList, summary="Captured routes and this worker's writer figures",
            responses=ROLE_RESPONSES)
async def list_captures(request: Request, session: SessionDep, _admin: AdminUser) -> dict[str, Any]:
    recorder = getattr(request.app.state, "capture_recorder", None)
    return {"captures": await call(session, captures.list_captures),
            "writer": recorder.stats() if recorder is not None else None}


@router.put("/capture", response_model=CaptureChanged, summary="Record a share of one route's requests (audited)",
            responses={**ROLE_RESPONSES, **BODY_ERRORS,
                       404: {"model": ErrorBody, "description": "Unknown route key"}})
async def set_capture(request: Request, session: SessionDep, admin: AdminUser,
                      body: Annotated[CaptureUpdate, ContractBody(CaptureUpdate)]) -> dict[str, Any]:
    return await call(session, captures.apply_capture, body=body, actor=f"api:{admin.username}",
                      known_keys=tuple(request.app.state.cutover_route_keys))
