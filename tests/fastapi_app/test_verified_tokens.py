"""The verified-token cache answers what `tokens.decode` answers at that instant.

Time is moved on both clocks a token is checked with: PyJWT's (`datetime.now` in
`jwt.api_jwt`) and the cache's (`verified_tokens.wall_clock`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, tzinfo
from typing import Any

import jwt
import pytest

from fastapi_app import verified_tokens
from fastapi_app.verified_tokens import CACHE_SIZE, cache_size, verified_claims
from shared_models import tokens
from shared_models.errors import TokenError

SECRET = "verified-tokens-test-secret-0123456789"
NOW = int(time.time())


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    verified_tokens.forget()
    yield
    verified_tokens.forget()


@pytest.fixture
def clocks_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Set both clocks to a Unix instant."""

    def move(instant: float) -> None:
        class At(datetime):
            @classmethod
            def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
                return datetime.fromtimestamp(instant, tz)

        monkeypatch.setattr(jwt.api_jwt, "datetime", At)
        monkeypatch.setattr(verified_tokens, "wall_clock", lambda: instant)

    return move


@pytest.fixture(autouse=True)
def _clocks_at_now(clocks_at: Callable[[float], None]) -> None:
    """Every test starts at NOW, however long after collection it runs (a full suite
    reached these tests 12 minutes later, when NOW + 60 had long expired)."""
    clocks_at(NOW)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens `tokens.decode` was called with (i.e. not answered from the cache)."""
    calls: list[str] = []
    decode = tokens.decode

    def counting(token: str, **kwargs: Any) -> dict[str, Any]:
        calls.append(token)
        return decode(token, **kwargs)

    monkeypatch.setattr(tokens, "decode", counting)
    return calls


def signed(secret: str = SECRET, **changes: Any) -> str:
    claims = {"fresh": False, "iat": NOW, "jti": "j-1", "type": "access", "sub": "u-1",
              "nbf": NOW, "exp": NOW + 60, "role": "user", "email": "u@example.com"}
    claims.update(changes)
    return jwt.encode(claims, secret, tokens.ALGORITHM)


def refusal(token: str, *, secret: str = SECRET, refresh: bool = False) -> tuple[int, str]:
    with pytest.raises(TokenError) as refused:
        verified_claims(token, secret, refresh=refresh)
    return refused.value.status, refused.value.body["msg"]


def test_a_cached_token_answers_its_claims_without_decoding_again(decodes: list[str]) -> None:
    token = signed()
    first = verified_claims(token, SECRET, refresh=False)
    assert verified_claims(token, SECRET, refresh=False) == first == tokens.decode(token, secret=SECRET)
    assert decodes == [token, token]  # the cache's first decode, and the direct one above


def test_an_expired_token_is_refused_after_being_cached(clocks_at: Callable[[float], None]) -> None:
    token = signed()
    clocks_at(NOW + 59.9)
    assert verified_claims(token, SECRET, refresh=False)["sub"] == "u-1"
    clocks_at(NOW + 60)
    assert refusal(token) == (401, "Token has expired")


def test_the_time_claims_are_read_as_pyjwt_reads_them(clocks_at: Callable[[float], None]) -> None:
    """PyJWT truncates each time claim to an int: exp 60.7 expires at 60, not at 60.7."""
    token = signed(exp=NOW + 60.7, nbf=NOW + 0.9)
    clocks_at(NOW + 0.5)
    assert verified_claims(token, SECRET, refresh=False)["exp"] == NOW + 60.7
    clocks_at(NOW + 60.3)
    assert refusal(token) == (401, "Token has expired")


def test_a_token_not_yet_valid_is_not_cached_and_accepted_once_valid(
    clocks_at: Callable[[float], None], decodes: list[str]
) -> None:
    token = signed(nbf=NOW + 30)
    clocks_at(NOW + 10)
    assert refusal(token) == (422, "The token is not yet valid (nbf)")
    assert cache_size() == 0
    clocks_at(NOW + 30)
    assert verified_claims(token, SECRET, refresh=False)["sub"] == "u-1"
    clocks_at(NOW - 5)  # the wall clock stepped back: before iat, as PyJWT says
    assert refusal(token) == (422, "The token is not yet valid (iat)")


def test_a_tampered_token_or_another_secret_is_still_refused() -> None:
    token = signed()
    verified_claims(token, SECRET, refresh=False)
    header, payload, signature = token.split(".")
    forged_payload = signed(role="admin").split(".")[1]
    assert refusal(".".join([header, forged_payload, signature])) == (422, "Signature verification failed")
    assert refusal(token, secret="another-secret-0123456789-abcdefghij") == (422, "Signature verification failed")
    assert cache_size() == 1


def test_token_type_rules_hold_for_cached_tokens() -> None:
    access, refresh = signed(), signed(type="refresh", jti="j-2")
    verified_claims(access, SECRET, refresh=False)
    verified_claims(refresh, SECRET, refresh=True)
    assert refusal(access, refresh=True) == (422, "Only refresh tokens are allowed")
    assert refusal(refresh, refresh=False) == (422, "Only non-refresh tokens are allowed")


def test_callers_get_a_copy() -> None:
    token = signed()
    verified_claims(token, SECRET, refresh=False)["role"] = "admin"
    assert verified_claims(token, SECRET, refresh=False)["role"] == "user"


def test_claims_holding_mutable_values_are_copied_deeply(decodes: list[str]) -> None:
    token = signed(teams=["a"])
    verified_claims(token, SECRET, refresh=False)["teams"].append("b")
    assert verified_claims(token, SECRET, refresh=False)["teams"] == ["a"]
    assert decodes == [token]


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(decodes: list[str]) -> None:
    first, second = signed(jti="first"), signed(jti="second")
    verified_claims(first, SECRET, refresh=False)
    verified_claims(second, SECRET, refresh=False)
    for n in range(CACHE_SIZE - 1):
        verified_claims(first, SECRET, refresh=False)  # kept recent: never evicted
        verified_claims(signed(jti=f"j-{n}"), SECRET, refresh=False)
    assert cache_size() == CACHE_SIZE
    decodes.clear()
    verified_claims(first, SECRET, refresh=False)
    verified_claims(second, SECRET, refresh=False)
    assert decodes == [second]
