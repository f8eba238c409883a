"""What shadow mode, metrics and request logs cost: one gateway switched side by side, alternating.

    python bench/shadow_overhead.py [--rounds 7] [--duration 5] [--passes 3] [--connections 8]
        [--database /tmp/cronjob_shadow_bench.db] [--reseed] [--json FILE]

One gateway process (`uvicorn bench.gateway_switches:app`: `gateway:app` plus bench-only
switches; one worker, pinned to the server CPU, PROMETHEUS_MULTIPROC_DIR set as in a
deployment) on a copy of one seeded SQLite file (10,000 jobs; bench/seed.py) serves
four sides in turn, switched at run time as an operator would:

    legacy     the routes at `legacy`, metrics and request logs on (the default)
    bare       the same with metrics and request logs off (GATEWAY_METRICS=false
               GATEWAY_REQUEST_LOG=false)
    shadow100  the routes at `shadow`, every safe request replayed (CUTOVER_SHADOW_SAMPLE_RATE=1.0)
    shadow10   the routes at `shadow`, one in ten replayed (CUTOVER_SHADOW_SAMPLE_RATE=0.1)

and a second process with the routes at `fastapi`: the cost of the v2 answer a replay
adds, giving the ceiling of shadow100 / legacy (legacy ÷ (legacy + fastapi), per request CPU).

Why one process: two processes of one gateway differ by 5-10 % in CPU per request for
their whole lives (memory layout, not configuration), more than the 3 % budget of
metrics + logs and the margin of shadow at 10 %. Why many slices: one slice of 5 s
varies by several percent on this shared machine.

Routes: GET /api/jobs?page=3&per_page=20 and GET /api/jobs/<id> (wrk cycles through
1,000 ids, bench/rotate.lua, the seeded admin's token). Each round starts both processes
afresh, warms them up (a second at legacy, a second at shadow100, a second of the fastapi
process), then per route loads each side for `--duration` seconds, `--passes` times, in
an order rotated each pass and round, so drift in the machine's load favours none.

Each slice's figure is CPU time per request: the gateway's user+system seconds
(/proc/PID/stat) from the slice's start until its replays are done (each slice ends
with a drain), ÷ the requests served. A saturated one-worker server's throughput is the
inverse of its CPU per request, and CPU time is not stretched by other processes' load,
so this is the steadier estimate of the throughput ratio (req/s ratios are printed too).
A round's figure is the mean of its slices; printed per route: the median over rounds
of each ratio, with its range: shadow100 ÷ legacy (target ≥ 0.70), shadow10 ÷ legacy
(≥ 0.95), legacy ÷ bare (the cost of metrics + logs, ≥ 0.97). Then, per shadow side, the
comparisons stored ÷ the requests served: how much shadowing actually happened
(replays dropped when the queue is full are not comparisons). `--json FILE` also writes
each round's figures, so that runs on a noisy host can be pooled round by round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.api_throughput import bench_token, run_wrk, server_env  # noqa: E402
from bench.gateway_switches import DRAIN, OBSERVE, force_flags, shadow_switch_path  # noqa: E402
from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402
from bench.seed import seed  # noqa: E402
from shared_models.db import make_engine, make_sessionmaker  # noqa: E402
from shared_models.models.ops import ShadowStat  # noqa: E402
from shared_models.settings import Settings  # noqa: E402

ROUTES = {"jobs_page": "GET /api/jobs", "job_get": "GET /api/jobs/<job_id>"}
SIDES = {  # side: (metrics + request logs on, shadow sample rate; 0 = the routes at legacy)
    "legacy": (True, 0.0),
    "bare": (False, 0.0),
    "shadow100": (True, 1.0),
    "shadow10": (True, 0.1),
}
FASTAPI = "fastapi"  # the second process, routes at fastapi: the ceiling
RATIOS = (("shadow100", "legacy", 0.70), ("shadow10", "legacy", 0.95), ("legacy", "bare", 0.97))


def sessions_for(database: Path):  # noqa: ANN201 - a sessionmaker
    return make_sessionmaker(make_engine(Settings(_env_file=None, DATABASE_URL=f"sqlite:///{database}")))


def flagged_copy(database: Path, target: Path, state: str) -> None:
    """A copy of the seeded file with both routes at `state` (forced past the parity gate)."""
    shutil.copyfile(database, target)
    force_flags(sessions_for(target), list(ROUTES.values()), state)


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


def post(port: int, path: str) -> None:
    """One bench switch of the running gateway (bench/gateway_switches.py); it drains first."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST")
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 204, (path, answer.status)


def switch_to(port: int, side: str) -> None:
    observe, rate = SIDES[side]
    post(port, OBSERVE + ("on" if observe else "off"))
    post(port, shadow_switch_path(rate, list(ROUTES.values())))


