"""Builders shared by the ops tests (rollouts, figures, metrics, request logs).

Kept out of a conftest on purpose: tests/cutover/gateway/conftest.py serves the gateway
tests only; `green` is copied from it minimally.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cutover import flags
from shared_models.db import begin_write
from shared_models.models.ops import ParityResult


def green(db: Session, route_key: str, *, mismatched: int = 0) -> None:
    """A parity result for `route_key` (green unless `mismatched`)."""
    db.add(ParityResult(run_id="run-1", route_key=route_key, backend="sqlite", cases=10,
                        matched=10 - mismatched, mismatched=mismatched))
    db.commit()


def flag_of(db: Session, route_key: str) -> tuple[str, int]:
    db.rollback()
    state = flags.load_table(db).state(route_key)
    db.rollback()
    return state


def write(db: Session, action, **kwargs):  # noqa: ANN001, ANN201 - any service call
    """Run one write service call in its own committed transaction."""
    begin_write(db)
    result = action(session=db, **kwargs)
    db.commit()
    return result
