"""What the console's buttons do: the same services as the CLI and the admin API.

    set_state(session, route_key=..., state="canary", percent="10", reason="...", force=False, ...)
    rollout_action(session, route_key=..., op="start", reason="...", steps="1,5,25,50,100", ...)
    all_back_to_legacy(session, actor=..., reason=...)

Each takes the operator's raw form values, refuses bad ones with the API's error shape
(`ApiError`, 400) and runs inside the caller's write transaction. Every action needs a
reason: it is what the audit trail keeps next to the actor (`console:<username>`). The
parity gate is `cutover.flags.set_flag`'s own: its 409 reaches the page as a refusal,
and `force` is only ever the operator's explicit choice (audited as forced).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cutover import flags, rollout
from shared_models.errors import ApiError, invalid_payload
from shared_models.models.rollouts import ACTIVE_ROLLOUT_STATES, Rollout

ROLLOUT_OPS = ("start", "pause", "resume", "abort")
CONFIRM_WORD = "legacy"
MAX_REASON = 500


def required_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ApiError(400, "Missing required fields", "A reason is required: it is kept in the audit trail.")
    if len(text) > MAX_REASON:
        raise invalid_payload(f"The reason must be at most {MAX_REASON} characters.")
    if "\x00" in text:  # PostgreSQL cannot store it; no reason needs it
        raise invalid_payload("The reason must not contain NUL characters.")
    return text


def _integer(value: str | None, name: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise invalid_payload(f'"{name}" must be an integer.') from None


def set_state(session: Session, *, route_key: str, state: str, percent: str | None, reason: str | None,
              force: bool, actor: str, known_keys: Collection[str]) -> dict[str, Any]:
    """Move one route (gate included); 409 from the gate unless `force`."""
    return flags.set_flag(session=session, route_key=route_key, state=state,
                          canary_percent=_integer(percent, "canary_percent"), actor=actor,
                          reason=required_reason(reason), force=force, known_keys=known_keys)


def rollout_action(session: Session, *, route_key: str, op: str, reason: str | None, actor: str,
                   known_keys: Collection[str], steps: str | None = None, hold: str | None = None,
                   min_requests: str | None = None) -> dict[str, Any]:
    """Start, pause, resume or abort the route's rollout (`cutover.rollout`)."""
    text = required_reason(reason)
    if route_key not in known_keys:
        raise ApiError(404, "Not found", f"Unknown route {route_key!r}.")
    if op == "start":
        return rollout.start(
            session=session, route_key=route_key, actor=actor, reason=text,
            steps=(steps or "").strip() or rollout.DEFAULT_STEPS,
            hold_seconds=(hold or "").strip() or rollout.DEFAULT_HOLD_SECONDS,
            min_requests=_integer(min_requests, "min_requests") or rollout.DEFAULT_MIN_REQUESTS,
            known_keys=known_keys,
        )
    if op == "pause":
        return rollout.pause(session=session, route_key=route_key, actor=actor, reason=text)
    if op == "resume":
        return rollout.resume(session=session, route_key=route_key, actor=actor, reason=text)
    if op == "abort":
        return rollout.abort(session=session, route_key=route_key, actor=actor, reason=text)
    raise invalid_payload(f'"op" must be one of {", ".join(ROLLOUT_OPS)}.')


def all_back_to_legacy(session: Session, *, actor: str, reason: str | None, confirm: str | None) -> list[str]:
    """Abort every active rollout, move every route to legacy and un-retire Flask.

    `confirm` must be the word `legacy`: the one switch that undoes the whole cutover is
    never a single click. Returns what changed (route keys and switches), each audited.
    """
    text = required_reason(reason)
    if (confirm or "").strip().lower() != CONFIRM_WORD:
        raise ApiError(400, "Confirmation required", f'Type "{CONFIRM_WORD}" to confirm.')
    changed: list[str] = []
    active = session.scalars(select(Rollout.route_key).where(Rollout.state.in_(ACTIVE_ROLLOUT_STATES))
                             .order_by(Rollout.route_key)).all()
    for route_key in active:
        rollout.abort(session=session, route_key=route_key, actor=actor, reason=f"all back to legacy: {text}")
        changed.append(route_key)
    for route_key, (state, _percent) in sorted(flags.load_table(session).flags.items()):
        if state != "legacy":
            flags.set_flag(session=session, route_key=route_key, state="legacy", actor=actor,
                           reason=f"all back to legacy: {text}")
            changed.append(route_key)
    if flags.switches(session=session).get(flags.FLASK_RETIRED):
        flags.set_switch(session=session, name=flags.FLASK_RETIRED, enabled=False, actor=actor,
                         reason=f"all back to legacy: {text}")
        changed.append(f"switch:{flags.FLASK_RETIRED}")
    return sorted(set(changed))
