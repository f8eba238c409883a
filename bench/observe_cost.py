"""What metrics and the request log add to one gateway request, warm, in process.

    python bench/observe_cost.py [--rounds 15] [--batches 100]

The gateway's `cutover.observe.Observer` queues one tuple per request and drains it
every 64 requests (its default batch) into the histogram and the JSON log lines. This
drives one Observer in process, alternating four sides in each round (metrics and log
off, metrics only, log only, both), each for `--batches` full batches, and prints the
median CPU microseconds per request of each side and what metrics + logs add over off.
The log goes through the real `configure_request_log` handler to a file (as a
deployment's stdout to a file or pipe), the histogram to a multiprocess directory (as
PROMETHEUS_MULTIPROC_DIR is set in a deployment).

It measures the code's own cost, warm. The live figure (bench/shadow_overhead.py,
metrics + logs on ÷ off) also holds what the cold caches after Flask's work add, but
its rounds spread by 10-15 % on a shared host; this one repeats within a few percent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIDES = {"off": (False, False), "metrics": (True, False), "log": (False, True), "both": (True, True)}
BATCH = 64
REQUEST_CPU_US = 2000.0
"""CPU per gateway request on the jobs page and a single job (1.8-2.5 ms in bench/shadow_overhead.py)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batches", type=int, default=100, help="full batches of 64 requests per side and round")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="observe-cost-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(work)  # before prometheus_client is imported

    from cutover.observe import Observer, Seen
    from shared_models.request_log import REQUEST_LOG, configure_request_log

    configure_request_log()
    log_file = (work / "requests.log").open("w")
    REQUEST_LOG.handlers[0].setStream(log_file)  # type: ignore[attr-defined]
    observer = Observer(lambda: None, slot_seconds=10, flush_interval=3600, batch=BATCH)  # type: ignore[arg-type, return-value]
    seen = Seen(route="GET /api/jobs/<job_id>", stack="legacy", state="legacy")

    def side(metrics: bool, request_log: bool) -> float:
        """CPU microseconds per request, queued and drained."""
        observer.metrics, observer.request_log = metrics, request_log
        started = time.process_time()
        for _ in range(args.batches * BATCH):
            observer.observe(seen, status=200, seconds=0.002, request_id="0123456789abcdef0123456789abcdef",
                             user_id="1", method="GET")
        return (time.process_time() - started) / (args.batches * BATCH) * 1e6

    figures: dict[str, list[float]] = {name: [] for name in SIDES}
    for round_ in range(args.rounds):
        names = list(SIDES)
        names = names[round_ % len(names):] + names[:round_ % len(names)]  # no side always first
        for name in names:
            figures[name].append(side(*SIDES[name]))
    log_file.close()
    shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{args.rounds} rounds x {args.batches} batches of {BATCH} requests per side, CPU µs per request "
          "(median, range):")
    for name, values in figures.items():
        print(f"  {name:8} {medians[name]:6.2f} ({min(values):.2f}-{max(values):.2f})")
    added = medians["both"] - medians["off"]
    ratio = REQUEST_CPU_US / (REQUEST_CPU_US + added)
    print(f"metrics + logs add {added:.2f} µs per request; on a {REQUEST_CPU_US / 1000:.0f} ms request "
          f"throughput on ÷ off = {ratio:.4f} (target >= 0.97)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
