"""v2 twins of the execution history routes (API_CONTRACT.md §3.6), any signed-in role.

Thin: each route hands the raw query (`request.query_params`) to the same
`shared_models.services.executions` function the legacy view calls. Literal segments
(`/executions/statistics`, `/jobs/{job_id}/executions/stats`) are declared before the
`{execution_id}` routes: FastAPI matches in declaration order, Werkzeug prefers literals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from fastapi_app import read_path
from fastapi_app.deps import CurrentUser, SessionDep, call
from fastapi_app.openapi_bodies import DATE_OR_INSTANT, query_doc
from fastapi_app.read_path import ReadClaims
from fastapi_app.schemas.common import AUTH_RESPONSES, ErrorBody
from fastapi_app.schemas.executions import (
    ExecutionEnvelope,
    ExecutionPage,
    ExecutionStatistics,
    JobExecutionDetail,
    JobExecutionList,
    JobExecutionStats,
)
from shared_models.errors import ApiError
from shared_models.services import executions as service
from shared_models.services.execution_totals import rollup_answers
from shared_models.services.filters import EXECUTION_FILTER_KEYS, parse_execution_filters

router = APIRouter(tags=["executions"])


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


FROM = ("from", "Inclusive lower bound: YYYY-MM-DD (midnight UTC) or an ISO datetime (naive = UTC)", DATE_OR_INSTANT)
TO = ("to", "Exclusive upper bound, same formats; a date-only value includes that whole day", DATE_OR_INSTANT)
STATUS = ("status", "A status or a comma list of them (running, success, failed)")
TRIGGER = ("trigger_type", "scheduled or manual")
BAD_DATES = {400: error("`from`/`to` not a date (Invalid date), `from` not before `to`, or NUL in a query value")}
NO_JOB = {404: error("No job with this id")}


# --- /jobs/{job_id}/executions (§3.6.1–§3.6.3) ----------------------------------------------


@router.get(
    "/jobs/{job_id}/executions",
    response_model=None,
    summary="A job's latest executions, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES, **NO_JOB, 200: {"model": JobExecutionList}},
    openapi_extra=query_doc(
        ("limit", "Rows to return: default 50, at most 200, 0 for none; not an integer → 50"),
        STATUS, TRIGGER, FROM, TO,
    ),
)
async def list_job_executions(
    job_id: str, request: Request, session: SessionDep, _user: CurrentUser
) -> dict[str, Any]:
    return await call(session, service.list_job_executions, job_id=job_id, query=request.query_params)


@router.get(
    "/jobs/{job_id}/executions/stats",
    response_model=None,
    summary="A job's execution counts, success rate and mean successful duration",
    responses={**AUTH_RESPONSES, **NO_JOB, 200: {"model": JobExecutionStats}},
)
async def job_execution_stats(job_id: str, session: SessionDep, _user: CurrentUser) -> dict[str, Any]:
    return await call(session, service.job_execution_stats, job_id=job_id)


@router.get(
    "/jobs/{job_id}/executions/{execution_id}",
    response_model=None,
    summary="One execution of a job",
    responses={
        **AUTH_RESPONSES,
        404: error("No job with this id (Job not found), or no such execution of this job (Execution not found)"),
        200: {"model": JobExecutionDetail},
    },
)
async def get_job_execution(
    job_id: str, execution_id: str, session: SessionDep, _user: CurrentUser
) -> dict[str, Any]:
    return await call(session, service.get_job_execution, job_id=job_id, execution_id=execution_id)


# --- /executions (§3.6.4–§3.6.6) --------------------------------------------------------------


@router.get(
    "/executions",
    response_model=None,
    summary="Executions of every job, one page, newest first",
    responses={**AUTH_RESPONSES, **BAD_DATES, 200: {"model": ExecutionPage}},
    openapi_extra=query_doc(
        ("page", "1-based page, default 1; below 1 or not an integer → 1"),
        ("limit", "Page size 1..200, default 20; not an integer → 20"),
        ("per_page", "Alias of `limit` (D9); `limit` wins when both are sent"),
        ("job_id", "Only this job's executions"),
        STATUS, TRIGGER,
        ("execution_type", "webhook or github_actions"),
        FROM, TO,
    ),
)
async def list_executions(request: Request, claims: ReadClaims) -> Response:
    # The read path: `service.list_executions` on a plain connection, after the token owner check.
    query = request.query_params
    return await read_path.respond(
        request, claims, service.list_executions, heavy=_counts_rows(query, EXECUTION_FILTER_KEYS), query=query
    )


@router.get(
    "/executions/statistics",
    response_model=None,
    summary="Counts, success rate and mean duration over the filtered executions",
    responses={**AUTH_RESPONSES, **BAD_DATES, 200: {"model": ExecutionStatistics}},
    openapi_extra=query_doc(("job_id", "Only this job's executions"), FROM, TO),
)
async def execution_statistics(request: Request, claims: ReadClaims) -> Response:
    query = request.query_params
    return await read_path.respond(
        request, claims, service.execution_statistics, heavy=_counts_rows(query, service.STATISTICS_FILTER_KEYS), query=query
    )


def _counts_rows(query: Mapping[str, str], accept: frozenset[str]) -> bool:
    """Whether the request's figures come from the execution rows (a scan: run it in a
    worker thread so the loop keeps serving) rather than from the daily rollup (under a
    millisecond: inline is cheaper than the thread hop, ~10% of such a request)."""
    try:
        return not rollup_answers(parse_execution_filters(query, accept=accept))
    except ApiError:
        return False  # refused by the unit itself, after the token checks


@router.get(
    "/executions/{execution_id}",
    response_model=None,
    summary="One execution, with its job's name and repository",
    responses={**AUTH_RESPONSES, 404: error("No execution with this id"), 200: {"model": ExecutionEnvelope}},
)
async def get_execution(execution_id: str, request: Request, claims: ReadClaims) -> Response:
    return await read_path.respond(request, claims, service.get_execution, execution_id=execution_id)
