"""v2 twins of the execution history routes (API_CONTRACT.md §3.6), any signed-in role.

Thin: each route declares its query contract (`shared_models.contracts.executions`) and
hands it to the same `shared_models.services.executions` function the legacy view calls.
A refused `from`/`to` is the legacy 400 (`fastapi_app.errors`); each query is a
`ContractQuery` declared after the token and the job's 404, so those come first. Literal segments
(`/executions/statistics`, `/jobs/{job_id}/executions/stats`) are declared before the
`{execution_id}` routes: FastAPI matches in declaration order, Werkzeug prefers literals.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.contract_body import ContractRoute
from fastapi_app.contract_query import ContractQuery
from fastapi_app.deps import CurrentUser, ReadClaims, SessionDep, call
from fastapi_app.schemas.common import AUTH_RESPONSES, ErrorBody
from fastapi_app.schemas.executions import (
    ExecutionEnvelope,
    ExecutionPage,
    ExecutionStatistics,
    JobExecutionDetail,
    JobExecutionList,
    JobExecutionStats,
)
from shared_models.contracts.executions import (
    ExecutionListQuery,
    ExecutionStatisticsQuery,
    JobExecutionListQuery,
)
from shared_models.models import Job
from shared_models.services import executions as service
from shared_models.services.execution_totals import rollup_answers
from shared_models.services.filters import ExecutionFilters
from shared_models.services.ownership import get_job_or_404

router = APIRouter(tags=["executions"], route_class=ContractRoute)


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


BAD_DATES = {400: error("`from`/`to` not a date (Invalid date), `from` not before `to`, or NUL in a query value")}
NO_JOB = {404: error("No job with this id")}


async def listed_job(job_id: str, session: SessionDep, _user: CurrentUser) -> Job:
    """404 "Job not found" before the query is validated (§3.6.1: 404, then bad dates)."""
    return await call(session, get_job_or_404, job_id=job_id)


# --- /jobs/{job_id}/executions (§3.6.1–§3.6.3) ----------------------------------------------


@router.get(
    "/jobs/{job_id}/executions",
    response_model=JobExecutionList,
    summary="A job's latest executions, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES, **NO_JOB},
)
async def list_job_executions(
    session: SessionDep,
    job: Annotated[Job, Depends(listed_job)],
    query: Annotated[JobExecutionListQuery, ContractQuery(JobExecutionListQuery)],
) -> dict[str, Any]:
    return await call(session, service.list_job_executions, job=job, query=query)


@router.get(
    "/jobs/{job_id}/executions/stats",
    response_model=JobExecutionStats,
    summary="A job's execution counts, success rate and mean successful duration",
    responses={**AUTH_RESPONSES, **NO_JOB},
)
async def job_execution_stats(job_id: str, session: SessionDep, _user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.job_execution_stats, job_id=job_id)


@router.get(
    "/jobs/{job_id}/executions/{execution_id}",
    response_model=JobExecutionDetail,
    summary="One execution of a job",
    responses={
        **AUTH_RESPONSES,
        404: error("No job with this id (Job not found), or no such execution of this job (Execution not found)"),
    },
)
async def get_job_execution(
    job_id: str, execution_id: str, session: SessionDep, _user: CurrentUser
) -> dict[str, Any]:
    return await call(session, service.get_job_execution, job_id=job_id, execution_id=execution_id)


# --- /executions (§3.6.4–§3.6.6) --------------------------------------------------------------


@router.get(
    "/executions",
    response_model=ExecutionPage,
    summary="Executions of every job, one page, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES},
)
async def list_executions(
    request: Request, claims: ReadClaims, query: Annotated[ExecutionListQuery, ContractQuery(ExecutionListQuery)]
) -> Response:
    # The read path: `service.list_executions` on a plain connection, after the token owner check.
    heavy = _counts_rows(service.list_filters(query))
    return await read_path.respond(request, claims, service.list_executions, heavy=heavy, query=query)


@router.get(
    "/executions/statistics",
    response_model=ExecutionStatistics,
    summary="Counts, success rate and mean duration over the filtered executions",
    responses={**AUTH_RESPONSES, **BAD_DATES},
)
async def execution_statistics(
    request: Request, claims: ReadClaims, query: Annotated[ExecutionStatisticsQuery, ContractQuery(ExecutionStatisticsQuery)]
) -> Response:
    heavy = _counts_rows(service.statistics_filters(query))
    return await read_path.respond(request, claims, service.execution_statistics, heavy=heavy, query=query)


def _counts_rows(filters: ExecutionFilters) -> bool:
    """Whether the request's figures come from the execution rows (a scan: run it in a
    worker thread so the loop keeps serving) rather than from the daily rollup (under a
    millisecond: inline is cheaper than the thread hop, ~10% of such a request)."""
    return not rollup_answers(filters)


@router.get(
    "/executions/{execution_id}",
    response_model=ExecutionEnvelope,
    summary="One execution, with its job's name and repository",
    responses={**AUTH_RESPONSES, 404: error("No execution with this id")},
)
async def get_execution(execution_id: str, request: Request, claims: ReadClaims) -> Response:
    return await read_path.respond(request, claims, service.get_execution, execution_id=execution_id)
