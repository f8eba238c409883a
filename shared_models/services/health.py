"""GET /health (D16): the same answer from both stacks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from shared_models import scheduler_status


def health(*, session: Session) -> tuple[int, dict[str, Any]]:
    """200 healthy, or 503 unhealthy when the database does not answer."""
    try:
        session.execute(PROBE)
        database_ok = True
    except SQLAlchemyError:
        session.rollback()
        database_ok = False
    return health_answer(database_ok)


PROBE = text("SELECT 1")


def health_answer(database_ok: bool) -> tuple[int, dict[str, Any]]:
    """The status and body, given whether the database answered the probe."""
    body = {
        "status": "healthy" if database_ok else "unhealthy",
        "scheduler_running": scheduler_status.is_running(),
        "scheduled_jobs_count": scheduler_status.scheduled_jobs_count(),
        "database": "ok" if database_ok else "error",
    }
    return (200 if database_ok else 503), body
