"""What shadow mode, metrics and request logs cost: gateways side by side, alternating rounds.

    python bench/shadow_overhead.py [--rounds 5] [--duration 5] [--connections 8]
        [--database /tmp/cronjob_shadow_bench.db] [--reseed]

Five `uvicorn gateway:app` processes (one worker each, pinned to the same server CPU,
PROMETHEUS_MULTIPROC_DIR set as in a deployment), on two copies of one seeded SQLite file
(10,000 jobs; bench/seed.py):

    legacy     the routes at `legacy`, metrics and request logs on (the default)
    shadow100  the routes at `shadow`, CUTOVER_SHADOW_SAMPLE_RATE=1.0
    shadow10   the routes at `shadow`, CUTOVER_SHADOW_SAMPLE_RATE=0.1
    bare       the routes at `legacy`, GATEWAY_METRICS=false GATEWAY_REQUEST_LOG=false
    fastapi    the routes at `fastapi`: the cost of the v2 answer a replay adds, giving the
               ceiling of shadow100 / legacy (legacy ÷ (legacy + fastapi), per request CPU)

Routes: GET /api/jobs?page=3&per_page=20 and GET /api/jobs/<id> (wrk cycles through
1,000 ids, bench/rotate.lua, the seeded admin's token). Each round starts the five
gateways afresh (one process's memory layout can bias it by several percent for its
whole life, more than the 3% this bench must resolve), warms each up for a second, and
loads it for `--duration` seconds per route, in an order rotated each round, so drift in
this shared machine's load favours none. Each gateway has its own copy of the file. Printed
per route: the median req/s of each gateway and the median of the per-round ratios
(with their range): shadow100 ÷ legacy (target ≥ 0.70), shadow10 ÷ legacy (≥ 0.95)
and legacy ÷ bare (the cost of metrics + logs, ≥ 0.97). Then, per shadow gateway, the
comparisons it stored ÷ the requests it served: how much shadowing actually happened
(replays dropped when the queue is full are not comparisons).

When other work shares the server CPU, req/s ratios swing widely between rounds. So
each ratio is also given from CPU time: the gateway process's user+system seconds
(/proc/PID/stat) per request served in the round, baseline ÷ candidate. A saturated
one-worker server's throughput is the inverse of its CPU per request, and CPU time is
not stretched by other processes' load, so this ratio is the steadier estimate of the
same quantity (a replay finished after a round ends is billed to that server's next round).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.api_throughput import Result, bench_token, run_wrk, server_env  # noqa: E402
from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402
from bench.seed import seed  # noqa: E402
from cutover import flags  # noqa: E402
from shared_models.db import begin_write, make_engine, make_sessionmaker  # noqa: E402
from shared_models.models.ops import ShadowStat  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

ROUTES = {"jobs_page": "GET /api/jobs", "job_get": "GET /api/jobs/<job_id>"}
GATEWAYS = {
    "legacy": ("plain", {}),
    "shadow100": ("shadow", {"CUTOVER_SHADOW_SAMPLE_RATE": "1.0"}),
    "shadow10": ("shadow", {"CUTOVER_SHADOW_SAMPLE_RATE": "0.1"}),
    "bare": ("plain", {"GATEWAY_METRICS": "false", "GATEWAY_REQUEST_LOG": "false"}),
    "fastapi": ("fastapi", {}),
}
RATIOS = (("shadow100", "legacy", 0.70), ("shadow10", "legacy", 0.95), ("legacy", "bare", 0.97))


def sessions_for(database: Path):  # noqa: ANN201 - a sessionmaker
    return make_sessionmaker(make_engine(Settings(_env_file=None, DATABASE_URL=f"sqlite:///{database}")))


def flagged_copy(database: Path, target: Path, state: str) -> None:
    """A copy of the seeded file with both routes at `state` (forced past the parity gate)."""
    shutil.copyfile(database, target)
    with sessions_for(target)() as session:
        begin_write(session)
        for key in ROUTES.values():
            flags.set_flag(session=session, route_key=key, state=state, actor="bench", reason="shadow bench", force=True)
        session.commit()


def ceiling(legacy_cpu: float, fastapi_cpu: float) -> float:
    """The best shadow-at-100% ratio: each request costs its legacy answer plus one v2 replay."""
    return legacy_cpu / (legacy_cpu + fastapi_cpu)


def compared(database: Path) -> int:
    with sessions_for(database)() as session:
        return int(session.scalar(select(func.coalesce(func.sum(ShadowStat.compared), 0))) or 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served(port: int) -> int:
    """Requests the gateway served on the benchmarked routes, from its own /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "http_server_request_duration_seconds_count" and \
                    sample.labels.get("route") in ROUTES.values():
                total += sample.value
    return int(total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path(tempfile.gettempdir()) / "cronjob_shadow_bench.db")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round, route and gateway")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args()
    database: Path = args.database.resolve()
    if args.reseed:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    if not database.exists():
        seconds = seed(f"sqlite:///{database}", job_count=10_000, execution_count=100_000, notification_count=1_000)
        print(f"seed: 10,000 jobs, 100,000 executions in {seconds:.1f} s", flush=True)
    wrk = ensure_wrk()
    token, sample_paths = bench_token(database)
    paths = {"jobs_page": ["/api/jobs?page=3&per_page=20"], "job_get": ["/api" + p for p in sample_paths["job_get"]]}

    work = Path(tempfile.mkdtemp(prefix="shadow-bench-"))
    files = {name: work / f"{name}.db" for name in GATEWAYS}
    for name, (kind, _extra) in GATEWAYS.items():
        if kind == "plain":
            shutil.copyfile(database, files[name])
        else:
            flagged_copy(database, files[name], kind)
    server_cpus, client_cpu = cpu_split()
    ports = {name: free_port() for name in GATEWAYS}
    rates: dict[tuple[str, str], list[Result]] = {(g, r): [] for g in GATEWAYS for r in ROUTES}
    cpu_per_request: dict[tuple[str, str], list[float]] = {(g, r): [] for g in GATEWAYS for r in ROUTES}
    served_total = {name: 0 for name, (kind, _) in GATEWAYS.items() if kind == "shadow"}
    names = list(GATEWAYS)
    for round_ in range(args.rounds):
        # Fresh processes every round: one process's memory layout (hash seed, heap) can bias
        # it by ±10% for its whole life, more than the 3% this bench must resolve.
        with ExitStack() as servers:
            pids: dict[str, int] = {}
            for name, (_kind, extra) in GATEWAYS.items():
                multiproc = work / f"prom-{name}-{round_}"
                multiproc.mkdir()
                env = {**server_env(files[name]), "PROMETHEUS_MULTIPROC_DIR": str(multiproc), **extra}
                argv = [sys.executable, "-m", "uvicorn", "gateway:app", "--host", "127.0.0.1", "--port",
                        str(ports[name]), "--workers", "1", "--no-access-log", "--log-level", "warning"]
                pids[name] = servers.enter_context(Server(name, argv, ports[name], "/api/health", env, server_cpus,
                                                          work)).process.pid  # taskset execs: the server's pid
            order = names[round_ % len(names):] + names[:round_ % len(names)]
            for route in ROUTES:
                for name in order:
                    # warm-up: caches, statements, first replays
                    run_wrk(wrk, f"http://127.0.0.1:{ports[name]}", token, paths[route],
                            connections=args.connections, seconds=1, cpu=client_cpu)
                    cpu = cpu_seconds(pids[name])
                    result = run_wrk(wrk, f"http://127.0.0.1:{ports[name]}", token, paths[route],
                                     connections=args.connections, seconds=args.duration, cpu=client_cpu)
                    cpu_per_request[name, route].append(
                        (cpu_seconds(pids[name]) - cpu) / max(1.0, result.requests_per_second * args.duration))
                    if result.errors:
                        raise SystemExit(f"{name} {route}: {result.errors} non-2xx answers")
                    rates[name, route].append(result)
            time.sleep(1.5)  # the last batched verdicts reach the database
            for name in served_total:
                served_total[name] += served(ports[name])
    shares = {name: (compared(files[name]), total) for name, total in served_total.items()}

    print(f"1 worker per gateway, SQLite, 10,000 jobs; {args.rounds} rounds x {args.duration:.0f} s, "
          f"{args.connections} connections; server CPUs={server_cpus} wrk CPU={client_cpu}")
    for route in ROUTES:
        medians = {name: statistics.median(r.requests_per_second for r in rates[name, route]) for name in GATEWAYS}
        print(f"{route:9} " + "  ".join(f"{name} {rate:6.0f} req/s" for name, rate in medians.items()))
        print("          CPU ms per request: " + "  ".join(
            f"{name} {statistics.median(cpu_per_request[name, route]) * 1000:.2f}" for name in GATEWAYS))
        for top, bottom, target in RATIOS:
            ratios = [a.requests_per_second / b.requests_per_second
                      for a, b in zip(rates[top, route], rates[bottom, route], strict=True)]
            median = statistics.median(ratios)
            by_cpu = [b / a for a, b in zip(cpu_per_request[top, route], cpu_per_request[bottom, route], strict=True)]
            cpu_median = statistics.median(by_cpu)
            print(f"          {top} / {bottom}: req/s {median:.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}), "
                  f"CPU per request {cpu_median:.2f} (rounds {min(by_cpu):.2f}-{max(by_cpu):.2f}); "
                  f"target >= {target:.2f}{'' if cpu_median >= target else ', MISSED'}")
        legacy_cpu = statistics.median(cpu_per_request["legacy", route])
        fastapi_cpu = statistics.median(cpu_per_request["fastapi", route])
        shadow_cpu = statistics.median(cpu_per_request["shadow100", route])
        print(f"          ceiling of shadow100 / legacy (legacy + one v2 answer per request): "
              f"{ceiling(legacy_cpu, fastapi_cpu):.2f}; shadow100 reaches "
              f"{(legacy_cpu / shadow_cpu) / ceiling(legacy_cpu, fastapi_cpu):.0%} of it")
    for name, (done, total) in shares.items():
        print(f"{name}: {done} comparisons stored for {total} requests served ({done / max(total, 1):.1%})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
