"""Differential fuzzing: generated requests on both stacks, every divergence shrunk.

    ops = paired_operations(settings)          # the v2 OpenAPI of every paired route
    with harness(settings) as h:
        run = fuzz(h, ops, seed=1, count=10_000)
    run.divergences   # one per (route, kind of difference), shrunk to a minimal request

Each generated case (parity_tests/generate.py) goes through the harness like a corpus
case: same snapshot, frozen clock and seeded ids on both sides, compared on status,
content type, relevant headers, JSON body and database effect (trigger change log).
The first divergence of each (route, kinds of difference) is shrunk
(parity_tests/shrink.py); later ones of the same signature are only counted, so a
systematic difference costs one shrink, not thousands. `stop_on_first` ends the run at
the first divergence (the planted-divergence self-test).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from parity_tests.cases import Case
from parity_tests.coverage import Coverage, classify_case
from parity_tests.generate import Generator, Operation, operations
from parity_tests.runner import CaseResult, Harness
from parity_tests.shrink import kinds, shrink
from shared_models.settings import Settings

CI_COUNT = 10_000
DEEP_COUNT = 200_000
CI_SEED = 20261206


@dataclass
class Divergence:
    """A shrunk divergent request and how often its signature occurred."""

    case: Case
    original: Case
    differences: list[str]
    legacy_status: int
    v2_status: int
    occurrences: int = 1

    @property
    def signature(self) -> tuple[str, frozenset[str]]:
        return self.original.route, frozenset(kinds(self.differences))

    def regression(self) -> Case:
        """The shrunk case as a corpus regression case (expects the legacy status)."""
        label = ", ".join(sorted(kinds(self.differences)))
        return replace(self.case, name=f"regression: {label} ({self.original.name})", expect=self.legacy_status)


@dataclass
class FuzzRun:
    seed: int
    requests: int = 0
    seconds: float = 0.0
    per_route: Counter[str] = field(default_factory=Counter)
    divergences: list[Divergence] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def green(self) -> bool:
        return not self.divergences


def paired_operations(settings: Settings, routes: list[str] | None = None) -> list[Operation]:
    """The generator's view of every paired route (or of `routes`), from the v2 OpenAPI."""
    from cutover.registry import load_registry
    from fastapi_app import create_app

    registry = load_registry(settings)
    pairs = {pair.key: pair.v2_path for pair in registry if pair.v2_path and (not routes or pair.key in routes)}
    return operations(create_app(settings, prepare=False).openapi(), pairs)


def fuzz(h: Harness, ops: list[Operation], *, seed: int = CI_SEED, count: int = CI_COUNT,
         stop_on_first: bool = False, shrink_runs: int = 150,
         progress: Callable[[int, FuzzRun], None] | None = None) -> FuzzRun:
    """Send `count` generated requests to both stacks; shrink the first of each divergence."""
    generator = Generator(ops, seed)
    run = FuzzRun(seed)
    signatures: dict[Any, Divergence] = {}
    started = time.perf_counter()
    for index in range(count):
        case = generator.case(index)
        result = h.run_case(case)
        run.requests += 1
        run.per_route[case.route] += 1
        legacy = result.legacy.observed
        run.coverage.observe("fuzz", case.route, legacy.status, classify_case(case, legacy.status, legacy.body))
        if not result.matched:
            _record(h, run, signatures, result, shrink_runs)
            if stop_on_first:
                break
        if progress is not None and (index + 1) % 1000 == 0:
            progress(index + 1, run)
    run.seconds = time.perf_counter() - started
    return run


def _record(h: Harness, run: FuzzRun, signatures: dict[Any, Divergence], result: CaseResult,
            shrink_runs: int) -> None:
    signature = (result.case.route, frozenset(kinds(result.differences)))
    if signature in signatures:
        signatures[signature].occurrences += 1
        return

    def differences(candidate: Case) -> list[str]:
        return h.run_case(candidate).differences

    small, found = shrink(result.case, differences, max_runs=shrink_runs)
    final = h.run_case(small)
    divergence = Divergence(small, result.case, found, final.legacy.observed.status, final.v2.observed.status)
    signatures[signature] = divergence
    run.divergences.append(divergence)


def describe(case: Case) -> str:
    """A one-line rendering of a case's request (for reports)."""
    from urllib.parse import urlencode

    query = "?" + urlencode(list(case.query.items()) if isinstance(case.query, dict) else case.query) \
        if case.query else ""
    parts = [f"{case.method} {case.path or '(default path)'}{query}", f"auth={case.auth}"]
    if case.content_type:
        parts.append(f"content-type={case.content_type!r}")
    for name in ("json", "body", "form", "files"):
        value = getattr(case, name)
        if value is not None and type(value).__name__ != "object":
            text = repr(value)
            parts.append(f"{name}={text if len(text) < 300 else text[:297] + '...'}")
    return " ".join(parts)
