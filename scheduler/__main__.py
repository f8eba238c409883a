"""`python -m scheduler`: a standalone leader candidate (SIGTERM/SIGINT stop it cleanly).

Run as many as you like against one database; one leads, the others stand by.
The database must already be migrated (`python -m shared_models migrate`).
With SCHEDULER_METRICS_PORT set, it serves its own Prometheus metrics
(`scheduler_is_leader`, `scheduler_fire_lateness_seconds`, `scheduler_executions_total`)
on that port: in its own container it shares no PROMETHEUS_MULTIPROC_DIR with a gateway.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from scheduler.candidate import start_candidate
from shared_models.settings import get_settings


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("SCHEDULER_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s",
    )
    settings = get_settings()
    if not settings.SCHEDULER_ENABLED:
        logging.getLogger("scheduler").warning("SCHEDULER_ENABLED is false; not starting")
        return 0
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    if settings.SCHEDULER_METRICS_PORT:
        from prometheus_client import start_http_server

        from shared_models.metrics import collecting_registry

        start_http_server(settings.SCHEDULER_METRICS_PORT, addr=os.environ.get("SCHEDULER_METRICS_ADDR", "0.0.0.0"),
                          registry=collecting_registry())
    handle = start_candidate(settings)
    while not done.wait(1.0):
        pass
    handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
