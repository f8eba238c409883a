"""Prometheus metrics for every process of the deployment, added up across workers.

    exposition()              # (body, content type) for GET /metrics
    status_class(404)         # "4xx"
    mark_process_dead()       # at worker shutdown: drop its live gauges

With `PROMETHEUS_MULTIPROC_DIR` set (it must be set before any metric is created, i.e.
in the environment of `uvicorn --workers N`, and the directory emptied when the
deployment starts), every process writes its samples to mmapped files there and
`exposition()` merges them, so any worker answers for all of them (and replicas on one
host sharing the directory add up too). Without it, the process's own registry is read.

The metric objects live beside what they measure (`cutover.metrics`,
`scheduler.metrics`); this module only owns how they are collected.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

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


def mark_process_dead(pid: int | None = None) -> None:
    """Forget a stopped worker's `live*` gauges (its counters and histograms stay summed)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid or os.getpid())


_CLASSES = {n: f"{n}xx" for n in range(1, 6)}


def status_class(status: int) -> str:
    """`"2xx"` .. `"5xx"` (anything else is `"other"`): bounded label values."""
    return _CLASSES.get(status // 100, "other")
