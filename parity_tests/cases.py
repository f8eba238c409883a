"""A parity case: one request, as data, plus the status the legacy stack must answer.

Cases are written against legacy paths with placeholders naming fixture rows
(`/api/jobs/{job_user}`); `render` turns a case into concrete request bytes so both
stacks receive byte-identical requests (multipart bodies use a fixed boundary).
`expect` guards the corpus itself: a case meant to produce a 404 that produces a 200 is
reported as a corpus error, so status coverage cannot be claimed by accident.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from parity_tests.fixture import Snapshot

BOUNDARY = "parity-boundary-7f3a"
_UNSET: Any = object()


@dataclass(frozen=True)
class Case:
    """One request. `auth` names a fixture token (`admin`, `viewer`, `expired`...),
    `raw:<header value>` for a literal Authorization header, or None for no header."""

    route: str
    name: str
    expect: int  # 0: a generated request, any legacy status
    path: str | None = None
    auth: str | None = "admin"
    json: Any = _UNSET
    body: bytes | str | None = None
    content_type: str | None = None
    query: dict[str, str] | list[tuple[str, str]] | None = None
    form: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes | str]] | None = None
    read_only: bool = field(default=False)
    headers: dict[str, str] | None = None  # extra request headers (e.g. `Origin` for CORS)
    verb: str | None = None  # another method on the route's path (HEAD, OPTIONS, a 405 one)

    @property
    def method(self) -> str:
        return self.verb or self.route.split(" ", 1)[0]

    @property
    def id(self) -> str:
        return f"{self.route} :: {self.name}"


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # legacy path with query string
    headers: dict[str, str]
    body: bytes


def _fill(template: str, snapshot: Snapshot) -> str:
    names = {**snapshot.ids, "missing": "00000000-0000-4000-8000-000000000000"}
    return template.format(**names)


def _multipart(form: dict[str, str], files: dict[str, tuple[str, bytes | str]]) -> bytes:
    parts: list[bytes] = []
    for name, value in form.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        data = content.encode() if isinstance(content, str) else content
        head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: text/csv\r\n\r\n").encode()
        parts.append(head + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def render(case: Case, snapshot: Snapshot, default_path: str) -> Request:
    """The concrete request of `case` on the fixture `snapshot`."""
    path = _fill(case.path or default_path, snapshot)
    if case.query:
        pairs = case.query.items() if isinstance(case.query, dict) else case.query
        path += "?" + urlencode([(key, _fill_text(value, snapshot)) for key, value in pairs])
    headers: dict[str, str] = {}
    if case.auth is not None:
        if case.auth.startswith("raw:"):
            headers["Authorization"] = case.auth[4:]
        else:
            headers["Authorization"] = f"Bearer {snapshot.tokens[case.auth]}"
    body = b""
    if case.json is not _UNSET:
        body = _fill_json(case.json, snapshot)
        headers["Content-Type"] = "application/json"
    elif case.form is not None or case.files is not None:
        body = _multipart(case.form or {}, case.files or {})
        headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
    elif case.body is not None:
        body = case.body.encode() if isinstance(case.body, str) else case.body
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    headers.update(case.headers or {})
    return Request(case.method, path, headers, body)


def _fill_text(text: str, snapshot: Snapshot) -> str:
    """`{row_key}` placeholders replaced by fixture ids; any other brace left as it is."""
    if "{" not in text:
        return text
    for key, ident in {**snapshot.ids, "missing": "00000000-0000-4000-8000-000000000000"}.items():
        text = text.replace("{" + key + "}", ident)
    return text


def _fill_json(value: Any, snapshot: Snapshot) -> bytes:
    return _fill_text(jsonlib.dumps(value), snapshot).encode()
