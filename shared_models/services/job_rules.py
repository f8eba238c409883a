"""The field rules of a job, shared by create, update and bulk upload (§3.5.3-3.5.6, D1, D10, D11, D13).

Each rule is one small function that returns the clean value or raises `ApiError` with
the contract's body. The three routes differ only in *which* message some rules use
(e.g. the "Missing target configuration" text), so those messages are parameters here,
not copies of the rule.

The D1 type checks are the job contracts' (`shared_models.contracts.jobs`); these rules
see values of the right type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import cron
from shared_models.clock import utcnow
from shared_models.errors import ApiError, bad_request, invalid_payload
from shared_models.formats import parse_iso_date
from shared_models.models import Job
from shared_models.outbound.ssrf import UnsafeTarget, check_target_url
from shared_models.settings import Settings

NAME_MAX = 255
CRON_MAX = 100  # jobs.cron_expression is VARCHAR(100)
GITHUB_FIELD_MAX = 255
GITHUB_FIELDS = ("github_owner", "github_repo", "github_workflow_name")
TARGET_FIELDS = ("target_url", *GITHUB_FIELDS)
WORKFLOW = re.compile(r"^(?:[^/]+\.ya?ml|[0-9]+)$", re.IGNORECASE)

END_DATE_PAST = "end_date must be today or in the future (JST)."
END_DATE_FORMAT = "Invalid end_date. Use YYYY-MM-DD."


def today_in_zone(settings: Settings) -> date:
    """"Today in JST": the date in the scheduler's zone."""
    return utcnow().astimezone(settings.timezone).date()


def optional_text(value: str | None) -> str | None:
    """Trimmed; empty (or null) becomes None."""
    if value is None:
        return None
    return value.strip() or None


def require_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise bad_request("Job name cannot be empty")
    if len(name) > NAME_MAX:
        raise bad_request("Invalid name", f"Job name must be at most {NAME_MAX} characters.")
    return name


def name_taken(session: Session, name: str, *, exclude_id: str | None = None) -> bool:
    query = select(Job.id).where(Job.name == name)
    if exclude_id is not None:
        query = query.where(Job.id != exclude_id)
    return session.scalar(query.limit(1)) is not None


def duplicate_name(name: str, *, hint: bool = False) -> ApiError:
    """Create adds the "Please use a unique name." hint; update and bulk upload do not."""
    message = f'A job with the name "{name}" already exists.'
    if hint:
        message += " Please use a unique name."
    return bad_request("Duplicate job name", message)


def clean_cron(value: str) -> str:
    """The trimmed expression (stored as submitted), or 400 Invalid cron expression."""
    text = value.strip()
    try:
        cron.validate(text)
    except cron.CronError as exc:
        raise bad_request("Invalid cron expression", str(exc)) from None
    if len(text) > CRON_MAX:
        raise bad_request("Invalid cron expression", f"Cron expression must be at most {CRON_MAX} characters.")
    return text


def parse_end_date(value: str | None, settings: Settings, *, missing: ApiError) -> date:
    """A `YYYY-MM-DD` date that is today or later in the scheduler zone.

    `missing` is the route's error for an empty value (its wording differs per route).
    """
    text = (value or "").strip()
    if not text:
        raise missing
    try:
        parsed = parse_iso_date(text)
    except ValueError:
        message = END_DATE_FORMAT if settings.EXPOSE_ERROR_DETAILS else "Invalid end_date"
        raise bad_request("Invalid end_date", message) from None
    if parsed < today_in_zone(settings):
        raise bad_request("Invalid end_date", END_DATE_PAST)
    return parsed


@dataclass(frozen=True)
class Target:
    """Where a job sends its run: a webhook URL and/or a GitHub workflow."""

    target_url: str | None = None
    github_owner: str | None = None
    github_repo: str | None = None
    github_workflow_name: str | None = None

    @property
    def github_complete(self) -> bool:
        return bool(self.github_owner and self.github_repo and self.github_workflow_name)

    @property
    def complete(self) -> bool:
        return bool(self.target_url) or self.github_complete

    def with_default_owner(self, settings: Settings) -> Target:
        """D13: without a target_url, a repo+workflow with no owner takes DEFAULT_GITHUB_OWNER."""
        if self.target_url or self.github_owner or not (self.github_repo and self.github_workflow_name):
            return self
        return replace(self, github_owner=settings.DEFAULT_GITHUB_OWNER.strip() or None)


def check_target_field(field: str, value: str | None, settings: Settings) -> None:
    """D10/D11 format of one target field (None passes: absence is judged elsewhere)."""
    if value is None:
        return
    if field == "target_url":
        try:
            check_target_url(value, settings)
        except UnsafeTarget as exc:
            raise bad_request("Invalid target_url", str(exc)) from None
        return
    if len(value) > GITHUB_FIELD_MAX:
        raise bad_request(
            "Invalid GitHub configuration", f'"{field}" must be at most {GITHUB_FIELD_MAX} characters.'
        )
    if field == "github_workflow_name" and not WORKFLOW.match(value):
        raise bad_request(
            "Invalid GitHub configuration",
            '"github_workflow_name" must be a workflow file name ending in .yml or .yaml, '
            "or a numeric workflow id.",
        )


def check_target(target: Target, settings: Settings) -> None:
    for field in TARGET_FIELDS:
        check_target_field(field, getattr(target, field), settings)


def clean_emails(value: list[str] | str | None) -> str | None:
    """D10: every address valid (syntax only); stored comma-joined, empty → None."""
    items = value if isinstance(value, list) else (value or "").split(",")
    addresses = [item.strip() for item in items if item.strip()]
    for address in addresses:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise invalid_payload(
                f'"notification_emails" contains an invalid e-mail address: "{address}".'
            ) from None
    return ",".join(addresses) or None
