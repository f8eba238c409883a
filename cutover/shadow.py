"""Shadow traffic: replay a safe legacy request on FastAPI after Flask has answered.

    shadow = ShadowReplayer(v2_app, sessionmaker, concurrency=1, queue=64, sample_rate=1.0, keep=20)
    if shadow.sampled():
        recorder = Recorder(send)          # Flask's answer goes to the client and is kept
        await legacy(scope, receive, recorder)
        shadow.submit(route_key, scope, recorder)   # never waits
    await shadow.drain()                   # replays done, verdicts written (tests, shutdown)
    await shadow.close()                   # shutdown: stop the workers

Cheap enough to leave on (issue 13), because the caller's request does nothing but
`submit`, a `put_nowait` on a bounded queue: when the queue is full the replay is
dropped and counted (`dropped`, and `cutover_shadow_comparisons_total{verdict="dropped"}`),
so shadowing can never queue up work or slow the real answer.

`concurrency` worker tasks take a replay, wait until `batch` are queued (or `batch_wait`
seconds pass, or a drain starts), then run them back to back, each taken off the queue
only when its turn comes, so the queue stays the bound. Batches because a replay sampled
one request in ten and run alone measured 1.4-2x the CPU of one run after every request
(bench/shadow_overhead.py); our reading, not proven, is that it started cold, behind
Flask's work. The wait is short (0.25 s) because a replay reads the database later than
Flask did, and a write between the two (a job edited right after it was read) shows up
as a mismatch. Each replay runs on the v2 twin path with the same headers (so the same
caller) and is compared:
`cutover.compare.equivalent` settles the common case (equal bytes, or equal canonical
JSON) without the differ; only the rest goes through `cutover.compare.compare` and its
normalisation rules. Verdicts are counted in memory and written about once a second by a
flusher task in one transaction (`flags.record_shadow_batch`); mismatches keep both
answers (`cutover.answers.capture`), at most `keep` per route per batch (the table keeps
the newest `keep` anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable

import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Scope

from cutover.answers import capture
from cutover.asgi import Recorder, replay_receive, request_line
from cutover.compare import Observed, compare, equivalent
from cutover.dispatch import v2_scope
from cutover.flags import ShadowSample, record_shadow_batch
from cutover.metrics import SHADOW_COMPARISONS
from shared_models.clock import utcnow
from shared_models.db import begin_write

log = logging.getLogger("gateway.shadow")

SAFE_METHODS = frozenset({"GET", "HEAD"})
Replay = tuple[str, Scope, Recorder]


class ShadowReplayer:
    def __init__(self, v2_app: ASGIApp, sessionmaker: Callable[[], Session], *, concurrency: int,
                 sample_rate: float, keep: int, queue: int = 64, flush_interval: float = 1.0,
                 batch: int = 8, batch_wait: float = 0.25) -> None:
        self.v2_app = v2_app
        self.sessionmaker = sessionmaker
        self.concurrency = concurrency
        self.sample_rate = sample_rate
        self.keep = keep
        self.queue_size = queue
        self.flush_interval = flush_interval
        self.batch = max(1, min(batch, queue + 1))  # a worker holds one while its batch fills
        self.batch_wait = batch_wait
        self.dropped = 0
        self._queue: asyncio.Queue[Replay] | None = None
        self._batch_ready: asyncio.Event | None = None
        self._draining = 0
        self._tasks: list[asyncio.Task[None]] = []
        # Verdicts not yet written: route → [matched, mismatched], and the mismatches.
        self._counts: dict[str, list[int]] = {}
        self._samples: dict[str, deque[ShadowSample]] = {}

    def sampled(self) -> bool:
        return self.sample_rate >= 1 or random.random() < self.sample_rate

    def submit(self, route_key: str, scope: Scope, legacy: Recorder) -> bool:
        """Queue the replay of `scope` (a safe request Flask answered into `legacy`); False if dropped."""
        queue = self._queue if self._queue is not None else self._start()
        try:
            queue.put_nowait((route_key, scope, legacy))
        except asyncio.QueueFull:
            self.dropped += 1
            SHADOW_COMPARISONS.labels(route_key, "dropped").inc()
            return False
        if queue.qsize() + 1 >= self.batch and self._batch_ready is not None:
            self._batch_ready.set()
        return True

    def _start(self) -> asyncio.Queue[Replay]:
        """The queue and the tasks, made in the running loop on first use."""
        self._queue = asyncio.Queue(self.queue_size)
        self._batch_ready = asyncio.Event()
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._flush_every()))
        return self._queue

    async def _work(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            replay: Replay | None = await queue.get()
            await self._wait_for_batch(queue)
            for _ in range(self.batch):  # the rest stay queued (and bounded) until their turn
                if replay is None:
                    try:
                        replay = queue.get_nowait()
                    except asyncio.QueueEmpty:
                        break
                await self._replay_safely(*replay)
                queue.task_done()
                replay = None

    async def _wait_for_batch(self, queue: asyncio.Queue[Replay]) -> None:
        """Until `batch` replays wait (this one included), `batch_wait` seconds pass, or a drain starts."""
        ready = self._batch_ready
        if ready is None or queue.qsize() + 1 >= self.batch or self._draining:
            return
        ready.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.batch_wait):
                await ready.wait()

    async def _replay_safely(self, route_key: str, scope: Scope, legacy: Recorder) -> None:
        try:
            await self._replay(route_key, scope, legacy)
        except Exception:  # noqa: BLE001 - a failed replay must never reach the caller
            log.exception("shadow replay of %s failed", route_key)

    async def _replay(self, route_key: str, scope: Scope, legacy: Recorder) -> None:
        v2 = Recorder()
        await self.v2_app(v2_scope(scope), replay_receive(v2.complete), v2)
        left, right = _observed(legacy), _observed(v2)
        if equivalent(left, right):
            self._verdict(route_key, None)
            return
        verdict = compare(left, right, route_key=route_key)
        self._verdict(route_key, None if verdict.matched else ShadowSample(
            route_key=route_key, request=request_line(scope), diff=verdict.summary(),
            legacy_answer=_answer(left), fastapi_answer=_answer(right), at=utcnow(),
        ))

    def _verdict(self, route_key: str, mismatch: ShadowSample | None) -> None:
        counts = self._counts.get(route_key)
        if counts is None:
            counts = self._counts[route_key] = [0, 0]
        counts[mismatch is not None] += 1
        SHADOW_COMPARISONS.labels(route_key, "matched" if mismatch is None else "mismatched").inc()
        if mismatch is not None:
            kept = self._samples.get(route_key)
            if kept is None:
                kept = self._samples[route_key] = deque(maxlen=self.keep)
            kept.append(mismatch)

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()

    async def flush(self) -> None:
        """Write the verdicts counted since the last flush (in a worker thread)."""
        if not self._counts:
            return
        counts, self._counts = self._counts, {}
        samples, self._samples = self._samples, {}
        batch = {key: (matched, mismatched) for key, (matched, mismatched) in counts.items()}
        kept = sorted((s for queue in samples.values() for s in queue), key=lambda s: s.at or utcnow())
        try:
            await anyio.to_thread.run_sync(self._write, batch, kept)
        except Exception:  # noqa: BLE001 - the counters are evidence, not the request: log and go on
            log.exception("writing %d shadow verdict(s) failed", sum(sum(c) for c in batch.values()))

    def _write(self, counts: dict[str, tuple[int, int]], samples: list[ShadowSample]) -> None:
        with self.sessionmaker() as session:
            begin_write(session)
            record_shadow_batch(session=session, counts=counts, samples=samples, keep=self.keep)
            session.commit()

    async def drain(self) -> None:
        """Wait until every queued replay is compared, then write the verdicts (tests, shutdown)."""
        if self._queue is not None:
            self._draining += 1
            try:
                if self._batch_ready is not None:
                    self._batch_ready.set()  # a worker waiting for a full batch runs what it has
                await self._queue.join()
            finally:
                self._draining -= 1
        await self.flush()

    async def close(self) -> None:
        """Drain, then stop the tasks (the next `submit` starts them again, e.g. in a new loop)."""
        await self.drain()
        tasks, self._tasks, self._queue, self._batch_ready = self._tasks, [], None, None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _answer(observed: Observed) -> str:
    """Both answers are kept with a mismatch so the console can show them side by side."""
    return capture(status=observed.status, headers=observed.headers, body=observed.body)


def _observed(recorder: Recorder) -> Observed:
    return Observed(status=recorder.status or 0, content_type=recorder.headers.get("content-type", ""),
                    body=recorder.body, headers=recorder.headers)
