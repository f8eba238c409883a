"""A webhook target for the burst bench, run as its own process (as a real target is).

    python bench/webhook_target.py PORT

Any request but `GET /receipts` and `GET /keys` is answered `200 ok` and its arrival
noted (real Unix time, taken when uvicorn hands the request over) with its
`Idempotency-Key` header; `GET /receipts` returns the arrival times noted so far as a
JSON list, `GET /keys` the [arrival, key] pairs; paths under `/slow` answer after
SLOW_SECONDS (the catch-up bench and
scripts/cluster_check.py count deliveries per key). In the scheduler's process, an in-process server
competed with the scheduler for the GIL and so measured itself as much as the scheduler.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import uvicorn

SLOW_SECONDS = 1.0
receipts: list[float] = []
keys: list[tuple[float, str | None]] = []
OK = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    arrived = time.time()
    if scope["path"] in ("/receipts", "/keys"):
        body = json.dumps(receipts if scope["path"] == "/receipts" else keys).encode()
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
    key = next((value for name, value in scope["headers"] if name == b"idempotency-key"), None)
    keys.append((arrived, key.decode("latin-1") if key is not None else None))
    if scope["path"].startswith("/slow"):  # a target that takes a second (calls in flight)
        await asyncio.sleep(SLOW_SECONDS)
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
