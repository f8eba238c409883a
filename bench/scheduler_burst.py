"""Burst bench: 1,000 active jobs due in the same minute, against a local webhook server.

    python bench/scheduler_burst.py [--jobs 1000] [--database-url URL]

Builds a fresh SQLite database (or uses --database-url, which must be an empty,
migrated database), starts one embedded scheduler candidate, and puts the process on a
clock running at real speed but shifted so the shared slot is a few seconds away. Then
checks every job fired exactly once and prints the lateness distribution of
started_at - scheduled_for (the claim), the webhook target's receipt of each call (the
moment a job *fires*: its call reaches the target; the goal is p99 <= 1 s), and
completed_at - scheduled_for (the run recorded, which waits for the burst's calls).

The target runs in its own process (bench/webhook_target.py, uvicorn), as a real
target does. It used to be a ThreadingHTTPServer inside this process, whose thread per
request competed with the scheduler for the GIL: the bench then measured its own
server as much as the scheduler (receipt p99 ~3.3 s of which most was that contention).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.loadgen import free_port  # noqa: E402
from scheduler import start_candidate  # noqa: E402
from shared_models import clock  # noqa: E402
from shared_models.db import make_engine, make_sessionmaker  # noqa: E402
from shared_models.migrate import upgrade  # noqa: E402
from shared_models.models import Job, JobExecution  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

LEAD_SECONDS = 8.0


TARGET = Path(__file__).resolve().parent / "webhook_target.py"


def start_target() -> tuple[subprocess.Popen[bytes], str]:
    """The webhook target process and its base URL, once it answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(TARGET), str(port)], stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            receipts(base)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the webhook target did not start")


def receipts(base: str) -> list[datetime]:
    """When each call reached the target, on this process's (shifted) clock."""
    with urllib.request.urlopen(f"{base}/receipts", timeout=10) as reply:
        return [clock.to_virtual(datetime.fromtimestamp(at, UTC)) for at in json.load(reply)]


def wait_for_records(session: Session, count: int, *, seconds: float) -> None:
    """Until `count` executions are recorded (not running) or `seconds` pass, then one
    more second: anything recorded after that would be a duplicate."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = session.scalar(select(func.count()).select_from(JobExecution).where(JobExecution.status != "running"))
        session.rollback()
        if done >= count:
            break
        time.sleep(0.2)
    time.sleep(1.0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def describe(label: str, values: list[float]) -> str:
    return (
        f"{label:<32} p50={percentile(values, 50):7.3f}s p90={percentile(values, 90):7.3f}s "
        f"p99={percentile(values, 99):7.3f}s max={max(values):7.3f}s mean={statistics.fmean(values):7.3f}s"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    target, base = start_target()
    url = f"{base}/hook"

    database_url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/burst.db"
    lock_dir = tempfile.mkdtemp()
    settings = Settings(
        _env_file=None, DATABASE_URL=database_url, SCHEDULER_ENABLED=True, MAIL_ENABLED=False,
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1", SCHEDULER_LOCK_PATH=f"{lock_dir}/scheduler.lock",
        ALLOW_DEFAULT_ADMIN=False,
    )
    engine = make_engine(settings)
    upgrade(engine)

    # Real-speed clock, shifted so the next whole minute is LEAD_SECONDS away.
    slot = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    clock.scale(slot - timedelta(seconds=LEAD_SECONDS), 1.0)
    minute = slot.astimezone(settings.timezone).minute
    now = clock.utcnow()
    with make_sessionmaker(engine)() as session:
        session.execute(insert(Job), [
            {"name": f"burst-{n:04d}", "cron_expression": f"{minute} * * * *", "target_url": url,
             "category": "general", "is_active": True, "created_at": now, "updated_at": now}
            for n in range(args.jobs)
        ])
        session.commit()

    handle = start_candidate(settings)
    started = time.monotonic()
    if not handle.wait_until_leader(10):
        print("no leader", file=sys.stderr)
        return 1
    print(f"{args.jobs} jobs due at {slot.isoformat()} ({database_url.split(':')[0]}); leader up in "
          f"{time.monotonic() - started:.2f}s; slot in {(slot - clock.utcnow()).total_seconds():.1f}s")
    with make_sessionmaker(engine)() as session:
        wait_for_records(session, args.jobs, seconds=LEAD_SECONDS + 120)
        rows = session.execute(
            select(JobExecution.job_id, JobExecution.scheduled_for, JobExecution.started_at,
                   JobExecution.completed_at, JobExecution.status)
        ).all()
    handle.stop()
    hits = receipts(base)
    target.terminate()
    target.wait(10)

    per_job: dict[str, int] = {}
    for row in rows:
        per_job[row.job_id] = per_job.get(row.job_id, 0) + 1
    duplicates = sum(1 for n in per_job.values() if n > 1)
    missing = args.jobs - len(per_job)
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row.status] = statuses.get(row.status, 0) + 1
    print(f"executions={len(rows)} jobs fired={len(per_job)} duplicates={duplicates} missing={missing} "
          f"webhook hits={len(hits)} statuses={statuses}")
    claimed = [(row.started_at - row.scheduled_for).total_seconds() for row in rows]
    fired = [(hit - slot).total_seconds() for hit in hits]
    finished = [(row.completed_at - row.scheduled_for).total_seconds() for row in rows if row.completed_at]
    print(describe("claimed (started_at - slot)", claimed))
    print(describe("fired (target receipt - slot)", fired))
    print(describe("completed (completed_at - slot)", finished))
    print(f"fired within 1 s of the slot: {sum(1 for f in fired if f <= 1.0)}/{len(fired)}; "
          f"p99 {percentile(fired, 99):.3f}s (goal <= 1 s: {'met' if percentile(fired, 99) <= 1.0 else 'missed'})")
    ok = duplicates == 0 and missing == 0 and len(rows) == args.jobs == len(hits)
    print("OK: every job fired exactly once" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
