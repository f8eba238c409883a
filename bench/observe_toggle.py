"""`gateway:app` with a bench-only switch for its metrics and request logs, flipped in-process.

    uvicorn bench.observe_toggle:app ...
    POST /__bench/observe/off    the next requests as with GATEWAY_METRICS=false GATEWAY_REQUEST_LOG=false
    POST /__bench/observe/on     back to the default

Two processes of the same gateway differ in CPU per request by 5-10 % for their whole
lives (measured on this machine: memory layout, not configuration), more than the 3 %
that bench/shadow_overhead.py must resolve for metrics + logs. Switching them off and on
inside one process compares like with like. Off is what the settings give: the observer
queues each request and drains it into the window figures, without the histogram and the
log line; the route match goes on, as it does with both settings false. The switch drains
the queue first, so each request is observed as the switch stood when it was served.
Never served outside a benchmark.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

import gateway

SWITCH_PREFIX = "/__bench/observe/"


def with_observe_switch(get_gateway: Callable[[], gateway.Gateway]) -> ASGIApp:
    """The gateway behind the switch; `get_gateway` is called per request (cheap, built once)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        served = get_gateway()
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(SWITCH_PREFIX):
            served.observer.drain()
            served.observer.metrics = served.observer.request_log = path == SWITCH_PREFIX + "on"
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await served(scope, receive, send)

    return app


# built on first use (the lifespan), as `uvicorn gateway:app` does
app = with_observe_switch(lambda: gateway.app)
