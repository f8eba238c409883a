"""`--live`: send corpus cases to two base URLs of a running deployment and compare answers.

There is no fixture there, so only cases that need none run: the path has no fixture
placeholder except `{missing}`, and the auth is none, a raw header, or `admin` (sent as
the `--token` given on the command line). Read-only (GET) cases only, unless
`allow_writes`. No database effect is compared (the two URLs usually share one database).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from cutover.compare import Observed, compare
from parity_tests import corpus
from parity_tests.cases import Case, Request, render
from parity_tests.fixture import Snapshot
from parity_tests.rules import BODY_RULES
from parity_tests.runner import CaseResult, Side

_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


def runnable(case: Case, *, allow_writes: bool) -> bool:
    path = case.path or corpus.default_path(case.route)
    if any(name != "missing" for name in _PLACEHOLDER.findall(path)):
        return False
    if case.auth not in (None, "admin") and not (case.auth or "").startswith("raw:"):
        return False
    return allow_writes or case.method == "GET"


def run_live(cases: Iterable[Case], legacy_base: str, v2_base: str, *, token: str | None,
             allow_writes: bool = False, timeout: float = 10.0) -> Iterator[CaseResult]:
    """Yield a result per runnable case; `v2_base` serves the `/api/v2` twins."""
    snapshot = Snapshot(rows={}, ids={}, tokens={"admin": token or ""})
    with httpx.Client(timeout=timeout) as client:
        for case in cases:
            if not runnable(case, allow_writes=allow_writes) or (case.auth == "admin" and not token):
                continue
            started = time.perf_counter()
            request = render(case, snapshot, corpus.default_path(case.route))
            legacy = _send(client, legacy_base, request, v2=False)
            v2 = _send(client, v2_base, request, v2=True)
            result = compare(legacy, v2, BODY_RULES, route_key=case.route)
            yield CaseResult(case, Side(legacy, {}, []), Side(v2, {}, []), list(result.differences),
                             result.rules_applied, time.perf_counter() - started)


def _send(client: Any, base: str, request: Request, *, v2: bool) -> Observed:
    path = "/api/v2" + request.path[len("/api"):] if v2 else request.path
    response = client.request(request.method, base.rstrip("/") + path, headers=request.headers,
                              content=request.body or None)
    return Observed.from_response(response)
