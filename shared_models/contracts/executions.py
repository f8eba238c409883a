"""The execution history queries (§3.6.1, §3.6.4, §3.6.6, D9).

Only `from`/`to` can be refused (see `DateRangeQuery`); every other value is a filter
that simply matches nothing when unknown, or a number that falls back to its default
when it is not an integer (Werkzeug's `type=int`). The services clamp the numbers.
"""

from __future__ import annotations

from pydantic import Field

from shared_models.contracts.fields import QueryInt, QueryText, QueryWords
from shared_models.contracts.ranges import DateRangeQuery

JOB_LIST_DEFAULT_LIMIT = 50
GLOBAL_LIST_DEFAULT_LIMIT = 20
MAX_LIMIT = 200

STATUS = "A status or a comma list of them (running, success, failed)"


class JobExecutionListQuery(DateRangeQuery):
    """GET /jobs/{job_id}/executions: the job's newest `limit` executions."""

    limit: QueryInt = Field(
        JOB_LIST_DEFAULT_LIMIT, description="Rows to return: default 50, at most 200, 0 for none; not an integer → 50"
    )
    status: QueryWords = Field((), description=STATUS)
    trigger_type: QueryText = Field(None, description="scheduled or manual")


class ExecutionListQuery(DateRangeQuery):
    """GET /executions: one page of every job's executions."""

    page: QueryInt = Field(1, description="1-based page, default 1; below 1 or not an integer → 1")
    limit: QueryInt = Field(
        GLOBAL_LIST_DEFAULT_LIMIT, description="Page size 1..200, default 20; not an integer → 20"
    )
    per_page: QueryInt = Field(
        GLOBAL_LIST_DEFAULT_LIMIT, description="Alias of `limit` (D9); `limit` wins when both are sent"
    )
    job_id: QueryText = Field(None, description="Only this job's executions")
    status: QueryWords = Field((), description=STATUS)
    trigger_type: QueryText = Field(None, description="scheduled or manual")
    execution_type: QueryText = Field(None, description="webhook or github_actions")

    @property
    def page_size(self) -> int:
        """`limit`, or `per_page` when `limit` was not sent (even a bad `limit` wins)."""
        return self.limit if "limit" in self.model_fields_set else self.per_page


class ExecutionStatisticsQuery(DateRangeQuery):
    """GET /executions/statistics: `job_id`, `from` and `to` only (§3.6.6)."""

    job_id: QueryText = Field(None, description="Only this job's executions")
