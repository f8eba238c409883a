"""Cutover admin API (/api/v2/admin/cutover): answers as `cutover.flags` renders them
(the request bodies are `cutover.contracts`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

State = Literal["legacy", "shadow", "canary", "fastapi"]


class ParityFigures(BaseModel):
    run_id: str
    run_at: str | None
    backend: str
    cases: int
    matched: int
    mismatched: int
    green: bool = Field(description="cases > 0 and mismatched == 0")


class ShadowFigures(BaseModel):
    compared: int
    matched: int
    mismatched: int


class FlagRead(BaseModel):
    route_key: str = Field(examples=["GET /api/jobs/<job_id>"])
    state: State
    canary_percent: int
    updated_at: str | None
    updated_by: str | None
    parity: ParityFigures | None
    shadow: ShadowFigures | None


class FlagList(BaseModel):
    flags: list[FlagRead]
    switches: dict[str, bool]


class FlagChanged(BaseModel):
    route_key: str
    state: State
    canary_percent: int
    updated_at: str | None
    updated_by: str | None
    changed: bool


class SwitchRead(BaseModel):
    name: str
    enabled: bool
    changed: bool


class AuditEntry(BaseModel):
    id: str
    at: str | None
    actor: str
    route_key: str
    from_state: str | None
    to_state: str
    reason: str | None
    forced: bool
    parity: dict[str, object] | None


class AuditList(BaseModel):
    history: list[AuditEntry]


class MismatchSample(BaseModel):
    at: str | None
    request: str
    diff: str


class ShadowStatRead(BaseModel):
    route_key: str
    compared: int
    matched: int
    mismatched: int
    updated_at: str | None
    recent_mismatches: list[MismatchSample]


class ShadowStatList(BaseModel):
    shadow: list[ShadowStatRead]
