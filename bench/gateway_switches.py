"""`gateway:app` with bench-only switches, flipped inside one running process.

    uvicorn bench.gateway_switches:app ...
    POST /__bench/observe/off    the next requests as with GATEWAY_METRICS=false GATEWAY_REQUEST_LOG=false
    POST /__bench/observe/on     back to the default
    POST /__bench/shadow?rate=0.1&route=GET%20/api/jobs&route=...
                                 the routes at `shadow`, sampling `rate` of their safe requests
                                 (as CUTOVER_SHADOW_SAMPLE_RATE); rate=0 puts them back at `legacy`
    POST /__bench/drain          nothing but the drains below: the queued replays done, verdicts written
    (a missing route, or a rate outside 0..1, is refused with 400 and changes nothing)

Two processes of the same gateway differ in CPU per request by 5-10 % for their whole
lives (measured on this machine: memory layout, not configuration), more than the 3 %
that bench/shadow_overhead.py must resolve for metrics + logs and about the margin of
shadow at 10 %. Switching inside one process compares like with like.

What each switch sets is what an operator's setting sets: the observer's two switches,
and the route flags as `python -m cutover flags set` writes them (forced past the parity
gate, actor "bench"), read back into the worker's table at once. Every switch first
finishes the replays queued so far (their verdicts written) and drains the observer, so
each request is served, replayed and observed as the switches stood when it arrived.
Never served outside a benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

import gateway
from cutover import flags
from shared_models.db import begin_write

PREFIX = "/__bench/"
OBSERVE = PREFIX + "observe/"
SHADOW = PREFIX + "shadow"
DRAIN = PREFIX + "drain"


def shadow_switch_path(rate: float, route_keys: list[str]) -> str:
    """The switch's path and query for `rate` on `route_keys` (the bench's side of it)."""
    return f"{SHADOW}?{urlencode({'rate': f'{rate:g}', 'route': route_keys}, doseq=True)}"


def force_flags(sessionmaker: Callable[[], Session], route_keys: list[str], state: str) -> None:
    """The routes at `state`, as `python -m cutover flags set --force` puts them (audited, actor "bench")."""
    with sessionmaker() as session:
        begin_write(session)
        for key in route_keys:
            flags.set_flag(session=session, route_key=key, state=state, actor="bench", reason="bench switch",
                           force=True)
        session.commit()


def _set_shadow(served: gateway.Gateway, route_keys: list[str], rate: float) -> None:
    force_flags(served.sessions, route_keys, "shadow" if rate > 0 else "legacy")
    served.flags.refresh()
    served.shadow.sample_rate = rate


async def _switch(served: gateway.Gateway, scope: Scope) -> int:
    """Apply one switch; the status to answer."""
    await served.shadow.drain()
    served.observer.drain()
    path = scope["path"]
    if path == DRAIN:
        return 204
    if path in (OBSERVE + "on", OBSERVE + "off"):
        served.observer.metrics = served.observer.request_log = path == OBSERVE + "on"
        return 204
    if path == SHADOW:
        query = parse_qs(scope.get("query_string", b"").decode())
        try:
            rate, route_keys = float(query["rate"][0]), query["route"]
        except (KeyError, ValueError):
            return 400
        if not 0 <= rate <= 1:
            return 400
        await anyio.to_thread.run_sync(_set_shadow, served, route_keys, rate)
        return 204
    return 404


def with_switches(get_gateway: Callable[[], gateway.Gateway]) -> ASGIApp:
    """The gateway behind the switches; `get_gateway` is called per request (cheap, built once)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        served = get_gateway()
        if scope["type"] == "http" and scope.get("path", "").startswith(PREFIX):
            status = await _switch(served, scope)
            await send({"type": "http.response.start", "status": status, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await served(scope, receive, send)

    return app


# built on first use (the lifespan), as `uvicorn gateway:app` does
app = with_switches(lambda: gateway.app)
