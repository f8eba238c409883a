"""Prometheus metrics for every process of the deployment, added up across workers.

    exposition()              # (body, content type) for GET /metrics
    await send_exposition(scope, send)   # that answer, on ASGI (GET or HEAD)
    status_class(404)         # "4xx"
    mark_process_dead()       # at worker shutdown: drop its live gauges
    durations = RequestDurations()
    durations.observe("GET /api/jobs/<job_id>", "fastapi", "fastapi", 200, 0.004)

With `PROMETHEUS_MULTIPROC_DIR` set (it must be set before any metric is created, i.e.
in the environment of `uvicorn --workers N`, and the directory emptied when the
deployment starts), every process writes its samples to mmapped files there and
`exposition()` merges them, so any worker answers for all of them (and replicas on one
host sharing the directory add up too). Without it, the process's own registry is read.

The metric objects live beside what they measure (`cutover.metrics`,
`scheduler.metrics`), except the one every HTTP front door records, whichever it is
(the cutover gateway today, `fastapi_app.main` once Flask retires):

    http_server_request_duration_seconds{route,stack,state,status_class}   histogram

`route` is always a route key (`GET /api/jobs/<job_id>`) or `unmatched`, never a raw
path, so the label set stays bounded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)

from shared_models.request_ids import Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_DURATION = Histogram(
    "http_server_request_duration_seconds", "Time from request to the last response byte, per route and arm.",
    ("route", "stack", "state", "status_class"), buckets=LATENCY_BUCKETS,
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def collecting_registry() -> CollectorRegistry:
    """The registry to read: every process's samples in multiprocess mode, else this process's."""
    path = multiprocess_dir()
    if path is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (all processes' in multiprocess mode)."""
    return generate_latest(collecting_registry()), CONTENT_TYPE_LATEST


async def send_exposition(scope: Mapping[str, Any], send: Send) -> None:
    """Answer a GET or HEAD `/metrics` request (read in a thread: the multiprocess merge
    reads files)."""
    import anyio.to_thread  # an ASGI server's own dependency; not needed by the scheduler

    body, content_type = await anyio.to_thread.run_sync(exposition)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body if scope.get("method") == "GET" else b""})


def mark_process_dead(pid: int | None = None) -> None:
    """Forget a stopped worker's `live*` gauges (its counters and histograms stay summed)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid or os.getpid())


_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


def status_class(status: int) -> str:
    """`"2xx"` .. `"5xx"` (anything else is `"other"`): bounded label values."""
    return _CLASSES.get(status // 100, "other")


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
