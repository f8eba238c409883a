"""The gateway's cutover settings, read from environment variables with defaults.

Kept out of `shared_models.settings.Settings` for now (the lead moves them there):

    GATEWAY_FLASK_RETIRED         "1"/"true": start with Flask retired (never imported);
                                  the DB switch `flask_retired` does the same        (off)
    CUTOVER_REFRESH_INTERVAL      seconds between flag snapshot refreshes            (0.5)
    CUTOVER_SHADOW_SAMPLE_RATE    share of shadow-route requests replayed, 0..1      (1.0)
    CUTOVER_SHADOW_CONCURRENCY    replays in flight per worker; more are dropped     (4)
    CUTOVER_SHADOW_KEEP           mismatches kept per route                          (20)
    CUTOVER_ROLLBACK_ERRORS       N: 5xx answers among the last M that flip back     (5)
    CUTOVER_ROLLBACK_WINDOW       M: FastAPI answers remembered per route            (20)
    GATEWAY_LEGACY_QUEUE          requests allowed to wait for a Flask thread;
                                  beyond that the gateway answers 503 at once        (64)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class CutoverConfig:
    flask_retired: bool = False
    refresh_interval: float = 0.5
    shadow_sample_rate: float = 1.0
    shadow_concurrency: int = 4
    shadow_keep: int = 20
    rollback_errors: int = 5
    rollback_window: int = 20
    legacy_queue: int = 64

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CutoverConfig:
        env = os.environ if environ is None else environ
        default = cls()

        def number(name: str, fallback: float, low: float, high: float) -> float:
            raw = env.get(name, "").strip()
            try:
                value = float(raw) if raw else fallback
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high}, got {value}")
            return value

        errors = int(number("CUTOVER_ROLLBACK_ERRORS", default.rollback_errors, 1, 10_000))
        return cls(
            flask_retired=env.get("GATEWAY_FLASK_RETIRED", "").strip().lower() in _TRUE,
            refresh_interval=number("CUTOVER_REFRESH_INTERVAL", default.refresh_interval, 0.05, 60),
            shadow_sample_rate=number("CUTOVER_SHADOW_SAMPLE_RATE", default.shadow_sample_rate, 0, 1),
            shadow_concurrency=int(number("CUTOVER_SHADOW_CONCURRENCY", default.shadow_concurrency, 1, 1000)),
            shadow_keep=int(number("CUTOVER_SHADOW_KEEP", default.shadow_keep, 1, 10_000)),
            rollback_errors=errors,
            rollback_window=int(number("CUTOVER_ROLLBACK_WINDOW", default.rollback_window, errors, 100_000)),
            legacy_queue=int(number("GATEWAY_LEGACY_QUEUE", default.legacy_queue, 0, 1_000_000)),
        )
