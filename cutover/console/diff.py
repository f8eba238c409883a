"""Two stored answers (`cutover.answers.load`) side by side: status, headers, body lines.

    side_by_side({"status": 200, "headers": {...}, "body": "..."}, {...})
    # {"status": {"legacy": 200, "fastapi": 500, "differs": True},
    #  "headers": [{"name", "legacy", "fastapi", "differs"}, ...],
    #  "body": [{"legacy": "  \"a\": 1,", "fastapi": "  \"a\": 2,", "kind": "replace"}, ...]}

Body lines are paired with difflib's opcodes, so an inserted field shows as a row with
one side empty instead of shifting every following line out of step. Headers that
always differ between two separately produced answers (date, length, who served it)
are shown but not marked.
"""

from __future__ import annotations

import difflib
from itertools import zip_longest
from typing import Any

NOISE_HEADERS = frozenset({"date", "content-length", "x-served-by", "server"})
MAX_LINES = 2000


def _headers(left: dict[str, str], right: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        rows.append({"name": name, "legacy": a, "fastapi": b, "differs": a != b and name not in NOISE_HEADERS})
    return rows


def _body(left: str, right: str) -> list[dict[str, Any]]:
    a, b = left.splitlines()[:MAX_LINES], right.splitlines()[:MAX_LINES]
    rows: list[dict[str, Any]] = []
    for kind, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        for x, y in zip_longest(a[i1:i2], b[j1:j2]):
            rows.append({"legacy": x, "fastapi": y, "kind": kind})
    return rows


def side_by_side(legacy: dict[str, Any] | None, fastapi: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rows of the diff table; None when the mismatch kept no answers (pre-0011 rows)."""
    if legacy is None or fastapi is None:
        return None
    return {
        "status": {"legacy": legacy.get("status"), "fastapi": fastapi.get("status"),
                   "differs": legacy.get("status") != fastapi.get("status")},
        "headers": _headers(dict(legacy.get("headers") or {}), dict(fastapi.get("headers") or {})),
        "body": _body(str(legacy.get("body") or ""), str(fastapi.get("body") or "")),
    }
