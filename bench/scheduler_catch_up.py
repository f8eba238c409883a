"""Catch-up bench: 1,000 jobs whose slot passed while no leader ran, fired by a new leader.

    python bench/scheduler_catch_up.py [--jobs 1000] [--late 20] [--database-url URL]

Builds a fresh SQLite database (or uses --database-url: an empty, migrated database),
inserts the jobs (created well before the outage) with a slot `--late` seconds in the
past, then starts one embedded scheduler candidate: the new leader finds the missed
slots (SCHEDULER_MISSED_RUNS=once, inside the grace window) and fires them through the
burst path. Prints the distribution of target receipt - takeover (the moment the
candidate was started; the goal is p99 <= 2 s), checks every job fired exactly once
(one execution per job, one call per Idempotency-Key) and that each note gives a
lateness at least the slot's real age. The target runs in its own process
(bench/webhook_target.py), as in bench/scheduler_burst.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bench.scheduler_burst import describe, percentile, start_target, wait_for_records  # noqa: E402
from scheduler import start_candidate  # noqa: E402
from shared_models import clock  # noqa: E402
from shared_models.db import make_engine, make_sessionmaker  # noqa: E402
from shared_models.migrate import upgrade  # noqa: E402
from shared_models.models import Job, JobExecution  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

GOAL_SECONDS = 2.0
NOTE_LATENESS = re.compile(r"fired (\d+\.\d) s late")


def received(base: str) -> list[tuple[float, str | None]]:
    with urllib.request.urlopen(f"{base}/keys", timeout=10) as reply:
        return [(at, key) for at, key in json.load(reply)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--late", type=float, default=20.0, help="seconds since the missed slot at takeover")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    target, base = start_target()
    url = f"{base}/hook"
    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/catch_up.db"
    settings = Settings(
        _env_file=None, DATABASE_URL=database_url, SCHEDULER_ENABLED=True, MAIL_ENABLED=False,
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1", SCHEDULER_LOCK_PATH=f"{tempfile.mkdtemp()}/scheduler.lock",
        ALLOW_DEFAULT_ADMIN=False, SCHEDULER_MISSED_RUNS="once", SCHEDULER_MISFIRE_GRACE_SECONDS=300,
    )
    engine = make_engine(settings)
    upgrade(engine)

    # Real-speed clock, shifted so a whole minute passed `--late` seconds ago and the
    # next one is far enough away not to come due during the bench.
    slot = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    clock.scale(slot + timedelta(seconds=args.late), 1.0)
    minute = slot.astimezone(settings.timezone).minute
    created = slot - timedelta(hours=1)
    with make_sessionmaker(engine)() as session:
        session.execute(insert(Job), [
            {"name": f"catch-up-{n:04d}", "cron_expression": f"{minute} * * * *", "target_url": url,
             "category": "general", "is_active": True, "created_at": created, "updated_at": created}
            for n in range(args.jobs)
        ])
        session.commit()

    takeover = time.time()
    handle = start_candidate(settings)
    if not handle.wait_until_leader(30):
        print("no leader", file=sys.stderr)
        return 1
    print(f"{args.jobs} jobs missed slot {slot.isoformat()} ({database_url.split(':')[0]}); leader took over "
          f"{(clock.to_virtual(datetime.fromtimestamp(takeover, UTC)) - slot).total_seconds():.1f}s after it")
    with make_sessionmaker(engine)() as session:
        wait_for_records(session, args.jobs, seconds=180)
        rows = session.execute(
            select(JobExecution.job_id, JobExecution.scheduled_for, JobExecution.status, JobExecution.output)
        ).all()
    handle.stop()
    hits = received(base)
    target.terminate()
    target.wait(10)

    per_job = Counter(row.job_id for row in rows)
    per_key = Counter(key for _at, key in hits)
    duplicates = sum(1 for n in per_job.values() if n > 1) + sum(1 for n in per_key.values() if n > 1)
    missing = args.jobs - len(per_job)
    statuses = Counter(row.status for row in rows)
    real_age = args.late
    notes = [NOTE_LATENESS.search(row.output or "") for row in rows]
    honest = sum(1 for match in notes if match and float(match.group(1)) >= real_age - 0.1)
    print(f"executions={len(rows)} jobs fired={len(per_job)} distinct keys={len(per_key)} duplicates={duplicates} "
          f"missing={missing} webhook hits={len(hits)} statuses={dict(statuses)}")
    fired = [at - takeover for at, _key in hits]
    lateness = [float(match.group(1)) for match in notes if match]
    print(describe("fired (receipt - takeover)", fired))
    if lateness:
        print(describe("noted lateness (s after slot)", lateness))
    p99 = percentile(fired, 99) if fired else float("inf")
    print(f"notes with a lateness >= the slot's age at takeover: {honest}/{len(rows)}")
    print(f"p99 {p99:.3f}s after takeover (goal <= {GOAL_SECONDS:.0f} s: {'met' if p99 <= GOAL_SECONDS else 'missed'})")
    ok = duplicates == 0 and missing == 0 and len(rows) == args.jobs == len(hits) and honest == len(rows)
    print("OK: every missed job fired exactly once" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
