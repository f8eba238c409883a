"""The gateway's cutover settings, taken from the one Settings object.

    GATEWAY_FLASK_RETIRED         start with Flask retired (never imported); the DB
                                  switch `flask_retired` does the same               (off)
    CUTOVER_REFRESH_INTERVAL      seconds between flag snapshot refreshes            (0.5)
    CUTOVER_SHADOW_SAMPLE_RATE    share of shadow-route requests replayed, 0..1      (1.0)
    CUTOVER_SHADOW_CONCURRENCY    replay tasks per worker process                    (4)
    CUTOVER_SHADOW_KEEP           mismatches kept per route                          (20)
    CUTOVER_ROLLBACK_ERRORS       N: 5xx answers among the last M that flip back     (5)
    CUTOVER_ROLLBACK_WINDOW       M: FastAPI answers remembered per route            (20)
    GATEWAY_LEGACY_QUEUE          requests allowed to wait for a Flask thread;
                                  beyond that the gateway answers 503 at once        (64)
    CUTOVER_SHADOW_QUEUE          replays waiting for a shadow worker; more dropped  (64)
    CUTOVER_FIGURES_SLOT_SECONDS  the window figures' slot grid in the DB            (10)
    CUTOVER_FIGURES_FLUSH_SECONDS how often a worker adds its figures to the DB      (1.0)
    GATEWAY_METRICS               request histogram + GET /metrics                   (on)
    GATEWAY_REQUEST_LOG           one JSON line per request (logger gateway.requests)(on)

Tests build a `CutoverConfig` directly to shorten intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.settings import Settings


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
    shadow_queue: int = 64
    figures_slot_seconds: float = 10.0
    figures_flush_interval: float = 1.0
    metrics: bool = True
    request_log: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> CutoverConfig:
        return cls(
            flask_retired=settings.GATEWAY_FLASK_RETIRED,
            refresh_interval=settings.CUTOVER_REFRESH_INTERVAL,
            shadow_sample_rate=settings.CUTOVER_SHADOW_SAMPLE_RATE,
            shadow_concurrency=settings.CUTOVER_SHADOW_CONCURRENCY,
            shadow_keep=settings.CUTOVER_SHADOW_KEEP,
            rollback_errors=settings.CUTOVER_ROLLBACK_ERRORS,
            rollback_window=settings.CUTOVER_ROLLBACK_WINDOW,
            legacy_queue=settings.GATEWAY_LEGACY_QUEUE,
            shadow_queue=settings.CUTOVER_SHADOW_QUEUE,
            figures_slot_seconds=settings.CUTOVER_FIGURES_SLOT_SECONDS,
            figures_flush_interval=settings.CUTOVER_FIGURES_FLUSH_SECONDS,
            metrics=settings.GATEWAY_METRICS,
            request_log=settings.GATEWAY_REQUEST_LOG,
        )
