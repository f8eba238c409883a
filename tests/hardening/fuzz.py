"""Property-based fuzzing of both stacks from the one v2 OpenAPI document (schemathesis 4).

The legacy routes are twins of the v2 ones (same suffix, statuses and bodies), so the
legacy stack is fuzzed with the same schema served under the base path `/api`. Requests
go in-process (ASGI) through the app serving both prefixes (tests/hardening/conftest.py:
the gateway, or `fastapi_app.main` once Flask is retired), as admin or viewer. Checks: no 5xx, the status
code is documented, the body fits the documented schema, the content type is documented.

Budget: FUZZ_EXAMPLES generated requests per stack (default 5,000, CI), FUZZ_SEED fixes
the generation (default below); `FUZZ_EXAMPLES=50000 python -m pytest tests/hardening`
runs a deep local pass.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hardening.routes import EXCLUDED_PREFIXES, V2_BASE

DEFAULT_SEED = 20261126
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# v2-only suffixes (D17); the cutover admin API is left out of both runs (routes.py).
V2_ONLY = ("/auth/login/form", "/auth/logout", "/auth/verify")


def examples_target() -> int:
    """5,000 per stack on SQLite; the PostgreSQL pass runs a 500-request smoke fuzz (the
    full one would double the CI time for the same generated inputs)."""
    default = "500" if os.environ.get("TEST_DATABASE", "sqlite").lower() == "postgresql" else "5000"
    return int(os.environ.get("FUZZ_EXAMPLES", default))


def fuzz_seed() -> int:
    return int(os.environ.get("FUZZ_SEED", str(DEFAULT_SEED)))


def stack_schema(v2_document: Mapping[str, Any], base: str) -> Any:
    """The v2 document with its paths moved under `base`, minus what that stack lacks."""
    document = copy.deepcopy(dict(v2_document))
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        suffix = path[len(V2_BASE):]
        if suffix.startswith(EXCLUDED_PREFIXES) or (base != V2_BASE and suffix in V2_ONLY):
            continue
        paths[base + suffix] = item
    document["paths"] = paths
    return schemathesis.openapi.from_dict(document)


HeadersFor = Callable[[Any], dict[str, str]]


@dataclass
class FuzzReport:
    requests: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # "<op> <check>" -> first report
    slowest: dict[str, float] = field(default_factory=dict)  # label -> seconds

    def add_failure(self, label: str, group: FailureGroup) -> None:
        for failure in group.exceptions:
            key = f"{label}: {failure.title}"
            self.failures.setdefault(key, str(group)[:3000])

    def summary(self) -> str:
        return "\n\n".join(f"### {key}\n{text}" for key, text in sorted(self.failures.items()))


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(list(operation.body))


def fuzz(
    schema: Any,
    app: Any,
    *,
    identities: Mapping[str, HeadersFor],
    known_path_values: Mapping[str, list[str]],
    requests: int,
    seed_value: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    only: str | None = None,
) -> FuzzReport:
    """Run about `requests` generated requests spread over every operation, identity and mode.

    Path parameters are sometimes drawn from `known_path_values` (ids of existing rows) so
    the handlers past the 404 are reached too.
    """
    report = FuzzReport()
    operations = [result.ok() for result in schema.get_all_operations()]
    if only is not None:  # e.g. "POST /api/v2/jobs/validate-cron"
        operations = [op for op in operations if op.label == only]
    with_inputs = [op for op in operations if _has_inputs(op)]
    runs = max(1, len(with_inputs) * len(identities) * len(modes))
    per_run = max(1, math.ceil(requests * 1.25 / runs))  # hypothesis drops duplicates
    started = time.monotonic()
    for index, operation in enumerate(operations):
        for identity, headers_for in identities.items():
            for mode in modes:
                if mode is GenerationMode.NEGATIVE and not _negatable(operation):
                    continue
                _run_operation(
                    operation, app, report,
                    label=f"{identity} {mode.value} {operation.label}",
                    headers_for=headers_for,
                    known=known_path_values,
                    mode=mode,
                    examples=per_run if _has_inputs(operation) else 2,
                    seed_value=seed_value + index,
                )
    report.seconds = time.monotonic() - started
    return report


def _negatable(operation: Any) -> bool:
    """Negative mode needs something besides path parameters: a path id is any string,
    so "invalid" ones are nearly all rejected by schemathesis (URL-unsafe) and cost time."""
    return bool(list(operation.body)) or any(p.location != "path" for p in operation.iter_parameters())


def _strategy(operation: Any, mode: GenerationMode, known: Mapping[str, list[str]]) -> Any:
    names = [p.name for p in operation.path_parameters]
    if not names or not all(known.get(n) for n in names):
        return operation.as_strategy(generation_mode=mode)
    fixed = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
    with_known = fixed.flatmap(lambda values: operation.as_strategy(generation_mode=mode, path_parameters=values))
    if mode is GenerationMode.NEGATIVE:
        return with_known
    return st.one_of(operation.as_strategy(generation_mode=mode), with_known)


def _run_operation(
    operation: Any,
    app: Any,
    report: FuzzReport,
    *,
    label: str,
    headers_for: HeadersFor,
    known: Mapping[str, list[str]],
    mode: GenerationMode,
    examples: int,
    seed_value: int,
) -> None:
    @seed(seed_value)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
        report_multiple_bugs=False,
    )
    @given(case=_strategy(operation, mode, known))
    def send(case: Any) -> None:
        response = case.call(headers=headers_for(operation), app=app)
        report.requests += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            report.add_failure(label, group)

    started = time.monotonic()
    with contextlib.suppress(Unsatisfiable):
        send()
    report.slowest[label] = time.monotonic() - started
