"""Turn case results into the per-route report: JSON, Markdown, and `parity_results` rows.

Per route: cases, matched, mismatched, status codes produced (by legacy), documented
statuses never produced, rules applied. The run fails when any case mismatches, a
registry route has no case, or a documented status of a route is never produced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cutover.compare import describe_rules
from parity_tests.documented_statuses import EXCLUDED, documented
from parity_tests.rules import ALL_RULES
from parity_tests.runner import CaseResult
from shared_models import ids
from shared_models.clock import utcnow
from shared_models.models import ParityResult


@dataclass
class RouteSummary:
    route: str
    cases: int = 0
    matched: int = 0
    statuses: set[int] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    missing_statuses: list[int] = field(default_factory=list)
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mismatched(self) -> int:
        return self.cases - self.matched

    @property
    def green(self) -> bool:
        return self.cases > 0 and not self.mismatched and not self.missing_statuses


def anchor(case_id: str) -> str:
    return "m-" + re.sub(r"[^a-z0-9]+", "-", case_id.lower()).strip("-")


def summarise(results: Iterable[CaseResult], routes: Sequence[str], *, check_statuses: bool = True) -> dict[str, Any]:
    """The report data of one run over `routes` (registry keys)."""
    by_route = {route: RouteSummary(route) for route in routes}
    extra_routes: set[str] = set()
    for result in results:
        summary = by_route.get(result.case.route)
        if summary is None:
            extra_routes.add(result.case.route)
            continue
        summary.cases += 1
        summary.statuses.add(result.legacy.observed.status)
        summary.rules.update(result.rules_applied)
        if result.matched:
            summary.matched += 1
        else:
            summary.mismatches.append({
                "case": result.case.id, "anchor": anchor(result.case.id),
                "request": f"{result.case.method} {result.case.path or '(default path)'} as {result.case.auth}",
                "legacy_status": result.legacy.observed.status, "v2_status": result.v2.observed.status,
                "differences": ([result.corpus_error] if result.corpus_error else []) + result.differences,
            })
    for summary in by_route.values():
        if check_statuses:
            summary.missing_statuses = sorted(documented(summary.route) - summary.statuses)
    routes_without_cases = [r for r, s in by_route.items() if s.cases == 0]
    # Live runs only send the cases a deployment can answer without the fixture: a route
    # with none is "not run" there, not red; in-process every route must have cases.
    rows = [_route_dict(s, strict=check_statuses) for s in by_route.values()]
    return {
        "routes": rows,
        "routes_without_cases": routes_without_cases,
        "cases_for_unknown_routes": sorted(extra_routes),
        "rules": describe_rules(ALL_RULES),
        "excluded_statuses": {route: {str(k): v for k, v in codes.items()} for route, codes in EXCLUDED.items()},
        "totals": {
            "routes": len(by_route),
            "cases": sum(s.cases for s in by_route.values()),
            "matched": sum(s.matched for s in by_route.values()),
            "mismatched": sum(s.mismatched for s in by_route.values()),
        },
        "green": all(r["green"] for r in rows) and not extra_routes,
    }


def _route_dict(s: RouteSummary, *, strict: bool = True) -> dict[str, Any]:
    return {"route": s.route, "cases": s.cases, "matched": s.matched, "mismatched": s.mismatched,
            "statuses": sorted(s.statuses), "missing_statuses": s.missing_statuses,
            "rules_applied": sorted(s.rules), "green": s.green if strict else not s.mismatched,
            "mismatches": s.mismatches}


def markdown(report: dict[str, Any]) -> str:
    """One line per route (green/red), then each mismatch's diff under its own anchor."""
    t = report["totals"]
    lines = [f"# Parity report ({report.get('backend', '?')}, {report.get('mode', 'in-process')})", "",
             f"**{'GREEN' if report['green'] else 'RED'}**: {t['cases']} cases over {t['routes']} routes, "
             f"{t['matched']} matched, {t['mismatched']} mismatched, run time {report.get('seconds', 0):.1f} s.", "",
             "| | route | cases | matched | mismatched | statuses | missing statuses | rules |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["routes"]:
        links = " ".join(f"[{i + 1}](#{m['anchor']})" for i, m in enumerate(r["mismatches"]))
        mark = "⚪" if not r["cases"] and r["green"] else "🟢" if r["green"] else "🔴"
        lines.append(f"| {mark} | `{r['route']}` | {r['cases']} | {r['matched']} | "
                     f"{r['mismatched']} {links} | {', '.join(map(str, r['statuses']))} | "
                     f"{', '.join(map(str, r['missing_statuses'])) or '-'} | {', '.join(r['rules_applied']) or '-'} |")
    if report["routes_without_cases"]:
        lines += ["", "Routes without a case: " + ", ".join(f"`{r}`" for r in report["routes_without_cases"])]
    lines += ["", "## Normalisation rules", ""]
    lines += [f"- **{rule['name']}** ({rule['routes']}): ignores {rule['ignores']}. Why: {rule['reason']}"
              for rule in report["rules"]]
    mismatches = [m for r in report["routes"] for m in r["mismatches"]]
    if mismatches:
        lines += ["", "## Mismatches"]
        for m in mismatches:
            lines += ["", f'<a id="{m["anchor"]}"></a>', f"### {m['case']}", "",
                      f"{m['request']}: legacy {m['legacy_status']}, v2 {m['v2_status']}", "", "```"]
            lines += m["differences"] + ["```"]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], path: Path) -> tuple[Path, Path]:
    """Write `path` (JSON) and the Markdown summary next to it (`.md`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    md = path.with_suffix(".md")
    md.write_text(markdown(report))
    return path, md


def store(session: Session, report: dict[str, Any], *, backend: str, report_path: str | None) -> str:
    """One `parity_results` row per route; returns the run id. The caller commits."""
    run_id = ids.new_id()
    now = utcnow()
    for r in report["routes"]:
        if not r["cases"]:
            continue  # a live run that sent nothing for this route says nothing about it
        session.add(ParityResult(run_id=run_id, route_key=r["route"], run_at=now, backend=backend,
                                 cases=r["cases"], matched=r["matched"],
                                 # a documented status never produced counts against the route
                                 mismatched=r["mismatched"] + len(r["missing_statuses"]),
                                 statuses=json.dumps(r["statuses"]), report_path=report_path))
    session.flush()
    return run_id
