"""One client interface over every HTTP stack, so every route test runs on each.

The route tests are written against the legacy paths (`/api/...`) and the Flask test
client's call style. The stacks:

    legacy    the Flask app (its own test client)
    v2        the v2 factory app, each path sent to its twin under `/api/v2/...`
    main      `fastapi_app.main`, the FastAPI app alone, on the legacy paths `/api/...`
    main-v2   the same app on `/api/v2/...`

The FastAPI stacks go through Starlette's TestClient and answer with a response object
offering what the tests read (`status_code`, `headers`, `get_json()`, `data`).
`TEST_STACKS` (comma list, default `legacy,v2`: both stacks while both exist) chooses
which stacks run; the retirement run (scripts/retire_flask.sh) uses `main,main-v2`.

Tests of the whole API (tests/hardening: `/api` and `/api/v2` side by side, one ASGI
app) run on the app that serves both prefixes for the selected stacks:

    gateway   `gateway.create_gateway` (Flask on `/api`, v2 on `/api/v2`): legacy or v2 selected
    main      `fastapi_app.main` (FastAPI alone on both): main or main-v2 selected

Nothing here imports Flask unless the legacy stack (or the gateway) is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import BytesIO
from typing import Any

from shared_models.settings import Settings

ALL_STACKS = ("legacy", "v2", "main", "main-v2")
DEFAULT_STACKS = ("legacy", "v2")
API_APPS = {"legacy": "gateway", "v2": "gateway", "main": "main", "main-v2": "main"}
"""Which app serves `/api` and `/api/v2` together for each stack."""

ApiClient = Any
"""What the route tests call: the Flask test client's call style, on any stack."""


def selected_stacks() -> list[str]:
    """The stacks named in TEST_STACKS; an unknown name is an error, not a silent skip."""
    raw = os.environ.get("TEST_STACKS", ",".join(DEFAULT_STACKS))
    stacks = [stack.strip() for stack in raw.split(",") if stack.strip()]
    unknown = sorted(set(stacks) - set(ALL_STACKS))
    if unknown:
        raise ValueError(f"TEST_STACKS names unknown stacks {unknown}; known: {', '.join(ALL_STACKS)}")
    return stacks


def selected_api_apps() -> list[str]:
    """The whole-API apps of the selected stacks, in order, once each: `["gateway"]` while
    both stacks exist, `["main"]` once Flask is retired."""
    return list(dict.fromkeys(API_APPS[stack] for stack in selected_stacks()))


def api_app(name: str, settings: Settings) -> Any:
    """The ASGI app `name` (see `API_APPS`) on `settings`' database (already migrated and
    seeded); the caller runs its lifespan (`with TestClient(app):`)."""
    if name == "gateway":
        from gateway import create_gateway

        return create_gateway(settings)
    if name != "main":
        raise ValueError(f"unknown API app {name!r}")
    from fastapi_app.main import create_main_app

    return create_main_app(settings, prepare=False)


class StackResponse:
    """The parts of a Flask test response the tests use, over an httpx response."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self.status_code: int = response.status_code
        self.headers = response.headers
        self.data: bytes = response.content
        self.content_type: str = response.headers.get("content-type", "")
        self.mimetype = self.content_type.split(";", 1)[0].strip()

    def get_json(self, silent: bool = False) -> Any:
        if "json" not in self.mimetype:
            if silent:
                return None
            raise AssertionError(f"not a JSON response: {self.content_type!r}")
        return self._response.json()

    @property
    def json(self) -> Any:
        return self.get_json()

    def get_data(self, as_text: bool = False) -> bytes | str:
        return self._response.text if as_text else self.data


def _v2_path(path: str) -> str:
    if path == "/api" or path.startswith("/api/"):
        return "/api/v2" + path[len("/api"):]
    return path


def _same_path(path: str) -> str:
    return path


class V2Client:
    """Flask-test-client call style, answered by a FastAPI app (`stack` names which)."""

    def __init__(self, test_client: Any, stack: str = "v2", rewrite: Callable[[str], str] = _v2_path) -> None:
        self._client = test_client
        self.stack = stack
        self._rewrite = rewrite

    def open(self, path: str, method: str = "GET", **kwargs: Any) -> StackResponse:
        headers = dict(kwargs.pop("headers", None) or {})
        content_type = kwargs.pop("content_type", None)
        if content_type:
            headers["Content-Type"] = content_type
        request: dict[str, Any] = {"headers": headers}
        if "query_string" in kwargs:
            request["params"] = kwargs.pop("query_string")
        if "json" in kwargs:
            request["json"] = kwargs.pop("json")
        data = kwargs.pop("data", None)
        if isinstance(data, dict):
            files = {k: v for k, v in data.items() if isinstance(v, tuple)}
            fields = {k: v for k, v in data.items() if not isinstance(v, tuple)}
            if files:
                request["files"] = {
                    name: (value[1], value[0].read() if isinstance(value[0], BytesIO) else value[0],
                           *(value[2:] if len(value) > 2 else ()))
                    for name, value in files.items()
                }
                headers.pop("Content-Type", None)  # httpx writes the multipart boundary
            request["data"] = fields
        elif data is not None:
            request["content"] = data.encode() if isinstance(data, str) else data
        kwargs.pop("follow_redirects", None)
        if kwargs:
            raise TypeError(f"unsupported test-client arguments: {sorted(kwargs)}")
        return StackResponse(self._client.request(method, self._rewrite(path), **request))

    def get(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "GET", **kwargs)

    def post(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "POST", **kwargs)

    def put(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "PUT", **kwargs)

    def delete(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "DELETE", **kwargs)

    def options(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "OPTIONS", **kwargs)

    def head(self, path: str, **kwargs: Any) -> StackResponse:
        return self.open(path, "HEAD", **kwargs)


@contextmanager
def stack_client(stack: str, settings: Settings) -> Iterator[Any]:
    """A client for `stack` on `settings`' database (already migrated and seeded)."""
    if stack == "legacy":
        from legacy_flask import create_app
        from legacy_flask.extensions import db

        app = create_app(settings, prepare=False)
        app.config["TESTING"] = True
        client = app.test_client()
        client.stack = "legacy"  # type: ignore[attr-defined]
        try:
            yield client
        finally:
            with app.app_context():
                db.engine.dispose()
        return
    from starlette.testclient import TestClient

    if stack in ("main", "main-v2"):
        with TestClient(api_app("main", settings)) as test_client:
            yield V2Client(test_client, stack, _same_path if stack == "main" else _v2_path)
        return
    if stack != "v2":
        raise ValueError(f"unknown stack {stack!r}")
    from fastapi_app import create_app as create_v2_app

    with TestClient(create_v2_app(settings, prepare=False)) as test_client:
        yield V2Client(test_client)
