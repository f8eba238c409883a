"""Stored job metadata reads back exactly as `json.loads` reads it (shared_models.serializers)."""

from __future__ import annotations

import json
import math
import random
import struct

import pytest

from shared_models.serializers import metadata_from_text


@pytest.mark.parametrize("text", [
    '{"team": "t11", "retries": 3}',
    '{"a":1,"b":2,"a":3}',  # duplicate keys: the last wins, at the first one's place
    "[1, 2.5, -0, -0.0, 1e2, 1E-2, 0.1000000000000000055511151231257827]",
    "123456789012345678901234567890",  # past 64 bits: an int, never a float
    '{"big": 18446744073709551616, "neg": -9223372036854775809}',
    '{"x": NaN, "y": Infinity, "z": -Infinity}',
    '"\\ud800"',
    "1e400",
    '  {"a" : [true, false, null], "t": "\\u00e9\\n\\u2192"}  ',
    "\"\ud83d\"",  # a lone surrogate in the text itself
])
def test_metadata_reads_as_json_loads(text: str) -> None:
    got, expected = metadata_from_text(text), json.loads(text)
    assert repr(got) == repr(expected) and type(got) is type(expected)


def test_integers_past_64_bits_stay_integers() -> None:
    assert metadata_from_text('{"id": 98765432109876543210}') == {"id": 98765432109876543210}
    assert isinstance(metadata_from_text('{"id": 98765432109876543210}')["id"], int)


@pytest.mark.parametrize("text", ["", None, "{", "nul", '{"a":"\x01"}', "[1,]"])
def test_empty_or_unreadable_metadata_is_an_empty_object(text: str | None) -> None:
    assert metadata_from_text(text) == {}


def test_too_deep_fails_as_json_loads_fails() -> None:
    with pytest.raises(RecursionError):
        metadata_from_text("[" * 100_000 + "]" * 100_000)


def test_random_numbers_read_as_json_loads() -> None:
    rng = random.Random(20261206)
    for _ in range(20_000):
        bits = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        number = repr(bits) if math.isfinite(bits) else str(rng.randint(-10**25, 10**25))
        text = f'{{"n": {number}, "m": [{rng.randint(-2**70, 2**70)}, {rng.random() * 10 ** rng.randint(-30, 30)}]}}'
        got, expected = metadata_from_text(text), json.loads(text)
        assert repr(got) == repr(expected), text
