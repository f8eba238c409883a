"""The webhook call (API_CONTRACT.md §5.4, D11).

The target is checked by `check_target_url` right before the call, whoever the caller
is, so no path can reach an internal address. TLS is verified and redirects are not
followed (shared_models.outbound.http).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from shared_models.outbound.http import exchange
from shared_models.outbound.ssrf import Resolver, check_target_url, resolve
from shared_models.settings import Settings


@dataclass(frozen=True)
class WebhookResult:
    """`status_code` is None when no HTTP answer came; then `error` holds the fault."""

    status_code: int | None
    text: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def call_webhook(
    *,
    settings: Settings,
    url: str,
    method: str,
    payload: Any = None,
    timeout: float | None = None,
    resolver: Resolver = resolve,
    idempotency_key: str | None = None,
) -> WebhookResult:
    """Call `url`; a POST sends `payload` as JSON.

    Raises `UnsafeTarget` (D11) before any connection is made; network faults come
    back as a result with `error`, never as an exception. `resolver` is the check's
    host lookup; `idempotency_key`, when given, is sent as the Idempotency-Key header.
    """
    check_target_url(url, settings, resolver=resolver)
    timeout = settings.OUTBOUND_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        reply = exchange(method, url, timeout=timeout, headers=headers, json=payload, send_json=method == "POST")
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return WebhookResult(status_code=None, error=str(exc) or type(exc).__name__)
    # §5.4: `output` keeps the first OUTBOUND_MAX_OUTPUT_CHARS (1000) characters of the reply.
    return WebhookResult(status_code=reply.status_code, text=reply.text[: max(0, settings.OUTBOUND_MAX_OUTPUT_CHARS)])
