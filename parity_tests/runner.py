"""Run cases on both stacks from one database snapshot and compare what each did.

Per case and per side: reset the database to the snapshot (skipped when the previous
side left it untouched), freeze the clock at `FROZEN_AT` and seed the id source with the
case id, send the request through an in-process client (Flask test client; Starlette
TestClient with the v2 lifespan running), then dump every table and diff it against
the snapshot. Compared: status, content type, JSON body (cutover.compare) and the
database effect per table; for execute-now also the recorded background-run request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from cutover.compare import Comparison, Observed, compare, header_differences, json_differences
from parity_tests import corpus
from parity_tests.cases import Case, Request, render
from parity_tests.changes import ChangeLog
from parity_tests.fixture import FROZEN_AT, build_snapshot, dump, effect, reset
from parity_tests.rules import BODY_RULES, EFFECT_RULES, RUNNER_RULES
from shared_models import clock, ids
from shared_models.db import make_engine
from shared_models.settings import Settings

CLIENT_ADDRESS = "127.0.0.1"

Sender = Callable[[Request], Observed]


@dataclass
class Side:
    """What one stack did for one case."""

    observed: Observed
    effect: dict[str, Any]
    runs: list[Any]


@dataclass
class CaseResult:
    case: Case
    legacy: Side
    v2: Side
    differences: list[str]
    rules_applied: tuple[str, ...]
    seconds: float
    corpus_error: str | None = None

    @property
    def matched(self) -> bool:
        return not self.differences and self.corpus_error is None


@dataclass
class Stacks:
    """The two in-process senders (legacy, v2) over one database."""

    legacy: Sender
    v2: Sender
    runs: list[Any] = field(default_factory=list)


def _legacy_sender(client: Any) -> Sender:
    def send(request: Request) -> Observed:
        response = client.open(request.path, method=request.method, headers=request.headers, data=request.body,
                               environ_base={"REMOTE_ADDR": CLIENT_ADDRESS})
        return Observed.from_response(response)

    return send


def _v2_sender(client: Any) -> Sender:
    def send(request: Request) -> Observed:
        path = "/api/v2" + request.path[len("/api"):]
        response = client.request(request.method, path, headers=request.headers, content=request.body)
        return Observed.from_response(response)

    return send


@contextmanager
def in_process_stacks(settings: Settings, v2_app: Any = None) -> Iterator[Stacks]:
    """Both apps on `settings`' database; execute-now's background run is recorded, not run.

    `v2_app` replaces the v2 ASGI app (the harness tests wrap it to inject a difference).
    """
    from starlette.testclient import TestClient

    import fastapi_app.routers.runs as v2_runs
    import legacy_flask.blueprints.jobs.execute as legacy_runs
    from fastapi_app import create_app as create_v2
    from legacy_flask import create_app as create_legacy
    from legacy_flask.extensions import db

    flask_app = create_legacy(settings, prepare=False)
    flask_app.config["TESTING"] = True
    app = v2_app if v2_app is not None else create_v2(settings, prepare=False)
    runs: list[Any] = []
    saved = (legacy_runs.start_background_run, v2_runs.start_background_run)
    legacy_runs.start_background_run = lambda execution_id, overrides: runs.append((execution_id, repr(overrides)))
    v2_runs.start_background_run = lambda _f, _s, execution_id, overrides: runs.append((execution_id, repr(overrides)))
    try:
        with TestClient(app, client=(CLIENT_ADDRESS, 50000)) as v2_client:
            yield Stacks(_legacy_sender(flask_app.test_client()), _v2_sender(v2_client), runs)
    finally:
        legacy_runs.start_background_run, v2_runs.start_background_run = saved
        with flask_app.app_context():
            db.engine.dispose()


HARNESS_HOSTS = "hooks.example.com,hooks.slack.com,127.0.0.1,localhost"


def harness_settings(database_url: str) -> Settings:
    """The settings both stacks run with in the harness (fixed secret, no scheduler or mail)."""
    values = {
        "DATABASE_URL": database_url, "SECRET_KEY": "parity-secret-key-long-enough-for-hs256-signing",
        "JWT_SECRET_KEY": "parity-secret-key-long-enough-for-hs256-signing", "ALLOW_DEFAULT_ADMIN": False,
        "SCHEDULER_ENABLED": False, "MAIL_ENABLED": False, "WEBHOOK_ALLOWED_HOSTS": HARNESS_HOSTS,
        "GITHUB_TOKEN": "", "DEFAULT_GITHUB_OWNER": "", "DATABASE_POOL_SIZE": 5,
        # explicit origins, so a generated `Origin` header meets both an allowed and a refused one
        "CORS_ORIGINS": "https://app.example.com,http://localhost:5173",
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Harness:
    """Snapshot + both stacks; `run(cases)` yields one `CaseResult` per case."""

    def __init__(self, engine: Engine, settings: Settings, stacks: Stacks, changes: ChangeLog | None = None) -> None:
        self.engine, self.settings, self.stacks = engine, settings, stacks
        self.snapshot, self._raw = build_snapshot(engine, settings)
        self._dirty: set[str] = set()  # tables the last side changed
        self.changes = changes  # trigger-fed change log: only touched tables are dumped
        if changes is not None:
            changes.take()

    def _effect(self) -> dict[str, Any]:
        if self.changes is None:
            return effect(self.snapshot.rows, dump(self.engine))
        touched = self.changes.take()
        if not touched:
            return {}
        return effect(self.snapshot.rows, {**self.snapshot.rows, **dump(self.engine, touched)})

    def _side(self, case: Case, request: Request, send: Sender) -> Side:
        if self._dirty:
            reset(self.engine, self._raw, self._dirty)
            if self.changes is not None:
                self.changes.take()  # the reset's own writes are not the next request's effect
        del self.stacks.runs[:]
        clock.freeze(FROZEN_AT)
        ids.seed(case.id)
        try:
            observed = send(request)
        finally:
            clock.freeze(None)
            ids.seed(None)
        change = self._effect()
        self._dirty = set(change)
        return Side(observed, change, list(self.stacks.runs))

    def run_case(self, case: Case) -> CaseResult:
        started = time.perf_counter()
        request = render(case, self.snapshot, corpus.default_path(case.route))
        legacy = self._side(case, request, self.stacks.legacy)
        v2 = self._side(case, request, self.stacks.v2)
        comparison: Comparison = compare(legacy.observed, v2.observed, BODY_RULES, route_key=case.route)
        differences = list(comparison.differences) + header_differences(legacy.observed, v2.observed)
        left_effect, right_effect, effect_rules = legacy.effect, v2.effect, []
        for rule in EFFECT_RULES:
            new_left, new_right = rule.normalise(left_effect, case.route), rule.normalise(right_effect, case.route)
            if (new_left, new_right) != (left_effect, right_effect):
                effect_rules.append(rule.name)
            left_effect, right_effect = new_left, new_right
        differences += json_differences(left_effect, right_effect, root="db")
        differences += json_differences(legacy.runs, v2.runs, root="background_runs")
        rules = comparison.rules_applied + tuple(effect_rules) + tuple(r.name for r in RUNNER_RULES if r.applies_to(case.route))
        corpus_error = None
        if case.expect and legacy.observed.status != case.expect:  # 0: generated, any status
            corpus_error = f"corpus: the case expects legacy status {case.expect}, legacy answered {legacy.observed.status}"
        return CaseResult(case, legacy, v2, differences, rules, time.perf_counter() - started, corpus_error)

    def run(self, cases: Iterable[Case]) -> Iterator[CaseResult]:
        for case in cases:
            yield self.run_case(case)


@contextmanager
def harness(settings: Settings, v2_app: Any = None) -> Iterator[Harness]:
    """A ready harness on `settings`' database (which it empties: use a scratch database).

    The change-log triggers (parity_tests/changes.py) are installed for the harness's life
    and removed after it, so the database is left as the harness found its schema.
    """
    with ExitStack() as stack:
        engine = make_engine(settings)
        stack.callback(engine.dispose)
        changes = ChangeLog(engine)
        changes.install()
        stack.callback(changes.uninstall)
        stacks = stack.enter_context(in_process_stacks(settings, v2_app))
        yield Harness(engine, settings, stacks, changes)


def all_cases(route_keys: Iterable[str]) -> list[Case]:
    """The full corpus for `route_keys`: shared auth outcomes, the per-route cases and the
    regression cases of parity_tests/regressions.json (divergences found by the fuzz)."""
    from parity_tests import regressions

    keys = list(route_keys)
    wanted = set(keys)
    per_route = corpus.CASES + regressions.load()
    return corpus.auth_cases(keys) + [case for case in per_route if case.route in wanted]
