"""Who may change a job, and loading a job or answering 404 (API_CONTRACT.md §2.5, §3.5).

One place for the check that update, delete and execute share, so the three routes
cannot drift apart:

    job = get_job_or_404(session, job_id)          # 404 "Job not found"
    require_job_owner(actor, job, "update")        # 403 "You can only update your own jobs"
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from shared_models.errors import ApiError, forbidden
from shared_models.models import Job, User

JobVerb = Literal["update", "delete", "execute"]


def job_not_found(job_id: str) -> ApiError:
    return ApiError(404, "Job not found", f"No job found with ID: {job_id}")


def get_job_or_404(session: Session, job_id: str) -> Job:
    """The job with `job_id`, or ApiError 404 `{"error": "Job not found", ...}`."""
    job = session.get(Job, job_id)
    if job is None:
        raise job_not_found(job_id)
    return job


def can_modify_job(actor: User | None, job: Job) -> bool:
    """Admins may change any job, viewers none, users only the jobs they created.

    Uses the actor's current database role (D6). A job whose creator was deleted
    (`created_by` NULL) can only be changed by an admin. The auth layer already rejects
    inactive users, so "the active user" of §2.5 is simply `actor`.
    """
    if actor is None or not actor.is_active:
        return False
    if actor.role == "admin":
        return True
    if actor.role == "user":
        return job.created_by is not None and job.created_by == actor.id
    return False


def require_job_owner(actor: User | None, job: Job, verb: JobVerb) -> None:
    """403 `{"error": "Insufficient permissions", "message": "You can only <verb> your own jobs"}`."""
    if not can_modify_job(actor, job):
        raise forbidden("Insufficient permissions", f"You can only {verb} your own jobs")


def owned_job(*, session: Session, actor: User | None, job_id: str, verb: JobVerb) -> Job:
    """The job `actor` may `verb`: 404 first, then 403 (before the body is read, §3.5.4)."""
    job = get_job_or_404(session, job_id)
    require_job_owner(actor, job, verb)
    return job
