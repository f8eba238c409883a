"""`python -m cutover rollout ...`: start, status, pause, resume, abort (same DB, same
audit as /api/v2/admin/cutover/rollouts).

    rollout start "GET /api/jobs" --steps 1,5,25,50,100 --hold 10m --min-requests 500
    rollout status ["GET /api/jobs"] [--decisions 5] [--json]
    rollout pause|resume|abort "GET /api/jobs" [--reason "..."]

`status` prints each route's latest rollout: its state, step and share, how long the
step has held, the judge's latest verdict with both arms' figures, and the newest
decisions. The judge itself runs in the gateway (`cutover.judge`), not here.
"""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from cutover import rollout
from shared_models.db import begin_write

ACTIONS = {"pause": rollout.pause, "resume": rollout.resume, "abort": rollout.abort}


def add_rollout_commands(commands: Any) -> None:
    """The `rollout` sub-commands, added to the CLI's sub-parsers."""
    actions = commands.add_parser("rollout", help="progressive rollouts judged against the legacy arm") \
        .add_subparsers(dest="action", required=True)
    start = actions.add_parser("start", help="move a route to canary at the first step; the judge does the rest")
    start.add_argument("route_key", help='e.g. "GET /api/jobs"')
    start.add_argument("--steps", default=",".join(map(str, rollout.DEFAULT_STEPS)),
                       help="canary percents, increasing, ending at 100 (default 1,5,25,50,100)")
    start.add_argument("--hold", default="10m", help="least time per step: 90s, 10m, 1h (default 10m)")
    start.add_argument("--min-requests", type=int, default=rollout.DEFAULT_MIN_REQUESTS,
                       help="requests each arm needs in a step's window (default 500)")
    start.add_argument("--reason")
    start.add_argument("--actor", default=f"cli:{getpass.getuser()}")
    status = actions.add_parser("status", help="each route's latest rollout, verdict and decisions")
    status.add_argument("route_key", nargs="?")
    status.add_argument("--decisions", type=int, default=5, help="newest decisions shown per route")
    status.add_argument("--json", action="store_true")
    for name, action in ACTIONS.items():
        parser = actions.add_parser(name, help=(action.__doc__ or "").splitlines()[0])
        parser.add_argument("route_key")
        parser.add_argument("--reason")
        parser.add_argument("--actor", default=f"cli:{getpass.getuser()}")


def run_rollout(args: argparse.Namespace, session: Session, *, known_keys: Collection[str] | None) -> int:
    if args.action == "status":
        rows = rollout.status(session, args.route_key)
        for row in rows:
            row["decisions"] = rollout.decisions(session, row["route_key"], limit=args.decisions)
        print(json.dumps(rows, indent=2) if args.json else "\n".join(map(status_text, rows)) or "no rollouts")
        return 0
    begin_write(session)
    if args.action == "start":
        result = rollout.start(session=session, route_key=args.route_key, actor=args.actor, steps=args.steps,
                               hold_seconds=args.hold, min_requests=args.min_requests, reason=args.reason,
                               known_keys=known_keys)
    else:
        result = ACTIONS[args.action](session=session, route_key=args.route_key, actor=args.actor,
                                      reason=args.reason)
    session.commit()
    print(status_text(result))
    return 0


def _arm(name: str, arm: dict[str, Any] | None) -> str:
    if not arm:
        return f"    {name:<8} -"
    rate = "-" if arm.get("error_rate") is None else f"{arm['error_rate']:.4f}"
    p50 = "-" if arm.get("p50_ms") is None else f"{arm['p50_ms']} ms"
    p99 = "-" if arm.get("p99_ms") is None else f"{arm['p99_ms']} ms"
    return (f"    {name:<8} requests {arm.get('requests', 0):<7} 5xx {arm.get('errors_5xx', 0)} ({rate})  "
            f"p50 {p50}  p99 {p99}")


def _share(percent: int | None) -> str:
    return "-" if percent is None else f"{percent}%"


def status_text(row: dict[str, Any]) -> str:
    """A rollout as an operator reads it (the JSON of `rollout.status` has it all)."""
    steps = row["steps"]
    lines = [f"{row['route_key']}  {row['state']}  step {row['step_index'] + 1}/{len(steps)} at {row['percent']}% "
             f"(steps {','.join(map(str, steps))}; hold {row['hold_seconds']:g}s, min {row['min_requests']} "
             f"requests per arm; step since {row['step_started_at']})"]
    verdict = row["verdict"]
    if verdict is not None:
        lines.append(f"  verdict {verdict['kind']} at {verdict['judged_at']}: {verdict['reason']}")
        figures = verdict["figures"] or {}
        if "legacy" in figures:
            lines += [_arm("legacy", figures.get("legacy")), _arm("fastapi", figures.get("fastapi"))]
            lines.append(f"    z {figures.get('z')}  p {figures.get('p_value')}  p99 ratio {figures.get('p99_ratio')}"
                         f"  held {figures.get('held_seconds')}s  shadow mismatches "
                         f"{figures.get('shadow_mismatches')}  parity mismatches {figures.get('parity_mismatches')}")
    for decision in row.get("decisions", ()):
        moved = f"{_share(decision['from_percent'])} -> {_share(decision['to_percent'])}"
        lines.append(f"  {decision['at']}  {decision['actor']:<14} {decision['action']:<9} {moved:<14} "
                     f"{decision['reason'] or ''}".rstrip())
    return "\n".join(lines)
