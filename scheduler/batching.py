"""The queue-draining both scheduler threads share: the claimer (due slots) and the
recorder (finished runs) each take a first item, then gather what follows into a batch."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP = object()
"""Put on a queue to end its thread once everything before it is handled."""


def gather(
    items: queue.SimpleQueue[object], first: object, *, max_items: int, hold: float, idle: float | None = None
) -> tuple[list[object], bool]:
    """`first` plus what arrives for `hold` seconds (and, with `idle`, until nothing arrived
    for that long); returns (batch, whether STOP was seen)."""
    if first is STOP:
        return [], True
    batch = [first]
    deadline = time.monotonic() + hold
    while len(batch) < max_items:
        wait = deadline - time.monotonic()
        if idle is not None:
            wait = min(idle, wait)
        try:
            item = items.get(timeout=wait) if wait > 0 else items.get_nowait()
        except queue.Empty:
            break
        if item is STOP:
            return batch, True
        batch.append(item)
    return batch, False


def run_logged(task: Callable[[], object]) -> None:
    """Run `task` on a pool thread; a failure is logged, never lost silently."""
    try:
        task()
    except Exception:
        log.exception("scheduler: %s failed", task)