def rotated(names: list[str], by: int) -> list[str]:
    return names[by % len(names):] + names[:by % len(names)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path(tempfile.gettempdir()) / "cronjob_shadow_bench.db")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per slice")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--passes", type=int, default=3, help="slices of each side per round and route")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--json", type=Path, help="also write each round's figures here, to pool several runs")
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
    files = {"switched": work / "switched.db", FASTAPI: work / "fastapi.db"}
    shutil.copyfile(database, files["switched"])
    flagged_copy(database, files[FASTAPI], "fastapi")
    server_cpus, client_cpu = cpu_split()
    ports = {name: free_port() for name in files}
    measured = (*SIDES, FASTAPI)
    # per (side, route): one list per round of (req/s, CPU seconds per request), one per slice
    slices: dict[tuple[str, str], list[list[tuple[float, float]]]] = {
        (side, route): [[] for _ in range(args.rounds)] for side in measured for route in ROUTES}
    shadowed = {side: [0, 0.0] for side, (_, rate) in SIDES.items() if rate > 0}  # comparisons, requests
    pids: dict[str, int] = {}  # this round's server processes

    def load(name: str, route: str, seconds: float) -> tuple[float, float]:
        """wrk on `name` for `seconds`, then its replays finished: (req/s, CPU seconds per request)."""
        cpu = cpu_seconds(pids[name])
        result = run_wrk(wrk, f"http://127.0.0.1:{ports[name]}", token, paths[route],
                         connections=args.connections, seconds=seconds, cpu=client_cpu)
        if result.errors:
            raise SystemExit(f"{name} {route}: {result.errors} non-2xx answers")
        post(ports[name], DRAIN)
        used = cpu_seconds(pids[name]) - cpu
        return result.requests_per_second, used / max(1.0, result.requests_per_second * seconds)

    for round_ in range(args.rounds):
        # Fresh processes every round, so that no one memory layout decides every round.
        with ExitStack() as servers:
            pids.clear()
            for name, file in files.items():
                multiproc = work / f"prom-{name}-{round_}"
                multiproc.mkdir()
                env = {**server_env(file), "PROMETHEUS_MULTIPROC_DIR": str(multiproc)}
                argv = [sys.executable, "-m", "uvicorn", "bench.gateway_switches:app", "--host", "127.0.0.1",
                        "--port", str(ports[name]), "--workers", "1", "--no-access-log", "--log-level", "warning"]
                pids[name] = servers.enter_context(Server(name, argv, ports[name], "/api/health", env, server_cpus,
                                                          work)).process.pid  # taskset execs: the server's pid
            for route in ROUTES:
                for warm_up in ("legacy", "shadow100"):  # caches, statements, the replay path
                    switch_to(ports["switched"], warm_up)
                    load("switched", route, 1)
                load(FASTAPI, route, 1)
                slices[FASTAPI, route][round_].append(load(FASTAPI, route, args.duration))
                for pass_ in range(args.passes):
                    for side in rotated(list(SIDES), round_ + pass_):
                        switch_to(ports["switched"], side)
                        before = compared(files["switched"])
                        figures = load("switched", route, args.duration)
                        slices[side, route][round_].append(figures)
                        if side in shadowed:  # the load's drain wrote its verdicts
                            shadowed[side][0] += compared(files["switched"]) - before
                            shadowed[side][1] += figures[0] * args.duration

    def per_round(side: str, route: str, figure: int) -> list[float]:
        return [statistics.fmean(slice_[figure] for slice_ in round_slices) for round_slices in slices[side, route]]

    print(f"1 worker, SQLite, 10,000 jobs; {args.rounds} rounds x {args.passes} passes x {args.duration:.0f} s "
          f"per side, {args.connections} connections; server CPUs={server_cpus} wrk CPU={client_cpu}")
    for route in ROUTES:
        rates = {side: per_round(side, route, 0) for side in measured}
        cpus = {side: per_round(side, route, 1) for side in measured}
        print(f"{route:9} " + "  ".join(f"{side} {statistics.median(rates[side]):6.0f} req/s" for side in measured))
        print("          CPU ms per request: " + "  ".join(
            f"{side} {statistics.median(cpus[side]) * 1000:.2f}" for side in measured))
        for top, bottom, target in RATIOS:
            by_rate = [a / b for a, b in zip(rates[top], rates[bottom], strict=True)]
            by_cpu = [b / a for a, b in zip(cpus[top], cpus[bottom], strict=True)]
            cpu_median = statistics.median(by_cpu)
            print(f"          {top} / {bottom}: req/s {statistics.median(by_rate):.2f} "
                  f"(rounds {min(by_rate):.2f}-{max(by_rate):.2f}), "
                  f"CPU per request {cpu_median:.2f} (rounds {min(by_cpu):.2f}-{max(by_cpu):.2f}); "
                  f"target >= {target:.2f}{'' if cpu_median >= target else ', MISSED'}")
        legacy_cpu, fastapi_cpu, shadow_cpu = (statistics.median(cpus[side]) for side in ("legacy", FASTAPI, "shadow100"))
        print(f"          ceiling of shadow100 / legacy (legacy + one v2 answer per request): "
              f"{ceiling(legacy_cpu, fastapi_cpu):.2f}; shadow100 reaches "
              f"{(legacy_cpu / shadow_cpu) / ceiling(legacy_cpu, fastapi_cpu):.0%} of it")
    for side, (done, total) in shadowed.items():
        print(f"{side}: {done} comparisons stored for {total:.0f} requests served ({done / max(total, 1):.1%})")
    if args.json:
        rounds = {f"{side} {route}": {"req_per_s": per_round(side, route, 0), "cpu_s_per_request": per_round(side, route, 1)}
                  for side in measured for route in ROUTES}
        args.json.write_text(json.dumps({"settings": vars(args), "rounds": rounds}, indent=1, default=str))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
