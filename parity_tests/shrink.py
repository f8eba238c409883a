"""Shrink a divergent case to a minimal request that still diverges the same way.

Greedy, one simplification at a time, kept only when the case still diverges with at
least one difference of the same kind (`status`, `body`, `db`, `header ...`), so a shrink
never wanders from the divergence it was given to another one::

    shrink(case, run)   # run(case) -> list of difference lines ([] = the stacks agree)

Simplifications, tried in order until none applies: drop a query pair, drop a body key,
drop a form field or CSV line, blank a value, use the admin token, drop the odd content
type or the raw body. Bounded by `max_runs` harness runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from parity_tests.cases import _UNSET, Case

Run = Callable[[Case], list[str]]


def kinds(differences: list[str]) -> set[str]:
    """`body['a']: ...` → `body`; `header allow: ...` → `header allow`; `db['jobs']...` → `db`."""
    return {re.split(r"[\[:(]", line, maxsplit=1)[0].strip() for line in differences}


def _candidates(case: Case) -> Iterator[Case]:
    query = list(case.query.items()) if isinstance(case.query, dict) else list(case.query or [])
    for i in range(len(query)):
        yield replace(case, query=query[:i] + query[i + 1:] or None)
    if isinstance(case.json, dict):
        for key in list(case.json):
            yield replace(case, json={k: v for k, v in case.json.items() if k != key})
        for key, value in case.json.items():
            simple = _simpler(value)
            if simple is not _UNSET:
                yield replace(case, json={**case.json, key: simple})
    elif isinstance(case.json, list) and case.json:
        yield replace(case, json=case.json[:1] if len(case.json) > 1 else [])
    if case.form:
        for key in list(case.form):
            yield replace(case, form={k: v for k, v in case.form.items() if k != key})
    if case.files:
        for name, (filename, content) in case.files.items():
            text = content if isinstance(content, str) else content.decode()
            lines = text.split("\n")
            for i in range(1, len(lines)):
                if lines[i]:
                    yield replace(case, files={**case.files, name: (filename, "\n".join(lines[:i] + lines[i + 1:]))})
    if case.auth not in ("admin", None) and not str(case.auth).startswith("raw:"):
        yield replace(case, auth="admin")
    if case.content_type is not None and case.json is not _UNSET:
        yield replace(case, content_type=None)
    if case.body is not None:
        yield replace(case, body=None, content_type=None)
    if case.headers:
        yield replace(case, headers=None)


def _simpler(value: Any) -> Any:
    if isinstance(value, str) and value not in ("", "x"):
        return "x"
    if isinstance(value, (dict, list)) and value:
        return type(value)()
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and value not in (0, 1)):
        return 1
    return _UNSET


def shrink(case: Case, run: Run, *, max_runs: int = 200) -> tuple[Case, list[str]]:
    """The smallest case reached (and its differences) that still diverges like `case`."""
    differences = run(case)
    wanted = kinds(differences)
    runs = 1
    improved = True
    while improved and runs < max_runs:
        improved = False
        for candidate in _candidates(case):
            runs += 1
            found = run(candidate)
            if found and kinds(found) & wanted:
                case, differences, improved = candidate, found, True
                break
            if runs >= max_runs:
                break
    return case, differences
