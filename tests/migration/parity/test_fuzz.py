"""The differential fuzz: generator, shrinker, regression cases, and the planted-divergence
self-test (each plant must be found within the CI budget, or this goes red).

Cost: one harness per plant (about 2 s) plus the requests until the plant is found (tens
to a few hundred) and its shrink; one 450-request clean run. The 10,000-request CI run
is scripts/parity_check.sh's, not pytest's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fastapi_app import create_app
from parity_tests.cases import Case
from parity_tests.fuzz import CI_COUNT, CI_SEED, fuzz, paired_operations
from parity_tests.generate import CLASSES, Generator, Operation
from parity_tests.plants import EXPECTED, PLANTS
from parity_tests.runner import all_cases, harness, harness_settings
from parity_tests.shrink import kinds
from shared_models.settings import Settings
from tests.conftest import BACKEND


@pytest.fixture(scope="module")
def scratch(database_template: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if BACKEND == "postgresql":
        return harness_settings(database_template)
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    shutil.copyfile(database_template, path)
    return harness_settings(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def ops(scratch: Settings) -> list[Operation]:
    return paired_operations(scratch)


def test_the_generator_is_seeded_and_spreads_over_every_route_and_class(ops: list[Operation]) -> None:
    assert len(ops) == 45
    first, again = Generator(ops, 7), Generator(ops, 7)
    cases = [first.case(i) for i in range(45 * 12)]
    assert cases == [again.case(i) for i in range(45 * 12)]
    assert cases != [Generator(ops, 8).case(i) for i in range(45 * 12)]
    assert {case.route for case in cases} == {op.route for op in ops}
    assert {case.name.rsplit(" ", 1)[-1] for case in cases} == set(CLASSES)
    repeated = [case for case in cases if case.name.endswith("repeated-query") and case.query]
    assert any(len({k for k, _ in case.query}) < len(case.query) for case in repeated)


def test_a_clean_run_is_green(scratch: Settings, ops: list[Operation]) -> None:
    with harness(scratch) as h:
        run = fuzz(h, ops, seed=CI_SEED, count=450)
    assert run.requests == 450
    assert set(run.per_route) == {op.route for op in ops}
    assert run.divergences == [], [(d.original.route, d.differences) for d in run.divergences]


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_each_planted_divergence_is_found_within_the_ci_budget(scratch: Settings, ops: list[Operation],
                                                               plant: str, tmp_path: Path) -> None:
    from parity_tests import regressions

    wrap = PLANTS[plant](scratch)
    with harness(scratch, wrap(create_app(scratch, prepare=False))) as h:
        run = fuzz(h, ops, seed=CI_SEED, count=CI_COUNT, stop_on_first=True)
        assert run.divergences, f"plant {plant!r} not found in {run.requests} requests"
        found = run.divergences[0]
        assert EXPECTED[plant] in kinds(found.differences), found.differences
        assert not h.run_case(found.case).matched, "the shrunk request must still diverge"
        # written as a regression case, it reads back and fails the same way (legacy status as expected)
        assert regressions.append([found.regression()], tmp_path / "r.json") == 1
        (case,) = regressions.load(tmp_path / "r.json")
        again = h.run_case(case)
        assert again.corpus_error is None and EXPECTED[plant] in kinds(again.differences)
    print(f"{plant}: found after {run.requests} requests, shrunk to {found.case}")


def test_shrink_keeps_only_what_the_divergence_needs() -> None:
    from parity_tests.shrink import shrink

    case = Case("GET /api/jobs", "x", 0, auth="viewer", query=[("a", "1"), ("page", "2"), ("b", "")],
                json={"k": "long value", "z": 5})

    def run(candidate: Case) -> list[str]:
        return ["body['page']: legacy 1 != v2 2"] if ("page", "2") in (candidate.query or []) else []

    small, differences = shrink(case, run)
    assert small.query == [("page", "2")]
    assert small.json == {}
    assert small.auth == "admin"
    assert differences == ["body['page']: legacy 1 != v2 2"]


def test_regression_cases_round_trip_and_join_the_corpus(tmp_path: Path) -> None:
    from parity_tests import regressions

    loaded = regressions.load()
    assert loaded
    ids = [case.id for case in all_cases(sorted({case.route for case in loaded}))]
    assert {case.id for case in loaded} <= set(ids)
    assert len(ids) == len(set(ids))
    target = tmp_path / "r.json"
    case = Case("POST /api/jobs", "regression: body (fuzz)", 400, auth="user", json={"name": 5},
                query=[("a", "1"), ("a", "2")], content_type="text/plain")
    assert regressions.append([case, case], target) == 1
    assert regressions.load(target) == [case]
    assert regressions.append([case], target) == 0


def test_the_cli_writes_json_markdown_junit_and_merges_the_corpus_coverage(tmp_path: Path) -> None:
    from parity_tests.__main__ import main

    scratch_url = f"sqlite:///{tmp_path}/scratch.db"
    corpus = tmp_path / "corpus.json"
    assert main(["run", "--route", "GET /api/jobs", "--no-store", "--report", str(corpus),
                 "--database-url", scratch_url]) == 0
    assert corpus.with_suffix(".xml").exists()
    report = tmp_path / "fuzz.json"
    assert main(["fuzz", "--route", "GET /api/jobs", "--route", "PUT /api/jobs/<job_id>", "--count", "40",
                 "--report", str(report), "--database-url", scratch_url, "--coverage-from", str(corpus)]) == 0
    data = json.loads(report.read_text())
    assert (data["requests"], data["routes"], data["routes_reached"], data["green"]) == (40, 2, 2, True)
    jobs = next(row for row in data["coverage"] if row["route"] == "GET /api/jobs")
    assert set(jobs["sources"]) == {"corpus", "fuzz"}
    assert "repeated keys" in jobs["sources"]["corpus"]["classes"]  # the D19 regression cases
    assert "## Coverage" in report.with_suffix(".md").read_text()
    xml = report.with_suffix(".xml").read_text()
    assert 'tests="2"' in xml and 'failures="0"' in xml
