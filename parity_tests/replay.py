"""Replay a traffic capture (`cutover.capture` JSONL) on both stacks, like a corpus run.

    python -m parity_tests replay CAPTURE [--route KEY ...] [--report PATH] [--promote ID ...]

CAPTURE is one capture file or a directory of them. Every record becomes a parity case
(`to_case`) and runs through the ordinary harness (`parity_tests.runner`): both stacks,
each from the same snapshot of the fixture world, frozen clock and seeded ids, writes
included (the scratch database is emptied before and thrown away after), compared on
status, content type, body and database effect. The report is the corpus run's
(`parity_tests.report`: JSON + Markdown, JUnit XML next to it).

Auth: a record carries no token, only who called (`cutover.scrub.caller`); the replay
mints a fresh token for that user id and role with the harness secret (an expired one
when the recorded token had expired, a broken header when the recorded one was broken).
Masked fields (`***`) are replayed masked: a recorded login replays as a failed login
on both stacks. Records whose body was not kept are skipped and listed.

The snapshot is the fixture world by default: recorded ids resolve there when the
capture was taken on it (the tests record the corpus through the gateway). For a
deployment's capture, `--source-url` copies the rows of a database (a backup or a
staging copy of the one the capture was taken on, migrated to the same head) into the
scratch database and replays from that copy instead; the source is only read.
Each record starts from the snapshot (not from the previous record's writes). A case's
method is its route's, so a recorded HEAD replays as the GET it was routed to, and
request headers other than the content type are not replayed.

`--promote ID` turns the chosen records into corpus regression cases (fixture ids back
to `{placeholders}`, the caller to a fixture token name, `expect` = the legacy status
of the replay), written with the regression-case code of the fuzz
(`parity_tests/regressions.json`, loaded with the corpus). Every replayed request is
also observed for the coverage report (`parity_tests.coverage`, source `replay`); the
report's `coverage_observations` join the fuzz report with `fuzz --coverage-from`.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from parity_tests import coverage
from parity_tests import report as reporting
from parity_tests.cases import Case
from parity_tests.fixture import FROZEN_AT, LONG, Snapshot, _raw_rows, dump, reset
from parity_tests.junit import TestCase, write_junit
from parity_tests.runner import CaseResult, Harness, harness, harness_settings
from shared_models import clock, tokens
from shared_models.db import make_engine
from shared_models.migrate import upgrade
from shared_models.models import User

SOURCE = "replay"
FIXTURE_USERS = ("admin", "user", "other", "viewer", "inactive")
BROKEN_HEADERS = {401: "Token abc", 422: "Bearer"}  # what a recorded unreadable header replays as


def read_capture(path: Path) -> list[dict[str, Any]]:
    """Every record of a capture file, or of every capture file in a directory (by name)."""
    files = sorted(path.glob("capture-*.jsonl")) if path.is_dir() else [path]
    return [json.loads(line) for file in files for line in file.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _body(record: dict[str, Any]) -> bytes:
    text = record.get("body") or ""
    return base64.b64decode(text) if record.get("body_b64") else text.encode()


class TokenMinter:
    """Fresh tokens for recorded callers, signed with the harness secret (cached)."""

    def __init__(self, snapshot: Snapshot, secret: str) -> None:
        self.secret = secret
        self.emails = {row["id"]: row["email"] for row in snapshot.rows.get("users", [])}
        self._cache: dict[tuple[Any, ...], str] = {}

    def header(self, auth: dict[str, Any] | None) -> str | None:
        if auth is None:
            return None
        if "invalid" in auth:
            return BROKEN_HEADERS.get(auth.get("status", 0), "Bearer not.a.jwt")
        key = (auth["user_id"], auth.get("role"), auth.get("type", "access"), bool(auth.get("expired")))
        if key not in self._cache:
            user = User(id=auth["user_id"], role=auth.get("role") or "user",
                        email=self.emails.get(auth["user_id"], ""))
            expired = bool(auth.get("expired"))
            clock.freeze(datetime.now(UTC) - timedelta(hours=2) if expired else FROZEN_AT)
            try:
                self._cache[key] = tokens.issue(user, key[2], secret=self.secret,
                                                expires_in=3600 if expired else LONG)
            finally:
                clock.freeze(None)
        return f"Bearer {self._cache[key]}"


def to_case(record: dict[str, Any], minter: TokenMinter) -> Case | str:
    """The parity case replaying `record`, or why it cannot be replayed."""
    if record.get("body_dropped"):
        return "its body was not kept (too large, or not safe to keep)"
    header = minter.header(record.get("auth"))
    query = parse_qsl(record.get("query") or "", keep_blank_values=True)
    return Case(
        record["route"], f"replay {record['id']}", 0,
        path=record["path"].replace("{", "{{").replace("}", "}}"),  # literal: no fixture placeholder
        auth=None if header is None else f"raw:{header}",
        body=_body(record) or None,
        content_type=(record.get("headers") or {}).get("content-type"),
        query=query or None,
    )


@dataclass
class Replay:
    results: list[CaseResult]
    skipped: list[tuple[str, str]]  # (record id, why)
    collector: coverage.Coverage  # what the replay exercised


def _observe(result: CaseResult, collector: coverage.Coverage) -> None:
    """What the replay exercised, for the coverage report (this run's and the process-wide one)."""
    observed = result.legacy.observed
    classes = coverage.classify(result.case.method, observed.status, observed.body)
    collector.observe(SOURCE, result.case.route, observed.status, classes)
    coverage.observe(SOURCE, result.case.route, observed.status, classes)


def replay(records: Iterable[dict[str, Any]], h: Harness) -> Replay:
    """Run every replayable record on both stacks (one case each)."""
    minter = TokenMinter(h.snapshot, h.settings.JWT_SECRET_KEY or "")
    results, skipped, collector = [], [], coverage.Coverage()
    for record in records:
        case = to_case(record, minter)
        if isinstance(case, str):
            skipped.append((record["id"], case))
            continue
        result = h.run_case(case)
        result.corpus_error = None  # a replayed request has no expected status of its own
        _observe(result, collector)
        results.append(result)
    return Replay(results, skipped, collector)


def use_source(h: Harness, source_url: str) -> None:
    """Replay from a copy of `source_url`'s rows instead of the fixture world."""
    source = make_engine(harness_settings(source_url))
    try:
        raw = _raw_rows(source)
    finally:
        source.dispose()
    reset(h.engine, raw)
    h.snapshot = Snapshot(rows=dump(h.engine), ids={}, tokens={})
    h._raw, h._dirty = raw, set()
    changes = getattr(h, "changes", None)
    if changes is not None:
        changes.take()  # the copy's own writes are not the first record's effect


# --- promotion into the corpus ---------------------------------------------------------


def _placeholders(text: str, snapshot: Snapshot) -> str:
    for name, ident in sorted(snapshot.ids.items(), key=lambda item: -len(str(item[1]))):
        if isinstance(ident, str) and ident:
            text = text.replace(ident, "{" + name + "}")
    return text


def _fixture_auth(auth: dict[str, Any] | None, snapshot: Snapshot) -> str | None | bool:
    """The fixture token naming the recorded caller (False: no fixture token does)."""
    if auth is None:
        return None
    if "invalid" in auth:
        return "raw:" + BROKEN_HEADERS.get(auth.get("status", 0), "Bearer not.a.jwt")
    by_id = {snapshot.ids[name]: name for name in FIXTURE_USERS if name in snapshot.ids}
    name = by_id.get(auth["user_id"])
    if name is None:
        return False
    if auth.get("expired"):
        return "expired" if name == "user" and auth.get("type") == "access" else False
    if auth.get("type") == "refresh":
        return {"user": "refresh_user", "inactive": "refresh_inactive"}.get(name, False)
    return name


def promoted_case(record: dict[str, Any], legacy_status: int, snapshot: Snapshot) -> Case | str:
    """`record` as a corpus case on the fixture world, or why it cannot be one."""
    auth = _fixture_auth(record.get("auth"), snapshot)
    if auth is False:
        return "its caller is not a fixture user"
    if record.get("body_dropped"):
        return "its body was not kept"
    content_type = (record.get("headers") or {}).get("content-type")
    body = _body(record)
    fields: dict[str, Any] = {}
    if body and content_type and "json" in content_type:
        try:
            fields["json"] = json.loads(_placeholders(body.decode(), snapshot))
        except ValueError:
            fields["body"], fields["content_type"] = body.decode("utf-8", "replace"), content_type
    elif body:
        fields["body"], fields["content_type"] = body.decode("utf-8", "replace"), content_type
    query = parse_qsl(record.get("query") or "", keep_blank_values=True)
    return Case(record["route"], f"replay: {record['method']} {record['path']} ({record['id']})", legacy_status,
                path=_placeholders(record["path"], snapshot), auth=auth,  # type: ignore[arg-type]
                query=query or None, **fields)  # the runner fills placeholders in paths and JSON only


def promote(ids: Iterable[str], records: list[dict[str, Any]], outcome: Replay, snapshot: Snapshot,
            path: Path | None = None) -> tuple[int, list[str]]:
    """Append the chosen records to the regression cases; returns (added, refusals)."""
    from parity_tests import regressions

    by_id = {record["id"]: record for record in records}
    status = {result.case.name.removeprefix("replay "): result.legacy.observed.status for result in outcome.results}
    cases, refusals = [], []
    for ident in ids:
        record = by_id.get(ident)
        if record is None or ident not in status:
            refusals.append(f"{ident}: not a replayed record of this capture")
            continue
        case = promoted_case(record, status[ident], snapshot)
        if isinstance(case, str):
            refusals.append(f"{ident}: {case}")
        else:
            cases.append(case)
    added = regressions.append(cases, path) if path is not None else regressions.append(cases)
    return added, refusals


# --- CLI --------------------------------------------------------------------------------


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("replay", help="replay a traffic capture on both stacks and report")
    parser.add_argument("capture", type=Path, help="a capture file, or a directory of capture-*.jsonl files")
    parser.add_argument("--route", action="append", default=[], help="only these route keys (repeatable)")
    parser.add_argument("--report", type=Path, default=Path("reports/replay.json"))
    parser.add_argument("--database-url", help="scratch database (it is emptied); default a fresh SQLite file")
    parser.add_argument("--source-url", help="replay from a copy of this database's rows (only read), "
                                             "not from the fixture world")
    parser.add_argument("--promote", nargs="+", default=[], metavar="ID",
                        help="write these records into the corpus as regression cases")


def _junit(path: Path, backend: str, results: list[CaseResult]) -> None:
    """JUnit XML with the corpus run's writer."""
    write_junit(path, f"parity-replay-{backend}", [
        TestCase(result.case.route, result.case.name, None if result.matched else "\n".join(result.differences),
                 result.seconds) for result in results])


def main(args: argparse.Namespace) -> int:
    """`python -m parity_tests replay`: 0 when every replayed record matched."""
    started = time.perf_counter()
    if args.promote and args.source_url:
        print("--promote needs the fixture world (corpus cases run on it): drop --source-url", file=sys.stderr)
        return 2
    records = read_capture(args.capture)
    if args.route:
        records = [record for record in records if record["route"] in set(args.route)]
    scratch = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='replay-')}/replay.db"
    settings = harness_settings(scratch)
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()
    with harness(settings) as h:
        if args.source_url:
            use_source(h, args.source_url)
        outcome = replay(records, h)
        snapshot = h.snapshot
    routes = sorted({result.case.route for result in outcome.results})
    data = reporting.summarise(outcome.results, routes, check_statuses=False)
    backend = "postgresql" if scratch.startswith("postgres") else "sqlite"
    data.update(mode="replay", backend=backend, capture=str(args.capture), records=len(records),
                skipped=[{"id": ident, "why": why} for ident, why in outcome.skipped],
                coverage_observations=outcome.collector.dump(),  # `fuzz --coverage-from` joins them
                seconds=round(time.perf_counter() - started, 2))
    json_path, md_path = reporting.write(data, args.report)
    _junit(json_path.with_suffix(".xml"), backend, outcome.results)
    t = data["totals"]
    print(f"{'GREEN' if data['green'] else 'RED'}: {t['cases']} replayed, {t['matched']} matched, "
          f"{t['mismatched']} diverged over {t['routes']} routes, {len(outcome.skipped)} skipped "
          f"in {data['seconds']:.1f} s")
    print(f"report: {json_path} and {md_path}")
    if args.promote:
        added, refusals = promote(args.promote, records, outcome, snapshot)
        for refusal in refusals:
            print(f"not promoted: {refusal}")
        print(f"promoted {added} record(s) into the regression cases")
        if refusals:
            return 1
    return 0 if data["green"] else 1
