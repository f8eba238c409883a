"""Cutover flags, switches, audit trail, parity gate and shadow counters: the DB logic.

Imports only `shared_models` (and the admin API's contracts), so the gateway, the CLI
and the v2 admin router (`cutover/admin_api.py`) share it without one HTTP stack
importing the other. Service style: keyword-only functions on a sync Session that
`flush()` but never commit (the caller owns the transaction; writers call `begin_write`
first).

    load_table(session)                       -> FlagTable (what the gateway's snapshot holds)
    set_flag(session=, route_key=, state=, canary_percent=, actor=, reason=, force=, known_keys=)
    set_switch(session=, name="flask_retired", enabled=, actor=, reason=, force=, known_keys=)
    apply_flag(session=, body=FlagUpdate, actor=, known_keys=)      set_flag from the admin API's body
    apply_switch(session=, name=, body=SwitchUpdate, actor=, known_keys=)   set_switch likewise
    auto_rollback(session=, route_key=, reason=)            actor "gateway"; True if it flipped
    list_flags / history / shadow_stats                      read views (plain dicts)
    record_shadow(session=, route_key=, matched=, request=, diff=, keep=, legacy_answer=, fastapi_answer=)
    record_shadow_batch(session=, counts={route_key: (matched, mismatched)}, samples=[ShadowSample], keep=)

Audit entries: `from_state`/`to_state` are the state, with the percentage for canary
(`"canary:25"`); `parity` is the route's latest ParityResult as JSON at that moment;
`forced` is true when `force` overrode a refusing gate. Switch changes are audited under
route_key `"switch:<name>"` with states `"on"`/`"off"`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cutover.contracts import FlagUpdate, SwitchUpdate
from shared_models.clock import utcnow
from shared_models.errors import ApiError, invalid_payload
from shared_models.formats import utc_instant
from shared_models.models.ops import (
    CUTOVER_STATES,
    CutoverAudit,
    CutoverFlag,
    CutoverSwitch,
    ParityResult,
    ShadowMismatch,
    ShadowStat,
)

STATES = CUTOVER_STATES
GATED_STATES = frozenset({"canary", "fastapi"})
"""States past `shadow`: FastAPI answers real callers, so parity must be green first."""
FLASK_RETIRED = "flask_retired"
SWITCHES = (FLASK_RETIRED,)
GATEWAY_ACTOR = "gateway"


@dataclass(frozen=True)
class FlagTable:
    """Every stored flag (route_key → (state, canary_percent)) and switch (name → enabled)."""

    flags: Mapping[str, tuple[str, int]]
    switches: Mapping[str, bool]

    def state(self, route_key: str) -> tuple[str, int]:
        return self.flags.get(route_key, ("legacy", 0))

    @cached_property
    def all_legacy(self) -> bool:
        """No route off `legacy`: what the console's "everything back to legacy" leaves."""
        return all(state == "legacy" for state, _ in self.flags.values())

    @property
    def flask_retired(self) -> bool:
        return self.switches.get(FLASK_RETIRED, False)


EMPTY_TABLE = FlagTable(flags={}, switches={})


def load_table(session: Session) -> FlagTable:
    """Two small SELECTs (tens of rows): cheap enough to poll twice a second."""
    flags = {key: (state, percent) for key, state, percent in session.execute(
        select(CutoverFlag.route_key, CutoverFlag.state, CutoverFlag.canary_percent)
    )}
    switches = {name: bool(enabled) for name, enabled in session.execute(
        select(CutoverSwitch.name, CutoverSwitch.enabled)
    )}
    return FlagTable(flags=flags, switches=switches)


# --- parity gate ----------------------------------------------------------------------


