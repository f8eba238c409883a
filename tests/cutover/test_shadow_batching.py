"""Cheap shadow mode: the equivalence short-circuit, verdicts in memory written in batches,
a bounded queue that drops (and counts) instead of waiting, both answers kept on a mismatch."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from cutover.asgi import Recorder
from cutover.compare import Observed, equivalent
from cutover.shadow import ShadowReplayer
from shared_models import metrics
from shared_models.db import make_sessionmaker
from shared_models.models.ops import ShadowMismatch, ShadowStat
from tests.metrics_text import value

ROUTE = "GET /api/jobs/<job_id>"
JSON = "application/json"


def observed(body: bytes, status: int = 200, content_type: str = JSON) -> Observed:
    return Observed(status=status, content_type=content_type, body=body, headers={"content-type": content_type})


def test_equivalent_settles_equal_answers_and_refuses_the_rest() -> None:
    assert equivalent(observed(b'{"a": 1, "b": [1, 2]}'), observed(b'{"a": 1, "b": [1, 2]}'))
    assert equivalent(observed(b'{"b": [1, 2], "a": 1}'), observed(b'{"a":1,"b":[1,2]}'))  # order, spacing
    assert equivalent(observed(b"{}", content_type="application/json; charset=utf-8"),
                      observed(b"{}", content_type="application/json;charset=UTF-8"))
    assert not equivalent(observed(b'{"a": 1}'), observed(b'{"a": 1.0}'))  # a type is a difference
    assert not equivalent(observed(b'{"a": 1}'), observed(b'{"a": true}'))
    assert not equivalent(observed(b'{"a": 1}'), observed(b'{"a": 1}', status=201))
    assert not equivalent(observed(b'{"a": 1}'), observed(b'{"a": 1}', content_type="text/plain"))
    assert not equivalent(observed(b"x", content_type="text/plain"), observed(b"y", content_type="text/plain"))
    assert not equivalent(observed(b"{not json"), observed(b"{not json "))


def _v2_answering(bodies: dict[str, bytes], gate: asyncio.Event | None = None):  # noqa: ANN202
    """A stand-in v2 app: the body for the request's path (after `gate`, when given)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if gate is not None:
            await gate.wait()
        body = bodies[scope["path"]]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    return app


