"""Job bodies and the jobs list query (§3.5.1, §3.5.3, §3.5.4, D1, D9, D13, D18).

Field order is the check order: the legacy type-checked the keys in this order (D1),
right after the missing-keys test, before any value rule (which the service applies).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field

from shared_models.contracts.base import Contract, QueryContract
from shared_models.contracts.fields import (
    EmailList,
    Flag,
    JsonObject,
    NullRefusedLater,
    QueryActive,
    QueryInt,
    QueryText,
    omittable,
    query_word,
)
from shared_models.errors import ApiError, bad_request

SORT_COLUMN_NAMES = ("name", "created_at", "updated_at", "end_date")
PER_PAGE_DEFAULT = 20


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


class _JobFields(Contract):
    """The job keys, every one optional (as an update takes them)."""

    name: str = omittable()
    cron_expression: str = omittable("Five-field cron in the scheduler zone (D3)")
    end_date: NullRefusedLater = Field(None, description="YYYY-MM-DD, today (JST) or later")
    target_url: str | None = Field(None, description="An https URL (≤500 chars, D10/D11); empty clears")
    github_owner: str | None = Field(None, description="1–255 chars; defaults to DEFAULT_GITHUB_OWNER (D13)")
    github_repo: str | None = None
    github_workflow_name: str | None = Field(None, description="A .yml/.yaml file name or a numeric workflow id")
    category: str | None = Field(None, description="A category slug or display name; empty → general")
    pic_team: str | None = Field(None, description="A PIC team slug or display name (active)")
    pic_team_slug: str | None = Field(None, description="Read when pic_team is absent")
    metadata: JsonObject | None = Field(None, description="A JSON object; null or {} clears it")
    enable_email_notifications: Flag = omittable()
    notify_on_success: Flag = omittable()
    is_active: Flag = omittable()
    notification_emails: EmailList = Field(
        None, description="A list or a comma-joined string; kept only with enable_email_notifications"
    )


class JobCreate(_JobFields):
    """POST /jobs. Give `target_url` or the GitHub triple (owner, repo, workflow);
    `is_active` is type-checked but ignored (a new job is always active)."""

    model_config = _examples(
        {"name": "Nightly regression", "cron_expression": "0 2 * * *", "end_date": "2027-03-31",
         "pic_team": "qa-team", "github_repo": "app", "github_workflow_name": "regression.yml"},
        {"name": "Ping", "cron_expression": "*/5 * * * *", "end_date": "2027-03-31", "pic_team": "qa-team",
         "target_url": "https://hooks.example.com/ping", "metadata": {"source": "cron"}},
    )
    required: ClassVar[tuple[str, ...]] = ("name", "cron_expression", "end_date")

    # Required here; their places in the check order are the base class's.
    name: str
    cron_expression: str = Field(description="Five-field cron in the scheduler zone (D3)")
    end_date: NullRefusedLater = Field(description="YYYY-MM-DD, today (JST) or later")

    @classmethod
    def missing_error(cls, fields: list[str]) -> ApiError:
        """§3.5.3 step 2: every absent key, in the order name, cron_expression, end_date."""
        return ApiError(400, "Missing required fields", missing_fields=[f for f in cls.required if f in fields])


class JobUpdate(_JobFields):
    """PUT /jobs/{job_id}: every key optional; only the keys sent are applied."""

    model_config = _examples({"cron_expression": "0 3 * * *"}, {"is_active": False})


SortColumn = query_word(
    *SORT_COLUMN_NAMES,
    error=bad_request("Invalid query", f"sort_by must be one of: {', '.join(SORT_COLUMN_NAMES)}."),
)
SortOrder = query_word("asc", "desc", lower=True, error=bad_request("Invalid query", "sort_order must be asc or desc."))


class JobListQuery(QueryContract):
    """GET /jobs. With `page` or `per_page` the list is paged (D9); otherwise every job.

    Fields in check order: a bad `sort_by`, then `sort_order`, then `is_active` is a 400.
    """

    sort_by: SortColumn = Field("created_at", description="name, created_at (default), updated_at or end_date; ties by id (D18)")
    sort_order: SortOrder = Field("desc", description="desc (default) or asc")
    is_active: QueryActive = Field(None, description="true/1 or false/0")
    page: QueryInt = Field(1, description="Page number (≥1); not an integer → 1")
    per_page: QueryInt = Field(
        PER_PAGE_DEFAULT, description="Page size: default 20, clamped to 1..100; not an integer → the default"
    )
    category: QueryText = Field(None, description="Only jobs of this category slug")
    pic_team: QueryText = Field(None, description="Only jobs of this PIC team slug")
    search: QueryText = Field(None, description="Case-insensitive substring of the name")

    @property
    def paged(self) -> bool:
        """D9: a page only when `page` or `per_page` was given (even if not an integer)."""
        return bool({"page", "per_page"} & self.model_fields_set)
