"""Jobs CRUD (API_CONTRACT.md §3.5.1-3.5.5 with D1, D9, D10, D13, D18).

Create and update check fields with `job_rules` (the same rules bulk upload uses),
the permission with `ownership`, and announce the change with `notify.broadcast`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Connection, Label, Select, String, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models import cron
from shared_models.clock import utcnow
from shared_models.contracts.jobs import PER_PAGE_DEFAULT, JobCreate, JobListQuery, JobUpdate
from shared_models.errors import bad_request
from shared_models.formats import utc_instant
from shared_models.models import Job, JobExecution, User
from shared_models.models.base import UTCDateTime, as_wire_instant
from shared_models.notify import broadcast
from shared_models.rows import named_first, named_rows
from shared_models.serializers import job_to_dict, metadata_to_text
from shared_models.services import job_rules as rules
from shared_models.services.catalog import resolve_category, resolve_pic_team
from shared_models.services.filters import STATEMENT_CACHE_SIZE, page_window, page_with_total, windowed
from shared_models.services.ownership import get_job_or_404, job_not_found, require_job_owner
from shared_models.settings import Settings

CREATE_TARGET_MISSING = (
    'Please provide either "target_url" or GitHub Actions configuration '
    "(github_owner, github_repo, github_workflow_name)"
)
UPDATE_TARGET_MISSING = "Job must have either target_url or complete GitHub Actions configuration"
JOB_EXPIRED = "Job cannot be enabled after end_date has passed. Update end_date first."

SORT_COLUMNS = {
    "name": func.lower(Job.name),
    "created_at": Job.created_at,
    "updated_at": Job.updated_at,
    "end_date": Job.end_date,
}
PER_PAGE_MAX = 100
ID_CHUNK = 500  # keeps IN (...) lists well under every database's parameter limit


# --------------------------------------------------------------------------------------
# Reading


def last_started_column() -> Label[Any]:
    """MAX(started_at) of the row's job, as a correlated subquery (`last_started`).

    One statement per page instead of a second grouped `IN (...)` query: the
    (job_id, started_at) index answers each MAX with one index seek, and an expanding
    IN list costs more to render than the lookups themselves.
    """
    return (
        select(func.max(JobExecution.started_at))
        .where(JobExecution.job_id == Job.id)
        .correlate(Job)
        .scalar_subquery()
        .label("last_started")
    )


@lru_cache(maxsize=1)
def job_read_columns() -> tuple[ColumnElement[Any], ...]:
    """What the job reads select: every `jobs` column, then `last_started`; the instants
    (created_at, updated_at, last_started) read as their response text (`WireInstant`).

    Their rows are only serialized, so the instants need not be datetimes: this saves
    ~1.2 µs an instant (60 a list page) in both stacks."""
    columns = [
        as_wire_instant(column, column.key) if isinstance(column.type, UTCDateTime) else column
        for column in Job.__table__.columns
    ]
    return (*columns, as_wire_instant(last_started_column().element, "last_started"))


@lru_cache(maxsize=1)
def job_statement() -> Select[Any]:
    """One job by id (bind parameter `job_id`) with its `last_started`.

    Built once: a statement built per request with the id as a literal cost more to
    build and to key for the compiled cache than its SQL costs to run (both stacks)."""
    return select(*job_read_columns()).where(Job.id == bindparam("job_id", type_=String))


def job_with_schedule(
    job: Job, last_started: datetime | str | None, *, next_run: Callable[[str], str | None]
) -> dict[str, Any]:
    """{job} + `last_execution_at` (D4 instant) + `next_execution_at` (zoned, null if
    inactive); `next_run` is `cron.next_run_texts(now, zone)`, made once per response."""
    body = job_to_dict(job)
    body["last_execution_at"] = utc_instant(last_started)
    body["next_execution_at"] = next_run(job.cron_expression) if job.is_active else None
    return body


def get_job(connection: Connection, *, user_id: str, settings: Settings, job_id: str) -> dict[str, Any]:
    """GET /jobs/<id>: 200 {"job": ...} or 404 (any caller may read any job).

    Like every read of the hot routes, it runs on a plain connection (both stacks:
    legacy passes its session's): Core rows carry the attributes the serializers read,
    without the cost of ORM entities."""
    row = named_first(connection.execute(job_statement(), {"job_id": job_id}))
    if row is None:
        raise job_not_found(job_id)
    next_run = cron.next_run_texts(utcnow(), settings.timezone)
    return {"job": job_with_schedule(row, row.last_started, next_run=next_run)}


@dataclass(frozen=True)
class ListQuery:
    """The effective list parameters (D9): what was asked, after defaults and clamps."""

    paged: bool
    page: int
    per_page: int
    category: str | None
    pic_team: str | None
    is_active: bool | None
    search: str | None
    sort_by: str
    descending: bool

    @classmethod
    def of(cls, query: JobListQuery) -> ListQuery:
        """The effective values of a validated query: page ≥ 1, per_page clamped to 1..100."""
        return cls(
            paged=query.paged,
            page=max(1, query.page),
            per_page=min(PER_PAGE_MAX, max(1, query.per_page)),
            category=query.category,
            pic_team=query.pic_team,
            is_active=query.is_active,
            search=query.search,
            sort_by=query.sort_by,
            descending=query.sort_order == "desc",
        )

    def filtered(self, statement: Select[Any]) -> Select[Any]:
        if self.category:
            statement = statement.where(Job.category == self.category)
        if self.pic_team:
            statement = statement.where(Job.pic_team == self.pic_team)
        if self.is_active is not None:
            statement = statement.where(Job.is_active.is_(self.is_active))
        if self.search:
            statement = statement.where(func.lower(Job.name).contains(self.search.lower(), autoescape=True))
        return statement

    def ordered(self, statement: Select[Any]) -> Select[Any]:
        """D18: the sort column, then id in the same direction; NULL end dates last."""
        column = SORT_COLUMNS[self.sort_by]
        key = column.desc() if self.descending else column.asc()
        tie = Job.id.desc() if self.descending else Job.id.asc()
        return statement.order_by(key.nulls_last(), tie)

    def count_statement(self) -> Select[Any] | None:
        """`total` of a paged list; None when the whole list is asked for."""
        return _count_statement(self.shape()) if self.paged else None

    def page_statement(self) -> Select[Any]:
        """The (matching) jobs with their `last_started`, in order; one page (`window()`)
        when paged."""
        return _page_statement(self.shape())

    def window(self) -> dict[str, int]:
        """The bind values of the page window (none when the whole list is asked for)."""
        return page_window(self.page, self.per_page) if self.paged else {}

    def shape(self) -> ListQuery:
        """This query without its page window: the key of the memoized statements."""
        return dataclasses.replace(self, page=1, per_page=PER_PAGE_DEFAULT)

    def body(
        self,
        total: int | None,
        jobs: list[tuple[Any, datetime | str | None]],
        *,
        now: datetime,
        settings: Settings,
    ) -> dict[str, Any]:
        """The response for (job, last_started) pairs (ORM or Core rows alike)."""
        body: dict[str, Any] = {}
        if self.paged:
            total = total or 0
            body.update(
                total=total,
                page=self.page,
                per_page=self.per_page,
                total_pages=math.ceil(total / self.per_page),
            )
        next_run = cron.next_run_texts(now, settings.timezone)
        body["jobs"] = [job_with_schedule(job, last, next_run=next_run) for job, last in jobs]
        body["count"] = len(jobs)
        return body


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _count_statement(shape: ListQuery) -> Select[Any]:
    return shape.filtered(select(func.count()).select_from(Job))


@lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def _page_statement(shape: ListQuery) -> Select[Any]:
    statement = shape.ordered(shape.filtered(select(*job_read_columns())))
    return windowed(statement) if shape.paged else statement


def list_jobs(connection: Connection, *, user_id: str, settings: Settings, query: JobListQuery) -> dict[str, Any]:
    """GET /jobs. Without `page`/`per_page`: every (matching) job; with them: one page.

    Filters and sorting apply in both modes (the legacy had none; D9 adds them).
    """
    params = ListQuery.of(query)
    count = params.count_statement()
    if count is None:
        rows, total = named_rows(connection.execute(params.page_statement())), None
    else:
        rows, total = page_with_total(connection, params.page_statement(), count, params.window())
    return params.body(total, [(row, row.last_started) for row in rows], now=utcnow(), settings=settings)


# --------------------------------------------------------------------------------------
# Writing


def _flush_unique(session: Session, name: str, *, hint: bool) -> None:
    """Flush in a savepoint: a concurrent writer that took the name first → 400, not 500."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise rules.duplicate_name(name, hint=hint) from None


def create_job(*, session: Session, settings: Settings, actor: User, body: JobCreate) -> dict[str, Any]:
    """POST /jobs: the value rules in the order of §3.5.3, steps 3-9 (the contract did
    steps 1-2 and the D1 type checks)."""
    name = rules.require_name(body.name)
    if rules.name_taken(session, name):
        raise rules.duplicate_name(name, hint=True)
    cron_expression = rules.clean_cron(body.cron_expression)
    category = resolve_category(session, body.category or None)
    end_date = rules.parse_end_date(
        body.end_date,
        settings,
        missing=bad_request("Missing required fields", '"end_date" is required (YYYY-MM-DD).'),
    )
    pic_raw = body.pic_team if "pic_team" in body.sent() else body.pic_team_slug
    pic_team = resolve_pic_team(session, pic_raw or None)

    target = rules.Target(
        **{key: rules.optional_text(getattr(body, key) or None) for key in rules.TARGET_FIELDS}
    ).with_default_owner(settings)
    rules.check_target(target, settings)
    if not target.complete:
        raise bad_request("Missing target configuration", CREATE_TARGET_MISSING)

    notify = body.enable_email_notifications is True
    emails = rules.clean_emails(body.notification_emails or None) if notify else None

    job = Job(
        name=name,
        cron_expression=cron_expression,
        target_url=target.target_url,
        github_owner=target.github_owner,
        github_repo=target.github_repo,
        github_workflow_name=target.github_workflow_name,
        job_metadata=metadata_to_text(body.metadata or None),
        category=category,
        end_date=end_date,
        pic_team=pic_team,
        enable_email_notifications=notify,
        notification_emails=emails,
        notify_on_success=notify and body.notify_on_success is True,
        created_by=actor.id,
        is_active=True,
    )
    session.add(job)
    _flush_unique(session, name, hint=True)
    broadcast(
        session,
        title="New Job Created",
        message=f'Job "{name}" was created by {actor.email}.',
        type="info",
        related_job_id=job.id,
    )
    return {"message": "Job created successfully", "job": job_to_dict(job)}


def _update_changes(session: Session, settings: Settings, job: Job, body: JobUpdate) -> dict[str, Any]:
    """The new column values, checked key by key (only the keys sent) in the order of
    §3.5.4 step 4.

    Nothing is written to `job` here, so any 400 leaves the row untouched.
    """
    sent = body.sent()
    changes: dict[str, Any] = {}
    if "name" in sent:
        name = rules.require_name(body.name)
        if name != job.name and rules.name_taken(session, name, exclude_id=job.id):
            raise rules.duplicate_name(name)
        changes["name"] = name
    if "cron_expression" in sent:
        changes["cron_expression"] = rules.clean_cron(body.cron_expression)
    for key in rules.TARGET_FIELDS:
        if key in sent:
            value = rules.optional_text(getattr(body, key))
            rules.check_target_field(key, value, settings)
            changes[key] = value
    target = rules.Target(
        **{key: changes.get(key, getattr(job, key)) for key in rules.TARGET_FIELDS}
    ).with_default_owner(settings)
    if target.github_owner != job.github_owner:
        changes["github_owner"] = target.github_owner
    if "metadata" in sent:
        changes["job_metadata"] = metadata_to_text(body.metadata)
    if "category" in sent:
        changes["category"] = resolve_category(session, body.category)
    if "end_date" in sent:
        changes["end_date"] = rules.parse_end_date(
            body.end_date,
            settings,
            missing=bad_request("Invalid end_date", "end_date is required (YYYY-MM-DD)."),
        )
    if "pic_team" in sent or "pic_team_slug" in sent:
        changes["pic_team"] = resolve_pic_team(session, body.pic_team if "pic_team" in sent else body.pic_team_slug)

    enabled = job.enable_email_notifications
    if "enable_email_notifications" in sent:
        enabled = changes["enable_email_notifications"] = body.enable_email_notifications
        if not enabled:
            changes["notification_emails"] = None
            changes["notify_on_success"] = False
    if "notification_emails" in sent:
        changes["notification_emails"] = rules.clean_emails(body.notification_emails) if enabled else None
    if "notify_on_success" in sent:
        changes["notify_on_success"] = enabled and body.notify_on_success
    if "is_active" in sent:
        changes["is_active"] = body.is_active

    # Step 5: an active job may not end in the past (blocks edits of an expired job
    # that was not auto-paused yet, unless the edit pauses it).
    active = changes.get("is_active", job.is_active)
    end_date = changes.get("end_date", job.end_date)
    if active and end_date is not None and end_date < rules.today_in_zone(settings):
        raise bad_request("Job expired", JOB_EXPIRED)
    # Step 6.
    if not target.complete:
        raise bad_request("Missing target configuration", UPDATE_TARGET_MISSING)
    return changes


def update_job(*, session: Session, settings: Settings, actor: User, job: Job, body: JobUpdate) -> dict[str, Any]:
    """PUT /jobs/<id>, once the stack has the job (`ownership.owned_job`: 404 → 403) and
    the body (JSON, types): fields → expiry → target → save → notify."""
    changes = _update_changes(session, settings, job, body)

    was_active = job.is_active
    for column, value in changes.items():
        setattr(job, column, value)
    _flush_unique(session, job.name, hint=False)

    if "is_active" in changes and changes["is_active"] != was_active:
        verb, title, kind = ("enabled", "Job Enabled", "info") if job.is_active else ("disabled", "Job Disabled", "warning")
    else:
        verb, title, kind = "updated", "Job Updated", "info"
    broadcast(
        session,
        title=title,
        message=f'Job "{job.name}" was {verb} by {actor.email}.',
        type=kind,
        related_job_id=job.id,
    )
    return {"message": "Job updated successfully", "job": job_to_dict(job)}


def delete_job(*, session: Session, actor: User, job_id: str) -> dict[str, Any]:
    """DELETE /jobs/<id>. Executions go with the row and notifications lose their
    references by the database's own ON DELETE rules."""
    job = get_job_or_404(session, job_id)
    require_job_owner(actor, job, "delete")
    deleted = {"id": job.id, "name": job.name}
    session.delete(job)
    session.flush()
    session.expire_all()  # rows changed by ON DELETE CASCADE / SET NULL behind the ORM's back
    broadcast(
        session,
        title="Job Deleted",
        message=f'Job "{deleted["name"]}" was deleted by {actor.email}.',
        type="warning",
    )
    return {"message": "Job deleted successfully", "deleted_job": deleted}
