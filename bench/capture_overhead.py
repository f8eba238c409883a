"""What traffic capture costs: the gateway with capture at 10 % sampling against capture off.

    python bench/capture_overhead.py [--rate 0.1] [--seconds 4] [--rounds 5] [--connections 16]

Two `uvicorn gateway:app` servers (1 worker each, no access log, SCHEDULER_ENABLED=false),
each on its own copy of one seeded SQLite file (bench/seed.py: 2,000 jobs, 20,000
executions): on the first, `GET /api/jobs` and `GET /api/jobs/<job_id>` are captured at
`--rate` (the switch set with `python -m cutover capture set`, as an operator would), on
the second capture is off. Both are loaded with wrk as an admin on GET /api/jobs?page=3
and GET /api/jobs/<id>, in alternating rounds (capture first in even rounds, off first in
odd ones); per round the ratio capture ÷ off is taken and the median ratio is printed
with its range, next to the median req/s and the records the capturing server wrote.
Per round it also reads each server's CPU time (/proc, every thread: the capture writer
included) and prints CPU per request and its ratio off ÷ capture: on a loaded, shared
machine req/s swings by tens of percent between rounds while CPU per request does not.
Target: a ratio of at least 0.95 (capture costs at most 5 %).

Servers are pinned to all CPUs but the last, wrk to the last (bench/loadgen.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402

ROUTES = ("GET /api/jobs", "GET /api/jobs/<job_id>")
SECRET = "bench-jwt-secret-key-0123456789abcdef"


def load(wrk: str, cpu: str, url: str, token: str, seconds: int, connections: int, *,
         warm_up: bool) -> tuple[float, int]:
    """(requests per second, requests) wrk measured; non-2xx answers abort the bench."""
    base = ["taskset", "-c", cpu, wrk, "-t1", f"-c{connections}", "--timeout", "10s",
            "-H", f"Authorization: Bearer {token}"]
    if warm_up:
        subprocess.run([*base, "-d2s", url], check=True, capture_output=True)
    out = subprocess.run([*base, f"-d{seconds}s", url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors under load at {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rate, int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]


def cpu_seconds(pid: int) -> float:
    """User + system CPU the server process has used (all its threads, the writer's included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def admin_token(db_file: Path) -> tuple[str, str]:
    """(token, a job id): a long-lived admin token signed with the bench secret."""
    from shared_models import tokens
    from shared_models.models import User

    with sqlite3.connect(db_file) as connection:
        user_id, email = connection.execute("SELECT id, email FROM users WHERE role = 'admin' LIMIT 1").fetchone()
        job_id = connection.execute("SELECT id FROM jobs ORDER BY created_at LIMIT 1 OFFSET 40").fetchone()[0]
    user = User(id=user_id, role="admin", email=email)
    return tokens.issue(user, "access", secret=SECRET, expires_in=86400), job_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    wrk = ensure_wrk()
    server_cpus, client_cpu = cpu_split()
    bindir = Path(sys.executable).parent
    workdir = Path(tempfile.mkdtemp(prefix="capture-bench-"))
    seeded = workdir / "seeded.db"
    base_env = {
        **os.environ, "PYTHONPATH": str(ROOT), "SCHEDULER_ENABLED": "false", "FLASK_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123", "JWT_SECRET_KEY": SECRET,
        "CORS_ORIGINS": "http://localhost:5173", "LOGIN_RATE_LIMIT_PER_MINUTE": "0",
        "GATEWAY_REQUEST_LOG": "false",
    }
    subprocess.run([sys.executable, str(ROOT / "bench" / "seed.py"), "--database-url", f"sqlite:///{seeded}",
                    "--jobs", "2000", "--executions", "20000", "--notifications", "1000"],
                   env=base_env, check=True, cwd=workdir)
    sides = {}
    for side in ("capture", "off"):
        db_file = workdir / f"{side}.db"
        shutil.copy(seeded, db_file)
        sides[side] = {**base_env, "DATABASE_URL": f"sqlite:///{db_file}", "CAPTURE_DIR": str(workdir / side)}
    for route in ROUTES:
        subprocess.run([sys.executable, "-m", "cutover", "capture", "set", route, str(args.rate),
                        "--reason", "capture bench"], env=sides["capture"], check=True, cwd=workdir,
                       capture_output=True)
    token, job_id = admin_token(workdir / "capture.db")
    paths = ("/api/jobs?page=3", f"/api/jobs/{job_id}")
    ports = {side: free_port() for side in sides}
    rates: dict[tuple[str, str], list[float]] = {(side, path): [] for side in sides for path in paths}
    cpu: dict[tuple[str, str], list[float]] = {(side, path): [] for side in sides for path in paths}
    servers_started: list[Server] = []
    with ExitStack() as servers:
        for side, env in sides.items():
            argv = [str(bindir / "uvicorn"), "gateway:app", "--host", "127.0.0.1", "--port", str(ports[side]),
                    "--workers", "1", "--no-access-log", "--log-level", "warning"]
            servers_started.append(servers.enter_context(
                Server(f"gateway-{side}", argv, ports[side], "/api/health", env, server_cpus, workdir)))
        pids = {side: server.process.pid for side, server in zip(sides, servers_started, strict=True)}
        for round_ in range(args.rounds):
            order = ("capture", "off") if round_ % 2 == 0 else ("off", "capture")
            for path in paths:
                for side in order:
                    url = f"http://127.0.0.1:{ports[side]}{path}"
                    if round_ == 0:
                        load(wrk, client_cpu, url, token, 2, args.connections, warm_up=False)
                    before = cpu_seconds(pids[side])
                    rate, requests = load(wrk, client_cpu, url, token, args.seconds, args.connections, warm_up=False)
                    rates[side, path].append(rate)
                    cpu[side, path].append((cpu_seconds(pids[side]) - before) / max(requests, 1))
    written = sum(len(f.read_text().splitlines()) for f in (workdir / "capture").glob("capture-*.jsonl"))
    print(f"capture at {args.rate:g} vs off, {args.rounds} rounds x {args.seconds}s, {args.connections} connections, "
          f"server CPUs={server_cpus} wrk CPU={client_cpu}; the capturing server wrote {written} records")
    for path in paths:
        on, off = rates["capture", path], rates["off", path]
        ratios = [a / b for a, b in zip(on, off, strict=True)]
        # CPU per request is what capture adds; unlike req/s it hardly moves with the machine's load.
        cpu_ratios = [b / a for a, b in zip(cpu["capture", path], cpu["off", path], strict=True)]
        label = path if "?" in path else "/api/jobs/<id>"
        print(f"GET {label:18} req/s capture {statistics.median(on):6.0f} off {statistics.median(off):6.0f} "
              f"ratio {statistics.median(ratios):.3f} (rounds {min(ratios):.2f}-{max(ratios):.2f})   "
              f"CPU/request capture {statistics.median(cpu['capture', path]) * 1e3:.2f} ms "
              f"off {statistics.median(cpu['off', path]) * 1e3:.2f} ms "
              f"throughput-equivalent ratio {statistics.median(cpu_ratios):.3f} "
              f"(rounds {min(cpu_ratios):.2f}-{max(cpu_ratios):.2f})")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
