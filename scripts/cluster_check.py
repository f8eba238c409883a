"""The production topology (docker-compose.yml) run for real as local processes (issue 15).

Started by scripts/cluster_check.sh, which renders nginx.conf for loopback ports and
starts nginx (scripts/lib/edge.sh). This script creates a fresh PostgreSQL database,
migrates it, starts two gateway replicas (`uvicorn gateway:app`, scheduler off) behind
that nginx, a webhook target recording each call's Idempotency-Key
(bench/webhook_target.py) and two `python -m scheduler` candidates, then checks, and
fails on any miss:

1. a cutover flag set through one replica is served by both within 1 s;
2. wrk through nginx on GET routes while one replica is SIGKILLed and restarted: 0
   failed requests, except the answers the victim was sending when it died (each a
   closed connection, counted against nginx's error log); POSTs sent meanwhile are
   acknowledged and present, or refused, and a present job is whole (every field as
   sent), never half applied;
3. 50 jobs every minute for 3 minutes (a scaled clock, SPEED x real time) while the
   scheduler leader is SIGKILLed twice mid-burst: 0 duplicate and 0 missing slots, no
   run left `running`, each slot's key received once, twice only for a keyed resend.

Counts are printed. Everything started here is stopped, and the database dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.loadgen import free_port  # noqa: E402
from scheduler import leader as scheduler_leader  # noqa: E402
from shared_models import clock  # noqa: E402
from shared_models.models import Job, JobExecution, PicTeam  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

SECRET = "cluster-check-secret-key-0123456789abcdef"
JWT_SECRET = "cluster-check-jwt-secret-key-0123456789abcdef"
FLIP_BOUND_SECONDS = 1.0
SPEED = 6.0
"""Virtual seconds per real second for the scheduler check: 3 minutes in 30 s."""
JOBS = 50
MINUTES = 3
KILL_AFTER_SLOT_REAL = 0.4
"""Real seconds after a slot to kill the leader: its calls (1 s each) are in flight."""
RESEND = "first outcome is unknown"


def log(message: str) -> None:
    print(f"cluster_check: {message}", flush=True)


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        log(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)


def http(method: str, url: str, *, token: str | None = None, body: Any = None,
         timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http("GET", url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster_check: {url} did not come up")
        time.sleep(0.2)


class Processes:
    """The processes this script started, by pid; all stopped at the end."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work = work
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, argv: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with open(self.work / f"{name}.log", "ab") as out:
            process = subprocess.Popen(argv, cwd=self.work, env={**self.env, **(extra or {})},
                                       stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def create_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# -- 1. a flag set through one replica, served by both ------------------------------
def check_flag(report: Report, replicas: list[str], token: str) -> None:
    status, _h, body = http("PUT", f"{replicas[0]}/api/v2/admin/cutover/flags", token=token, body={
        "route_key": "GET /api/jobs", "state": "fastapi", "force": True, "reason": "cluster check"})
    report.check(status == 200, f"flag GET /api/jobs -> fastapi set through replica 1 (HTTP {status} {body[:120]!r})")
    started = time.monotonic()
    served: dict[str, float] = {}
    while len(served) < len(replicas) and time.monotonic() - started < 10:
        for base in replicas:
            if base not in served:
                _s, headers, _b = http("GET", f"{base}/api/jobs", token=token)
                if headers.get("x-served-by") == "fastapi":
                    served[base] = time.monotonic() - started
        time.sleep(0.02)
    slowest = max(served.values()) if len(served) == len(replicas) else float("inf")
    report.check(slowest <= FLIP_BOUND_SECONDS,
                 f"flag served by both replicas {slowest:.2f} s after it was set (bound {FLIP_BOUND_SECONDS} s)")


# -- 2. a replica killed under load --------------------------------------------------
def job_body(name: str, target: str) -> dict[str, Any]:
    return {"name": name, "cron_expression": "0 2 * * *", "end_date": "2099-12-31", "pic_team": "qa-team",
            "target_url": target}


def writer(edge: str, token: str, target: str, stop: threading.Event, sent: list[tuple[str, int]]) -> None:
    n = 0
    while not stop.is_set():
        name = f"cc-write-{n:04d}"
        try:
            status = http("POST", f"{edge}/api/jobs", token=token, body=job_body(name, target), timeout=15)[0]
        except OSError:
            status = 0
        sent.append((name, status))
        n += 1
        time.sleep(0.02)


WRK_CONNECTIONS = 16
CUT_BY_THE_KILL = "upstream prematurely closed connection while reading upstream"
"""nginx's error for an answer a replica died while sending: its headers had already
reached the client, so nginx cannot hand the request to the other replica (it does for
any request the replica had not begun to answer) and can only close the connection."""


def parse_wrk(output: str) -> dict[str, int]:
    figures = {"requests": 0, "non2xx": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    if match := re.search(r"(\d+) requests in", output):
        figures["requests"] = int(match.group(1))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        figures["non2xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        figures.update(zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True))
    return figures


def answers_cut_by_the_kill(nginx_error_log: Path) -> int:
    """How many answers the victim was sending when it died, by nginx's own account."""
    return sum(CUT_BY_THE_KILL in line for line in nginx_error_log.read_text(errors="replace").splitlines())


def check_replica_kill(report: Report, procs: Processes, replica_argv: list[list[str]], replica_procs: list,
                       victim_url: str, edge: str, token: str, wrk: str, target: str, database_url: str) -> None:
    paths = ["/api/health", "/api/jobs", "/api/v2/jobs", "/api/executions?per_page=5", "/api/v2/executions?per_page=5"]
    for path in paths:
        status = http("GET", f"{edge}{path}", token=token)[0]
        report.check(status == 200, f"GET {path} through nginx answers 200 before the kill ({status})")
    paths_file = procs.work / "wrk_paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    duration = 12
    wrk_run = subprocess.Popen(
        # A slow answer during the failover is not a failed one: wrk's own 2 s timeout would
        # count it as a socket error on a loaded host, so it waits as long as a client would.
        [wrk, "-t2", f"-c{WRK_CONNECTIONS}", f"-d{duration}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "rotate.lua"), edge],
        env={**os.environ, "WRK_PATHS": str(paths_file), "WRK_TOKEN": token},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    stop = threading.Event()
    sent: list[tuple[str, int]] = []
    writes = threading.Thread(target=writer, args=(edge, token, target, stop, sent), daemon=True)
    writes.start()
    time.sleep(3)
    victim = replica_procs[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(5)
    log(f"replica 1 (pid {victim.pid}) SIGKILLed under load")
    time.sleep(1.5)
    replica_procs[0] = procs.start("replica_1_restarted", replica_argv[0])
    restarted = time.monotonic()
    wait_up(f"{victim_url}/api/health", timeout=60)
    log(f"replica 1 restarted (pid {replica_procs[0].pid}), up after {time.monotonic() - restarted:.1f} s")
    output, _ = wrk_run.communicate(timeout=duration + 30)
    stop.set()
    writes.join(20)
    figures = parse_wrk(output)
    cut = answers_cut_by_the_kill(procs.work / "nginx_error.log")
    log("wrk: " + " ".join(f"{k}={v}" for k, v in figures.items()) + f"; nginx: {cut} answer(s) cut by the kill")
    # A SIGKILL cannot finish the answers it interrupts: each one the victim had begun
    # to send is a closed connection (a wrk read error, or a POST the writer sees
    # refused), at most one per client connection.
    # Every other request, before, during and after the kill, must be answered 2xx.
    refused = figures["non2xx"] + figures["connect"] + figures["write"] + figures["timeout"]
    report.check(figures["requests"] > 0 and refused == 0,
                 f"wrk GETs through nginx during the kill: {figures['requests']} requests, {refused} failed "
                 "(non-2xx, refused, timed out)")
    report.check(figures["read"] <= cut <= WRK_CONNECTIONS + 1,
                 f"connections cut: {figures['read']}, each an answer the killed replica was sending "
                 f"({cut} in nginx's error log; at most one per client connection: wrk's "
                 f"{WRK_CONNECTIONS} and the writer's)")
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = {row.name: row for row in connection.execute(
            select(Job.name, Job.cron_expression, Job.target_url, Job.pic_team, Job.end_date)
            .where(Job.name.like("cc-write-%")))}
    engine.dispose()
    acked = [name for name, status in sent if status == 201]
    refused = [name for name, status in sent if status != 201]
    lost = [name for name in acked if name not in rows]
    refused_present = [name for name in refused if name in rows]
    half = [name for name, row in rows.items() if (row.cron_expression, row.target_url, row.pic_team,
            row.end_date.isoformat() if row.end_date else None) != ("0 2 * * *", target, "qa-team", "2099-12-31")]
    log(f"writes during the kill: {len(sent)} sent, {len(acked)} acknowledged, {len(refused)} refused "
        f"({dict(Counter(status for _n, status in sent if status != 201))}), "
        f"{len(refused_present)} refused but present, {len(half)} half applied")
    report.check(bool(sent) and not lost, f"every acknowledged write is in the database ({len(lost)} lost)")
    report.check(not half, f"no write half applied ({len(half)})")


# -- 3. the scheduler leader killed twice ---------------------------------------------
def leader_pid(database_url: str) -> int | None:
    settings = Settings(_env_file=None, DATABASE_URL=database_url, SECRET_KEY=SECRET, JWT_SECRET_KEY=JWT_SECRET)
    return scheduler_leader.leader_pid(settings)


def wait_leader(database_url: str, candidates: list, exclude: int | None, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = leader_pid(database_url)
        if pid is not None and pid != exclude and any(p.pid == pid and p.poll() is None for p in candidates):
            return pid
        time.sleep(0.05)
    raise SystemExit("cluster_check: no scheduler leader")


def sleep_until_real(at: float) -> None:
    time.sleep(max(0.0, at - time.time()))


def check_scheduler(report: Report, procs: Processes, database_url: str, target_base: str) -> None:
    virtual_start = (datetime.now(UTC) + timedelta(minutes=5)).replace(second=0, microsecond=0) - timedelta(seconds=15)
    scale = clock.scale(virtual_start, SPEED)
    assert scale is not None
    env = {**clock.scale_env(scale), "SCHEDULER_ENABLED": "true", "SCHEDULER_STANDBY_POLL_SECONDS": "0.2",
           "SCHEDULER_RECONCILE_SECONDS": "0.5", "SCHEDULER_LOG_LEVEL": "INFO"}
    now = clock.utcnow()
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(insert(Job), [
            {"id": f"cc-job-{n:03d}", "name": f"cc-every-minute-{n:03d}", "cron_expression": "* * * * *",
             "target_url": f"{target_base}/slow", "category": "general", "is_active": True,
             "created_at": now, "updated_at": now} for n in range(JOBS)
        ])
    candidates = [procs.start(f"scheduler_{i}", [sys.executable, "-m", "scheduler"], env) for i in range(2)]
    leader = wait_leader(database_url, candidates, None)
    slots = [(now + timedelta(minutes=i)).replace(second=0, microsecond=0) + timedelta(minutes=1)
             for i in range(MINUTES)]
    log(f"{JOBS} jobs every minute, slots {slots[0].isoformat()} .. {slots[-1].isoformat()} "
        f"(clock x{SPEED:g}); leader pid {leader}")
    kills = 0
    for slot in slots[:2]:
        sleep_until_real(clock.to_real(slot).timestamp() + KILL_AFTER_SLOT_REAL)
        os.kill(leader, signal.SIGKILL)
        for process in candidates:
            if process.pid == leader:
                process.wait(5)
        kills += 1
        candidates.append(procs.start(f"scheduler_{len(candidates)}", [sys.executable, "-m", "scheduler"], env))
        killed_at = time.monotonic()
        leader = wait_leader(database_url, candidates, leader)
        log(f"leader SIGKILLed {KILL_AFTER_SLOT_REAL} s after slot {slot.isoformat()}; "
            f"new leader pid {leader} after {time.monotonic() - killed_at:.2f} s")
    last = slots[-1]
    sleep_until_real(clock.to_real(last).timestamp() + 0.5)
    deadline = time.monotonic() + 60
    wanted = {(f"cc-job-{n:03d}", slot) for n in range(JOBS) for slot in slots}
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = connection.execute(
                select(JobExecution.job_id, JobExecution.scheduled_for, JobExecution.status, JobExecution.output,
                       JobExecution.error_message, JobExecution.send_attempts)
                .where(JobExecution.scheduled_for.in_(slots))
            ).all()
        if len(rows) >= len(wanted) and all(row.status != "running" for row in rows):
            break
        time.sleep(0.2)
    for process in candidates:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    engine.dispose()
    with urllib.request.urlopen(f"{target_base}/keys", timeout=10) as reply:
        keys = Counter(key for _at, key in json.load(reply))

    per_slot = Counter((row.job_id, row.scheduled_for) for row in rows)
    duplicates = sum(1 for n in per_slot.values() if n > 1)
    missing = len(wanted - set(per_slot))
    running = sum(1 for row in rows if row.status == "running")
    statuses = Counter(row.status for row in rows)
    resent = never_sent = bad_keys = twice = 0
    for row in rows:
        key = f"{row.job_id}:{row.scheduled_for.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        output = (row.output or "") + (row.error_message or "")
        is_resend = RESEND in output
        resent += is_resend
        never_sent += "stopped before sending it" in output
        received = keys.get(key, 0)
        twice += received == 2
        if not (received == 1 or (received == 2 and is_resend)):
            bad_keys += 1
    log(f"scheduler: {len(rows)} executions for {len(wanted)} slots, statuses {dict(statuses)}, "
        f"{kills} leader kills, {resent} keyed resends ({twice} keys received twice), {never_sent} sent late "
        f"(never sent before the kill), {duplicates} duplicate, {missing} missing, {running} left running")
    report.check(duplicates == 0 and missing == 0, f"0 duplicate and 0 missing slots ({duplicates}, {missing})")
    report.check(running == 0, f"every interrupted run resolved ({running} left running)")
    report.check(bad_keys == 0, f"each slot's key received once, twice only for a keyed resend ({bad_keys} off)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--edge-port", required=True, type=int)
    parser.add_argument("--ports", required=True, type=int, nargs=2)
    parser.add_argument("--wrk", required=True)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    name = f"cluster_check_{os.getpid()}"
    database_url = create_database(args.postgres_url, name)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRONJOB_CLOCK_")}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, SECRET_KEY=SECRET, JWT_SECRET_KEY=JWT_SECRET,
               FLASK_ENV="development", ALLOW_DEFAULT_ADMIN="true", MAIL_ENABLED="false",
               SCHEDULER_ENABLED="false", WEBHOOK_ALLOWED_HOSTS="127.0.0.1", LOGIN_RATE_LIMIT_PER_MINUTE="0",
               DATABASE_POOL_SIZE="5")
    procs = Processes(args.work, env)
    report = Report()
    try:
        subprocess.run([sys.executable, "-m", "shared_models", "migrate"], cwd=args.work, env=env, check=True)
        engine = create_engine(database_url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(insert(PicTeam).values(slug="qa-team", name="QA Team"))
        engine.dispose()
        target_port = free_port()
        procs.start("target", [sys.executable, str(ROOT / "bench" / "webhook_target.py"), str(target_port)])
        target_base = f"http://127.0.0.1:{target_port}"
        replicas = [f"http://127.0.0.1:{port}" for port in args.ports]
        argv = [[sys.executable, "-m", "uvicorn", "gateway:app", "--app-dir", str(ROOT), "--host", "127.0.0.1",
                 "--port", str(port), "--timeout-keep-alive", "75", "--proxy-headers", "--no-use-colors",
                 "--log-level", "warning"] for port in args.ports]
        replica_procs = [procs.start(f"replica_{i + 1}", command) for i, command in enumerate(argv)]
        for base in replicas:
            wait_up(f"{base}/api/health")
        edge = f"http://127.0.0.1:{args.edge_port}"
        wait_up(f"{edge}/api/health")
        wait_up(f"{target_base}/receipts")
        status, _h, body = http("POST", f"{edge}/api/auth/login", body={"username": "admin", "password": "admin123"})
        if status != 200:
            raise SystemExit(f"cluster_check: login failed: {status} {body[:200]!r}")
        token = json.loads(body)["access_token"]
        log(f"topology up: PostgreSQL {name}, replicas {args.ports}, nginx :{args.edge_port}, target :{target_port}")
        check_flag(report, replicas, token)
        check_replica_kill(report, procs, argv, replica_procs, replicas[0], edge, token, args.wrk,
                           f"{target_base}/hook", database_url)
        check_scheduler(report, procs, database_url, target_base)
    finally:
        procs.stop_all()
        drop_database(args.postgres_url, name)
    if report.failures:
        log(f"FAILED: {len(report.failures)} check(s)")
        return 1
    log("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
