"""Traffic capture: record sampled requests of chosen routes into bounded JSONL files.

    recorder = CaptureRecorder(directory, secret=..., file_bytes=8 MiB, total_bytes=64 MiB,
                               queue_size=1000, max_body=64 KiB)
    if recorder.sampled(rate):
        receive, send = recorder.tap(route_key, scope, receive, send)   # then serve as usual
    recorder.flush(); recorder.close()                                   # tests, shutdown

The tap copies the request body as the app reads it and the response as it is sent;
when the response ends it hands the raw record to a queue and returns. A background
writer thread (one per process) scrubs the record (`cutover.scrub`: token replaced by
the caller's id and role, secret fields masked, cookies dropped) and appends one JSON
line to `capture-<host>-<pid>-<start>-<n>.jsonl`. A file is rotated at `file_bytes`;
after a rotation the oldest files of the directory (any process) are deleted until the
whole directory holds at most `total_bytes`. When the queue is full the record is
dropped and counted (`dropped`, and `cutover_capture_records_total{outcome="dropped"}`
next to `written` on /metrics): capturing never makes a caller wait.

One line (`parity_tests.replay` reads it):

    {"id": "h-123-1733500000-7", "at": "2026-12-06T20:00:00.123456+00:00", "route": "GET /api/jobs",
     "method": "GET", "path": "/api/jobs", "query": "page=3", "headers": {"accept": "*/*"},
     "auth": {"user_id": "...", "role": "admin", "type": "access", "expired": false},
     "body": "", "body_b64": false, "body_dropped": false,
     "response": {"status": 200, "content_type": "application/json", "body": "...", "body_dropped": false}}
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import queue
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from starlette.types import Message, Receive, Scope, Send

from cutover import scrub
from cutover.metrics import CAPTURE_RECORDS

log = logging.getLogger("gateway.capture")

FILE_GLOB = "capture-*.jsonl"


@dataclass
class RawRecord:
    """What the tap saw, secrets included: it never leaves the process unscrubbed."""

    at: float
    route: str
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    body: list[bytes] = field(default_factory=list)
    body_size: int = 0
    status: int = 0
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_body: list[bytes] = field(default_factory=list)
    response_size: int = 0


def _text(body: bytes) -> tuple[str, bool]:
    """(text, is_base64): UTF-8 bodies stay readable in the file."""
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def scrubbed(raw: RawRecord, *, record_id: str, secret: str, max_body: int) -> dict[str, Any]:
    """The line written for `raw`: no token, no cookie, no secret field."""
    content_type = _header(raw.headers, b"content-type") or ""
    body = b"".join(raw.body) if raw.body_size <= max_body else None
    safe = scrub.mask_body(body, content_type) if body is not None else None
    text, is_b64 = _text(safe) if safe is not None else ("", False)
    response_type = _header(raw.response_headers, b"content-type") or ""
    response = b"".join(raw.response_body) if raw.response_size <= max_body else None
    safe_response = scrub.mask_body(response, response_type) if response is not None else None
    response_text, response_b64 = _text(safe_response) if safe_response is not None else ("", False)
    return {
        "id": record_id,
        "at": datetime.fromtimestamp(raw.at, UTC).isoformat(),
        "route": raw.route,
        "method": raw.method,
        "path": raw.path,
        "query": scrub.mask_query(raw.query.decode("latin-1")),
        "headers": scrub.keep_headers(raw.headers),
        "auth": scrub.caller(_header(raw.headers, b"authorization"), secret),
        "body": text,
        "body_b64": is_b64,
        "body_dropped": safe is None,
        "response": {"status": raw.status, "content_type": response_type, "body": response_text,
                     "body_b64": response_b64, "body_dropped": safe_response is None},
    }


class _Tap:
    """receive/send wrappers that copy one exchange into a RawRecord."""

    __slots__ = ("recorder", "record", "inner_receive", "inner_send", "limit")

    def __init__(self, recorder: CaptureRecorder, record: RawRecord, receive: Receive, send: Send) -> None:
        self.recorder, self.record = recorder, record
        self.inner_receive, self.inner_send = receive, send
        self.limit = recorder.max_body

    async def receive(self) -> Message:
        message = await self.inner_receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            self.record.body_size += len(chunk)
            if chunk and self.record.body_size <= self.limit:
                self.record.body.append(chunk)
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.record.status = int(message["status"])
            self.record.response_headers = list(message.get("headers", ()))
        elif kind == "http.response.body":
            chunk = message.get("body", b"")
            self.record.response_size += len(chunk)
            if chunk and self.record.response_size <= self.limit:
                self.record.response_body.append(chunk)
            if not message.get("more_body", False):
                self.recorder.submit(self.record)
        await self.inner_send(message)


class CaptureRecorder:
    """The per-process capture: the tap factory, the bounded queue and its writer thread."""

    def __init__(self, directory: str | Path, *, secret: str, file_bytes: int, total_bytes: int,
                 queue_size: int, max_body: int) -> None:
        self.directory = Path(directory)
        self.secret = secret
        self.file_bytes = file_bytes
        self.total_bytes = total_bytes
        self.max_body = max_body
        self.queue: queue.Queue[RawRecord | None] = queue.Queue(maxsize=queue_size)
        self.dropped = 0
        self.written = 0
        self._prefix = f"capture-{socket.gethostname()}-{os.getpid()}-{int(time.time())}"
        self._seq = itertools.count(1)
        self._file_no = 0
        self._file: TextIO | None = None
        self._file_size = 0
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- request side (event loop) --------------------------------------------------

    @staticmethod
    def sampled(rate: float) -> bool:
        return rate >= 1 or random.random() < rate

    def tap(self, route_key: str, scope: Scope, receive: Receive, send: Send) -> tuple[Receive, Send]:
        record = RawRecord(at=time.time(), route=route_key, method=scope.get("method", ""),
                           path=scope.get("path", ""), query=scope.get("query_string", b""),
                           headers=list(scope.get("headers", ())))
        tap = _Tap(self, record, receive, send)
        return tap.receive, tap.send

    def submit(self, record: RawRecord) -> bool:
        """Queue a finished exchange; never blocks (a full queue drops it and counts)."""
        if self._thread is None:
            self._start()
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1
            CAPTURE_RECORDS.labels(record.route, "dropped").inc()
            return False
        return True

    def stats(self) -> dict[str, Any]:
        return {"written": self.written, "dropped": self.dropped, "queued": self.queue.qsize(),
                "directory": str(self.directory)}

    # --- writer thread ---------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="capture-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            record = self.queue.get()
            try:
                if record is None:
                    return
                self._write(record)
            except Exception:  # noqa: BLE001 - a bad record must not stop the writer
                log.exception("capture record not written")
            finally:
                if record is not None and self.queue.empty() and self._file is not None:
                    self._file.flush()
                self.queue.task_done()

    def _write(self, raw: RawRecord) -> None:
        line = json.dumps(scrubbed(raw, record_id=f"{self._prefix[8:]}-{next(self._seq)}", secret=self.secret,
                                   max_body=self.max_body), ensure_ascii=False) + "\n"
        size = len(line.encode())
        if self._file is None or (self._file_size and self._file_size + size > self.file_bytes):
            self._rotate()
        assert self._file is not None
        self._file.write(line)
        self._file_size += size
        self.written += 1
        CAPTURE_RECORDS.labels(raw.route, "written").inc()

    def _rotate(self) -> None:
        if self._file is not None:
            self._file.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._file_no += 1
        current = self.directory / f"{self._prefix}-{self._file_no:04d}.jsonl"
        self._file = current.open("a", encoding="utf-8")
        self._file_size = 0
        self._enforce_cap(keep=current)

    def _enforce_cap(self, keep: Path) -> None:
        """Delete the oldest capture files (any process) until the rest fit `total_bytes`."""
        files = []
        for path in self.directory.glob(FILE_GLOB):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # another process removed it
            files.append((stat.st_mtime, path.name, path, stat.st_size))
        files.sort()
        total = sum(size for *_, size in files) + self.file_bytes  # room for the file just opened
        for _mtime, _name, path, size in files:
            if total <= self.total_bytes:
                break
            if path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size

    def flush(self) -> None:
        """Wait until every queued record is on disk (tests, shutdown)."""
        if self._thread is not None:
            self.queue.join()

    def close(self) -> None:
        if self._thread is not None:
            self.queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None
        if self._file is not None:
            self._file.close()
            self._file = None
