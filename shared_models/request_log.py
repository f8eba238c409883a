"""One JSON line per HTTP request, the same keys whichever process answers it.

    configure_request_log()      # JSON lines on stdout, unless the logger is configured
    log_request(request_id="ab12", method="GET", route="GET /api/jobs", stack="fastapi",
                state="canary", status=200, seconds=0.004, user_id="7")
    write_lines([request_line(...), request_line(...)])   # a batch, in one write
    subjects = Subjects()        # the token's `sub` per Authorization value, cached
    subjects(b"Bearer eyJ...")   # -> "7" (read unverified: the app verifies it)

Shared by the cutover gateway (cutover.observe) and the end state (fastapi_app.observe),
so retiring the gateway keeps the operators' log lines byte for byte. Logger
`gateway.requests` (the name operators already filter on). Keys: ts, request_id,
method, route, stack, state, status, duration_ms, user_id. Never a header, token, body
or query string.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import sys
import time

import orjson

REQUEST_LOG = logging.getLogger("gateway.requests")
SUBJECT_CACHE = 4096
_LONGEST_CACHED = 2048  # no real token of ours is that long: don't keep it


class JsonLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The request log's own handler: one message per line, nothing added.

    `write` is the request path's shortcut around the logging machinery (a LogRecord,
    the filters, the formatter: most of the cost of a line), taken only while this
    handler is the logger's one and only handler (`_write`)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)
        self.setFormatter(logging.Formatter("%(message)s"))

    def write(self, lines: list[str]) -> None:
        """Exactly what `emit` writes for records whose messages are `lines`, in one write
        and one flush (a system call per line cost more than the line)."""
        with self.lock:  # type: ignore[union-attr]
            try:
                self.stream.write("".join(line + self.terminator for line in lines))
                self.flush()
            except Exception:  # noqa: BLE001 - a log line must never fail the request
                self.handleError(logging.makeLogRecord({"msg": lines[0] if lines else ""}))


def configure_request_log() -> None:
    """JSON lines on stdout, unless someone configured `gateway.requests` already."""
    if REQUEST_LOG.handlers:
        return
    REQUEST_LOG.addHandler(JsonLines())
    REQUEST_LOG.setLevel(logging.INFO)
    REQUEST_LOG.propagate = False


def request_line(*, request_id: str, method: str, route: str, stack: str, state: str, status: int,
                 seconds: float, user_id: str | None, at: float | None = None) -> str:
    """The request's line; `at` = when it ended (default: now)."""
    return orjson.dumps({
        "ts": round(time.time() if at is None else at, 3), "request_id": request_id, "method": method, "route": route,
        "stack": stack, "state": state, "status": status, "duration_ms": round(seconds * 1000, 3),
        "user_id": user_id,
    }).decode()


def log_request(*, request_id: str, method: str, route: str, stack: str, state: str, status: int,
                seconds: float, user_id: str | None) -> None:
    """The request's line, if the logger takes INFO (one request at a time: the end state)."""
    if logs_requests():
        write_lines([request_line(request_id=request_id, method=method, route=route, stack=stack, state=state,
                                  status=status, seconds=seconds, user_id=user_id)])


def logs_requests() -> bool:
    return REQUEST_LOG.isEnabledFor(logging.INFO)


def write_lines(lines: list[str]) -> None:
    """`REQUEST_LOG.info(line)` for each line; in one write to the stream when nothing else
    could see the records (our `JsonLines` alone, no filters): the same bytes, cheaper."""
    if not lines:
        return
    handlers = REQUEST_LOG.handlers
    if (len(handlers) == 1 and type(handlers[0]) is JsonLines and not REQUEST_LOG.filters
            and not handlers[0].filters and handlers[0].level <= logging.INFO and not REQUEST_LOG.disabled):
        handlers[0].write(lines)
    else:
        for line in lines:
            REQUEST_LOG.info(line)


def unverified_subject(header: bytes) -> str | None:
    """The `sub` of a `Bearer <jwt>` header, signature NOT checked (logs and canary
    buckets only: the app that answers verifies the token)."""
    scheme, _, token = header.partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    parts = token.strip().split(b".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + b"=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    subject = payload.get("sub") if isinstance(payload, dict) else None
    return str(subject) if isinstance(subject, str | int) and not isinstance(subject, bool) else None


class Subjects:
    """`unverified_subject`, decoded once per Authorization value (bounded cache)."""

    def __init__(self, size: int = SUBJECT_CACHE) -> None:
        self.size = size
        self._known: dict[bytes, str | None] = {}

    def __call__(self, authorization: bytes) -> str | None:
        try:
            return self._known[authorization]
        except KeyError:
            if len(authorization) > _LONGEST_CACHED:
                return unverified_subject(authorization)
            if len(self._known) >= self.size:
                self._known.clear()
            subject = self._known[authorization] = unverified_subject(authorization)
            return subject
