"""Execution history bodies (API_CONTRACT.md §1.3, §3.6, D4, D9, D18)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


_JOB_ID = "1c9e6f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
_EXECUTION: dict[str, Any] = {
    "id": "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    "job_id": _JOB_ID,
    "status": "success",
    "trigger_type": "scheduled",
    "started_at": "2026-11-26T12:51:04.775Z",
    "completed_at": "2026-11-26T12:51:05.120Z",
    "duration_seconds": 0.345,
    "execution_type": "webhook",
    "target": "https://example.com/hook",
    "response_status": 200,
    "error_message": None,
    "output": '{"ok": true}',
}
_WITH_JOB = {**_EXECUTION, "job_name": "Nightly regression", "github_repo": None}
_RANGE = {"from": "2026-11-01T00:00:00.000Z", "to": "2026-12-01T00:00:00.000Z"}


class ExecutionRead(BaseModel):
    """An execution as `execution_to_dict` renders it; instants in the D4 `...Z` format.

    `status` is `running`, `success` or `failed`; `trigger_type` `scheduled` or `manual`;
    `execution_type` `webhook` or `github_actions` (null until the run picked a target).
    """

    model_config = _examples(_EXECUTION)

    id: str
    job_id: str
    status: str
    trigger_type: str
    started_at: str
    completed_at: str | None
    duration_seconds: float | None
    execution_type: str | None
    target: str | None
    response_status: int | None
    error_message: str | None
    output: str | None


class ExecutionWithJobRead(ExecutionRead):
    """An execution plus its job's `name` and `github_repo` (the global routes join them)."""

    model_config = _examples(_WITH_JOB)

    job_name: str
    github_repo: str | None


class RangeRead(BaseModel):
    """The effective `from`/`to` filter (D4 format; a date-only `to` is shifted one day on)."""

    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={"examples": [_RANGE, {"from": None, "to": None}]},
    )

    from_: str | None = Field(alias="from")  # `from` is a Python keyword
    to: str | None


# --- /jobs/{job_id}/executions ---------------------------------------------------------


class JobExecutionList(BaseModel):
    """Newest first (ties by id, D18). `total_executions` counts the rows returned (at most
    `limit`, default 50, at most 200), not every execution of the job (§3.6.1)."""

    model_config = _examples(
        {"job_id": _JOB_ID, "job_name": "Nightly regression", "total_executions": 1, "executions": [_EXECUTION]}
    )

    job_id: str
    job_name: str
    total_executions: int
    executions: list[ExecutionRead]


class JobRef(BaseModel):
    id: str
    name: str


class JobExecutionDetail(BaseModel):
    model_config = _examples({"job": {"id": _JOB_ID, "name": "Nightly regression"}, "execution": _EXECUTION})

    job: JobRef
    execution: ExecutionRead


class JobExecutionStatistics(BaseModel):
    """Rounded to 2 places. The mean covers successful runs with a duration; null when
    there is none (or it is exactly 0). `success_rate` is 0 with no executions."""

    total_executions: int
    success_count: int
    failed_count: int
    running_count: int
    success_rate: int | float  # the integer 0 with no executions, as the legacy wrote it
    average_duration_seconds: float | None


class JobExecutionStats(BaseModel):
    model_config = _examples(
        {
            "job_id": _JOB_ID,
            "job_name": "Nightly regression",
            "statistics": {
                "total_executions": 4,
                "success_count": 3,
                "failed_count": 1,
                "running_count": 0,
                "success_rate": 75.0,
                "average_duration_seconds": 0.41,
            },
            "latest_execution": _EXECUTION,
        }
    )

    job_id: str
    job_name: str
    statistics: JobExecutionStatistics
    latest_execution: ExecutionRead | None


# --- /executions ------------------------------------------------------------------------


class ExecutionPage(BaseModel):
    """One page, newest first (ties by id). `page` ≥ 1 and `limit` (alias `per_page`, D9)
    in 1..200 are the values used; `total_pages` is 0 when nothing matches."""

    model_config = _examples({"executions": [_WITH_JOB], "total": 1, "page": 1, "limit": 20, "total_pages": 1})

    executions: list[ExecutionWithJobRead]
    total: int
    page: int
    limit: int
    total_pages: int


class ExecutionEnvelope(BaseModel):
    model_config = _examples({"execution": _WITH_JOB})

    execution: ExecutionWithJobRead


class ExecutionStatistics(BaseModel):
    """Unrounded; 0.0 when nothing matches. The mean covers every status with a duration."""

    model_config = _examples(
        {
            "total_executions": 4,
            "successful_executions": 3,
            "failed_executions": 1,
            "running_executions": 0,
            "success_rate": 75.0,
            "average_duration_seconds": 0.4125,
            "range": _RANGE,
        }
    )

    total_executions: int
    successful_executions: int
    failed_executions: int
    running_executions: int
    success_rate: float
    average_duration_seconds: float
    range: RangeRead
