"""What the health routes report about the scheduler in this process (D16).

The scheduler (when this process is its leader) publishes here; both HTTP stacks read.
"""

from __future__ import annotations

from collections.abc import Callable

_job_count: Callable[[], int] | None = None


def publish(job_count: Callable[[], int] | None) -> None:
    """Called by the scheduler: a callable counting its jobs, or None when it stops."""
    global _job_count
    _job_count = job_count


def is_running() -> bool:
    return _job_count is not None


def scheduled_jobs_count() -> int:
    counter = _job_count
    return counter() if counter is not None else 0