async def _legacy_answer(body: bytes) -> Recorder:
    recorder = Recorder()
    await recorder({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await recorder({"type": "http.response.body", "body": body})
    return recorder


def _scope(path: str) -> Scope:
    return {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [], "http_version": "1.1", "scheme": "http", "root_path": ""}


def test_verdicts_are_written_in_one_batch_with_both_answers_of_a_mismatch(engine, db: Session) -> None:  # noqa: ANN001
    sessions = make_sessionmaker(engine)
    v2 = _v2_answering({"/api/v2/jobs/same": b'{"id": "same", "n": 1}', "/api/v2/jobs/drift": b'{"id": "drift", "n": 2}'})
    shadow = ShadowReplayer(v2, sessions, concurrency=2, sample_rate=1.0, keep=20, queue=64, flush_interval=3600)
    before = metrics.exposition()[0].decode()

    async def scenario() -> tuple[int, int]:
        for _ in range(5):
            assert shadow.submit(ROUTE, _scope("/api/jobs/same"), await _legacy_answer(b'{"n": 1, "id": "same"}'))
        assert shadow.submit(ROUTE, _scope("/api/jobs/drift"), await _legacy_answer(b'{"id": "drift", "n": 1}'))
        assert shadow._queue is not None
        await shadow._queue.join()  # every replay compared ...
        with sessions() as check:  # ... and nothing written yet: the verdicts wait for the batch
            written = (check.scalar(select(func.count()).select_from(ShadowStat)),
                       check.scalar(select(func.count()).select_from(ShadowMismatch)))
        await shadow.close()
        return written

    assert asyncio.run(scenario()) == (0, 0)
    stat = db.get(ShadowStat, ROUTE)
    assert (stat.compared, stat.matched, stat.mismatched) == (6, 5, 1)
    [mismatch] = db.scalars(select(ShadowMismatch)).all()
    assert mismatch.request == "GET /api/jobs/drift" and "legacy 1 != v2 2" in mismatch.diff
    assert json.loads(mismatch.legacy_answer)["body"] != json.loads(mismatch.fastapi_answer)["body"]
    assert '"n": 2' in json.loads(mismatch.fastapi_answer)["body"]
    after = metrics.exposition()[0].decode()
    for verdict, expected in (("matched", 5), ("mismatched", 1), ("dropped", 0)):
        name, labels = "cutover_shadow_comparisons_total", {"route": ROUTE, "verdict": verdict}
        assert value(after, name, **labels) - value(before, name, **labels) == expected


def test_a_full_queue_drops_at_once_and_counts_it(engine) -> None:  # noqa: ANN001
    sessions = make_sessionmaker(engine)
    before = metrics.exposition()[0].decode()

    async def scenario() -> list[bool]:
        gate = asyncio.Event()
        shadow = ShadowReplayer(_v2_answering({"/api/v2/jobs/x": b"{}"}, gate), sessions, concurrency=1,
                                sample_rate=1.0, keep=5, queue=2, flush_interval=3600)
        accepted = []
        for _ in range(6):
            accepted.append(shadow.submit(ROUTE, _scope("/api/jobs/x"), await _legacy_answer(b"{}")))
            await asyncio.sleep(0)  # the worker may take one off the queue
        gate.set()
        await shadow.close()
        assert shadow.dropped == accepted.count(False)
        return accepted

    accepted = asyncio.run(scenario())
    assert accepted[:3] == [True, True, True] and accepted[3:] == [False, False, False]  # 1 running + 2 queued
    after = metrics.exposition()[0].decode()
    labels = {"route": ROUTE, "verdict": "dropped"}
    assert value(after, "cutover_shadow_comparisons_total", **labels) - value(
        before, "cutover_shadow_comparisons_total", **labels) == 3
    with sessions() as db:
        stat = db.get(ShadowStat, ROUTE)
        assert (stat.compared, stat.matched) == (3, 3)


def test_replays_run_in_batches_once_enough_wait_or_the_wait_is_over(engine) -> None:  # noqa: ANN001
    """A sampled replay waits for `batch` more (or `batch_wait`), so the v2 work runs back to back."""
    sessions = make_sessionmaker(engine)
    replayed: list[str] = []
    v2 = _v2_answering({"/api/v2/jobs/x": b"{}"})

    async def counting_v2(scope: Scope, receive: Receive, send: Send) -> None:
        replayed.append(scope["path"])
        await v2(scope, receive, send)

    async def settle() -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    async def scenario() -> list[int]:
        seen = []
        shadow = ShadowReplayer(counting_v2, sessions, concurrency=1, sample_rate=1.0, keep=5, queue=64,
                                flush_interval=3600, batch=3, batch_wait=3600)
        for _ in range(2):
            assert shadow.submit(ROUTE, _scope("/api/jobs/x"), await _legacy_answer(b"{}"))
        await settle()
        seen.append(len(replayed))  # two of three: both wait
        assert shadow.submit(ROUTE, _scope("/api/jobs/x"), await _legacy_answer(b"{}"))
        await settle()
        seen.append(len(replayed))  # the third completes the batch: all three run
        shadow.batch_wait = 0.05
        assert shadow.submit(ROUTE, _scope("/api/jobs/x"), await _legacy_answer(b"{}"))
        await settle()
        seen.append(len(replayed))  # one alone waits ...
        await asyncio.sleep(0.2)
        seen.append(len(replayed))  # ... until the wait is over
        shadow.batch_wait = 3600
        assert shadow.submit(ROUTE, _scope("/api/jobs/x"), await _legacy_answer(b"{}"))
        await settle()
        seen.append(len(replayed))
        await shadow.drain()  # a drain runs what waits at once
        seen.append(len(replayed))
        await shadow.close()
        return seen

    assert asyncio.run(scenario()) == [0, 3, 3, 4, 4, 5]
    with sessions() as db:
        assert db.get(ShadowStat, ROUTE).matched == 5
