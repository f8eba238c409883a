"""CLI: `python -m parity_tests run [--route KEY ...] [--report PATH]` (the corpus),
`python -m parity_tests fuzz [--seed N] [--count N] [--write-regressions]` (differential
fuzz, parity_tests/fuzz.py; PARITY_FUZZ_DEEP=1 for a deep run) and
`python -m parity_tests replay CAPTURE [--promote ID ...]` (parity_tests.replay).

In-process (default): both stacks on a scratch database (`--database-url`, default a
fresh migrated SQLite file; the harness EMPTIES it), results stored in `parity_results`
of the shared database (`--results-url`, default the settings' DATABASE_URL; `--no-store`
skips). `--live LEGACY_BASE V2_BASE [--token JWT] [--allow-writes]` compares a running
deployment instead. Exit status 0 only when the run is green.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from cutover.registry import load_registry
from parity_tests import fuzz_report, regressions, replay
from parity_tests import report as reporting
from parity_tests.coverage import Coverage, classify_case
from parity_tests.fuzz import CI_COUNT, CI_SEED, DEEP_COUNT, fuzz, paired_operations
from parity_tests.junit import TestCase, write_junit
from parity_tests.runner import all_cases, harness, harness_settings
from shared_models.db import make_engine, make_sessionmaker
from shared_models.migrate import upgrade
from shared_models.settings import get_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m parity_tests")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the corpus on both stacks and report")
    run.add_argument("--route", action="append", default=[], help="route key (repeatable); default all")
    run.add_argument("--report", type=Path, default=Path("reports/parity.json"))
    run.add_argument("--database-url", help="scratch database for the in-process run (it is emptied)")
    run.add_argument("--results-url", help="database that receives parity_results (default DATABASE_URL)")
    run.add_argument("--no-store", action="store_true", help="do not write parity_results")
    run.add_argument("--live", nargs=2, metavar=("LEGACY_BASE", "V2_BASE"))
    run.add_argument("--token", help="admin bearer token for --live")
    run.add_argument("--allow-writes", action="store_true", help="--live: also send non-GET cases")
    fz = sub.add_parser("fuzz", help="differential fuzz: generated requests on both stacks")
    fz.add_argument("--seed", type=int, help=f"default {CI_SEED} (PARITY_FUZZ_SEED)")
    fz.add_argument("--count", type=int, help=f"requests (default {CI_COUNT}; {DEEP_COUNT} with PARITY_FUZZ_DEEP=1)")
    fz.add_argument("--route", action="append", default=[], help="route key (repeatable); default all paired")
    fz.add_argument("--report", type=Path, default=Path("reports/parity-fuzz.json"))
    fz.add_argument("--database-url", help="scratch database (it is emptied)")
    fz.add_argument("--coverage-from", action="append", type=Path, default=[],
                    help="a report (corpus run, replay) whose coverage_observations join the coverage section")
    fz.add_argument("--write-regressions", action="store_true",
                    help="append each shrunk divergence to parity_tests/regressions.json")
    replay.add_parser(sub)
    return parser


def fuzz_main(args: argparse.Namespace) -> int:
    """Run the fuzz; exit 1 on any divergence. Deep mode: PARITY_FUZZ_DEEP=1."""
    deep = os.environ.get("PARITY_FUZZ_DEEP", "") in ("1", "true", "yes")
    seed = args.seed if args.seed is not None else int(os.environ.get("PARITY_FUZZ_SEED", CI_SEED))
    count = args.count or (DEEP_COUNT if deep else CI_COUNT)
    scratch = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='parity-fuzz-')}/parity.db"
    settings = harness_settings(scratch)
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()
    ops = paired_operations(settings, args.route or None)
    with harness(settings) as h:
        run = fuzz(h, ops, seed=seed, count=count,
                   progress=lambda n, r: print(f"  {n} requests, {len(r.divergences)} divergences", flush=True))
    for path in args.coverage_from:
        if path.exists():
            run.coverage.load(json.loads(path.read_text()).get("coverage_observations", []))
    report = fuzz_report.data(run, ops, _backend(scratch))
    paths = fuzz_report.write(report, args.report)
    if args.write_regressions and run.divergences:
        added = regressions.append(d.regression() for d in run.divergences)
        print(f"{added} regression cases written to {regressions.PATH}")
    print(f"{'GREEN' if run.green else 'RED'}: {run.requests} requests (seed {seed}) over "
          f"{report['routes_reached']}/{report['routes']} routes in {run.seconds:.1f} s, "
          f"{len(run.divergences)} divergences")
    for d in report["divergences"]:
        print(f"- {d['route']} ({d['occurrences']}x): {d['request']}")
        for line in d["differences"][:5]:
            print(f"    {line}")
    print("report: " + ", ".join(map(str, paths)))
    return 0 if run.green else 1


def _backend(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "fuzz":
        return fuzz_main(args)
    if args.command == "replay":
        return replay.main(args)
    started = time.perf_counter()
    scratch = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='parity-')}/parity.db"
    settings = harness_settings(scratch)
    registry = load_registry(settings)
    routes = args.route or list(registry.keys())
    unknown = sorted(set(routes) - set(registry.keys()))
    if unknown:
        print(f"unknown route keys: {unknown}", file=sys.stderr)
        return 2
    cases = all_cases(routes)
    if args.live:
        from parity_tests.live import run_live

        results = list(run_live(cases, *args.live, token=args.token, allow_writes=args.allow_writes))
        data = reporting.summarise(results, routes, check_statuses=False)
        data.update(mode="live", backend="live")
    else:
        engine = make_engine(settings)
        upgrade(engine)
        engine.dispose()
        with harness(settings) as h:
            results = list(h.run(cases))
        data = reporting.summarise(results, routes)
        data.update(mode="in-process", backend=_backend(scratch))
        data["unpaired"] = {"legacy": list(registry.unpaired_legacy), "v2": list(registry.unpaired_v2)}
    corpus_coverage = Coverage()
    for result in results:
        observed = result.legacy.observed
        corpus_coverage.observe("corpus", result.case.route, observed.status,
                                classify_case(result.case, observed.status, observed.body))
    data["coverage_observations"] = corpus_coverage.dump()
    data["seconds"] = round(time.perf_counter() - started, 2)
    json_path, md_path = reporting.write(data, args.report)
    write_junit(json_path.with_suffix(".xml"), f"parity-corpus-{data['backend']}", [
        TestCase(result.case.route, result.case.name, None if result.matched else "\n".join(
            ([result.corpus_error] if result.corpus_error else []) + result.differences), result.seconds)
        for result in results])
    if not args.no_store:
        results_settings = get_settings() if not args.results_url else harness_settings(args.results_url)
        engine = make_engine(results_settings)
        try:
            upgrade(engine)  # the deployment's own migrations; a no-op on a current schema
            with make_sessionmaker(engine)() as session:
                run_id = reporting.store(session, data, backend=data["backend"], report_path=str(json_path))
                session.commit()
        finally:
            engine.dispose()
        print(f"parity_results run {run_id}")
    t = data["totals"]
    print(f"{'GREEN' if data['green'] else 'RED'}: {t['cases']} cases, {t['matched']} matched, "
          f"{t['mismatched']} mismatched over {t['routes']} routes in {data['seconds']:.1f} s")
    print(f"report: {json_path} and {md_path}")
    return 0 if data["green"] else 1


if __name__ == "__main__":
    sys.exit(main())
