"""Progressive rollouts: operator actions, what the judge applies, and the read views.

A rollout walks one route through canary steps (percent of callers on FastAPI, e.g.
1, 5, 25, 50, 100). The flag itself moves only through `cutover.flags.set_flag`, so
every step is in the flag audit trail too (actor `rollout`, or the operator's), with
the figures behind it in the reason. The judge (`cutover.judge`) calls `promote`,
`roll_back`, `note_wait` and `end_superseded`; operators call `start` (`start_from`
with the admin API's body), `pause`, `resume` and `abort` (CLI `python -m cutover
rollout ...`, admin API `/api/v2/admin/cutover/rollouts`). Service style as in
`cutover.flags`: keyword-only functions on a sync Session that flush and never commit
(writers `begin_write` first).

Read views (plain dicts; the CLI, the admin API and the ops console call these):

    status(session)                        # every route's latest rollout, sorted by route
    status(session, route_key="GET /api/jobs")
    decisions(session, route_key="GET /api/jobs", limit=50)   # newest first

A paused rollout keeps its canary share; resuming starts the step's window afresh (the
evidence of a step is what was served since `step_started_at`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cutover import flags
from cutover.contracts import DEFAULT_HOLD_SECONDS, DEFAULT_MIN_REQUESTS, DEFAULT_STEPS, RolloutStart
from cutover.verdict import Verdict
from shared_models.clock import utcnow
from shared_models.errors import ApiError, invalid_payload
from shared_models.formats import utc_instant
from shared_models.models.rollouts import ACTIVE_ROLLOUT_STATES, Rollout, RolloutDecision

JUDGE_ACTOR = "rollout"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


# --- parsing operator input ---------------------------------------------------------


def parse_steps(value: str | Sequence[int]) -> tuple[int, ...]:
    """`"1,5,25,50,100"` → (1, 5, 25, 50, 100): increasing percents from 1 to 100, ending at 100."""
    try:
        steps = tuple(int(part) for part in value.split(",")) if isinstance(value, str) else tuple(
            int(part) for part in value)
    except (TypeError, ValueError):
        raise invalid_payload('"steps" must be comma-separated integers, e.g. "1,5,25,50,100".') from None
    if not steps or steps[-1] != 100 or any(not 1 <= s <= 100 for s in steps) or list(steps) != sorted(set(steps)):
        raise invalid_payload('"steps" must be increasing percents from 1 to 100 and end at 100.')
    return steps


def parse_duration(value: str | float) -> float:
    """`"10m"` → 600.0 (units ms, s, m, h; a bare number is seconds); must be > 0."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if match is None:
            raise invalid_payload('"hold" must be a duration such as "90s", "10m" or "1h".')
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not 0 < seconds <= 7 * 24 * 3600:
        raise invalid_payload('"hold" must be more than 0 and at most a week.')
    return seconds


# --- rows as plain data -------------------------------------------------------------


def _steps(row: Rollout) -> list[int]:
    return [int(part) for part in row.steps.split(",")]


def percent(row: Rollout) -> int:
    """The canary share of the rollout's current step."""
    return _steps(row)[row.step_index]


def _rollout_dict(row: Rollout) -> dict[str, Any]:
    return {
        "id": row.id,
        "route_key": row.route_key,
        "state": row.state,
        "steps": _steps(row),
        "step_index": row.step_index,
        "percent": percent(row),
        "hold_seconds": row.hold_seconds,
        "min_requests": row.min_requests,
        "started_at": utc_instant(row.started_at),
        "started_by": row.started_by,
        "step_started_at": utc_instant(row.step_started_at),
        "updated_at": utc_instant(row.updated_at),
        "finished_at": utc_instant(row.finished_at),
        "verdict": None if row.verdict is None else {
            "kind": row.verdict,
            "reason": row.verdict_reason,
            "figures": json.loads(row.figures) if row.figures else None,
            "judged_at": utc_instant(row.judged_at),
        },
    }


def _decision_dict(row: RolloutDecision) -> dict[str, Any]:
    return {
        "id": row.id,
        "rollout_id": row.rollout_id,
        "route_key": row.route_key,
        "at": utc_instant(row.at),
        "actor": row.actor,
        "action": row.action,
        "step_index": row.step_index,
        "from_percent": row.from_percent,
        "to_percent": row.to_percent,
        "reason": row.reason,
        "figures": json.loads(row.figures) if row.figures else None,
    }


# --- read views -----------------------------------------------------------------------


