"""v2 twins of the jobs CRUD routes (API_CONTRACT.md §3.5.1–§3.5.5, D9, D10, D18).

Thin: each route hands the token's user, the raw query or the raw body to the same
`shared_models.services.jobs` function the legacy view calls. `/jobs/{job_id}` only
answers GET/PUT/DELETE, so the POST literals of other routers (`/jobs/validate-cron`,
`/jobs/cron-preview`, `/jobs/test-run`, `/jobs/bulk-upload`) never reach it; a GET on
one of those literals is a job lookup, as in Werkzeug (→ 404 "Job not found").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.deps import CurrentUser, EditorUser, JsonBodyDep, SessionDep, SettingsDep, call
from fastapi_app.openapi_bodies import json_body_doc, one_of_words, query_doc
from fastapi_app.read_path import ReadClaims
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.jobs import JobCreateBody, JobDeleted, JobEnvelope, JobList, JobSaved, JobUpdateBody
from shared_models.services import jobs as service
from shared_models.services.jobs import SORT_COLUMNS

router = APIRouter(prefix="/jobs", tags=["jobs"])


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


NO_JOB = {404: error("No job with this id")}
LIST_QUERY = query_doc(
    ("page", "Page number (≥1). With page or per_page the list is paged (D9); otherwise every job"),
    ("per_page", "Page size: default 20, clamped to 1..100; not an integer → the default"),
    ("category", "Only jobs of this category slug"),
    ("pic_team", "Only jobs of this PIC team slug"),
    ("is_active", "true/1 or false/0", one_of_words("true", "false", "1", "0", any_case=True)),
    ("search", "Case-insensitive substring of the name"),
    ("sort_by", "name, created_at (default), updated_at or end_date; ties by id (D18)",
     one_of_words(*SORT_COLUMNS)),
    ("sort_order", "desc (default) or asc", one_of_words("asc", "desc", any_case=True)),
)


@router.get(
    "",
    response_model=None,
    summary="Every job (or one page, D9) with its last and next run",
    responses={
        **AUTH_RESPONSES,
        400: error("Unknown is_active, sort_by or sort_order value (Invalid query), or NUL in a query value"),
        200: {"model": JobList},
    },
    openapi_extra=LIST_QUERY,
)
async def list_jobs(request: Request, claims: ReadClaims) -> Response:
    # The read path: `service.list_jobs` on a plain connection, after the token owner check.
    return await read_path.respond(request, claims, service.list_jobs, query=request.query_params)


@router.get(
    "/{job_id}",
    response_model=None,
    summary="One job with its last and next run",
    responses={**AUTH_RESPONSES, **NO_JOB, 200: {"model": JobEnvelope}},
)
async def get_job(job_id: str, request: Request, claims: ReadClaims) -> Response:
    return await read_path.respond(request, claims, service.get_job, job_id=job_id)


@router.post(
    "",
    status_code=201,
    response_model=None,
    summary="Create a job (admin, user); broadcasts New Job Created",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        400: error(
            "Not JSON, invalid JSON, not an object, a field of the wrong type, missing fields, empty or "
            "duplicate name, bad cron, unknown category, bad end_date, bad PIC team, unsafe target_url, "
            "or no target configuration"
        ),
        201: {"model": JobSaved, "description": "The new job"},
    },
    openapi_extra=json_body_doc(JobCreateBody),
)
async def create_job(session: SessionDep, settings: SettingsDep, user: EditorUser, body: JsonBodyDep) -> dict[str, Any]:
    return await call(session, service.create_job, settings=settings, actor=user, body=body)


@router.put(
    "/{job_id}",
    response_model=None,
    summary="Update a job (its owner or an admin); only the keys sent change",
    responses={
        **AUTH_RESPONSES,
        **BODY_ERRORS,
        400: error(
            "Not JSON, invalid JSON, not an object, a field of the wrong type, a rule broken, an expired job "
            "left active, or no target configuration"
        ),
        403: error("Not the job's owner nor an admin (viewers always)"),
        **NO_JOB,
        200: {"model": JobSaved, "description": "The updated job"},
    },
    openapi_extra=json_body_doc(JobUpdateBody),
)
async def update_job(
    job_id: str, session: SessionDep, settings: SettingsDep, user: CurrentUser, body: JsonBodyDep
) -> dict[str, Any]:
    # No role dependency: ownership decides, after the 404 (§3.5.4).
    return await call(session, service.update_job, settings=settings, actor=user, job_id=job_id, body=body)


@router.delete(
    "/{job_id}",
    response_model=None,
    summary="Delete a job and its executions (its owner or an admin)",
    responses={
        **AUTH_RESPONSES,
        403: error("Not the job's owner nor an admin (viewers always)"),
        **NO_JOB,
        200: {"model": JobDeleted},
    },
)
async def delete_job(job_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.delete_job, actor=user, job_id=job_id)
