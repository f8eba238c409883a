"""The fuzz run as files: JSON data, a Markdown report (with coverage) and JUnit XML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from parity_tests import coverage as coverage_report
from parity_tests.fuzz import FuzzRun, describe
from parity_tests.generate import Operation
from parity_tests.junit import TestCase, to_xml


def data(run: FuzzRun, ops: list[Operation], backend: str) -> dict[str, Any]:
    routes = [op.route for op in ops]
    return {
        "backend": backend, "seed": run.seed, "requests": run.requests, "seconds": round(run.seconds, 2),
        "routes": len(routes), "routes_reached": sum(1 for r in routes if run.per_route[r]),
        "green": run.green, "per_route": {r: run.per_route[r] for r in routes},
        "divergences": [{"route": d.original.route, "occurrences": d.occurrences, "request": describe(d.case),
                         "found_as": d.original.name, "legacy_status": d.legacy_status, "v2_status": d.v2_status,
                         "differences": d.differences} for d in run.divergences],
        "coverage": run.coverage.report(routes, {op.route: op.query for op in ops}),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [f"# Parity fuzz ({report['backend']})", "",
             f"**{'GREEN' if report['green'] else 'RED'}**: {report['requests']} requests (seed {report['seed']}) "
             f"over {report['routes_reached']} of {report['routes']} routes in {report['seconds']:.1f} s, "
             f"{len(report['divergences'])} divergences.", ""]
    for d in report["divergences"]:
        lines += [f"### {d['route']} ({d['occurrences']}x; legacy {d['legacy_status']}, v2 {d['v2_status']})", "",
                  f"Shrunk request: `{d['request']}`", "", "```", *d["differences"], "```", ""]
    lines += coverage_report.markdown(report["coverage"])
    return "\n".join(lines) + "\n"


def junit_cases(report: dict[str, Any]) -> list[TestCase]:
    by_route: dict[str, list[dict[str, Any]]] = {}
    for d in report["divergences"]:
        by_route.setdefault(d["route"], []).append(d)
    cases = []
    for route, requests in report["per_route"].items():
        found = by_route.get(route, [])
        failure = "\n\n".join(f"{d['request']}\n" + "\n".join(d["differences"]) for d in found) or None
        cases.append(TestCase(f"parity.fuzz.{report['backend']}", f"{route} ({requests} requests)", failure))
    return cases


def write(report: dict[str, Any], path: Path) -> tuple[Path, Path, Path]:
    """`path` (JSON), `.md` and `.xml` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    md, xml = path.with_suffix(".md"), path.with_suffix(".xml")
    md.write_text(markdown(report))
    xml.write_bytes(to_xml({f"parity-fuzz-{report['backend']}": junit_cases(report)}))
    return path, md, xml
