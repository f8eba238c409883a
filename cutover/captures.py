"""Capture switches: which routes the gateway records, the DB logic (service style).

    load_captures(session)                          -> {route_key: sample_rate} (the snapshot)
    set_capture(session=, route_key=, sample_rate=, actor=, reason=, known_keys=)
    apply_capture(session=, body=CaptureUpdate, actor=, known_keys=)   the same from the admin API's body
    list_captures(session=)                         -> rows for the CLI and the admin API

A rate of 0 turns a route's capture off (its row is deleted). Every change is audited
through the flags' audit trail (`cutover.flags`), under route key `capture:<route key>`
with states `off` / `sample:<rate>`, so `flags history` shows it next to flag changes.
Functions flush but never commit (the caller owns the transaction).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cutover.contracts import CaptureUpdate
from cutover.flags import _audit
from shared_models.clock import utcnow
from shared_models.errors import ApiError, invalid_payload
from shared_models.formats import utc_instant
from shared_models.models import CutoverCapture

AUDIT_PREFIX = "capture:"


def load_captures(session: Session) -> dict[str, float]:
    """One small SELECT: the captured route keys and their sample rates."""
    return {key: float(rate) for key, rate in session.execute(
        select(CutoverCapture.route_key, CutoverCapture.sample_rate)
    ) if rate > 0}


def _label(rate: float) -> str:
    return f"sample:{rate:g}" if rate > 0 else "off"


def _row_dict(row: CutoverCapture) -> dict[str, Any]:
    return {"route_key": row.route_key, "sample_rate": row.sample_rate,
            "updated_at": utc_instant(row.updated_at), "updated_by": row.updated_by}


def set_capture(*, session: Session, route_key: str, sample_rate: float, actor: str, reason: str | None = None,
                known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """Record `sample_rate` (0..1; 0 = off) of `route_key`'s requests; audited when it changes.

    400 on a rate outside 0..1, 404 on a key outside `known_keys`.
    """
    if not 0 <= sample_rate <= 1:
        raise invalid_payload('"sample_rate" must be a number from 0 to 1 (0 turns capture off).')
    if known_keys is not None and route_key not in known_keys:
        raise ApiError(404, "Not found", f"Unknown route {route_key!r}.")
    row = session.get(CutoverCapture, route_key, with_for_update=True)
    before = row.sample_rate if row else 0.0
    changed = before != sample_rate
    if changed:
        if sample_rate == 0:
            session.delete(row)
        else:
            if row is None:
                row = CutoverCapture(route_key=route_key)
                session.add(row)
            row.sample_rate, row.updated_by, row.updated_at = sample_rate, actor, utcnow()
        _audit(session, actor=actor, route_key=AUDIT_PREFIX + route_key, from_state=_label(before),
               to_state=_label(sample_rate), reason=reason, forced=False, parity=None)
        session.flush()
    return {"route_key": route_key, "sample_rate": sample_rate, "changed": changed}


def apply_capture(*, session: Session, body: CaptureUpdate, actor: str,
                  known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """`set_capture` from the admin API's body."""
    return set_capture(session=session, route_key=body.route_key, sample_rate=body.sample_rate, actor=actor,
                       reason=body.reason, known_keys=known_keys)


def list_captures(*, session: Session) -> list[dict[str, Any]]:
    """Every captured route, sorted by key."""
    return [_row_dict(row) for row in session.scalars(select(CutoverCapture).order_by(CutoverCapture.route_key))]
