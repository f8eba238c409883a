"""Execution history routes (§3.6): thin views over shared_models.services.executions."""

from __future__ import annotations

from flask import Response, request

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import commit_and_respond, read
from shared_models.contracts import parse_query
from shared_models.contracts.executions import (
    ExecutionListQuery,
    ExecutionStatisticsQuery,
    JobExecutionListQuery,
)
from shared_models.services import executions as service
from shared_models.services.ownership import get_job_or_404


@bp.get("/jobs/<job_id>/executions")
@authenticated()
def list_job_executions(job_id: str) -> tuple[Response, int]:
    job = get_job_or_404(db.session, job_id)  # 404 before the query's 400 (§3.6.1)
    query = parse_query(JobExecutionListQuery, request.args)
    return commit_and_respond(service.list_job_executions(session=db.session, job=job, query=query))


@bp.get("/jobs/<job_id>/executions/<execution_id>")
@authenticated()
def get_job_execution(job_id: str, execution_id: str) -> tuple[Response, int]:
    body = service.get_job_execution(session=db.session, job_id=job_id, execution_id=execution_id)
    return commit_and_respond(body)


@bp.get("/jobs/<job_id>/executions/stats")
@authenticated()
def job_execution_stats(job_id: str) -> tuple[Response, int]:
    return commit_and_respond(service.job_execution_stats(session=db.session, job_id=job_id))


@bp.get("/executions")
@authenticated()
def list_executions() -> tuple[Response, int]:
    return read(service.list_executions, query=parse_query(ExecutionListQuery, request.args))


@bp.get("/executions/<execution_id>")
@authenticated()
def get_execution(execution_id: str) -> tuple[Response, int]:
    return read(service.get_execution, execution_id=execution_id)


@bp.get("/executions/statistics")
@authenticated()
def execution_statistics() -> tuple[Response, int]:
    return read(service.execution_statistics, query=parse_query(ExecutionStatisticsQuery, request.args))
