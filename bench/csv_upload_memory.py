"""Bulk-upload bench: peak RSS of the serving process while it takes a 100,000-row CSV,
and the time per 1,000 rows, on each stack.

    python bench/csv_upload_memory.py [--rows 100000] [--stack legacy|v2|both] [--invalid]

Starts `uvicorn gateway:app` on a fresh SQLite database (scheduler off, the development
admin on), logs in, and uploads a CSV of unique valid jobs (or, with --invalid, rows that
all fail validation) through POST /api/jobs/bulk-upload and /api/v2/jobs/bulk-upload.
Peak RSS is the server's VmHWM from /proc, reset before each upload (clear_refs), so each
figure is that upload's own peak; the baseline is the RSS just before it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import free_port  # noqa: E402

HEADER = "Job Name,Cron Schedule (JST),Status,Target URL,Repo,Workflow Name,Category,End Date,PIC Team,Branch,Request Body\n"


def csv_bytes(rows: int, prefix: str, invalid: bool) -> bytes:
    end = (date.today() + timedelta(days=90)).isoformat()
    lines = [HEADER]
    for n in range(rows):
        if invalid:
            lines.append(f"{prefix}-{n},not a cron,,,,,,,,,\n")
        else:
            lines.append(f"{prefix}-{n},0 9 * * *,active,https://127.0.0.1:9/hook,,,general,{end},bench-team,,\n")
    return "".join(lines).encode()


def proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def wait_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--stack", choices=("legacy", "v2", "both"), default="both")
    parser.add_argument("--invalid", action="store_true", help="rows that all fail validation")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="csv-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "SCHEDULER_ENABLED": "false",
        "ALLOW_DEFAULT_ADMIN": "true",
        "MAIL_ENABLED": "false",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
        "MAX_UPLOAD_BYTES": str(64 * 1024 * 1024),
        "LOGIN_RATE_LIMIT_PER_MINUTE": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "gateway:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_up(base_url)
        client = httpx.Client(base_url=base_url, timeout=3600)
        token = client.post("/api/auth/login", json={"username": "admin", "password": "admin123"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        team = client.post("/api/pic-teams", json={"slug": "bench-team", "name": "bench-team", "slack_handle": "@bench"}, headers=headers)
        assert team.status_code == 201, team.text
        stacks = ("legacy", "v2") if args.stack == "both" else (args.stack,)
        print(f"rows={args.rows} valid={not args.invalid} server pid={server.pid}")
        for stack in stacks:
            prefix = "/api" if stack == "legacy" else "/api/v2"
            content = csv_bytes(args.rows, f"bench-{stack}", args.invalid)
            before = proc_kib(server.pid, "VmRSS")
            reset_peak(server.pid)
            started = time.perf_counter()
            response = client.post(
                f"{prefix}/jobs/bulk-upload", headers=headers, files={"file": ("jobs.csv", content, "text/csv")}
            )
            seconds = time.perf_counter() - started
            peak = proc_kib(server.pid, "VmHWM")
            body = response.json()
            summary = {k: v for k, v in body.items() if isinstance(v, int | str)}
            print(
                f"{stack:6} status={response.status_code} csv={len(content) / 1e6:.1f} MB "
                f"rss_before={before / 1024:.0f} MiB peak_rss={peak / 1024:.0f} MiB "
                f"(+{(peak - before) / 1024:.0f} MiB) total={seconds:.1f}s "
                f"per_1000_rows={seconds / args.rows * 1000 * 1000:.0f} ms {summary} "
                f"first_error={(body.get('errors') or [None])[0]}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
