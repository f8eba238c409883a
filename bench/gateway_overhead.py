"""What the gateway costs: the same route through `uvicorn gateway:app` and served directly.

    python bench/gateway_overhead.py [--workers 1] [--seconds 4] [--rounds 3] [--connections 16]

Legacy: GET /api/health through the gateway (Flask behind its WSGI bridge) vs the same Flask
app under gunicorn (gthread, as many threads as the gateway's bridge pool). v2: GET
/api/v2/health through the gateway vs `uvicorn fastapi_app:create_app --factory`. Every
server gets the same worker count, no access log, and one temp SQLite file (migrated
first, SCHEDULER_ENABLED=false). Prints req/s and gateway ÷ direct for both (goal ≥ 0.9).

The machine is shared and its load drifts, so the servers run side by side and are loaded
in turns: `--rounds` rounds, each loading every (server, path) for `--seconds`, gateway and
direct back to back (alternating which goes first). A ratio is taken per round and the
median is reported, with the range over the rounds.

Load generator: wrk (Debian's package; installed with apt-get when missing and root),
pinned with taskset to the last CPU while the servers are pinned to the others, so the
client does not eat the server's CPU. On a 2-core machine that is one core each.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import Server, cpu_split, ensure_wrk, free_port  # noqa: E402

CASES = (("legacy", "/api/health", "gunicorn+flask"), ("v2", "/api/v2/health", "uvicorn+fastapi"))


def load(wrk: str, cpu: str, url: str, seconds: int, connections: int, *, warm_up: bool = False) -> float:
    """Requests per second wrk measured; non-2xx answers abort the bench."""
    base = ["taskset", "-c", cpu, wrk, "-t1", f"-c{connections}"]
    if warm_up:
        subprocess.run([*base, "-d2s", url], check=True, capture_output=True)
    out = subprocess.run([*base, f"-d{seconds}s", url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors under load at {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    wrk = ensure_wrk()
    server_cpus, client_cpu = cpu_split()
    bindir = Path(sys.executable).parent
    workdir = Path(tempfile.mkdtemp(prefix="gateway-bench-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "SCHEDULER_ENABLED": "false",
        "FLASK_ENV": "production",
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123",
        "JWT_SECRET_KEY": "bench-jwt-secret-key-0123456789abcdef",
        "CORS_ORIGINS": "http://localhost:5173",
    }
    subprocess.run([sys.executable, "-m", "shared_models", "migrate"], env=env, cwd=workdir, check=True)
    sys.path.insert(0, str(ROOT))
    from shared_models.settings import Settings

    threads = Settings(_env_file=None, **{k: v for k, v in env.items() if k == "DATABASE_URL"}).DATABASE_POOL_SIZE
    w = str(args.workers)
    uvicorn_opts = ["--host", "127.0.0.1", "--workers", w, "--no-access-log", "--log-level", "warning"]

    def uvicorn(app: str, port: int, *extra: str) -> list[str]:
        return [str(bindir / "uvicorn"), app, *extra, "--port", str(port), *uvicorn_opts]

    setups = {
        "gateway": lambda p: uvicorn("gateway:app", p),
        "gunicorn+flask": lambda p: [
            str(bindir / "gunicorn"), "legacy_flask:create_app()", "-b", f"127.0.0.1:{p}", "-w", w,
            "-k", "gthread", "--threads", str(threads), "--log-level", "warning",
        ],
        "uvicorn+fastapi": lambda p: uvicorn("fastapi_app:create_app", p, "--factory"),
    }
    paths = {"gateway": ("/api/health", "/api/v2/health"), "gunicorn+flask": ("/api/health",),
             "uvicorn+fastapi": ("/api/v2/health",)}
    ports = {name: free_port() for name in setups}
    pairs = [[("gateway", path), (direct, path)] for _, path, direct in CASES]
    rates: dict[tuple[str, str], list[float]] = {target: [] for pair in pairs for target in pair}
    with ExitStack() as servers:
        for name, argv in setups.items():
            servers.enter_context(Server(name, argv(ports[name]), ports[name], paths[name][0], env, server_cpus,
                                         workdir))
        for round_ in range(args.rounds):
            # Each pair back to back, in alternate order: a drift in load favours neither.
            for name, path in [target for pair in pairs for target in (pair if round_ % 2 == 0 else pair[::-1])]:
                rate = load(wrk, client_cpu, f"http://127.0.0.1:{ports[name]}{path}", args.seconds,
                            args.connections, warm_up=round_ == 0)
                rates[name, path].append(rate)

    print(f"workers={w} connections={args.connections} {args.rounds} rounds x {args.seconds}s "
          f"server CPUs={server_cpus} wrk CPU={client_cpu} (bridge/gthread threads={threads})")
    for label, path, direct in CASES:
        through, alone = rates["gateway", path], rates[direct, path]
        ratios = [a / b for a, b in zip(through, alone, strict=True)]
        print(f"{label:7} {path:16} gateway {statistics.median(through):8.0f} req/s   "
              f"{direct:16} {statistics.median(alone):8.0f} req/s   ratio {statistics.median(ratios):.2f} "
              f"(rounds {min(ratios):.2f}-{max(ratios):.2f})")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
