"""Which stack answers one legacy request, and how a legacy path reaches its v2 twin.

    decide(("canary", 25), scope)   -> "fastapi" for ~25 % of callers, "legacy" for the rest
    decide(("shadow", 0), scope)    -> "legacy" (the gateway replays it on FastAPI afterwards)
    v2_scope(scope)                 -> the scope with /api/x rewritten to /api/v2/x
                                       (fastapi_app.legacy_prefix, shared with fastapi_app.main)

Canary buckets are sticky per caller and identical on every worker and replica: the
bucket is a hash of the JWT `sub` claim (the payload is decoded *without* verification:
this only chooses a stack, and the chosen stack verifies the token as usual), or of the
client address for anonymous callers (behind nginx, run uvicorn with `--proxy-headers`
so that address is the real client's).
"""

from __future__ import annotations

import hashlib

from starlette.types import Scope

from fastapi_app.legacy_prefix import v2_scope as v2_scope  # one rewrite for the gateway and fastapi_app.main
from shared_models.request_log import unverified_subject

_BUCKETS = 10_000  # 0.01 % resolution


def caller_identity(scope: Scope) -> str:
    """`sub:<subject>` from a bearer token, else `addr:<client host>`."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"authorization":
            subject = unverified_subject(value)
            if subject is not None:
                return f"sub:{subject}"
            break
    client = scope.get("client") or ("", 0)
    return f"addr:{client[0]}"


def bucket(identity: str) -> int:
    """0 .. 9,999, uniform and stable for one identity."""
    digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % _BUCKETS


def in_canary(identity: str, percent: int) -> bool:
    return bucket(identity) < percent * (_BUCKETS // 100)


def decide(flag: tuple[str, int], scope: Scope) -> str:
    """"legacy" or "fastapi" for a route in `flag` = (state, canary_percent)."""
    state, percent = flag
    if state == "fastapi":
        return "fastapi"
    if state == "canary":
        return "fastapi" if in_canary(caller_identity(scope), percent) else "legacy"
    return "legacy"

