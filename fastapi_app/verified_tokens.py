"""Verified tokens remembered per process: PyJWT's signature check once per token.

`tokens.decode` (base64, JSON, HMAC-SHA256, claim checks) was ~45 µs of every v2 request.
`verified_claims(token, secret, refresh=...)` answers exactly what `tokens.decode` would
answer at this instant, status and message included, from a small LRU of accepted tokens:

    verified_claims(token, secret, refresh=False)  # first use: tokens.decode, remembered
    verified_claims(token, secret, refresh=False)  # later: a copy of the same claims,
                                                   # if the time claims still allow it

Why this is safe:

- For a given (token, secret, refresh) everything `tokens.decode` checks is fixed (the
  signature, the JSON, `sub`, the token type rules) except the time claims. Only accepted
  tokens are remembered (an exception is never cached), so a tampered token, another
  secret or the other token type is a different key and goes through `tokens.decode`.
- The time claims are checked again on every use, with PyJWT's own rules (leeway 0):
  it accepts while `int(iat) <= now`, `int(nbf) <= now` and `now < int(exp)`. Outside
  that window the token goes through `tokens.decode` again, which refuses it with the
  legacy status and message ("Token has expired", ...). "Now" is the clock PyJWT reads,
  the wall clock, and not `shared_models.clock`: both stacks refuse by PyJWT's clock, and
  a frozen or scaled shared clock (the parity harness pins it to a past instant) would
  accept a token PyJWT refuses.
- Callers get a copy (a deep one when a claim holds more than str/int/float/bool/None),
  so no caller can change what the next request sees.
- Revocation and the user's state are not token properties: they stay per request
  (`deps.token_owner`, one query in the request's unit of work).
- Bounded: at most `CACHE_SIZE` tokens, least recently used evicted first.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from shared_models import tokens

CACHE_SIZE = 1024

wall_clock: Callable[[], float] = time.time
"""The instant PyJWT compares the time claims with (`datetime.now(UTC).timestamp()`)."""

_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True, slots=True)
class _Accepted:
    """Claims `tokens.decode` accepted, and the window in which PyJWT accepts them again."""

    claims: dict[str, Any]
    flat: bool  # every value a str/int/float/bool/None: a shallow copy is a full copy
    valid_from: float  # PyJWT: "not yet valid" while now < max(int(iat), int(nbf))
    valid_until: float  # PyJWT: "expired" once int(exp) <= now


def _accepted(claims: dict[str, Any]) -> _Accepted:
    # tokens.decode accepted them, so PyJWT's int() of each present time claim succeeded.
    starts = [int(claims[name]) for name in ("iat", "nbf") if name in claims]
    return _Accepted(
        claims=claims,
        flat=all(isinstance(value, _SCALARS) for value in claims.values()),
        valid_from=max(starts, default=-math.inf),
        valid_until=int(claims["exp"]) if "exp" in claims else math.inf,
    )


@lru_cache(maxsize=CACHE_SIZE)
def _decoded(token: str, secret: str, refresh: bool) -> _Accepted:
    return _accepted(tokens.decode(token, secret=secret, refresh=refresh))


def verified_claims(token: str, secret: str, *, refresh: bool) -> dict[str, Any]:
    """`tokens.decode(token, secret=secret, refresh=refresh)`, its signature checked once."""
    accepted = _decoded(token, secret, refresh)
    if accepted.valid_from <= wall_clock() < accepted.valid_until:
        return dict(accepted.claims) if accepted.flat else copy.deepcopy(accepted.claims)
    return tokens.decode(token, secret=secret, refresh=refresh)


def cache_size() -> int:
    """How many tokens are remembered (tests check the bound)."""
    return _decoded.cache_info().currsize


def forget() -> None:
    """Drop every remembered token."""
    _decoded.cache_clear()
