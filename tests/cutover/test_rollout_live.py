"""Progressive rollouts judged on real traffic through a live gateway (uvicorn on a
loopback port, lifespan on: the observer feeds the window figures, the judge runs).

Short holds and small `min_requests`; callers are bearer tokens whose `sub` puts them
in or out of the canary (the gateway buckets callers by the unverified `sub`;
`GET /api/health` ignores the token). Both arms answer after the same fixed pad
(`padded`), so a p99 compares pads, not this shared machine's noise (a first version
with a plain delay on top of each stack's time failed the 1.2x limit at random under
load); a "slow" FastAPI arm gets a longer pad. Outcomes
are asserted through the rollout's state, its decisions and the flag audit, never
against the clock; the seconds a rollback took are printed (`-s`) for the report.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cutover import flags, rollout
from cutover.config import CutoverConfig
from cutover.dispatch import in_canary
from gateway import create_gateway
from shared_models.settings import Settings
from tests.cutover.live import LiveGateway
from tests.cutover.support import flag_of, green, write
from tests.metrics_text import value

ROUTE = "GET /api/health"
PAD = 0.8  # both arms answer this long after the request came in, seconds: long enough
# that a CI stall of ~0.1 s cannot push the healthy arm's p99 past 1.2x (it did at 0.4 s, load 8)
CONCURRENCY = 4  # requests in flight per arm (below the pool size: no pool queueing)
MIN_REQUESTS = 40
PATIENCE = 120.0  # give up (and fail) after this long without the expected outcome
CONFIG = CutoverConfig(refresh_interval=0.1, figures_slot_seconds=1.0, figures_flush_interval=0.2,
                       judge_interval=0.2, judge_lease=2.0, request_log=False,
                       rollback_errors=100_000, rollback_window=100_000)  # only the judge rolls back here


def caller(*, canary: bool, percent: int) -> dict[str, str]:
    """A bearer header whose `sub` is in (or out of) a `percent` canary."""
    for n in range(100_000):
        if in_canary(f"sub:caller-{n}", percent) == canary:
            claims = base64.urlsafe_b64encode(json.dumps({"sub": f"caller-{n}"}).encode()).rstrip(b"=").decode()
            return {"Authorization": f"Bearer e30.{claims}.unsigned"}
    raise AssertionError(f"no caller {'in' if canary else 'out of'} a {percent}% canary")


def padded(app: ASGIApp, seconds: float, *, fail_every: int = 0) -> ASGIApp:
    """`app` whose answer is held back until `seconds` after the request came in.

    The stack's own time (and the machine's noise in it) is absorbed as long as it stays
    under `seconds`, so both arms' latencies are that pad: a healthy p99 ratio is ~1.0 on
    a busy machine too. With `fail_every` N, every Nth answer is a 500 instead.
    """
    served = 0

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal served
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        served += 1
        answer: list[Message] = []
        if fail_every and served % fail_every == 0:
            answer += [{"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json")]},
                       {"type": "http.response.body", "body": b'{"error": "Internal server error"}'}]
        else:
            async def keep(message: Message) -> None:
                answer.append(message)

            await app(scope, receive, keep)
        await asyncio.sleep(max(0.0, deadline - loop.time()))
        for message in answer:
            await send(message)

    return wrapper


@pytest.fixture
def live(settings: Settings, db: Session) -> Iterator[LiveGateway]:
    gateway = create_gateway(settings, CONFIG)
    assert gateway.legacy is not None
    gateway.legacy = padded(gateway.legacy, PAD)
    gateway.v2 = padded(gateway.v2_app, PAD)
    green(db, ROUTE)
    with LiveGateway(gateway) as server:
        yield server


def current(db: Session) -> dict[str, Any]:
    db.rollback()
    [row] = rollout.status(db, ROUTE)
    db.rollback()
    return row


async def _traffic(url: str, db: Session, done: Callable[[dict[str, Any]], bool]) -> list[str]:
    """Both arms' callers for the current step, CONCURRENCY each, until `done(status)`."""
    served_by: list[str] = []
    deadline = time.monotonic() + PATIENCE
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        async def one(headers: dict[str, str]) -> None:
            answer = await client.get("/api/health", headers=headers)
            served_by.append(answer.headers.get("x-served-by", "?"))

        while time.monotonic() < deadline:
            status = current(db)
            if done(status):
                return served_by
            share = status["percent"]
            arms = [caller(canary=True, percent=share)] * CONCURRENCY
            if share < 100:
                arms += [caller(canary=False, percent=share)] * CONCURRENCY
            await asyncio.gather(*(one(headers) for headers in arms))
    raise AssertionError(f"no outcome within {PATIENCE} s: {current(db)}")


def drive(live: LiveGateway, db: Session, done: Callable[[dict[str, Any]], bool]) -> list[str]:
    return asyncio.run(_traffic(live.url, db, done))


def start(db: Session, **options: Any) -> None:
    write(db, rollout.start, route_key=ROUTE, actor="test", hold_seconds=options.pop("hold", 1.0),
          min_requests=options.pop("min_requests", MIN_REQUESTS), **options)


def scrape(live: LiveGateway) -> str:
    return httpx.get(f"{live.url}/metrics").text


