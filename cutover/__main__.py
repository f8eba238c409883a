"""Operator CLI for the cutover (same DB, same audit trail as /api/v2/admin/cutover).

    python -m cutover routes                         # the route map and unpaired routes
    python -m cutover flags list [--json]
    python -m cutover flags set "GET /api/jobs" canary --percent 25 --reason "..." [--force]
    python -m cutover flags history ["GET /api/jobs"] [--limit 50] [--json]
    python -m cutover switch flask_retired on|off --reason "..." [--force]
    python -m cutover shadow stats ["GET /api/jobs"] [--json]
    python -m cutover rollout start "GET /api/jobs" [--steps 1,5,25,50,100] [--hold 10m] [--min-requests 500]
    python -m cutover rollout status ["GET /api/jobs"] [--decisions 10] [--json]
    python -m cutover rollout pause|resume|abort "GET /api/jobs" [--reason "..."]
    python -m cutover capture list [--json]
    python -m cutover capture set "GET /api/jobs" 0.1 --reason "..."   # record 10 % (0 = off)
    python -m cutover capture off "GET /api/jobs" --reason "..."

Changes are audited with actor `cli:<login>` unless `--actor` says otherwise. A refusal
(unknown route, parity not green, ...) prints the API's message and exits with 1.
Uses the settings of the environment (DATABASE_URL, ...).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from cutover import captures, flags
from cutover.registry import describe, load_registry
from cutover.rollout_cli import add_rollout_commands, run_rollout
from shared_models.db import begin_write, make_engine, make_sessionmaker
from shared_models.errors import ApiError
from shared_models.settings import get_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cutover", description="Flask → FastAPI cutover flags.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("routes", help="the route map (legacy route ↔ v2 twin) and unpaired routes")

    flag_cmd = commands.add_parser("flags", help="per-route flags").add_subparsers(dest="action", required=True)
    listing = flag_cmd.add_parser("list", help="every route's state, parity and shadow figures")
    listing.add_argument("--json", action="store_true")
    setting = flag_cmd.add_parser("set", help="move a route to a state (audited)")
    setting.add_argument("route_key", help='e.g. "GET /api/jobs/<job_id>"')
    setting.add_argument("state", choices=flags.STATES)
    setting.add_argument("--percent", type=int, help="canary share of callers, 0..100")
    setting.add_argument("--reason", help="why (kept in the audit trail)")
    setting.add_argument("--force", action="store_true", help="override a parity gate refusal (audited)")
    setting.add_argument("--actor", default=f"cli:{getpass.getuser()}")
    hist = flag_cmd.add_parser("history", help="the audit trail, newest first")
    hist.add_argument("route_key", nargs="?")
    hist.add_argument("--limit", type=int, default=50)
    hist.add_argument("--json", action="store_true")

    switch = commands.add_parser("switch", help="a global switch (audited)")
    switch.add_argument("name", choices=flags.SWITCHES)
    switch.add_argument("value", choices=("on", "off"))
    switch.add_argument("--reason")
    switch.add_argument("--force", action="store_true")
    switch.add_argument("--actor", default=f"cli:{getpass.getuser()}")

    shadow = commands.add_parser("shadow", help="shadow traffic").add_subparsers(dest="action", required=True)
    stats = shadow.add_parser("stats", help="counters and recent mismatches per route")
    stats.add_argument("route_key", nargs="?")
    stats.add_argument("--json", action="store_true")
    add_rollout_commands(commands)

    capture = commands.add_parser("capture", help="traffic capture per route (audited)").add_subparsers(
        dest="action", required=True)
    capture_list = capture.add_parser("list", help="captured routes and their sample rates")
    capture_list.add_argument("--json", action="store_true")
    capture_set = capture.add_parser("set", help="record a share of a route's requests")
    capture_set.add_argument("route_key", help='e.g. "GET /api/jobs"')
    capture_set.add_argument("sample_rate", type=float, help="0..1 (0 turns capture off)")
    capture_off = capture.add_parser("off", help="stop recording a route")
    capture_off.add_argument("route_key")
    for sub in (capture_set, capture_off):
        sub.add_argument("--reason", help="why (kept in the audit trail)")
        sub.add_argument("--actor", default=f"cli:{getpass.getuser()}")
    return parser


def _print_rows(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(line(row))


def _flag_line(row: dict[str, Any]) -> str:
    state = f"canary {row['canary_percent']}%" if row["state"] == "canary" else row["state"]
    parity = row["parity"]
    figures = f"parity {parity['matched']}/{parity['cases']}" if parity else "parity -"
    shadow = row["shadow"]
    seen = f"shadow {shadow['mismatched']}/{shadow['compared']} mismatched" if shadow else ""
    return f"{row['route_key']:<55} {state:<12} {figures:<16} {seen}".rstrip()


def _audit_line(row: dict[str, Any]) -> str:
    forced = " FORCED" if row["forced"] else ""
    return (f"{row['at']}  {row['actor']:<16} {row['route_key']:<50} "
            f"{row['from_state']} -> {row['to_state']}{forced}  {row['reason'] or ''}").rstrip()


def _stats_line(row: dict[str, Any]) -> str:
    lines = [f"{row['route_key']:<55} compared {row['compared']} matched {row['matched']} "
             f"mismatched {row['mismatched']}"]
    for sample in row["recent_mismatches"]:
        lines.append(f"    {sample['at']} {sample['request']}")
        lines += [f"      {diff}" for diff in sample["diff"].splitlines()]
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None, settings: Any = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings or get_settings()
    if args.command == "routes":
        print("\n".join(describe(load_registry(settings))))
        return 0
    engine = make_engine(settings)
    try:
        with make_sessionmaker(engine)() as session:
            return _run_db(args, session, settings)
    except ApiError as error:
        print(f"error: {error.body.get('message') or error.body['error']}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run_db(args: argparse.Namespace, session: Session, settings: Any) -> int:
    command = (args.command, getattr(args, "action", None))
    if args.command == "rollout":
        keys = load_registry(settings).keys() if args.action == "start" else None
        return run_rollout(args, session, known_keys=keys)
    if command == ("flags", "list"):
        _print_rows(flags.list_flags(session=session, keys=load_registry(settings).keys()), args.json, _flag_line)
    elif command == ("flags", "history"):
        _print_rows(flags.history(session=session, route_key=args.route_key, limit=args.limit), args.json,
                    _audit_line)
    elif command == ("shadow", "stats"):
        _print_rows(flags.shadow_stats(session=session, route_key=args.route_key), args.json, _stats_line)
    elif command == ("flags", "set"):
        keys = load_registry(settings).keys()
        begin_write(session)
        result = flags.set_flag(session=session, route_key=args.route_key, state=args.state,
                                canary_percent=args.percent, actor=args.actor, reason=args.reason,
                                force=args.force, known_keys=keys)
        session.commit()
        print(json.dumps(result))
    elif command == ("capture", "list"):
        _print_rows(captures.list_captures(session=session), args.json,
                    lambda row: f"{row['route_key']:<55} {row['sample_rate']:g}  {row['updated_by'] or ''}".rstrip())
    elif command[0] == "capture":
        keys = load_registry(settings).keys()
        begin_write(session)
        result = captures.set_capture(session=session, route_key=args.route_key,
                                      sample_rate=args.sample_rate if args.action == "set" else 0.0,
                                      actor=args.actor, reason=args.reason, known_keys=keys)
        session.commit()
        print(json.dumps(result))
    elif command[0] == "switch":
        keys = load_registry(settings).keys()
        begin_write(session)
        result = flags.set_switch(session=session, name=args.name, enabled=args.value == "on",
                                  actor=args.actor, reason=args.reason, force=args.force, known_keys=keys)
        session.commit()
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(run())
