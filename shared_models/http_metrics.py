"""The histogram every HTTP front door records, whichever it is (the cutover gateway
today, `fastapi_app.main` once Flask retires), in a module of its own so a process that
serves no HTTP (the standalone scheduler) does not export it:

    http_server_request_duration_seconds{route,stack,state,status_class}   histogram

    durations = RequestDurations()
    durations.observe("GET /api/jobs/<job_id>", "fastapi", "fastapi", 200, 0.004)

`route` is always a route key (`GET /api/jobs/<job_id>`) or `unmatched`, never a raw
path, so the label set stays bounded.
"""

from __future__ import annotations

from prometheus_client import Histogram

from shared_models.metrics import status_class

UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_DURATION = Histogram(
    "http_server_request_duration_seconds", "Time from request to the last response byte, per route and arm.",
    ("route", "stack", "state", "status_class"), buckets=LATENCY_BUCKETS,
)


class RequestDurations:
    """`REQUEST_DURATION` with its label children cached: `labels()` costs more than the
    observation itself, and a front door's label sets are few (bounded route keys)."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, str, str], Histogram] = {}

    def observe(self, route: str, stack: str, state: str, status: int, seconds: float) -> None:
        key = (route, stack, state, status_class(status))
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = REQUEST_DURATION.labels(*key)
        child.observe(seconds)
