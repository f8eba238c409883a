"""The scheduler's Prometheus metrics (collected by `shared_models.metrics`).

    scheduler_fire_lateness_seconds            histogram: claim time minus the slot's time
    scheduler_executions_total{status,trigger}  success | failed | missed; scheduled | catch_up
    scheduler_is_leader                         1 in the process holding the leader lock

`scheduler_is_leader` adds up over live processes (`livesum`), so a deployment reads 1
(0: nobody fires, 2: a split brain). The scheduler's own process (`python -m scheduler`)
has no HTTP server: its samples reach /metrics through the shared PROMETHEUS_MULTIPROC_DIR
when it runs beside the gateway, or in the gateway's own process when embedded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from shared_models.clock import utcnow

LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

FIRE_LATENESS = Histogram("scheduler_fire_lateness_seconds", "How late each slot was claimed, after its time.",
                          buckets=LATENESS_BUCKETS)
EXECUTIONS = Counter("scheduler_executions", "Scheduled executions recorded, by outcome and trigger.",
                     ("status", "trigger"))
IS_LEADER = Gauge("scheduler_is_leader", "1 while this process holds the scheduler leader lock.",
                  multiprocess_mode="livesum")


def observe_lateness(slots: Iterable[datetime]) -> None:
    now = utcnow()
    for slot in slots:
        FIRE_LATENESS.observe(max(0.0, (now - slot).total_seconds()))


def count_execution(status: str | None, trigger: str = "scheduled") -> None:
    if status is not None:
        EXECUTIONS.labels(status, trigger).inc()
