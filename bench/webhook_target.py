"""A webhook target for the burst bench, run as its own process (as a real target is).

    python bench/webhook_target.py PORT

Any request but `GET /receipts` is answered `200 ok` and its arrival noted (real Unix
time, taken when uvicorn hands the request over); `GET /receipts` returns the arrival
times noted so far as a JSON list. In the scheduler's process, an in-process server
competed with the scheduler for the GIL and so measured itself as much as the scheduler.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import uvicorn

receipts: list[float] = []
OK = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    arrived = time.time()
    if scope["path"] == "/receipts":
        body = json.dumps(receipts).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    receipts.append(arrived)
    more = True
    while more:  # drain a POST body
        more = (await receive()).get("more_body", False)
    await send(OK)
    await send({"type": "http.response.body", "body": b"ok"})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
    )
