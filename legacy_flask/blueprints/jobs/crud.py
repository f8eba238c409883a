"""Jobs CRUD (§3.5.1-3.5.5): thin views over shared_models.services.jobs."""

from __future__ import annotations

from flask import Response, request
from flask_jwt_extended import current_user

from legacy_flask.auth import authenticated
from legacy_flask.blueprints.jobs import bp
from legacy_flask.extensions import db
from legacy_flask.http import app_settings, commit_and_respond, json_body, read
from shared_models.contracts import parse_body, parse_query
from shared_models.contracts.jobs import JobCreate, JobListQuery, JobUpdate
from shared_models.services import jobs
from shared_models.services.ownership import owned_job


@bp.get("/jobs")
@authenticated()
def list_jobs() -> tuple[Response, int]:
    return read(jobs.list_jobs, query=parse_query(JobListQuery, request.args))


@bp.get("/jobs/<job_id>")
@authenticated()
def get_job(job_id: str) -> tuple[Response, int]:
    return read(jobs.get_job, job_id=job_id)


@bp.post("/jobs")
@authenticated("admin", "user")
def create_job() -> tuple[Response, int]:
    body = jobs.create_job(
        session=db.session, settings=app_settings(), actor=current_user, body=parse_body(JobCreate, json_body())
    )
    return commit_and_respond(body, 201)


@bp.put("/jobs/<job_id>")
@authenticated()  # no role decorator: ownership decides (viewers get the ownership 403)
def update_job(job_id: str) -> tuple[Response, int]:
    job = owned_job(session=db.session, actor=current_user, job_id=job_id, verb="update")
    body = jobs.update_job(
        session=db.session, settings=app_settings(), actor=current_user, job=job,
        body=parse_body(JobUpdate, json_body()),
    )
    return commit_and_respond(body)


@bp.delete("/jobs/<job_id>")
@authenticated()
def delete_job(job_id: str) -> tuple[Response, int]:
    return commit_and_respond(jobs.delete_job(session=db.session, actor=current_user, job_id=job_id))
