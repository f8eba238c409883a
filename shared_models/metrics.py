"""Prometheus metrics for every process of the deployment, added up across workers.

    exposition()              # (body, content type) for GET /metrics
    await send_exposition(scope, send)   # that answer, on ASGI (GET or HEAD)
    status_class(404)         # "4xx"
    mark_process_dead()       # at worker shutdown: drop its live gauges

With `PROMETHEUS_MULTIPROC_DIR` set (it must be set before any metric is created, i.e.
in the environment of `uvicorn --workers N`, and the directory emptied when the
deployment starts), every process writes its samples to mmapped files there and
`exposition()` merges them, so any worker answers for all of them (and replicas on one
host sharing the directory add up too). Without it, the process's own registry is read.

The metric objects live beside what they measure (`cutover.metrics`,
`scheduler.metrics`, `shared_models.http_metrics` for the HTTP front doors); this module
only owns how they are collected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from shared_models.request_ids import Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


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
