"""Small ASGI plumbing the gateway needs: tag responses, record them, replay requests.

    send = served_by(send, "fastapi")     # adds `X-Served-By: fastapi` to the response start
    recorder = Recorder(send)             # passes messages on and keeps status/headers/body
    await app(scope, replay_receive(done), recorder)   # a bodyless request for a replay
"""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

SERVED_BY = b"x-served-by"


def served_by(send: Send, who: str) -> Send:
    """`send` with `X-Served-By: <who>` on the response start (any earlier value replaced)."""
    value = who.encode()

    async def tagged(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != SERVED_BY]
            message = {**message, "headers": [*headers, (SERVED_BY, value)]}
        await send(message)

    return tagged


class Recorder:
    """A `send` that keeps what went through it; `keep_body=False` keeps the status only."""

    def __init__(self, send: Send | None = None, *, keep_body: bool = True) -> None:
        self.send = send
        self.keep_body = keep_body
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.complete = asyncio.Event()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            if self.keep_body:
                self.headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                                for k, v in message.get("headers", ())}
        elif message["type"] == "http.response.body":
            if self.keep_body:
                self.chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                self.complete.set()
        if self.send is not None:
            await self.send(message)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def replay_receive(done: asyncio.Event) -> Receive:
    """An empty request body, then `http.disconnect` once the replay has answered."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    return receive


def request_line(scope: Scope) -> str:
    """`GET /api/jobs?page=2` (no headers: tokens never reach the logs or the DB)."""
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('method', '')} {scope.get('path', '')}" + (f"?{query}" if query else "")
