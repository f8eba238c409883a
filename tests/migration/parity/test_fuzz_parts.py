"""The fuzz's small parts: the trigger change log, header comparison, JUnit XML, coverage."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from cutover.compare import Observed, header_differences
from parity_tests.changes import LOG_TABLE, ChangeLog
from parity_tests.coverage import Coverage, classify
from parity_tests.junit import TestCase, to_xml
from tests.helpers import make_team


def test_the_change_log_names_touched_tables_and_leaves_no_trace(engine: Engine, db: Session) -> None:
    log = ChangeLog(engine)
    log.install()
    try:
        assert log.take() == set()
        with engine.begin() as connection:
            connection.execute(text("UPDATE job_categories SET name = name"))
        make_team(db, slug="logged-team")
        db.commit()
        assert log.take() == {"job_categories", "pic_teams"}
        assert log.take() == set()  # taken means forgotten
    finally:
        log.uninstall()
    assert LOG_TABLE not in inspect(engine).get_table_names()
    with engine.begin() as connection:  # no trigger left behind to write into a missing table
        connection.execute(text("UPDATE job_categories SET name = name"))


def test_relevant_headers_are_compared_and_others_ignored() -> None:
    def answer(**headers: str) -> Observed:
        return Observed(200, "application/json", b"{}", {k.replace("_", "-"): v for k, v in headers.items()})

    assert header_differences(answer(allow="GET, HEAD", date="a"), answer(allow="head,get", date="b")) == []
    assert header_differences(answer(), answer(cache_control="no-store")) == [
        "header cache-control: legacy '(absent)' != v2 'no-store'"]
    lines = header_differences(answer(location="/a", access_control_allow_origin="*"),
                               answer(location="/b", access_control_allow_origin="*"))
    assert lines == ["header location: legacy '/a' != v2 '/b'"]


def test_junit_counts_failures_per_suite() -> None:
    xml = to_xml({"parity-fuzz": [TestCase("r", "GET /api/jobs", None, 0.5),
                                  TestCase("r", "PUT /api/jobs/<job_id>", "status: legacy 200 != v2 500\nmore")]})
    root = ET.fromstring(xml)
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "parity-fuzz"
    failure = suite.find("testcase[@name='PUT /api/jobs/<job_id>']/failure")
    assert failure is not None and failure.get("message") == "status: legacy 200 != v2 500"


def test_coverage_lists_what_no_source_reached() -> None:
    coverage = Coverage()
    route = "GET /api/jobs/<job_id>"
    coverage.observe("corpus", route, 200, classify("GET", 200, b"{}"))
    coverage.observe("fuzz", route, 401, classify("GET", 401, b'{"msg": "Missing Authorization Header"}'))
    coverage.observe("replay", route, 404, ["not found"])
    (row,) = coverage.report([route])
    assert row["sources"]["fuzz"] == {"requests": 1, "statuses": [401], "classes": ["auth: no token"]}
    assert "status 422" in row["unreached"] and "auth: bad token" in row["unreached"]
    assert "not found" not in row["unreached"] and "valid" not in row["unreached"]
    assert classify("POST", 400, b'{"error": "Invalid payload"}', "repeated-query") == [
        "repeated keys", "validation: Invalid payload"]


def test_coverage_rows_survive_a_report_file() -> None:
    first = Coverage()
    first.observe("corpus", "GET /api/jobs", 200, ["valid", "repeated keys"])
    first.observe("corpus", "GET /api/jobs", 400, ["validation: Invalid sort"])
    merged = Coverage()
    merged.load(json.loads(json.dumps(first.dump())))
    merged.observe("fuzz", "GET /api/jobs", 401, ["auth: no token"])
    (row,) = merged.report(["GET /api/jobs"], {"GET /api/jobs": ["page"]})
    assert row["sources"]["corpus"] == {"requests": 2, "statuses": [200, 400],
                                        "classes": ["repeated keys", "valid", "validation: Invalid sort"]}
    assert "repeated keys" not in row["unreached"] and "validation" not in row["unreached"]
    assert row["unreached"] == ["status 422", "auth: bad token"]
