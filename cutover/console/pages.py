"""What each console page shows, read through the functions the CLI and the admin API use.

    overview(session, keys=..., now=..., resource=None, state=None)   # progress + one row per route
    route_page(session, route_key=..., keys=..., now=...)             # flag, rollout, mismatches, audit
    audit(session, limit=200)                                          # the whole audit trail

The figures are `cutover.flags.list_flags` (state, parity, shadow: what `python -m cutover
flags list` prints), `cutover.figures` over the last hour (requests, p50/p99, 5xx per
stack, and FastAPI's share) and `cutover.rollout.status` / `decisions`. Nothing here
computes a figure of its own beyond rates and ages, so the console and the CLI agree.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cutover import figures, flags, rollout
from cutover.answers import load
from cutover.console.diff import side_by_side
from shared_models.formats import utc_instant
from shared_models.models.ops import ShadowMismatch

WINDOW = timedelta(hours=1)
STATES = flags.STATES
ACTIVE_ROLLOUT = ("running", "paused")


def resource_of(route_key: str) -> str:
    """`GET /api/jobs/<job_id>` -> `jobs` (the first path segment after /api)."""
    path = route_key.split(" ", 1)[-1]
    parts = [part for part in path.split("/") if part]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "")


def age(instant: str | None, now: datetime) -> str | None:
    """`2026-12-06T10:00:00.000Z` seen at `now` -> `3h 5m ago`."""
    if not instant:
        return None
    seconds = max(0, int((now - datetime.fromisoformat(instant.replace("Z", "+00:00"))).total_seconds()))
    if seconds < 60:
        return f"{seconds}s ago"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m ago"
    return f"{seconds // 86400}d ago"


def state_label(state: str, percent: int) -> str:
    return f"canary {percent}%" if state == "canary" else state


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _row(entry: dict[str, Any], arms: dict[str, dict[str, Any]], latest: dict[str, Any] | None,
         now: datetime) -> dict[str, Any]:
    shadow = entry["shadow"]
    parity = entry["parity"]
    return {
        **entry,
        "resource": resource_of(entry["route_key"]),
        "label": state_label(entry["state"], entry["canary_percent"]),
        "parity_age": age(parity["run_at"], now) if parity else None,
        "shadow_rate": _rate(shadow["matched"], shadow["compared"]) if shadow else None,
        "arms": {stack: arms.get(stack) for stack in figures.STACKS},
        "rollout": latest,
        "rollout_active": bool(latest and latest["state"] in ACTIVE_ROLLOUT),
    }


def overview(session: Session, *, keys: Collection[str], now: datetime, resource: str | None = None,
             state: str | None = None) -> dict[str, Any]:
    """Progress, FastAPI's share of the last hour and one row per route (filtered)."""
    since = now - WINDOW
    entries = flags.list_flags(session=session, keys=keys)
    arms: dict[str, dict[str, dict[str, Any]]] = {}
    for item in figures.route_figures(session, since=since):
        arms.setdefault(item["route_key"], {})[item["stack"]] = item
    rollouts = {item["route_key"]: item for item in rollout.status(session)}
    rows = [_row(entry, arms.get(entry["route_key"], {}), rollouts.get(entry["route_key"]), now)
            for entry in entries]
    counts = {name: sum(1 for row in rows if row["state"] == name) for name in STATES}
    shown = [row for row in rows if (not resource or row["resource"] == resource)
             and (not state or row["state"] == state)]
    return {
        "rows": shown,
        "total": len(rows),
        "counts": counts,
        "share": figures.fastapi_share(session, since=since),
        "switches": flags.switches(session=session),
        "resources": sorted({row["resource"] for row in rows}),
        "states": STATES,
        "resource": resource or "",
        "state": state or "",
        "running": [row for row in rows if row["rollout_active"]],
        "generated_at": utc_instant(now),
    }


def mismatches(session: Session, *, route_key: str, limit: int = 5) -> list[dict[str, Any]]:
    """The route's last kept mismatches, newest first, each with its side-by-side diff."""
    found = session.scalars(
        select(ShadowMismatch).where(ShadowMismatch.route_key == route_key)
        .order_by(ShadowMismatch.at.desc(), ShadowMismatch.id.desc()).limit(limit)
    )
    return [{
        "id": row.id,
        "at": utc_instant(row.at),
        "request": row.request,
        "diff_lines": row.diff.splitlines(),
        "sides": side_by_side(load(row.legacy_answer), load(row.fastapi_answer)),
    } for row in found]


def route_page(session: Session, *, route_key: str, keys: Collection[str], now: datetime) -> dict[str, Any] | None:
    """Everything about one route; None when the route is unknown."""
    entries = [entry for entry in flags.list_flags(session=session, keys=keys) if entry["route_key"] == route_key]
    if not entries:
        return None
    since = now - WINDOW
    arms = {item["stack"]: item for item in figures.route_figures(session, since=since, route_key=route_key)}
    latest = rollout.status(session, route_key=route_key)
    return {
        "route": _row(entries[0], arms, latest[0] if latest else None, now),
        "mismatches": mismatches(session, route_key=route_key),
        "history": flags.history(session=session, route_key=route_key, limit=50),
        "decisions": rollout.decisions(session, route_key=route_key, limit=50),
        "defaults": {"steps": ",".join(map(str, rollout.DEFAULT_STEPS)), "hold": "10m",
                     "min_requests": rollout.DEFAULT_MIN_REQUESTS},
    }


def audit(session: Session, *, limit: int = 200) -> dict[str, Any]:
    return {"history": flags.history(session=session, limit=limit)}
