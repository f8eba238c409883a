"""Seed a realistic database for the API benchmark: users, 10k jobs, 1M executions, 50k notifications.

    python bench/seed.py --database-url sqlite:////tmp/bench.db [--jobs 10000]
        [--executions 1000000] [--notifications 50000]

The database must be new (or empty): the schema comes from the migrations, then every
table is filled with Core `executemany` inserts in large batches inside ONE transaction.
The seeding connection alone relaxes durability (`synchronous=OFF`, a big page cache):
a crash while seeding loses a benchmark file, nothing else. Rows are reproducible
(fixed random seed). Prints the time taken.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, Table, event, insert, select  # noqa: E402

from shared_models import ids  # noqa: E402
from shared_models.bootstrap import prepare_database  # noqa: E402
from shared_models.db import begin_write, make_engine, make_sessionmaker  # noqa: E402
from shared_models.models import Job, JobExecution, Notification, User  # noqa: E402
from shared_models.passwords import hash_password  # noqa: E402
from shared_models.services.execution_totals import fold_deltas  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

BATCH = 50_000
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BENCH_USERNAME = "bench_admin"
CRON_POOL = (
    "*/5 * * * *", "0 * * * *", "15 * * * *", "0 9 * * *", "30 2 * * *", "0 0 * * 0",
    "0 9 * * 1-5", "*/15 9-18 * * 1-5", "0 12 1 * *", "0 3 * * 6,0", "45 23 * * *",
    "0 */6 * * *", "10 4 1,15 * *", "0 8 * * mon", "*/30 * * * *", "5 5 5 5 *",
)
STATUSES = ("success",) * 85 + ("failed",) * 12 + ("running",) * 3
CATEGORIES = ("general", "maintenance", "reporting", "sync", "backup")


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_all(connection: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for batch in batches(rows):
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def users(rng: random.Random, password_hash: str, count: int) -> list[dict[str, Any]]:
    roles = ["admin"] + ["user"] * (count // 2) + ["viewer"] * count
    return [
        {
            "id": ids.new_id(),
            "username": BENCH_USERNAME if n == 0 else f"bench_user_{n:03d}",
            "email": f"bench{n:03d}@example.com",
            "password_hash": password_hash,
            "role": roles[n],
            "is_active": True,
            "created_at": NOW - timedelta(days=400 - n),
            "updated_at": NOW - timedelta(days=400 - n),
        }
        for n in range(count)
    ]


def jobs(rng: random.Random, user_ids: list[str], count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        created = NOW - timedelta(days=365, minutes=-n * 50)
        github = n % 3 == 0
        notify = n % 7 == 0
        rows.append(
            {
                "id": ids.new_id(),
                "name": f"bench-job-{n:05d}",
                "cron_expression": CRON_POOL[n % len(CRON_POOL)],
                "target_url": None if github else f"https://hooks.example.com/jobs/{n}",
                "github_owner": "bench-org" if github else None,
                "github_repo": f"repo-{n % 40}" if github else None,
                "github_workflow_name": "nightly.yml" if github else None,
                "job_metadata": json.dumps({"team": f"t{n % 12}", "retries": n % 4}) if n % 2 else None,
                "category": CATEGORIES[n % len(CATEGORIES)],
                "end_date": date(2027, 1 + n % 12, 1 + n % 28) if n % 5 else None,
                "pic_team": None,
                "enable_email_notifications": notify,
                "notification_emails": f"ops{n % 9}@example.com,dev@example.com" if notify else None,
                "notify_on_success": notify and n % 2 == 0,
                "created_by": user_ids[n % len(user_ids)],
                "is_active": n % 10 != 0,
                "created_at": created,
                "updated_at": created + timedelta(hours=n % 48),
            }
        )
    return rows


def executions(rng: random.Random, job_rows: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    span = 365 * 24 * 3600
    for _ in range(count):
        job = job_rows[rng.randrange(len(job_rows))]
        status = STATUSES[rng.randrange(100)]
        started = NOW - timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(1_000_000))
        duration = None if status == "running" else round(rng.uniform(0.2, 120.0), 3)
        github = job["github_owner"] is not None
        yield {
            "id": ids.new_id(),
            "job_id": job["id"],
            "status": status,
            "trigger_type": "manual" if rng.random() < 0.1 else "scheduled",
            "started_at": started,
            "completed_at": None if duration is None else started + timedelta(seconds=duration),
            "duration_seconds": duration,
            "execution_type": "github_actions" if github else "webhook",
            "target": f"bench-org/{job['github_repo']}" if github else job["target_url"],
            "response_status": None if status == "running" else (204 if status == "success" else 500),
            "error_message": "HTTP 500: upstream failed" if status == "failed" else None,
            "output": "ok" if status == "success" else None,
            "scheduled_for": None,
        }


def notifications(
    rng: random.Random, user_ids: list[str], job_rows: list[dict[str, Any]], count: int
) -> Iterator[dict[str, Any]]:
    kinds = ("info", "success", "warning", "error")
    for n in range(count):
        job = job_rows[rng.randrange(len(job_rows))]
        read = rng.random() < 0.6
        created = NOW - timedelta(seconds=rng.randrange(180 * 24 * 3600))
        yield {
            "id": ids.new_id(),
            "user_id": user_ids[n % len(user_ids)],
            "title": "Job Failed" if n % 4 == 3 else "Job Succeeded",
            "message": f'Job "{job["name"]}" finished.',
            "type": kinds[n % 4],
            "related_job_id": job["id"],
            "related_execution_id": None,
            "is_read": read,
            "read_at": created + timedelta(minutes=5) if read else None,
            "created_at": created,
        }


def seed(database_url: str, *, job_count: int, execution_count: int, notification_count: int) -> float:
    """Migrate and fill the database; returns the seconds it took."""
    settings = Settings(DATABASE_URL=database_url, SCHEDULER_ENABLED=False)
    engine = make_engine(settings)
    started = time.perf_counter()
    prepare_database(engine, settings)
    with engine.connect() as probe:
        if probe.scalar(select(Job.id).limit(1)) is not None:
            raise SystemExit("the database already holds jobs; seed a new file")

    @event.listens_for(engine, "connect")
    def _seeding_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-400000")
        cursor.close()

    engine.dispose()  # new connections get the seeding pragmas
    rng = random.Random(20261120)
    ids.seed(20261120)
    password_hash = hash_password("bench-password")
    user_rows = users(rng, password_hash, 12)
    user_ids = [row["id"] for row in user_rows]
    job_rows = jobs(rng, user_ids[: 1 + len(user_ids) // 2], job_count)
    with engine.begin() as connection:
        insert_all(connection, User.__table__, iter(user_rows))
        insert_all(connection, Job.__table__, iter(job_rows))
        insert_all(connection, JobExecution.__table__, executions(rng, job_rows, execution_count))
        insert_all(connection, Notification.__table__, notifications(rng, user_ids, job_rows, notification_count))
    with make_sessionmaker(engine)() as session:  # what the scheduler's housekeeping does every 10 min
        begin_write(session)
        fold_deltas(session)
        session.commit()
    ids.seed(None)
    engine.dispose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--notifications", type=int, default=50_000)
    args = parser.parse_args()
    seconds = seed(
        args.database_url,
        job_count=args.jobs,
        execution_count=args.executions,
        notification_count=args.notifications,
    )
    print(f"seeded {args.jobs} jobs, {args.executions} executions, {args.notifications} notifications in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
