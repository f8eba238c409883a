"""What shadow mode, metrics and request logs cost: gateways side by side, alternating rounds.

    python bench/shadow_overhead.py [--rounds 5] [--duration 5] [--pairs 3] [--connections 8]
        [--database /tmp/cronjob_shadow_bench.db] [--reseed]

Four gateway processes (`uvicorn bench.observe_toggle:app`, which is `gateway:app` plus a
bench-only switch; one worker each, pinned to the same server CPU, PROMETHEUS_MULTIPROC_DIR
set as in a deployment), each on its own copy of one seeded SQLite file (10,000 jobs;
bench/seed.py):

    legacy     the routes at `legacy`, metrics and request logs on (the default)
    shadow100  the routes at `shadow`, CUTOVER_SHADOW_SAMPLE_RATE=1.0
    shadow10   the routes at `shadow`, CUTOVER_SHADOW_SAMPLE_RATE=0.1
    fastapi    the routes at `fastapi`: the cost of the v2 answer a replay adds, giving the
               ceiling of shadow100 / legacy (legacy ÷ (legacy + fastapi), per request CPU)

and `bare`: the legacy process itself with metrics and request logs switched off, as
GATEWAY_METRICS=false GATEWAY_REQUEST_LOG=false would (bench/observe_toggle.py). In its
turn the legacy process is loaded `--pairs` times on and off, the order alternating. Two
processes of one gateway differ by 5-10 % for their whole lives, so only one process can
resolve a 3 % cost, and only many slices can: one slice of 5 s varies by about 7 % on this
shared machine.

Routes: GET /api/jobs?page=3&per_page=20 and GET /api/jobs/<id> (wrk cycles through
1,000 ids, bench/rotate.lua, the seeded admin's token). Each round starts the four
gateways afresh (one process's memory layout can bias it by several percent for its
whole life, more than the 3% this bench must resolve), warms each up for a second, and
loads it for `--duration` seconds per route (per slice), in an order rotated each round,
so drift in this shared machine's load favours none. Printed per route: the median req/s
of each gateway and the median of the per-round ratios (a round's figure is the mean of
its slices; with their range): shadow100 ÷ legacy (target ≥ 0.70), shadow10 ÷ legacy (≥ 0.95)
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

from bench.api_throughput import bench_token, run_wrk, server_env  # noqa: E402
from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402
from bench.observe_toggle import SWITCH_PREFIX  # noqa: E402
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
    "fastapi": ("fastapi", {}),
}
BARE = "bare"  # the legacy gateway with metrics and request logs switched off
MEASURED = (*GATEWAYS, BARE)
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


def switch_observation(port: int, *, on: bool) -> None:
    """Metrics and request logs on or off in the running gateway (bench/observe_toggle.py)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{SWITCH_PREFIX}{'on' if on else 'off'}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 204


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
    parser.add_argument("--pairs", type=int, default=3, help="legacy/bare slice pairs per round and route")
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
    # per (side, route): one list per round of (req/s, CPU seconds per request), one per slice
    slices: dict[tuple[str, str], list[list[tuple[float, float]]]] = {
        (side, route): [[] for _ in range(args.rounds)] for side in MEASURED for route in ROUTES}
    served_total = {name: 0 for name, (kind, _) in GATEWAYS.items() if kind == "shadow"}
    pids: dict[str, int] = {}  # this round's server processes

    def load(name: str, route: str, seconds: float) -> tuple[float, float]:
        cpu = cpu_seconds(pids[name])
        result = run_wrk(wrk, f"http://127.0.0.1:{ports[name]}", token, paths[route],
                         connections=args.connections, seconds=seconds, cpu=client_cpu)
        if result.errors:
            raise SystemExit(f"{name} {route}: {result.errors} non-2xx answers")
        return result.requests_per_second, (cpu_seconds(pids[name]) - cpu) / max(1.0, result.requests_per_second * seconds)

    names = list(GATEWAYS)
    for round_ in range(args.rounds):
        # Fresh processes every round: one process's memory layout (hash seed, heap) can bias
        # it by ±10% for its whole life, more than the 3% this bench must resolve.
        with ExitStack() as servers:
            pids.clear()
            for name, (_kind, extra) in GATEWAYS.items():
                multiproc = work / f"prom-{name}-{round_}"
                multiproc.mkdir()
                env = {**server_env(files[name]), "PROMETHEUS_MULTIPROC_DIR": str(multiproc), **extra}
                argv = [sys.executable, "-m", "uvicorn", "bench.observe_toggle:app", "--host", "127.0.0.1", "--port",
                        str(ports[name]), "--workers", "1", "--no-access-log", "--log-level", "warning"]
                pids[name] = servers.enter_context(Server(name, argv, ports[name], "/api/health", env, server_cpus,
                                                          work)).process.pid  # taskset execs: the server's pid
            order = names[round_ % len(names):] + names[:round_ % len(names)]
            for route in ROUTES:
                for name in order:
                    load(name, route, 1)  # warm-up: caches, statements, first replays
                    if name != "legacy":
                        slices[name, route][round_].append(load(name, route, args.duration))
                        continue
                    for pair in range(args.pairs):  # legacy and bare in turn, in one process
                        sides = (name, BARE) if (round_ + pair) % 2 == 0 else (BARE, name)
                        for side in sides:
                            switch_observation(ports[name], on=side != BARE)
                            slices[side, route][round_].append(load(name, route, args.duration))
                    switch_observation(ports[name], on=True)
            time.sleep(1.5)  # the last batched verdicts reach the database
            for name in served_total:
                served_total[name] += served(ports[name])
    shares = {name: (compared(files[name]), total) for name, total in served_total.items()}

    def per_round(side: str, route: str, figure: int) -> list[float]:
        return [statistics.fmean(slice_[figure] for slice_ in round_slices) for round_slices in slices[side, route]]

    print(f"1 worker per gateway, SQLite, 10,000 jobs; {args.rounds} rounds x {args.duration:.0f} s "
          f"(legacy and bare: {args.pairs} pairs per round), {args.connections} connections; "
          f"server CPUs={server_cpus} wrk CPU={client_cpu}")
    for route in ROUTES:
        rates = {side: per_round(side, route, 0) for side in MEASURED}
        cpus = {side: per_round(side, route, 1) for side in MEASURED}
        print(f"{route:9} " + "  ".join(f"{side} {statistics.median(rates[side]):6.0f} req/s" for side in MEASURED))
        print("          CPU ms per request: " + "  ".join(
            f"{side} {statistics.median(cpus[side]) * 1000:.2f}" for side in MEASURED))
        for top, bottom, target in RATIOS:
            by_rate = [a / b for a, b in zip(rates[top], rates[bottom], strict=True)]
            by_cpu = [b / a for a, b in zip(cpus[top], cpus[bottom], strict=True)]
            cpu_median = statistics.median(by_cpu)
            print(f"          {top} / {bottom}: req/s {statistics.median(by_rate):.2f} "
                  f"(rounds {min(by_rate):.2f}-{max(by_rate):.2f}), "
                  f"CPU per request {cpu_median:.2f} (rounds {min(by_cpu):.2f}-{max(by_cpu):.2f}); "
                  f"target >= {target:.2f}{'' if cpu_median >= target else ', MISSED'}")
        legacy_cpu, fastapi_cpu, shadow_cpu = (statistics.median(cpus[side]) for side in ("legacy", "fastapi", "shadow100"))
        print(f"          ceiling of shadow100 / legacy (legacy + one v2 answer per request): "
              f"{ceiling(legacy_cpu, fastapi_cpu):.2f}; shadow100 reaches "
              f"{(legacy_cpu / shadow_cpu) / ceiling(legacy_cpu, fastapi_cpu):.0%} of it")
    for name, (done, total) in shares.items():
        print(f"{name}: {done} comparisons stored for {total} requests served ({done / max(total, 1):.1%})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
