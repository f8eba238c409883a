"""Job bodies (API_CONTRACT.md §1.2, §3.5.1–§3.5.6, D4, D8, D9, D10, D13).

The answers' shapes. The request bodies are contracts (`shared_models.contracts.jobs`):
both stacks validate into them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


_JOB: dict[str, Any] = {
    "id": "1c9e6f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    "name": "Nightly regression",
    "cron_expression": "0 2 * * *",
    "target_url": None,
    "github_owner": "acme",
    "github_repo": "app",
    "github_workflow_name": "regression.yml",
    "metadata": {"branchDetails": "main"},
    "category": "regression",
    "end_date": "2027-03-31",
    "pic_team": "qa-team",
    "enable_email_notifications": True,
    "notification_emails": ["qa@example.com"],
    "notify_on_success": False,
    "created_by": "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
    "is_active": True,
    "created_at": "2026-11-26T12:51:04.775Z",
    "updated_at": "2026-11-26T12:51:04.775Z",
}
_SCHEDULED = {**_JOB, "last_execution_at": "2026-11-27T17:00:00.120Z", "next_execution_at": "2026-11-29T02:00:00+09:00"}


class JobRead(BaseModel):
    """A job as `job_to_dict` renders it (create and update answers; no schedule keys)."""

    model_config = _examples(_JOB)

    id: str
    name: str
    cron_expression: str
    target_url: str | None
    github_owner: str | None
    github_repo: str | None
    github_workflow_name: str | None
    metadata: Any = Field(description="A JSON object (`{}` when none); rows written before D10 may hold other JSON")
    category: str = Field(description="A category slug (`general` by default)")
    end_date: str | None = Field(description="YYYY-MM-DD")
    pic_team: str | None = Field(description="A PIC team slug")
    enable_email_notifications: bool
    notification_emails: list[str]
    notify_on_success: bool
    created_by: str | None
    is_active: bool
    created_at: str
    updated_at: str


class JobWithSchedule(JobRead):
    """The list/get shape: `last_execution_at` (D4 instant of the latest run start) and
    `next_execution_at` (the next fire time with the scheduler zone's offset; null when
    the job is inactive or the expression never fires)."""

    model_config = _examples(_SCHEDULED)

    last_execution_at: str | None
    next_execution_at: str | None


class JobList(BaseModel):
    """Every matching job, or one page of them when `page` or `per_page` was given (D9):
    then `total`, `page`, `per_page` (the effective values) and `total_pages` are added."""

    model_config = _examples(
        {"count": 1, "jobs": [_SCHEDULED]},
        {"count": 1, "jobs": [_SCHEDULED], "total": 21, "page": 2, "per_page": 20, "total_pages": 2},
    )

    count: int
    jobs: list[JobWithSchedule]
    total: int | None = None
    page: int | None = None
    per_page: int | None = None
    total_pages: int | None = None


class JobEnvelope(BaseModel):
    model_config = _examples({"job": _SCHEDULED})

    job: JobWithSchedule


class JobSaved(BaseModel):
    """201 `Job created successfully` / 200 `Job updated successfully`."""

    model_config = _examples({"message": "Job created successfully", "job": _JOB})

    message: str
    job: JobRead


class DeletedJobRef(BaseModel):
    id: str
    name: str


class JobDeleted(BaseModel):
    model_config = _examples(
        {"message": "Job deleted successfully", "deleted_job": {"id": _JOB["id"], "name": _JOB["name"]}}
    )

    message: str
    deleted_job: DeletedJobRef


# --- POST /jobs/bulk-upload ---------------------------------------------------------------


class BulkUploadForm(BaseModel):
    """multipart/form-data (documentation only)."""

    file: bytes = Field(
        json_schema_extra={"format": "binary"},
        description="The CSV (UTF-8, BOM allowed); header aliases as in §3.5.6",
    )
    default_github_owner: str = Field("", description="Owner for rows without one; else DEFAULT_GITHUB_OWNER (D13)")
    dry_run: str = Field("", description="1/true/yes/y/on: validate only, write nothing")
    mode: str = Field("create", description="create, or upsert: update same-named jobs the caller may modify (D8)")


class BulkRowError(BaseModel):
    """A refused row: `row` is its file line (header = 1, D8); the missing-fields error
    has no `job_name`, the in-file duplicate no `message`."""

    model_config = ConfigDict(extra="allow")

    row: int | None = None
    job_name: str | None = None
    error: str
    message: str | None = None


class BulkStats(BaseModel):
    original_column_count: int
    original_row_count: int
    removed_column_count: int
    removed_empty_row_count: int


class BulkUploadResult(BaseModel):
    """200 once rows were judged, even if all failed. `jobs`: dry run → `{name, is_active,
    cron_expression, end_date, pic_team}` per valid row; otherwise `{id, name, is_active}`."""

    model_config = _examples(
        {
            "message": "Bulk upload processed",
            "dry_run": False,
            "stats": {"original_column_count": 11, "original_row_count": 2, "removed_column_count": 0,
                      "removed_empty_row_count": 0},
            "created_count": 1,
            "updated_count": 0,
            "error_count": 1,
            "errors": [{"row": 3, "job_name": "bad", "error": "Invalid cron expression",
                        "message": "Invalid value for minute: 61 (allowed 0-59)."}],
            "jobs": [{"id": _JOB["id"], "name": "hook", "is_active": True}],
        }
    )

    message: str
    dry_run: bool
    stats: BulkStats
    created_count: int
    updated_count: int
    error_count: int
    errors: list[BulkRowError]
    jobs: list[dict[str, Any]]
