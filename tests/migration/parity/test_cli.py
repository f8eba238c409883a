"""`python -m parity_tests run`: report files, exit status and `parity_results` rows."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from parity_tests.__main__ import main
from shared_models.models import ParityResult


def test_run_writes_reports_and_one_result_row_per_route(tmp_path: Path, database_url: str, db: Session) -> None:
    report = tmp_path / "out" / "parity.json"
    status = main(["run", "--route", "GET /api/health", "--route", "GET /api/jobs/<job_id>",
                   "--report", str(report), "--database-url", f"sqlite:///{tmp_path}/scratch.db",
                   "--results-url", database_url])
    assert status == 0
    data = json.loads(report.read_text())
    assert data["green"] is True and data["totals"]["mismatched"] == 0
    assert [r["route"] for r in data["routes"]] == ["GET /api/health", "GET /api/jobs/<job_id>"]
    assert data["routes"][1]["statuses"] == [200, 401, 404, 422]
    assert {rule["name"] for rule in data["rules"]} >= {"json-semantics", "password-hash-salt",
                                                       "execute-sync-effect-only"}
    markdown = report.with_suffix(".md").read_text()
    assert "| 🟢 | `GET /api/jobs/<job_id>` | 12 | 12 | 0 " in markdown
    assert "run time" in markdown
    rows = db.scalars(select(ParityResult).order_by(ParityResult.route_key)).all()
    assert [(r.route_key, r.cases, r.matched, r.mismatched, r.backend) for r in rows] == [
        ("GET /api/health", 2, 2, 0, "sqlite"), ("GET /api/jobs/<job_id>", 12, 12, 0, "sqlite")]
    assert json.loads(rows[1].statuses) == [200, 401, 404, 422]
    assert rows[0].run_id == rows[1].run_id and rows[0].report_path == str(report)


def test_unknown_route_is_refused(tmp_path: Path) -> None:
    assert main(["run", "--route", "GET /api/nope", "--no-store", "--report", str(tmp_path / "r.json"),
                 "--database-url", f"sqlite:///{tmp_path}/scratch.db"]) == 2
