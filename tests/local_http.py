"""A real HTTP server on 127.0.0.1 for tests: the stand-in for GitHub, webhooks and Slack.

Standard library only (`http.server`), so it runs wherever the code under test runs,
Flask's packages installed or not. Typical use, through the `http_server` fixture::

    http_server.on("/hook", method="POST", status=201, body="done")
    http_server.on("/gh", status=502, times=1)         # answers once, then the next match
    http_server.on("/gh", status=204)
    http_server.on("/slow", delay=1.5)                 # a slow target
    http_server.on("/flip", handler=lambda request: Reply(status=state["code"]))
    call_something(http_server.url("/hook"))
    [request] = http_server.requests
    assert request.method == "POST" and request.json() == {"a": 1}

Answers are tried in registration order; the first whose path and method match and whose
`times` is not used up answers. A request nothing answers gets a 500 with a plain-text
reason (and is recorded all the same), so a missing answer shows in the test's failure.
Each connection closes after its response (HTTP/1.0), so a stopped server is really gone
even for clients that pool connections.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str  # percent-decoded, as answers are matched
    raw_path: str  # the request target as sent, query string excluded
    query: dict[str, list[str]]
    headers: Message  # case-insensitive; `headers.get(name)` is None when absent
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class Reply:
    """What the server sends back: status, body (str is sent as UTF-8) and headers."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[RecordedRequest], Reply]


@dataclass
class _Answer:
    path: str
    method: str | None
    handler: Handler
    delay: float
    times: int | None  # None: every time

    def matches(self, request: RecordedRequest) -> bool:
        if self.times == 0 or self.path != request.path:
            return False
        return self.method is None or self.method == request.method


class LocalHTTPServer:
    """A threaded HTTP server on 127.0.0.1 answering what the test registered with `on`."""

    def __init__(self) -> None:
        self._answers: list[_Answer] = []
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0  # chosen by the OS at the first start, kept across restarts

    # --- what tests call ------------------------------------------------------------
    def on(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int = 200,
        body: bytes | str = b"",
        json: Any = None,
        headers: dict[str, str] | None = None,
        handler: Handler | None = None,
        delay: float = 0.0,
        times: int | None = None,
    ) -> None:
        """Answer requests to `path` (any method unless `method` is given).

        `json` sends that value as an application/json body; `handler` builds the reply
        per request instead (for answers that change during a test); `delay` waits that
        many seconds before answering; `times` limits how often this answer is used.
        """
        if handler is None:
            reply_headers = dict(headers or {})
            reply_body = body
            if json is not None:
                reply_body = jsonlib.dumps(json)
                reply_headers.setdefault("Content-Type", "application/json")
            fixed = Reply(status, reply_body, reply_headers)

            def handler(_request: RecordedRequest) -> Reply:
                return fixed

        with self._lock:
            self._answers.append(_Answer(path, method.upper() if method else None, handler, delay, times))

    def url(self, path: str = "") -> str:
        """The absolute URL of `path` on this server (`url()` is the base, no slash)."""
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Listen (again, on the same port after a `stop`)."""
        server = _Server(("127.0.0.1", self.port), _RequestHandler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name=f"local-http-{self.port}", daemon=True
        )  # a short poll: `stop` (once per test) waits for it
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until `start`."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> LocalHTTPServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- called by the request handler ------------------------------------------------
    def _answer_for(self, request: RecordedRequest) -> _Answer | None:
        with self._lock:
            self._requests.append(request)
            for answer in self._answers:
                if answer.matches(request):
                    if answer.times is not None:
                        answer.times -= 1
                    return answer
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # bursts of concurrent calls (scheduler tests) must not overflow the backlog
    owner: LocalHTTPServer


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        target = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=unquote(target.path),
            raw_path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers=self.headers,
            body=self._read_body(),
        )
        answer = self.server.owner._answer_for(request)
        if answer is None:
            reply = Reply(500, f"no answer registered for {request.method} {request.path}")
        else:
            if answer.delay:
                time.sleep(answer.delay)
            reply = answer.handler(request)
        self._send(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _send(self, reply: Reply) -> None:
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        self.send_response(reply.status)
        headers = {"Content-Type": "text/plain; charset=utf-8", **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        bodyless = reply.status in (204, 304) or reply.status < 200
        if not bodyless:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not bodyless and self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Quiet: the test reads `requests`, not stderr."""