def test_a_healthy_route_is_promoted_through_every_step(live: LiveGateway, db: Session) -> None:
    before = scrape(live)
    start(db)
    live.gateway.flags.refresh()
    assert value(scrape(live), "cutover_route_canary_percent", route=ROUTE) == 1
    served = drive(live, db, lambda status: status["state"] != "running")
    assert current(db)["state"] == "completed" and flag_of(db, ROUTE) == ("fastapi", 0)
    trail = list(reversed(rollout.decisions(db, ROUTE)))
    assert [(d["actor"], d["action"], d["to_percent"]) for d in trail] == [
        ("test", "start", 1), ("rollout", "promote", 5), ("rollout", "promote", 25), ("rollout", "promote", 50),
        ("rollout", "promote", 100), ("rollout", "complete", 100)]
    for decision in trail[1:]:  # every step judged on enough of both arms, after its hold
        figures = decision["figures"]
        assert figures["legacy"]["requests"] >= MIN_REQUESTS and figures["fastapi"]["requests"] >= MIN_REQUESTS
        assert figures["held_seconds"] >= 1.0 and figures["p99_ratio"] <= 1.2
    assert trail[-1]["figures"]["legacy_baseline"] == "earlier steps"
    assert [entry["to_state"] for entry in flags.history(session=db, route_key=ROUTE)][:5] == [
        "fastapi", "canary:100", "canary:50", "canary:25", "canary:5"]
    assert {"legacy", "fastapi"} <= set(served)
    after = scrape(live)
    assert value(after, "cutover_route_canary_percent", route=ROUTE) == 100
    assert value(after, "cutover_route_state", route=ROUTE, state="fastapi") == 1
    decided = {action: value(after, "cutover_rollout_decisions_total", route=ROUTE, action=action)
               - value(before, "cutover_rollout_decisions_total", route=ROUTE, action=action)
               for action in ("promote", "complete", "rollback")}
    assert decided == {"promote": 4, "complete": 1, "rollback": 0}


def _rolled_back(live: LiveGateway, db: Session) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    drive(live, db, lambda status: status["state"] != "running")
    took = time.monotonic() - started
    assert current(db)["state"] == "rolled_back" and flag_of(db, ROUTE) == ("legacy", 0)
    decision = rollout.decisions(db, ROUTE)[0]
    assert (decision["actor"], decision["action"], decision["from_percent"]) == ("rollout", "rollback", 1)
    audit = flags.history(session=db, route_key=ROUTE)[0]
    assert (audit["actor"], audit["to_state"]) == ("rollout", "legacy")
    answer = httpx.get(f"{live.url}/api/health", headers=caller(canary=True, percent=1))
    assert answer.headers["x-served-by"] == "legacy"  # the judge's worker follows at once
    return decision, took


def test_a_failing_fastapi_arm_is_rolled_back(live: LiveGateway, db: Session) -> None:
    live.gateway.v2 = padded(live.gateway.v2_app, PAD, fail_every=4)
    start(db, hold=600.0)  # a failure does not wait for the hold
    decision, took = _rolled_back(live, db)
    assert decision["figures"]["fastapi"]["errors_5xx"] > 0 and decision["figures"]["p_value"] < 0.01
    assert "5xx rate" in decision["reason"]
    print(f"\nfailing arm: rolled back {took:.1f} s after the rollout started (step 1, min {MIN_REQUESTS})")


def test_a_slow_fastapi_arm_is_rolled_back(live: LiveGateway, db: Session) -> None:
    live.gateway.v2 = padded(live.gateway.v2_app, PAD * 2)
    start(db, hold=600.0)
    decision, took = _rolled_back(live, db)
    assert "p99" in decision["reason"] and decision["figures"]["p99_ratio"] > 1.2
    print(f"\nslow arm: rolled back {took:.1f} s after the rollout started (step 1, min {MIN_REQUESTS})")


def test_a_quiet_route_waits(live: LiveGateway, db: Session) -> None:
    start(db, hold=0.5, min_requests=10_000)
    status = asyncio.run(_trickle(live.url, db))
    verdict = status["verdict"]
    assert (status["state"], status["percent"], verdict["kind"]) == ("running", 1, "wait")
    assert "too little data" in verdict["reason"] and flag_of(db, ROUTE) == ("canary", 1)
    assert verdict["figures"]["legacy"]["requests"] > 0 and verdict["figures"]["fastapi"]["requests"] > 0
    assert [d["action"] for d in rollout.decisions(db, ROUTE)] == ["start"]


async def _trickle(url: str, db: Session) -> dict[str, Any]:
    """A request per arm every ~0.2 s until the judge has judged both arms' traffic after the hold."""
    deadline = time.monotonic() + PATIENCE
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            for canary in (True, False):
                await client.get("/api/health", headers=caller(canary=canary, percent=1))
            status = current(db)
            figures = (status["verdict"] or {}).get("figures") or {}
            if figures.get("held_seconds", 0) >= 2 and all(
                    (figures.get(arm) or {}).get("requests") for arm in ("legacy", "fastapi")):
                return status
            await asyncio.sleep(0.2)
    raise AssertionError(f"the judge never judged the quiet route: {current(db)}")
