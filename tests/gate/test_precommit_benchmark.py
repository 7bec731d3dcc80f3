"""benchmarks/precommit_hook.py times the hook itself and the hook as pre-commit runs it, side by side."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(600)


def test_the_benchmark_reports_the_hook_and_pre_commit_runs_with_ratios():
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/precommit_hook.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=500,
    )
    # Exit 1 only says the machine was too slow for the target just now; the report must be complete either way.
    assert done.returncode in (0, 1), done.stdout + done.stderr
    lines = done.stdout.splitlines()
    rows = {line.split("  ")[0]: line for line in lines if line.startswith(("hook:", "pre-commit run", "floor:"))}
    assert set(rows) == {
        "hook: python -m validation check --staged --changed FILE",
        "pre-commit run validation-check",
        "pre-commit run",
        "floor: python start-up + kubectl kustomize overlays/dev",
    }, done.stdout
    assert all(re.search(r"\d\.\d+x\s+\d+\.\d+x$", row) for row in rows.values()), done.stdout  # /hook, /floor
    verdict = next(line for line in lines if line.startswith("target < 1.0 s warm"))
    assert "for the validation hook itself" in verdict and "as pre-commit runs it" in verdict