def status(session: Session, route_key: str | None = None) -> list[dict[str, Any]]:
    """Every route's latest rollout (or that one route's), sorted by route key."""
    query = select(Rollout).order_by(Rollout.route_key, Rollout.started_at.desc(), Rollout.id.desc())
    if route_key is not None:
        query = query.where(Rollout.route_key == route_key)
    latest: dict[str, Rollout] = {}
    for row in session.scalars(query):
        latest.setdefault(row.route_key, row)
    return [_rollout_dict(row) for row in latest.values()]


def decisions(session: Session, route_key: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Rollout decisions (every step, rollback and operator action), newest first."""
    query = select(RolloutDecision).order_by(RolloutDecision.at.desc(), RolloutDecision.id.desc())
    if route_key is not None:
        query = query.where(RolloutDecision.route_key == route_key)
    return [_decision_dict(row) for row in session.scalars(query.limit(max(1, min(limit, 1000))))]


def running(session: Session) -> list[Rollout]:
    """The rollouts the judge works on."""
    return list(session.scalars(select(Rollout).where(Rollout.state == "running").order_by(Rollout.route_key)))


def active(session: Session, route_key: str) -> Rollout | None:
    """The route's running or paused rollout, locked for update."""
    return session.scalars(
        select(Rollout).where(Rollout.route_key == route_key, Rollout.state.in_(ACTIVE_ROLLOUT_STATES))
        .with_for_update()
    ).first()


# --- operator actions -----------------------------------------------------------------


def _decide(session: Session, row: Rollout, *, actor: str, action: str, reason: str | None,
            from_percent: int | None, to_percent: int | None, figures: Any = None) -> None:
    session.add(RolloutDecision(
        rollout_id=row.id, route_key=row.route_key, actor=actor, action=action, step_index=row.step_index,
        from_percent=from_percent, to_percent=to_percent, reason=reason,
        figures=None if figures is None else json.dumps(figures, sort_keys=True),
    ))


def _audit_reason(text: str, figures: Any = None) -> str:
    """The reason written to the flag audit: the words, then the figures as JSON."""
    return text if figures is None else f"{text} | figures {json.dumps(figures, sort_keys=True)}"


def start(*, session: Session, route_key: str, actor: str, steps: Sequence[int] = DEFAULT_STEPS,
          hold_seconds: float = DEFAULT_HOLD_SECONDS, min_requests: int = DEFAULT_MIN_REQUESTS,
          reason: str | None = None, known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """Start a rollout: the route goes to canary at the first step (audited).

    404 for an unknown route, 400 for bad steps/hold/min_requests, 409 when the route
    already has a running or paused rollout or its parity is not green (the flag gate).
    """
    if known_keys is not None and route_key not in known_keys:
        raise ApiError(404, "Not found", f"Unknown route {route_key!r}.")
    steps = parse_steps(steps)
    hold_seconds = parse_duration(hold_seconds)
    if isinstance(min_requests, bool) or not isinstance(min_requests, int) or min_requests < 1:
        raise invalid_payload('"min_requests" must be a positive integer.')
    if active(session, route_key) is not None:
        raise ApiError(409, "Rollout in progress", f"{route_key} already has a running or paused rollout.")
    now = utcnow()
    row = Rollout(route_key=route_key, state="running", steps=",".join(map(str, steps)), step_index=0,
                  hold_seconds=hold_seconds, min_requests=min_requests, started_at=now, started_by=actor,
                  step_started_at=now, updated_at=now)
    before = flags.load_table(session).state(route_key)
    words = f"rollout start: step 1/{len(steps)} at {steps[0]}%" + (f" ({reason})" if reason else "")
    flags.set_flag(session=session, route_key=route_key, state="canary", canary_percent=steps[0], actor=actor,
                   reason=words)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # another operator started one at the same moment
        raise ApiError(409, "Rollout in progress", f"{route_key} already has a running or paused rollout.") from None
    _decide(session, row, actor=actor, action="start", reason=reason,
            from_percent=before[1] if before[0] == "canary" else None, to_percent=steps[0])
    session.flush()
    return _rollout_dict(row)


def start_from(*, session: Session, body: RolloutStart, actor: str,
               known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """`start` from the admin API's body."""
    return start(session=session, route_key=body.route_key, actor=actor, steps=body.steps, hold_seconds=body.hold,
                 min_requests=body.min_requests, reason=body.reason, known_keys=known_keys)


def _require_active(session: Session, route_key: str, states: tuple[str, ...]) -> Rollout:
    row = active(session, route_key)
    if row is None or row.state not in states:
        wanted = " or ".join(states)
        raise ApiError(409, "No such rollout", f"{route_key} has no {wanted} rollout.")
    return row


def pause(*, session: Session, route_key: str, actor: str, reason: str | None = None) -> dict[str, Any]:
    """Stop judging; the canary share stays where it is."""
    row = _require_active(session, route_key, ("running",))
    row.state, row.updated_at = "paused", utcnow()
    _decide(session, row, actor=actor, action="pause", reason=reason, from_percent=percent(row),
            to_percent=percent(row))
    session.flush()
    return _rollout_dict(row)


def resume(*, session: Session, route_key: str, actor: str, reason: str | None = None) -> dict[str, Any]:
    """Judge again, the current step's window starting now."""
    row = _require_active(session, route_key, ("paused",))
    now = utcnow()
    row.state, row.step_started_at, row.updated_at = "running", now, now
    _decide(session, row, actor=actor, action="resume", reason=reason, from_percent=percent(row),
            to_percent=percent(row))
    session.flush()
    return _rollout_dict(row)


def _finish(row: Rollout, state: str) -> None:
    now = utcnow()
    row.state, row.finished_at, row.updated_at = state, now, now


def abort(*, session: Session, route_key: str, actor: str, reason: str | None = None) -> dict[str, Any]:
    """End the rollout and send the route back to legacy (audited)."""
    row = _require_active(session, route_key, ACTIVE_ROLLOUT_STATES)
    before = percent(row)
    _finish(row, "aborted")
    flags.set_flag(session=session, route_key=route_key, state="legacy", actor=actor,
                   reason="rollout abort" + (f": {reason}" if reason else ""))
    _decide(session, row, actor=actor, action="abort", reason=reason, from_percent=before, to_percent=0)
    session.flush()
    return _rollout_dict(row)


# --- what the judge applies -----------------------------------------------------------


def note_wait(session: Session, row: Rollout, verdict: Verdict) -> None:
    """Keep the latest judgement on the row (the step waits; no decision row)."""
    row.verdict, row.verdict_reason = verdict.kind, verdict.reason
    row.figures, row.judged_at = json.dumps(verdict.figures, sort_keys=True), utcnow()


def promote(session: Session, row: Rollout, verdict: Verdict, *, actor: str = JUDGE_ACTOR) -> None:
    """The step passed: the next step's share, or `fastapi` after the last (audited)."""
    note_wait(session, row, verdict)
    steps, before = _steps(row), percent(row)
    now = utcnow()
    if row.step_index + 1 >= len(steps):
        flags.set_flag(session=session, route_key=row.route_key, state="fastapi", actor=actor,
                       reason=_audit_reason(f"rollout complete after {before}%", verdict.figures))
        _finish(row, "completed")
        _decide(session, row, actor=actor, action="complete", reason=verdict.reason, from_percent=before,
                to_percent=100, figures=verdict.figures)
    else:
        after = steps[row.step_index + 1]
        flags.set_flag(session=session, route_key=row.route_key, state="canary", canary_percent=after,
                       actor=actor, reason=_audit_reason(
                           f"rollout step {row.step_index + 2}/{len(steps)}: {before}% -> {after}%", verdict.figures))
        _decide(session, row, actor=actor, action="promote", reason=verdict.reason, from_percent=before,
                to_percent=after, figures=verdict.figures)
        row.step_index += 1
        row.step_started_at = row.updated_at = now
    session.flush()


def roll_back(session: Session, row: Rollout, verdict: Verdict, *, actor: str = JUDGE_ACTOR) -> None:
    """The step failed: the route goes back to legacy (audited with the figures)."""
    note_wait(session, row, verdict)
    before = percent(row)
    flags.set_flag(session=session, route_key=row.route_key, state="legacy", actor=actor,
                   reason=_audit_reason(f"rollout rollback at {before}%: {verdict.reason}", verdict.figures))
    _finish(row, "rolled_back")
    _decide(session, row, actor=actor, action="rollback", reason=verdict.reason, from_percent=before,
            to_percent=0, figures=verdict.figures)
    session.flush()


def end_superseded(session: Session, row: Rollout, flag: tuple[str, int], changed_by: str | None) -> None:
    """Someone else moved the flag (the gateway's auto-rollback, an operator): stop here.

    Back at legacy counts as rolled back; any other state as aborted.
    """
    state = "rolled_back" if flag[0] == "legacy" else "aborted"
    reason = f"flag moved to {flag[0]}{f' {flag[1]}%' if flag[0] == 'canary' else ''} by {changed_by or 'unknown'}"
    before = percent(row)
    _finish(row, state)
    row.verdict, row.verdict_reason, row.judged_at = "superseded", reason, utcnow()
    _decide(session, row, actor=changed_by or JUDGE_ACTOR, action="rollback" if state == "rolled_back" else "abort",
            reason=reason, from_percent=before, to_percent=flag[1] if flag[0] == "canary" else
            (100 if flag[0] == "fastapi" else 0))
    session.flush()
