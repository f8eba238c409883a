"""One settings object for both stacks, the scheduler and the gateway (D15).

Read from the environment and `.env`. Names are the environment variables of
API_CONTRACT.md §6 plus DATABASE_URL, GITHUB_API_URL and WEBHOOK_ALLOWED_HOSTS.

`APP_ENV` / `APP_DEBUG` are the successors of `FLASK_ENV` / `FLASK_DEBUG` (nothing named
after Flask has to survive it): the old names are still read, as deprecated aliases, and
the new name wins when both are set.
"""

from __future__ import annotations

import zoneinfo
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-secret-key-please-change-in-production"
TRUTHY_ENV = {"true", "1", "yes"}


def env_bool(value: Any) -> bool:
    """Booleans in the environment: `true`, `1` or `yes` (any case); all else is false."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUTHY_ENV


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    SECRET_KEY: str = DEV_SECRET_KEY
    APP_ENV: str = Field("development", validation_alias=AliasChoices("APP_ENV", "FLASK_ENV"))
    APP_DEBUG: bool = Field(False, validation_alias=AliasChoices("APP_DEBUG", "FLASK_DEBUG"))
    EXPOSE_ERROR_DETAILS: bool | None = None
    ALLOW_DEFAULT_ADMIN: bool | None = None
    JWT_SECRET_KEY: str | None = None
    JWT_ACCESS_TOKEN_EXPIRES: int = 3600
    JWT_REFRESH_TOKEN_EXPIRES: int = 2_592_000
    # D20: refresh does not rotate unless asked; a consumed token stays good this long.
    REFRESH_TOKEN_ROTATION: bool = False
    REFRESH_TOKEN_REUSE_SECONDS: int = Field(60, ge=0)
    CORS_ORIGINS: str = "*"
    FRONTEND_BASE_URL: str = "http://localhost:5173"
    DATABASE_URL: str = ""
    DATABASE_POOL_SIZE: int = 10
    SCHEDULER_TIMEZONE: str = "Asia/Tokyo"
    SCHEDULER_ENABLED: bool = True
    SCHEDULER_POLL_SECONDS: int = 60
    SCHEDULER_RECONCILE_SECONDS: float = 1.0
    SCHEDULER_MISSED_RUNS: Literal["skip", "once"] = "once"
    SCHEDULER_MISFIRE_GRACE_SECONDS: int = 300
    SCHEDULER_FAILURE_ALERT_THRESHOLD: int = 3
    SCHEDULER_LOCK_PATH: str = ""
    SCHEDULER_STANDBY_POLL_SECONDS: float = 1.0
    SCHEDULER_METRICS_PORT: int = Field(0, ge=0, le=65535)  # python -m scheduler's /metrics (0: off)
    GITHUB_TOKEN: str = ""
    GITHUB_API_URL: str = "https://api.github.com"
    DEFAULT_GITHUB_OWNER: str = ""
    WEBHOOK_ALLOWED_HOSTS: str = ""
    OUTBOUND_TIMEOUT_SECONDS: float = 10.0
    OUTBOUND_MAX_RETRIES: int = 3
    OUTBOUND_MAX_OUTPUT_CHARS: int = 1000
    MAIL_SERVER: str = "smtp.gmail.com"
    MAIL_PORT: int = 587
    MAIL_USE_TLS: bool = True
    MAIL_USE_SSL: bool = False
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_DEFAULT_SENDER: str = "noreply@cronjobscheduler.local"
    MAIL_ENABLED: bool = True
    SQL_ECHO: bool = False
    # Gateway cutover (cutover/config.py turns these into the gateway's config).
    GATEWAY_FLASK_RETIRED: bool = False
    GATEWAY_LEGACY_QUEUE: int = Field(64, ge=0)
    CUTOVER_REFRESH_INTERVAL: float = Field(0.5, ge=0.05, le=60)
    CUTOVER_SHADOW_SAMPLE_RATE: float = Field(1.0, ge=0, le=1)
    CUTOVER_SHADOW_CONCURRENCY: int = Field(4, ge=1)
    CUTOVER_SHADOW_KEEP: int = Field(20, ge=1)
    CUTOVER_ROLLBACK_ERRORS: int = Field(5, ge=1)
    CUTOVER_ROLLBACK_WINDOW: int = Field(20, ge=1)
    CUTOVER_JUDGE_ENABLED: bool = True
    CUTOVER_JUDGE_INTERVAL: float = Field(2.0, gt=0, le=60)
    CUTOVER_JUDGE_LEASE: float = Field(10.0, gt=0, le=600)
    CUTOVER_FIGURES_KEEP_HOURS: float = Field(24.0, gt=0)
    CAPTURE_DIR: str = ""  # empty: instance/captures
    CAPTURE_FILE_BYTES: int = Field(8 * 1024 * 1024, ge=4096)
    CAPTURE_TOTAL_BYTES: int = Field(64 * 1024 * 1024, ge=4096)
    CAPTURE_QUEUE: int = Field(1000, ge=1)
    CAPTURE_MAX_BODY_BYTES: int = Field(64 * 1024, ge=0)
    CUTOVER_SHADOW_QUEUE: int = Field(64, ge=1)
    CUTOVER_FIGURES_SLOT_SECONDS: float = Field(10.0, gt=0, le=3600)
    CUTOVER_FIGURES_FLUSH_SECONDS: float = Field(1.0, gt=0, le=60)
    GATEWAY_METRICS: bool = True
    GATEWAY_REQUEST_LOG: bool = True
    MAX_JSON_BODY_BYTES: int = 1_048_576
    MAX_UPLOAD_BYTES: int = 5_242_880
    LOGIN_RATE_LIMIT_PER_MINUTE: int = 10

    @field_validator(
        "APP_DEBUG", "SCHEDULER_ENABLED", "MAIL_USE_TLS", "MAIL_USE_SSL",
        "MAIL_ENABLED", "SQL_ECHO", "GATEWAY_FLASK_RETIRED", "GATEWAY_METRICS", "GATEWAY_REQUEST_LOG",
        "CUTOVER_JUDGE_ENABLED", mode="before",
    )
    @classmethod
    def _parse_bool(cls, value: Any) -> bool:
        return env_bool(value)

    @field_validator("EXPOSE_ERROR_DETAILS", "ALLOW_DEFAULT_ADMIN", mode="before")
    @classmethod
    def _parse_optional_bool(cls, value: Any) -> bool | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return env_bool(value)

    @field_validator("SCHEDULER_ENABLED", mode="before")
    @classmethod
    def _scheduler_enabled(cls, value: Any) -> bool:
        # §5.1: the scheduler runs unless the value is literally "false".
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() != "false"

    @model_validator(mode="after")
    def _derive_defaults(self) -> Settings:
        production = self.is_production
        if self.EXPOSE_ERROR_DETAILS is None:
            self.EXPOSE_ERROR_DETAILS = not production
        if self.ALLOW_DEFAULT_ADMIN is None:
            self.ALLOW_DEFAULT_ADMIN = not production
        if production:
            # Never seed admin/admin123 in production, whatever the environment says.
            self.ALLOW_DEFAULT_ADMIN = False
        if not self.JWT_SECRET_KEY:
            self.JWT_SECRET_KEY = self.SECRET_KEY
        self.SCHEDULER_POLL_SECONDS = min(300, max(10, self.SCHEDULER_POLL_SECONDS))
        if self.CUTOVER_ROLLBACK_WINDOW < self.CUTOVER_ROLLBACK_ERRORS:
            raise ValueError("CUTOVER_ROLLBACK_WINDOW must be at least CUTOVER_ROLLBACK_ERRORS")
        if self.CUTOVER_JUDGE_LEASE <= self.CUTOVER_JUDGE_INTERVAL:
            raise ValueError("CUTOVER_JUDGE_LEASE must be longer than CUTOVER_JUDGE_INTERVAL")
        return self

    @property
    def is_production(self) -> bool:
        return self.APP_ENV.strip().lower() == "production"

    @property
    def FLASK_ENV(self) -> str:  # noqa: N802 - the deprecated name, kept for old readers
        """Deprecated: read `APP_ENV`."""
        return self.APP_ENV

    @property
    def FLASK_DEBUG(self) -> bool:  # noqa: N802 - the deprecated name, kept for old readers
        """Deprecated: read `APP_DEBUG`."""
        return self.APP_DEBUG

    @cached_property
    def timezone(self) -> zoneinfo.ZoneInfo:
        """The scheduler zone ("JST" in the contract); an invalid name falls back to UTC."""
        try:
            return zoneinfo.ZoneInfo(self.SCHEDULER_TIMEZONE)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @cached_property
    def cors_origins(self) -> list[str]:
        # §0: split on "," and not trimmed.
        return self.CORS_ORIGINS.split(",")

    @cached_property
    def webhook_allowed_hosts(self) -> frozenset[str]:
        return frozenset(
            host.strip().lower() for host in self.WEBHOOK_ALLOWED_HOSTS.split(",") if host.strip()
        )

    @property
    def mail_configured(self) -> bool:
        return self.MAIL_ENABLED and bool(self.MAIL_USERNAME)

    def validate_for_production(self) -> None:
        """§6: refuse to start in production with default or shared secrets."""
        if not self.is_production:
            return
        if not self.SECRET_KEY or self.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError("SECRET_KEY must be set to a non-default value in production.")
        if (
            not self.JWT_SECRET_KEY
            or self.JWT_SECRET_KEY == DEV_SECRET_KEY
            or self.JWT_SECRET_KEY == self.SECRET_KEY
        ):
            raise RuntimeError(
                "JWT_SECRET_KEY must be set, non-default and different from SECRET_KEY "
                "in production."
            )
        origins = [origin for origin in self.cors_origins if origin]
        if not origins or "*" in self.cors_origins:
            raise RuntimeError("CORS_ORIGINS must list explicit origins in production.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
