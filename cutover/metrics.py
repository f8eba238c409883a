"""The gateway's Prometheus metrics (collected by `shared_models.metrics`).

    http_server_request_duration_seconds{route,stack,state,status_class}   histogram
                                                  (shared_models.http_metrics: the end state keeps it)
    cutover_route_state{route,state}              1 for the route's state, 0 for the others
    cutover_route_canary_percent{route}           share of callers FastAPI serves (canary %,
                                                  100 at fastapi, 0 at legacy/shadow)
    cutover_rollout_decisions_total{route,action} the rollout judge's promote | complete |
                                                  rollback | superseded (cutover.judge)
    cutover_shadow_comparisons_total{route,verdict}   matched | mismatched | dropped
    cutover_capture_records_total{route,outcome}      written | dropped (cutover.capture)
    gateway_wsgi_busy_threads                     Flask threads running a request
    gateway_wsgi_queue_depth                      requests admitted, waiting for a thread

`route` is always a registry key (`GET /api/jobs/<job_id>`) or `unmatched`, never a
raw path, so the label set stays bounded. Gauges choose how workers add up:
`livesum` for the bridge (each worker's own threads), `livemostrecent` for the route
state (every worker sees the same flags; the newest write wins).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge

from shared_models.models.ops import CUTOVER_STATES

ROUTE_STATE = Gauge(
    "cutover_route_state", "1 for the cutover state a route is in, 0 for the other states.",
    ("route", "state"), multiprocess_mode="livemostrecent",
)
CANARY_PERCENT = Gauge(
    "cutover_route_canary_percent", "Share of a route's callers FastAPI serves, in percent.",
    ("route",), multiprocess_mode="livemostrecent",
)
ROLLOUT_DECISIONS = Counter(
    "cutover_rollout_decisions", "Steps the rollout judge took, by action.", ("route", "action"),
)
SHADOW_COMPARISONS = Counter(
    "cutover_shadow_comparisons", "Shadow replays by verdict (dropped: not replayed, the queue was full).",
    ("route", "verdict"),
)
CAPTURE_RECORDS = Counter(
    "cutover_capture_records", "Captured exchanges by outcome (dropped: the writer's queue was full).",
    ("route", "outcome"),
)
WSGI_BUSY = Gauge("gateway_wsgi_busy_threads", "Flask (WSGI bridge) threads running a request.",
                  multiprocess_mode="livesum")
WSGI_QUEUE = Gauge("gateway_wsgi_queue_depth", "Requests admitted to the WSGI bridge, waiting for a thread.",
                   multiprocess_mode="livesum")


def publish_route_states(keys: Iterable[str], state_of: dict[str, tuple[str, int]], *, retired: bool) -> None:
    """Set `cutover_route_state` for every route (called when /metrics is scraped)."""
    for key in keys:
        current = "fastapi" if retired else state_of.get(key, ("legacy", 0))[0]
        for state in CUTOVER_STATES:
            ROUTE_STATE.labels(key, state).set(1 if state == current else 0)
        share = 100 if current == "fastapi" else state_of[key][1] if current == "canary" else 0
        CANARY_PERCENT.labels(key).set(share)
