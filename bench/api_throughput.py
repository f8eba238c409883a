"""Read-path throughput: legacy Flask under gunicorn against v2 FastAPI under uvicorn.

    python bench/api_throughput.py [--database /tmp/cronjob_bench.db] [--duration 10]
        [--connections 8] [--reseed] [--routes jobs_list,job_get,...]

1. Seeds the database file with bench/seed.py if it holds no jobs yet (10,000 jobs,
   1,000,000 executions, 50,000 notifications) and prints the seeding time.
2. Issues an access token for the seeded admin (shared_models.tokens.issue).
3. Starts both servers on the same file, fetches sample URLs of every route from both
   and compares the parsed JSON bodies (OK / MISMATCH per route).
4. Benchmarks both, ONE worker each: legacy = `gunicorn -w 1` (sync worker, as the app
   was deployed), v2 = `uvicorn --workers 1` (uvloop, httptools). The servers run side
   by side pinned to the same CPU(s) and are loaded in turns: `--rounds` rounds per
   route, legacy and v2 back to back in alternating order, so a drift of this shared
   machine's load favours neither; the ratio is taken per round and its median
   reported with the range. Load generator: wrk (Debian package, installed with
   apt-get when missing; C + LuaJIT, one thread) pinned to the last CPU, with
   bench/rotate.lua cycling through pages and ids.
5. Prints req/s, p50, p99 per route and side (the round with the median req/s), the
   v2 ÷ legacy ratio, each server's hello-world ceiling (GET /api/health vs
   /api/v2/health) and the statistics endpoint's unloaded p50 (one connection: a
   latency under saturation only measures the queue length wrk chose).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402

from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402
from bench.seed import BENCH_USERNAME, seed  # noqa: E402
from shared_models import tokens  # noqa: E402
from shared_models.models import Job, Notification, User  # noqa: E402

SECRET = "bench-jwt-secret-not-for-production"
SIDES = {"legacy": "/api", "v2": "/api/v2"}
ROUTES = ("jobs_list", "job_get", "executions_list", "statistics", "notifications", "health")


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def server_env(database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY="bench-secret-key",
        JWT_SECRET_KEY=SECRET,
        JWT_ACCESS_TOKEN_EXPIRES="86400",
        SCHEDULER_ENABLED="false",
        ALLOW_DEFAULT_ADMIN="false",
        PYTHONPATH=str(ROOT),
    )
    return env


def server_argv(side: str, port: int) -> list[str]:
    if side == "legacy":
        return [
            sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "legacy_flask:create_app()",
        ]
    return [
        sys.executable, "-m", "uvicorn", "fastapi_app:create_app", "--factory", "--workers", "1",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
        "--loop", "uvloop", "--http", "httptools",
    ]


def bench_token(database: Path) -> tuple[str, dict[str, list[str]]]:
    """The admin's access token and, per route, the relative paths wrk cycles through."""
    engine = create_engine(f"sqlite:///{database}")
    rng = random.Random(7)
    with engine.connect() as connection:
        user = connection.execute(select(User).where(User.username == BENCH_USERNAME)).one()
        job_ids = list(connection.scalars(select(Job.id)))
        own = connection.scalar(
            select(__import__("sqlalchemy").func.count()).select_from(Notification).where(Notification.user_id == user.id)
        ) or 0
    engine.dispose()
    token = tokens.issue(user, "access", secret=SECRET, expires_in=86400)
    job_pages = max(1, len(job_ids) // 20)
    paths = {
        "jobs_list": [f"/jobs?page={rng.randint(1, job_pages)}" for _ in range(500)],
        "job_get": [f"/jobs/{job_id}" for job_id in rng.sample(job_ids, min(1000, len(job_ids)))],
        "executions_list": [f"/executions?page={rng.randint(1, 100)}" for _ in range(500)],
        "statistics": ["/executions/statistics"],
        "notifications": [f"/notifications?page={rng.randint(1, max(1, min(50, own // 20)))}" for _ in range(200)],
        "health": ["/health"],
    }
    return token, paths


def fetch(url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def parity(bases: dict[str, str], token: str, paths: dict[str, list[str]], routes: list[str]) -> bool:
    """Fetch sample URLs from both servers; bodies must be equal as parsed JSON."""
    all_ok = True
    for route in routes:
        samples = paths[route][:15]
        mismatches = []
        for path in samples:
            for _attempt in range(2):  # next_execution_at may roll over a minute between fetches
                answers = {side: fetch(bases[side] + SIDES[side] + path, token) for side in SIDES}
                if answers["legacy"] == answers["v2"]:
                    break
            else:
                mismatches.append(path)
        status = "OK" if not mismatches else f"MISMATCH {mismatches[:3]}"
        all_ok = all_ok and not mismatches
        print(f"  parity {route:<16} {len(samples):3d} URLs  {status}", flush=True)
    return all_ok


LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    wrk: str, url: str, token: str, paths: list[str], *, connections: int, seconds: float, cpu: str
) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
    env = dict(os.environ, WRK_TOKEN=token, WRK_PATHS=handle.name)
    command = [
        "taskset", "-c", cpu, wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
        "--latency", "-s", str(ROOT / "bench" / "rotate.lua"), url,
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = {p: float(v) * UNIT_MS[u] for p, v, u in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(rps, latency.get("50", 0.0), latency.get("99", 0.0), int(errors.group(1)) if errors else 0)


def median_round(results: list[Result]) -> Result:
    return sorted(results, key=lambda r: r.requests_per_second)[len(results) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path(tempfile.gettempdir()) / "cronjob_bench.db")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round, route and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reseed", action="store_true", help="delete the database file first")
    parser.add_argument("--routes", default=",".join(ROUTES))
    parser.add_argument("--sides", default="legacy,v2")
    args = parser.parse_args()
    routes = [route for route in args.routes.split(",") if route]
    sides = [side for side in args.sides.split(",") if side]
    database: Path = args.database.resolve()

    if args.reseed:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    if not database.exists():
        seconds = seed(f"sqlite:///{database}", job_count=10_000, execution_count=1_000_000, notification_count=50_000)
        print(f"seed: 10,000 jobs, 1,000,000 executions, 50,000 notifications in {seconds:.1f} s", flush=True)
    wrk = ensure_wrk()
    token, paths = bench_token(database)

    server_cpus, client_cpu = cpu_split()
    env = server_env(database)
    ports = {side: free_port() for side in sides}
    runs: dict[str, dict[str, list[Result]]] = {side: {route: [] for route in routes} for side in sides}
    unloaded: dict[str, Result] = {}
    logs = Path(tempfile.mkdtemp(prefix="api-bench-"))  # the servers' logs (PYTHONPATH finds the code)
    with ExitStack() as servers:
        for side in sides:
            argv = server_argv(side, ports[side])
            servers.enter_context(Server(side, argv, ports[side], f"{SIDES[side]}/health", env, server_cpus, logs))
        bases = {side: f"http://127.0.0.1:{ports[side]}" for side in sides}
        if len(sides) == 2:
            print("parity (both servers up, no load):", flush=True)
            parity(bases, token, paths, routes)
        print(f"{args.connections} connections, {args.rounds} rounds x {args.duration:g} s per route and side; "
              f"server CPUs {server_cpus}, wrk CPU {client_cpu}", flush=True)

        def load(side: str, route: str, *, connections: int, seconds: float) -> Result:
            prefixed = [SIDES[side] + path for path in paths[route]]
            url = bases[side] + SIDES[side]
            return run_wrk(wrk, url, token, prefixed, connections=connections, seconds=seconds, cpu=client_cpu)

        for route in routes:
            for side in sides:  # warm-up: caches, connection pools, JIT-less but still
                load(side, route, connections=args.connections, seconds=2)
            for round_ in range(args.rounds):
                for side in sides if round_ % 2 == 0 else sides[::-1]:
                    runs[side][route].append(load(side, route, connections=args.connections, seconds=args.duration))
            line = "  ".join(f"{side} {median_round(runs[side][route]).requests_per_second:8.1f} req/s" for side in sides)
            print(f"  {route:<16} {line}", flush=True)
        if "statistics" in routes:
            for side in sides:
                unloaded[side] = load(side, "statistics", connections=1, seconds=args.duration)

    print()
    print(f"{'route':<16} | {'legacy req/s':>12} {'p50 ms':>8} {'p99 ms':>8} | {'v2 req/s':>10} {'p50 ms':>8} "
          f"{'p99 ms':>8} | ratio (median, range over rounds)")
    for route in routes:
        cells = []
        for side in ("legacy", "v2"):
            r = median_round(runs[side][route]) if side in runs else None
            cells.append(f"{r.requests_per_second:12.1f} {r.p50_ms:8.2f} {r.p99_ms:8.2f}" if r else f"{'-':>30}")
        ratio = "-"
        if len(sides) == 2:
            ratios = [
                v2.requests_per_second / legacy.requests_per_second
                for legacy, v2 in zip(runs["legacy"][route], runs["v2"][route], strict=True)
            ]
            ratio = f"{statistics.median(ratios):5.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        label = f"{route} (ceiling)" if route == "health" else route
        print(f"{label:<16} | {cells[0]} | {cells[1].strip():>28} | {ratio}")
    for side, result in unloaded.items():
        if result:
            verdict = "OK" if result.p50_ms <= 50 else "OVER 50 ms"
            print(f"statistics unloaded p50 ({side}, 1 connection): {result.p50_ms:.2f} ms  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
