"""Shadow traffic: replay a safe legacy request on FastAPI after Flask has answered.

    shadow = ShadowReplayer(v2_app, sessionmaker, concurrency=4, sample_rate=1.0, keep=20)
    if shadow.sampled():
        recorder = Recorder(send)          # Flask's answer goes to the client and is kept
        await legacy(scope, receive, recorder)
        shadow.submit(route_key, scope, recorder)   # returns at once
    await shadow.drain()                   # at shutdown

The replay runs in a background task with the same headers (so the same caller) on the
v2 twin path, its answer is compared with Flask's by `cutover.compare.compare`, and the
verdict is counted in ShadowStat (mismatches kept in ShadowMismatch with both answers,
newest `keep` per route). At most `concurrency` replays are in flight per worker; a
request arriving when all slots are busy is not replayed (counted in `dropped`), so
shadowing can never queue up work or slow the real answer.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Scope

from cutover.answers import capture
from cutover.asgi import Recorder, replay_receive, request_line
from cutover.compare import Observed, compare
from cutover.dispatch import v2_scope
from cutover.flags import record_shadow
from shared_models.db import begin_write

log = logging.getLogger("gateway.shadow")

SAFE_METHODS = frozenset({"GET", "HEAD"})


class ShadowReplayer:
    def __init__(self, v2_app: ASGIApp, sessionmaker: Callable[[], Session], *,
                 concurrency: int, sample_rate: float, keep: int) -> None:
        self.v2_app = v2_app
        self.sessionmaker = sessionmaker
        self.concurrency = concurrency
        self.sample_rate = sample_rate
        self.keep = keep
        self.dropped = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def sampled(self) -> bool:
        return self.sample_rate >= 1 or random.random() < self.sample_rate

    def submit(self, route_key: str, scope: Scope, legacy: Recorder) -> bool:
        """Schedule the replay of `scope` (a safe request Flask answered into `legacy`)."""
        if len(self._tasks) >= self.concurrency:
            self.dropped += 1
            return False
        task = asyncio.create_task(self._replay(route_key, scope, legacy))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _replay(self, route_key: str, scope: Scope, legacy: Recorder) -> None:
        try:
            v2 = Recorder()
            await self.v2_app(v2_scope(scope), replay_receive(v2.complete), v2)
            left, right = _observed(legacy), _observed(v2)
            verdict = compare(left, right, route_key=route_key)
            answers = (None, None) if verdict.matched else (_answer(left), _answer(right))
            await anyio.to_thread.run_sync(self._record, route_key, verdict.matched,
                                           request_line(scope), verdict.summary(), answers)
        except Exception:  # noqa: BLE001 - a failed replay must never reach the caller
            log.exception("shadow replay of %s failed", route_key)

    def _record(self, route_key: str, matched: bool, request: str, diff: str,
                answers: tuple[str | None, str | None] = (None, None)) -> None:
        with self.sessionmaker() as session:
            begin_write(session)
            record_shadow(session=session, route_key=route_key, matched=matched,
                          request=request, diff="" if matched else diff, keep=self.keep,
                          legacy_answer=answers[0], fastapi_answer=answers[1])
            session.commit()

    async def drain(self) -> None:
        """Wait for the replays in flight (shutdown, tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _answer(observed: Observed) -> str:
    """Both answers are kept with a mismatch so the console can show them side by side."""
    return capture(status=observed.status, headers=observed.headers, body=observed.body)


def _observed(recorder: Recorder) -> Observed:
    return Observed(status=recorder.status or 0, content_type=recorder.headers.get("content-type", ""),
                    body=recorder.body, headers=recorder.headers)
