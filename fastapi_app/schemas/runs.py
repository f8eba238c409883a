"""Test-run's and execute-now's answers (API_CONTRACT.md §3.4.3, §3.5.7, D7, D11, D12); the
request bodies are `shared_models.contracts.runs`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fastapi_app.schemas.executions import ExecutionRead


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


# --- POST /jobs/test-run -----------------------------------------------------------------


class TestRunResult(BaseModel):
    """200 once the target was called (or GitHub was not configured); `ok` says how it went.

    A reply carries `status_code`; a network failure or a missing GITHUB_TOKEN carries
    `error` instead.
    """

    __test__ = False

    model_config = _examples(
        {"ok": True, "type": "webhook", "status_code": 200, "message": "Webhook test run succeeded."},
        {"ok": False, "type": "github", "error": "GitHub token not configured",
         "message": "Set GITHUB_TOKEN in backend .env to test-run GitHub workflows."},
    )

    ok: bool
    type: Literal["webhook", "github"]
    message: str
    status_code: int | None = None
    error: str | None = None


# --- POST /jobs/{job_id}/execute ---------------------------------------------------------


class ExecuteTriggered(BaseModel):
    """D7: the run was claimed and continues in the background."""

    model_config = _examples(
        {
            "message": "Job triggered successfully",
            "job_id": "1c9e6f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
            "execution": {
                "id": "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
                "job_id": "1c9e6f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                "status": "running",
                "trigger_type": "manual",
                "started_at": "2026-11-26T12:51:04.775Z",
                "completed_at": None,
                "duration_seconds": None,
                "execution_type": None,
                "target": None,
                "response_status": None,
                "error_message": None,
                "output": None,
            },
        }
    )

    message: Literal["Job triggered successfully"]
    job_id: str
    execution: ExecutionRead  # just claimed: `running`, `manual`
