"""Automatic rollback: a burst of FastAPI 5xx on a canary/fastapi route flips it back.

    bursts = ErrorBursts(errors=5, window=20)
    if bursts.record("GET /api/jobs", status):   # True: 5 of the last 20 answers were 5xx
        ...flip the route to legacy (flags.auto_rollback) and audit why

Counted per worker: each worker watches the answers it served itself, so a burst is
seen by whichever worker it hits, and `flags.auto_rollback` makes the flip happen once.
"""

from __future__ import annotations

from collections import deque


class ErrorBursts:
    def __init__(self, *, errors: int, window: int) -> None:
        self.errors = errors
        self.window = window
        self._recent: dict[str, deque[bool]] = {}

    def record(self, route_key: str, status: int) -> bool:
        """Remember one FastAPI answer; True (and the window cleared) when it completes a burst."""
        recent = self._recent.setdefault(route_key, deque(maxlen=self.window))
        recent.append(status >= 500)
        if sum(recent) >= self.errors:
            recent.clear()
            return True
        return False

    def describe(self) -> str:
        return f"{self.errors} of the last {self.window} FastAPI answers were 5xx"

    def forget(self, route_key: str) -> None:
        self._recent.pop(route_key, None)