def latest_parity(session: Session, route_key: str) -> dict[str, Any] | None:
    """The route's latest ParityResult (by run_at) as plain data, with `green`."""
    row = session.scalars(
        select(ParityResult)
        .where(ParityResult.route_key == route_key)
        .order_by(ParityResult.run_at.desc(), ParityResult.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {
        "run_id": row.run_id,
        "run_at": utc_instant(row.run_at),
        "backend": row.backend,
        "cases": row.cases,
        "matched": row.matched,
        "mismatched": row.mismatched,
        "green": row.cases > 0 and row.mismatched == 0,
    }


def _gate_refusal(route_key: str, parity: Mapping[str, Any] | None) -> str | None:
    """Why the gate refuses this route (None when its latest parity result is green)."""
    if parity is None:
        return f"{route_key} has no parity result."
    if not parity["green"]:
        return (f"{route_key}: latest parity run {parity['run_id']} has {parity['mismatched']} "
                f"mismatched of {parity['cases']} cases.")
    return None


def _gate_error(refusals: list[str]) -> ApiError:
    return ApiError(409, "Parity not green", " ".join(refusals) + " Pass force to override (audited).")


# --- changes --------------------------------------------------------------------------


def _label(state: str, percent: int) -> str:
    return f"canary:{percent}" if state == "canary" else state


def _audit(session: Session, *, actor: str, route_key: str, from_state: str | None, to_state: str,
           reason: str | None, forced: bool, parity: Any) -> CutoverAudit:
    entry = CutoverAudit(actor=actor, route_key=route_key, from_state=from_state, to_state=to_state,
                         reason=reason, forced=forced, parity=json.dumps(parity, sort_keys=True))
    session.add(entry)
    return entry


def _flag_dict(route_key: str, row: CutoverFlag | None) -> dict[str, Any]:
    return {
        "route_key": route_key,
        "state": row.state if row else "legacy",
        "canary_percent": row.canary_percent if row else 0,
        "updated_at": utc_instant(row.updated_at) if row else None,
        "updated_by": row.updated_by if row else None,
    }


def set_flag(*, session: Session, route_key: str, state: str, canary_percent: int | None = None,
             actor: str, reason: str | None = None, force: bool = False,
             known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """Move one route to `state`; audited. Returns the flag and whether it changed.

    400 on an unknown state or a percentage outside 0..100 (canary needs one), 404 on a
    route key outside `known_keys`, 409 when the target is canary/fastapi and the
    route's latest parity result is not green, unless `force` (then `forced` is audited).
    """
    if state not in STATES:
        raise invalid_payload(f'"state" must be one of {", ".join(STATES)}.')
    if known_keys is not None and route_key not in known_keys:
        raise ApiError(404, "Not found", f"Unknown route {route_key!r}.")
    if state == "canary":
        if canary_percent is None or not 0 <= canary_percent <= 100:
            raise invalid_payload('"canary_percent" must be an integer from 0 to 100.')
    else:
        canary_percent = 0
    parity = latest_parity(session, route_key)
    refusal = _gate_refusal(route_key, parity) if state in GATED_STATES else None
    if refusal and not force:
        raise _gate_error([refusal])
    row = session.get(CutoverFlag, route_key, with_for_update=True)
    before = _label(row.state, row.canary_percent) if row else "legacy"
    after = _label(state, canary_percent)
    if before == after:
        return {**_flag_dict(route_key, row), "changed": False}
    if row is None:
        row = CutoverFlag(route_key=route_key)
        session.add(row)
    row.state, row.canary_percent, row.updated_by, row.updated_at = state, canary_percent, actor, utcnow()
    _audit(session, actor=actor, route_key=route_key, from_state=before, to_state=after, reason=reason,
           forced=bool(refusal), parity=parity)
    session.flush()
    return {**_flag_dict(route_key, row), "changed": True}


def set_switch(*, session: Session, name: str, enabled: bool, actor: str, reason: str | None = None,
               force: bool = False, known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """Turn a global switch on or off; audited under `switch:<name>`.

    Retiring Flask sends every route to FastAPI, so with `known_keys` the gate asks every
    one of them for a green parity result (409 listing the others, unless `force`).
    """
    if name not in SWITCHES:
        raise ApiError(404, "Not found", f"Unknown switch {name!r}.")
    figures = {key: latest_parity(session, key) for key in known_keys or ()}
    refusals = [r for key, p in figures.items() if (r := _gate_refusal(key, p))] if enabled else []
    if refusals and not force:
        raise _gate_error(refusals)
    row = session.get(CutoverSwitch, name, with_for_update=True)
    before = bool(row and row.enabled)
    if before != enabled:
        if row is None:
            row = CutoverSwitch(name=name)
            session.add(row)
        row.enabled, row.updated_by, row.updated_at = enabled, actor, utcnow()
        _audit(session, actor=actor, route_key=f"switch:{name}", from_state="on" if before else "off",
               to_state="on" if enabled else "off", reason=reason, forced=bool(refusals),
               parity={key: p for key, p in figures.items() if p is None or not p["green"]})
        session.flush()
    return {"name": name, "enabled": enabled, "changed": before != enabled}


def apply_flag(*, session: Session, body: FlagUpdate, actor: str,
               known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """`set_flag` from the admin API's body."""
    return set_flag(session=session, route_key=body.route_key, state=body.state, canary_percent=body.canary_percent,
                    actor=actor, reason=body.reason, force=body.force, known_keys=known_keys)


def apply_switch(*, session: Session, name: str, body: SwitchUpdate, actor: str,
                 known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """`set_switch` from the admin API's body."""
    return set_switch(session=session, name=name, enabled=body.enabled, actor=actor, reason=body.reason,
                      force=body.force, known_keys=known_keys)


def auto_rollback(*, session: Session, route_key: str, reason: str) -> bool:
    """Flip a canary/fastapi route back to legacy as actor "gateway".

    Conditional, so when several workers see the same burst only the first one flips and
    audits; returns whether this call did.
    """
    row = session.get(CutoverFlag, route_key, with_for_update=True)
    if row is None or row.state not in GATED_STATES:
        return False
    before = _label(row.state, row.canary_percent)
    flipped = session.execute(
        update(CutoverFlag)
        .where(CutoverFlag.route_key == route_key, CutoverFlag.state == row.state)
        .values(state="legacy", canary_percent=0, updated_by=GATEWAY_ACTOR, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not flipped:
        return False
    _audit(session, actor=GATEWAY_ACTOR, route_key=route_key, from_state=before, to_state="legacy",
           reason=reason, forced=False, parity=latest_parity(session, route_key))
    session.flush()
    return True


# --- read views -----------------------------------------------------------------------


def list_flags(*, session: Session, keys: Iterable[str]) -> list[dict[str, Any]]:
    """One entry per route (`keys` plus any stored flag), sorted, with parity and shadow figures."""
    rows = {row.route_key: row for row in session.scalars(select(CutoverFlag))}
    stats = {row.route_key: row for row in session.scalars(select(ShadowStat))}
    entries = []
    for key in sorted(set(keys) | set(rows)):
        stat = stats.get(key)
        entries.append({
            **_flag_dict(key, rows.get(key)),
            "parity": latest_parity(session, key),
            "shadow": {"compared": stat.compared, "matched": stat.matched, "mismatched": stat.mismatched}
            if stat else None,
        })
    return entries


def switches(*, session: Session) -> dict[str, bool]:
    table = load_table(session)
    return {name: table.switches.get(name, False) for name in SWITCHES}


def history(*, session: Session, route_key: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Audit entries, newest first."""
    query = select(CutoverAudit).order_by(CutoverAudit.at.desc(), CutoverAudit.id.desc())
    if route_key:
        query = query.where(CutoverAudit.route_key == route_key)
    return [{
        "id": entry.id,
        "at": utc_instant(entry.at),
        "actor": entry.actor,
        "route_key": entry.route_key,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "reason": entry.reason,
        "forced": entry.forced,
        "parity": json.loads(entry.parity) if entry.parity else None,
    } for entry in session.scalars(query.limit(max(1, min(limit, 1000))))]


def shadow_stats(*, session: Session, route_key: str | None = None, mismatches: int = 5) -> list[dict[str, Any]]:
    """Counters per route with its most recent mismatches (newest first)."""
    query = select(ShadowStat).order_by(ShadowStat.route_key)
    if route_key:
        query = query.where(ShadowStat.route_key == route_key)
    result = []
    for stat in session.scalars(query):
        recent = session.scalars(
            select(ShadowMismatch).where(ShadowMismatch.route_key == stat.route_key)
            .order_by(ShadowMismatch.at.desc(), ShadowMismatch.id.desc()).limit(mismatches)
        )
        result.append({
            "route_key": stat.route_key,
            "compared": stat.compared,
            "matched": stat.matched,
            "mismatched": stat.mismatched,
            "updated_at": utc_instant(stat.updated_at),
            "recent_mismatches": [
                {"at": utc_instant(m.at), "request": m.request, "diff": m.diff} for m in recent
            ],
        })
    return result


# --- shadow counters ------------------------------------------------------------------


def _bump(session: Session, route_key: str, matched: int, mismatched: int) -> int:
    return session.execute(
        update(ShadowStat)
        .where(ShadowStat.route_key == route_key)
        .values(compared=ShadowStat.compared + matched + mismatched,
                matched=ShadowStat.matched + matched,
                mismatched=ShadowStat.mismatched + mismatched,
                updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def _count(session: Session, route_key: str, matched: int, mismatched: int) -> None:
    """Add to the route's counters: an atomic `x = x + n`, safe across workers."""
    if not _bump(session, route_key, matched, mismatched):
        try:
            with session.begin_nested():
                session.add(ShadowStat(route_key=route_key, compared=matched + mismatched, matched=matched,
                                       mismatched=mismatched))
        except IntegrityError:  # another worker inserted the row first
            _bump(session, route_key, matched, mismatched)


def _prune(session: Session, route_key: str, keep: int) -> None:
    newest = (select(ShadowMismatch.id).where(ShadowMismatch.route_key == route_key)
              .order_by(ShadowMismatch.at.desc(), ShadowMismatch.id.desc()).limit(keep))
    session.execute(
        delete(ShadowMismatch)
        .where(ShadowMismatch.route_key == route_key, ShadowMismatch.id.not_in(newest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def record_shadow(*, session: Session, route_key: str, matched: bool, request: str = "",
                  diff: str = "", keep: int = 20, legacy_answer: str | None = None,
                  fastapi_answer: str | None = None) -> None:
    """Count one comparison and keep the mismatch with both answers (`cutover.answers.capture`),
    pruning the route's samples to the newest `keep`."""
    sample = None if matched else ShadowSample(route_key=route_key, request=request, diff=diff,
                                               legacy_answer=legacy_answer, fastapi_answer=fastapi_answer)
    record_shadow_batch(session=session, counts={route_key: (int(matched), int(not matched))},
                        samples=[sample] if sample else [], keep=keep)


@dataclass(frozen=True)
class ShadowSample:
    """One mismatch to keep: the request line, the readable diff and both answers."""

    route_key: str
    request: str
    diff: str
    legacy_answer: str | None = None
    fastapi_answer: str | None = None
    at: datetime | None = None


def record_shadow_batch(*, session: Session, counts: Mapping[str, tuple[int, int]],
                        samples: Sequence[ShadowSample] = (), keep: int = 20) -> None:
    """Add a batch of verdicts: `counts` is route_key → (matched, mismatched), `samples`
    the mismatches to keep (oldest first); each touched route is pruned to its newest `keep`.

    One transaction per batch instead of one per comparison: the shadow path writes this
    about once a second per worker. Routes are updated in key order (no deadlock between
    two workers flushing at once on PostgreSQL).
    """
    for route_key in sorted(counts):
        matched, mismatched = counts[route_key]
        if matched or mismatched:
            _count(session, route_key, matched, mismatched)
    if not samples:
        return
    for sample in samples:
        session.add(ShadowMismatch(route_key=sample.route_key, request=sample.request, diff=sample.diff,
                                   legacy_answer=sample.legacy_answer, fastapi_answer=sample.fastapi_answer,
                                   **({"at": sample.at} if sample.at is not None else {})))
    session.flush()
    for route_key in sorted({sample.route_key for sample in samples}):
        _prune(session, route_key, keep)


def shadow_total(session: Session, route_key: str) -> int:
    """How many comparisons a route has (tests and the CLI)."""
    return session.scalar(select(func.coalesce(func.sum(ShadowStat.compared), 0))
                          .where(ShadowStat.route_key == route_key)) or 0
