"""The parity corpus as tests: one per case, named by its id, plus the coverage check.

The whole corpus shares one harness (module scope): built once, each case resets the
database to the fixture snapshot itself. Known, unfixed differences are strict xfails.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cutover.registry import load_registry
from parity_tests.cases import Case
from parity_tests.documented_statuses import ROUTE_STATUSES, documented
from parity_tests.known import KNOWN_DIFFERENCES
from parity_tests.report import summarise
from parity_tests.runner import CaseResult, Harness, all_cases, harness, harness_settings
from tests.conftest import BACKEND

ROUTES = sorted(ROUTE_STATUSES)
CASES = all_cases(ROUTES)


class Cached:
    def __init__(self, harness_: Harness) -> None:
        self.harness = harness_
        self.results: dict[str, CaseResult] = {}

    def result(self, case: Case) -> CaseResult:
        if case.id not in self.results:
            self.results[case.id] = self.harness.run_case(case)
        return self.results[case.id]


@pytest.fixture(scope="module")
def parity(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cached]:
    if BACKEND == "postgresql":
        url = database_template
    else:
        path = tmp_path_factory.mktemp("parity") / "parity.db"
        shutil.copyfile(database_template, path)
        url = f"sqlite:///{path}"
    with harness(harness_settings(url)) as h:
        yield Cached(h)


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=KNOWN_DIFFERENCES[case.id], strict=True)] if case.id in KNOWN_DIFFERENCES else []
    return pytest.param(case, id=case.id, marks=marks)


def test_corpus_size() -> None:
    assert len(CASES) >= 300
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_parity(parity: Cached, case: Case) -> None:
    result = parity.result(case)
    assert result.corpus_error is None, result.corpus_error
    assert result.matched, "\n".join([f"{case.id}: legacy and v2 differ", *result.differences])


def test_every_registry_route_and_documented_status_is_covered(parity: Cached, tmp_path: Path) -> None:
    registry = load_registry(parity.harness.settings)
    assert sorted(registry.keys()) == ROUTES, "documented_statuses.py must list exactly the registry routes"
    assert not registry.unpaired_legacy
    report = summarise([parity.result(case) for case in CASES], ROUTES)
    assert report["routes_without_cases"] == []
    missing = {r["route"]: r["missing_statuses"] for r in report["routes"] if r["missing_statuses"]}
    assert missing == {}, f"documented statuses never produced: {missing}"
    for route in ROUTES:
        assert documented(route)
