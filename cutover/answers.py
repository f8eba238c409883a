"""One HTTP answer as stored with a shadow mismatch, for the console's side-by-side diff.

    capture(status=200, headers={"content-type": "application/json"}, body=b'{"a": 1}')
    # '{"body": "{\\n  \\"a\\": 1\\n}", "headers": {"content-type": "application/json"}, "status": 200}'
    load(text) -> {"status": 200, "headers": {...}, "body": "..."} | None

Why a module of its own: the mismatch row is read by operators in a browser, so what is
stored must already be safe to show. Credentials never leave it: cookie and auth headers
are dropped, JSON values under secret-looking keys (`cutover.scrub`'s rule, plus
webhook URLs) are replaced by `REDACTED`, and a body is capped at `MAX_BODY_CHARS`
(a mismatch of a 5 MB list must not bloat the table). JSON bodies are pretty-printed with sorted keys, so a diff lines
up field by field whatever order each stack wrote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cutover.compare import is_json
from cutover.scrub import MASK, secret_name

MAX_BODY_CHARS = 20_000
REDACTED = MASK
_SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "proxy-authorization"})


def _secret(key: object) -> bool:
    """`cutover.scrub`'s rule for secret names, plus webhook URLs (a Slack incoming-webhook
    URL is itself the credential, and GET /api/settings/slack answers it)."""
    return isinstance(key, str) and (secret_name(key) or "webhook" in key.lower())


def redact(value: Any) -> Any:
    """`value` with every non-empty value under a secret-looking key replaced by `REDACTED`."""
    if isinstance(value, dict):
        return {key: REDACTED if _secret(key) and item not in (None, "") else redact(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def body_text(body: bytes, content_type: str) -> str:
    """The body as readable text: redacted pretty JSON, else UTF-8, capped."""
    if is_json(content_type):
        try:
            text = json.dumps(redact(json.loads(body)), indent=2, sort_keys=True, ensure_ascii=False)
        except (ValueError, UnicodeDecodeError, RecursionError):
            text = body.decode("utf-8", "replace")
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = f"({len(body)} bytes, not text)"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + f"\n... ({len(text) - MAX_BODY_CHARS} more characters not kept)"
    return text


def capture(*, status: int, headers: Mapping[str, str], body: bytes) -> str:
    """The JSON text stored in `shadow_mismatches.legacy_answer` / `fastapi_answer`."""
    kept = {name.lower(): value for name, value in headers.items()
            if name.lower() not in _SECRET_HEADERS and not secret_name(name)}
    return json.dumps({
        "status": status,
        "headers": dict(sorted(kept.items())),
        "body": body_text(body, kept.get("content-type", "")),
    }, sort_keys=True, ensure_ascii=False)


def load(text: str | None) -> dict[str, Any] | None:
    """A stored answer back as data (None when the row has none or it does not parse)."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
