"""v2 twins of the jobs CRUD routes (API_CONTRACT.md §3.5.1–§3.5.5, D9, D10, D18).

Thin: each route hands the token's user and the request's contract (the list query,
the JSON body) to the same `shared_models.services.jobs` function the legacy view calls.
The answers are declared as `response_model`s: the writes' dicts are validated and
serialised through them; the reads return the read path's ready `Response`, which
FastAPI passes through (there the model documents the body).
`/jobs/{job_id}` only answers GET/PUT/DELETE, so the POST literals of other routers
(`/jobs/validate-cron`, `/jobs/cron-preview`, `/jobs/test-run`, `/jobs/bulk-upload`) never
reach it; a GET on one of those literals is a job lookup, as in Werkzeug (→ 404 "Job not found").
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.contract_query import ContractQuery
from fastapi_app.deps import CurrentUser, EditorUser, ReadClaims, SessionDep, SettingsDep, call
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import AUTH_RESPONSES, ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.jobs import JobDeleted, JobEnvelope, JobList, JobSaved
from shared_models.contracts.jobs import JobCreate, JobListQuery, JobUpdate
from shared_models.models import Job
from shared_models.services import jobs as service
from shared_models.services.ownership import owned_job

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=ContractRoute)


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


NO_JOB = {404: error("No job with this id")}


async def job_to_update(job_id: str, session: SessionDep, user: CurrentUser) -> Job:
    """404, then 403 "You can only update your own jobs": before the body is read (§3.5.4)."""
    return await call(session, owned_job, actor=user, job_id=job_id, verb="update")


@router.get(
    "",
    response_model=JobList,
    summary="Every job (or one page, D9) with its last and next run",
    responses={
        **AUTH_RESPONSES,
        400: error("Unknown is_active, sort_by or sort_order value (Invalid query), or NUL in a query value"),
    },
)
async def list_jobs(
    request: Request, claims: ReadClaims, query: Annotated[JobListQuery, ContractQuery(JobListQuery)]
) -> Response:
    # The read path: `service.list_jobs` on a plain connection, after the token owner check.
    return await read_path.respond(request, claims, service.list_jobs, query=query)


@router.get(
    "/{job_id}",
    response_model=JobEnvelope,
    summary="One job with its last and next run",
    responses={**AUTH_RESPONSES, **NO_JOB},
)
async def get_job(job_id: str, request: Request, claims: ReadClaims) -> Response:
    return await read_path.respond(request, claims, service.get_job, job_id=job_id)


@router.post(
    "",
    status_code=201,
    response_model=JobSaved,
    summary="Create a job (admin, user); broadcasts New Job Created",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        400: error(
            "Not JSON, invalid JSON, not an object, a field of the wrong type, missing fields, empty or "
            "duplicate name, bad cron, unknown category, bad end_date, bad PIC team, unsafe target_url, "
            "or no target configuration"
        ),
        201: {"description": "The new job"},
    },
)
async def create_job(
    session: SessionDep, settings: SettingsDep, user: EditorUser, body: Annotated[JobCreate, ContractBody(JobCreate)]
) -> dict[str, Any]:
    return await call(session, service.create_job, settings=settings, actor=user, body=body)


@router.put(
    "/{job_id}",
    response_model=JobSaved,
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
        200: {"description": "The updated job"},
    },
)
async def update_job(
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    job: Annotated[Job, Depends(job_to_update)],
    body: Annotated[JobUpdate, ContractBody(JobUpdate)],
) -> dict[str, Any]:
    # No role dependency: ownership decides, after the 404 (§3.5.4).
    return await call(session, service.update_job, settings=settings, actor=user, job=job, body=body)


@router.delete(
    "/{job_id}",
    response_model=JobDeleted,
    summary="Delete a job and its executions (its owner or an admin)",
    responses={
        **AUTH_RESPONSES,
        403: error("Not the job's owner nor an admin (viewers always)"),
        **NO_JOB,
    },
)
async def delete_job(job_id: str, session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.delete_job, actor=user, job_id=job_id)
