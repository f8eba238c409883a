"""JSON bodies written the way Flask's `jsonify` writes them.

Flask sorts keys, escapes every non-ASCII character (`→` is sent as `\\u2192`), writes
compact separators and ends with a newline. v2 answers produce the same bytes for the
same value, so the parity harness and the existing frontend see no difference:
`{"b": 1, "a": "→"}` is sent as the bytes `{"a":"\\u2192","b":1}` plus a newline.
(`APP_DEBUG`'s (formerly `FLASK_DEBUG`) indented output is not reproduced: it is a development nicety. One
known difference: a float NaN/Infinity, which Flask writes as the invalid JSON `NaN`,
is written as `null` by orjson.)
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from fastapi.responses import JSONResponse

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # outside the BMP: a UTF-16 surrogate pair, as json.dumps writes it
        code -= 0x10000
        return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps(content: Any) -> bytes:
    """`content` as Flask's `jsonify` bytes (sorted keys, ASCII only, trailing newline)."""
    try:
        raw = orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # orjson refuses what the stdlib writes (integers past 64 bits, e.g. in a job's
        # metadata); fall back to exactly what Flask runs.
        return (json.dumps(content, sort_keys=True, separators=(",", ":")) + "\n").encode("ascii")
    if raw.isascii():
        return raw + b"\n"
    # Non-ASCII can only sit inside JSON strings, where a \\uXXXX escape means the same.
    return _NON_ASCII.sub(_escape, raw.decode("utf-8")).encode("ascii") + b"\n"


class LegacyJSONResponse(JSONResponse):
    """The default response class of the v2 app (`application/json`, Flask's bytes)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
