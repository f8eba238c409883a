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
    CUTOVER_JUDGE_ENABLED         run the rollout judge in this process (one judges
                                  at a time across workers/replicas: a DB lease)     (on)
    CUTOVER_JUDGE_INTERVAL        seconds between the judge's passes                 (2.0)
    CUTOVER_JUDGE_LEASE           seconds the judge's lease lasts unrenewed          (10.0)
    CUTOVER_FIGURES_KEEP_HOURS    window figures older than this are deleted by the
                                  judge (never those of an active rollout)           (24)
    CAPTURE_DIR                   where traffic captures go        (instance/captures)
    CAPTURE_FILE_BYTES            a capture file is rotated at this size          (8 MiB)
    CAPTURE_TOTAL_BYTES           all capture files together; oldest deleted     (64 MiB)
    CAPTURE_QUEUE                 records waiting for the writer thread; more are
                                  dropped and counted                              (1000)
    CAPTURE_MAX_BODY_BYTES        a longer request/response body is not kept     (64 KiB)
    CUTOVER_SHADOW_QUEUE          replays waiting for a shadow worker; more dropped  (64)
    CUTOVER_FIGURES_SLOT_SECONDS  the window figures' slot grid in the DB            (10)
    CUTOVER_FIGURES_FLUSH_SECONDS how often a worker adds its figures to the DB, and
                                  the longest a request's log line and histogram
                                  count wait (they are written in batches)          (1.0)
    GATEWAY_METRICS               request histogram + GET /metrics                   (on)
    GATEWAY_REQUEST_LOG           one JSON line per request (logger gateway.requests)(on)

Tests build a `CutoverConfig` directly to shorten intervals; `observe_batch` (64, the
requests whose observations are written together, cutover.observe) has no setting, nor
has the shadow replay batch (8 replays or 0.25 s, run back to back, cutover.shadow).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.settings import INSTANCE_DIR, Settings


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
    judge_enabled: bool = True
    judge_interval: float = 2.0
    judge_lease: float = 10.0
    figures_keep_hours: float = 24.0
    capture_dir: str = str(INSTANCE_DIR / "captures")
    capture_file_bytes: int = 8 * 1024 * 1024
    capture_total_bytes: int = 64 * 1024 * 1024
    capture_queue: int = 1000
    capture_max_body: int = 64 * 1024
    shadow_queue: int = 64
    figures_slot_seconds: float = 10.0
    figures_flush_interval: float = 1.0
    observe_batch: int = 64
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
            judge_enabled=settings.CUTOVER_JUDGE_ENABLED,
            judge_interval=settings.CUTOVER_JUDGE_INTERVAL,
            judge_lease=settings.CUTOVER_JUDGE_LEASE,
            figures_keep_hours=settings.CUTOVER_FIGURES_KEEP_HOURS,
            capture_dir=settings.CAPTURE_DIR or str(INSTANCE_DIR / "captures"),
            capture_file_bytes=settings.CAPTURE_FILE_BYTES,
            capture_total_bytes=settings.CAPTURE_TOTAL_BYTES,
            capture_queue=settings.CAPTURE_QUEUE,
            capture_max_body=settings.CAPTURE_MAX_BODY_BYTES,
            shadow_queue=settings.CUTOVER_SHADOW_QUEUE,
            figures_slot_seconds=settings.CUTOVER_FIGURES_SLOT_SECONDS,
            figures_flush_interval=settings.CUTOVER_FIGURES_FLUSH_SECONDS,
            metrics=settings.GATEWAY_METRICS,
            request_log=settings.GATEWAY_REQUEST_LOG,
        )
