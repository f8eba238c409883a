"""`gateway:app` with a bench-only switch for its metrics and request logs, flipped in-process.

    uvicorn bench.observe_toggle:app ...
    POST /__bench/observe/off    the next requests as with GATEWAY_METRICS=false GATEWAY_REQUEST_LOG=false
    POST /__bench/observe/on     back to the default

Two processes of the same gateway differ in CPU per request by 5-10 % for their whole
lives (measured on this machine: memory layout, not configuration), more than the 3 %
that bench/shadow_overhead.py must resolve for metrics + logs. Switching them off and on
inside one process compares like with like. Off is what the settings give on the request
path: the observer skips the histogram and the log line; the route match and the window
figures go on, as they do with both settings false. Never served outside a benchmark.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

import gateway

SWITCH_PREFIX = "/__bench/observe/"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    served = gateway.app  # built on first use (the lifespan), as `uvicorn gateway:app` does
    path = scope.get("path", "")
    if scope["type"] == "http" and path.startswith(SWITCH_PREFIX):
        served.observer.metrics = served.observer.request_log = path == SWITCH_PREFIX + "on"
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await served(scope, receive, send)
