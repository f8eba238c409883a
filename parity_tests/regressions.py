"""Regression cases: divergences the fuzz found (shrunk) and fixes pinned, kept as data.

`parity_tests/regressions.json` is a list of case objects (`route`, `name`, `expect`, and
the optional request fields of `Case`). The runner loads them with the corpus
(`all_cases`); `python -m parity_tests fuzz --write-regressions` appends the shrunk
divergences of a run (named `regression: ...`, `expect` = the legacy status seen).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parity_tests.cases import _UNSET, Case

PATH = Path(__file__).with_name("regressions.json")
_FIELDS = ("path", "auth", "json", "body", "content_type", "query", "form", "files", "headers", "verb")


def to_dict(case: Case) -> dict[str, Any]:
    out: dict[str, Any] = {"route": case.route, "name": case.name, "expect": case.expect}
    for name in _FIELDS:
        value = getattr(case, name)
        if name == "json" and value is _UNSET:
            continue
        if name == "auth" or value is not None:
            out[name] = [list(pair) for pair in value] if name == "query" and isinstance(value, list) else value
    if isinstance(out.get("body"), bytes):
        out["body"] = out["body"].decode()
    if case.files:
        out["files"] = {k: [f, c if isinstance(c, str) else c.decode()] for k, (f, c) in case.files.items()}
    return out


def from_dict(data: dict[str, Any]) -> Case:
    fields = {k: v for k, v in data.items() if k in _FIELDS}
    if isinstance(fields.get("query"), list):
        fields["query"] = [tuple(pair) for pair in fields["query"]]
    if fields.get("files"):
        fields["files"] = {k: (f, c) for k, (f, c) in fields["files"].items()}
    return Case(data["route"], data["name"], data["expect"], **fields)


def load(path: Path = PATH) -> list[Case]:
    if not path.exists():
        return []
    return [from_dict(item) for item in json.loads(path.read_text())]


def append(cases: Iterable[Case], path: Path = PATH) -> int:
    """Add `cases` (skipping ids already present); returns how many were added."""
    current = [to_dict(case) for case in load(path)]
    known = {(item["route"], item["name"]) for item in current}
    added = []
    for case in cases:
        if (case.route, case.name) not in known:
            known.add((case.route, case.name))
            added.append(to_dict(case))
    path.write_text(json.dumps(current + added, indent=1, ensure_ascii=False) + "\n")
    return len(added)
