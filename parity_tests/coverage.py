"""What the parity evidence has exercised per route, and what none of it reached.

Sources (the corpus, the fuzz, a replayed capture...) report each request they compared::

    from parity_tests import coverage
    coverage.observe("replay", "GET /api/jobs", 200, "valid")

An input class is one of `valid`, `write` (a 2xx answer to a non-GET), `validation: <error>`
(each distinct 400 error title), `auth: <outcome>` (no token, bad token, expired/revoked,
refused role), `not found`, `conflict`, `repeated keys` (D19), `unknown keys`,
`empty values`, `odd content type`, `unicode`, `boundary numbers`. `classify` derives it
from the request's generator class and the legacy answer.

`Coverage.report(routes)` gives per route the statuses and classes seen per source and the
`unreached` list: documented statuses no source produced and expected classes no source
exercised (every route: valid; authenticated routes: auth: no token / bad token; routes
that document 400/403/404: a validation error / a refused role / not found; routes with
query parameters: repeated keys; non-GET routes: write).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from parity_tests.documented_statuses import PUBLIC, documented

GENERATOR_CLASSES = {"repeated-query": "repeated keys", "unknown-query": "unknown keys",
                     "empty-query": "empty values", "content-type": "odd content type", "unicode": "unicode",
                     "boundary": "boundary numbers"}


def classify(method: str, status: int, body: bytes, generator_class: str | None = None) -> list[str]:
    """The input classes one compared request counts for."""
    classes = []
    if generator_class in GENERATOR_CLASSES:
        classes.append(GENERATOR_CLASSES[generator_class])
    if 200 <= status < 300:
        classes.append("valid" if method == "GET" else "write")
        if method != "GET":
            classes.append("valid")
    elif status == 400:
        classes.append("validation: " + _error_title(body))
    elif status in (401, 422):
        message = _error_title(body, key="msg").lower()
        classes.append("auth: no token" if "missing" in message else
                       "auth: expired or revoked" if ("expired" in message or "revoked" in message) else
                       "auth: user inactive" if "inactive" in message else "auth: bad token")
    elif status == 403:
        classes.append("auth: refused role or owner")
    elif status == 404:
        classes.append("not found")
    elif status == 409:
        classes.append("conflict")
    return classes


def classify_case(case: Any, status: int, body: bytes) -> list[str]:
    """`classify` for a parity `Case` (corpus, regression or generated): the generator class
    comes from a generated case's name; a repeated query key counts for any case."""
    generated = case.name.rsplit(" ", 1)[-1] if case.name.startswith("fuzz ") else None
    classes = classify(case.method, status, body, generated)
    pairs = list(case.query.items()) if isinstance(case.query, dict) else list(case.query or [])
    if len({key for key, _ in pairs}) < len(pairs) and "repeated keys" not in classes:
        classes.append("repeated keys")
    return classes


def _error_title(body: bytes, key: str = "error") -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "(not JSON)"
    value = data.get(key) or data.get("error") if isinstance(data, dict) else None
    return str(value)[:60] if value else "(no title)"


def expected_classes(route: str, query_params: Iterable[str] = ()) -> set[str]:
    statuses = documented(route)
    wanted = {"valid"}
    if route not in PUBLIC:
        wanted |= {"auth: no token", "auth: bad token"}
    if 403 in statuses:
        wanted.add("auth: refused role or owner")
    if 404 in statuses:
        wanted.add("not found")
    if 400 in statuses:
        wanted.add("validation")
    if list(query_params):
        wanted.add("repeated keys")
    if not route.startswith("GET "):
        wanted.add("write")
    return wanted


class Coverage:
    """Observations per (source, route): statuses and input classes."""

    def __init__(self) -> None:
        self.statuses: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.classes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def observe(self, source: str, route_key: str, status: int, input_class: str | Iterable[str]) -> None:
        self.statuses[route_key][source].add(status)
        self.classes[route_key][source].update([input_class] if isinstance(input_class, str) else input_class)
        self.counts[route_key][source] += 1

    def dump(self) -> list[list[Any]]:
        """Per (source, route): requests, statuses and classes, as JSON-able rows (for report files)."""
        return [[source, route, self.counts[route][source], sorted(self.statuses[route][source]),
                 sorted(self.classes[route][source])]
                for route in sorted(self.statuses) for source in sorted(self.statuses[route])]

    def load(self, rows: Iterable[list[Any]]) -> None:
        """Add the rows of `dump()` (another run's report) to this collector."""
        for source, route, count, statuses, classes in rows:
            self.statuses[route][source].update(statuses)
            self.classes[route][source].update(classes)
            self.counts[route][source] += count

    def report(self, routes: Iterable[str], query_params: Mapping[str, Iterable[str]] | None = None) -> list[dict[str, Any]]:
        rows = []
        for route in routes:
            seen_statuses = set().union(*self.statuses[route].values()) if self.statuses[route] else set()
            seen = set().union(*self.classes[route].values()) if self.classes[route] else set()
            reached = seen | ({"validation"} if any(c.startswith("validation: ") for c in seen) else set())
            unreached = sorted(f"status {s}" for s in documented(route) - seen_statuses)
            unreached += sorted(expected_classes(route, (query_params or {}).get(route, ())) - reached)
            rows.append({
                "route": route,
                "sources": {source: {"requests": self.counts[route][source],
                                     "statuses": sorted(self.statuses[route][source]),
                                     "classes": sorted(self.classes[route][source])}
                            for source in sorted(self.counts[route])},
                "unreached": unreached,
            })
        return rows


def markdown(rows: list[dict[str, Any]]) -> list[str]:
    """The coverage section of a Markdown report."""
    sources = sorted({s for row in rows for s in row["sources"]})
    lines = ["## Coverage", "", "Per route: requests, statuses and input classes per source, and what none reached.", "",
             "| route | " + " | ".join(sources) + " | not reached |", "|---|" + "---|" * (len(sources) + 1)]
    for row in rows:
        cells = []
        for source in sources:
            data = row["sources"].get(source)
            cells.append("-" if not data else f"{data['requests']} req; {', '.join(map(str, data['statuses']))}; "
                         f"{len(data['classes'])} classes")
        lines.append(f"| `{row['route']}` | " + " | ".join(cells) + f" | {', '.join(row['unreached']) or '-'} |")
    unreached = sum(1 for row in rows if row["unreached"])
    lines += ["", f"{unreached} of {len(rows)} routes have something no source reached."]
    return lines


DEFAULT = Coverage()
"""The process-wide collector `observe` feeds (the replay tool calls it)."""


def observe(source: str, route_key: str, status: int, input_class: str | Iterable[str]) -> None:
    """Record one compared request of `source` in the process-wide collector."""
    DEFAULT.observe(source, route_key, status, input_class)
