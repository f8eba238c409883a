"""Eight threads writing through one app (each stack in turn) to one database at once.

Legacy: each thread has its own Flask test client (the WSGI app runs in the thread).
v2: the threads share one Starlette TestClient, so their requests run concurrently on
the app's single event loop, as under uvicorn. Each thread interleaves job PUTs (its own
job, and a job every thread fights over), reads that need no particular user (GET /api/health,
GET /api/jobs/<id>, GET /api/notifications) and a direct read-modify-write
counter through a shared_models session. Asserted: every response is 2xx (no "database
is locked"), and nothing is lost (each thread's last write is in the final state, every
broadcast notification row exists, the counter equals the number of increments).

Runs on both backends: SQLite (WAL, busy timeout, BEGIN IMMEDIATE) and PostgreSQL (row
locks; the counter uses SELECT ... FOR UPDATE, which SQLite's IMMEDIATE makes moot).
"""

from __future__ import annotations

import json
import threading
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models.db import begin_write, make_sessionmaker
from shared_models.models import Job, Notification
from shared_models.settings import Settings
from tests.helpers import bearer, make_job, make_team, make_user

THREADS = 8
ROUNDS = 12
FAR = date(2099, 1, 1)


def _increment(engine: Engine, job_id: str) -> None:
    """Read the counter in metadata, add one, write it back: one write transaction."""
    with make_sessionmaker(engine)() as session:
        begin_write(session)
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one()
        counter = json.loads(job.job_metadata or "{}").get("n", 0)
        job.job_metadata = json.dumps({"n": counter + 1})
        session.commit()


def test_parallel_writers_lose_nothing_and_never_lock(
    client: Any, stack: str, db: Session, engine: Engine, settings: Settings
) -> None:
    make_team(db)
    admin = make_user(db, "admin")
    owners = [make_user(db, "user") for _ in range(THREADS)]
    own_jobs = [make_job(db, owner, name=f"own-{k}", end_date=FAR) for k, owner in enumerate(owners)]
    shared = make_job(db, admin, name="shared", end_date=FAR)
    counter = make_job(db, admin, name="counter", end_date=FAR)
    own_ids = [job.id for job in own_jobs]
    shared_id, counter_id = shared.id, counter.id
    admin_headers = bearer(settings, admin)
    owner_headers = [bearer(settings, owner) for owner in owners]
    users = THREADS + 1

    def thread_client() -> Any:
        # A Flask test client is not meant to be shared between threads; the Starlette
        # TestClient is (its portal hands each call to the app's event loop).
        return client.application.test_client() if stack == "legacy" else client

    failures: list[tuple[str, int, Any]] = []
    start = threading.Barrier(THREADS)

    def worker(k: int) -> None:
        http = thread_client()
        start.wait()
        try:
            for i in range(ROUNDS):
                calls = [
                    ("PUT own", http.put(f"/api/jobs/{own_ids[k]}", json={"name": f"t{k}-{i}", "metadata": {"i": i}},
                                         headers=owner_headers[k])),
                    ("GET health", http.get("/api/health")),
                    ("PUT shared", http.put(f"/api/jobs/{shared_id}", json={"name": f"shared-{k}-{i}"},
                                            headers=admin_headers)),
                    ("GET other", http.get(f"/api/jobs/{own_ids[(k + 1) % THREADS]}", headers=admin_headers)),
                    ("GET notifications", http.get("/api/notifications", headers=owner_headers[k])),
                ]
                _increment(engine, counter_id)
                failures.extend(
                    (label, response.status_code, response.get_json(silent=True))
                    for label, response in calls
                    if not 200 <= response.status_code < 300
                )
        except Exception as exc:  # a raised error in a thread must fail the test, not vanish
            failures.append(("exception", 0, repr(exc)))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    db.rollback()
    db.expunge_all()
    for k, job_id in enumerate(own_ids):
        job = db.get(Job, job_id)
        assert (job.name, json.loads(job.job_metadata)) == (f"t{k}-{ROUNDS - 1}", {"i": ROUNDS - 1})
    final_shared = db.get(Job, shared_id).name
    assert final_shared in {f"shared-{k}-{ROUNDS - 1}" for k in range(THREADS)}
    assert json.loads(db.get(Job, counter_id).job_metadata) == {"n": THREADS * ROUNDS}
    updates = db.scalar(select(func.count()).select_from(Notification).where(Notification.title == "Job Updated"))
    assert updates == 2 * THREADS * ROUNDS * users
