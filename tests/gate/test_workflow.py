""".github/workflows/validate.yml: valid for GitHub (checked offline) and doing what users rely on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "validate.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def check_workflow(path: Path) -> subprocess.CompletedProcess:
    exe = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.exists() else shutil.which("check-jsonschema")
    assert exe, "check-jsonschema is a dev dependency; install the project with .[dev]"
    # The builtin schema ships inside the package, so this needs no network.
    return subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True, timeout=120
    )


def steps() -> list[dict]:
    data = yaml.safe_load(WORKFLOW.read_text())
    return [s for job in data["jobs"].values() for s in job["steps"]]


def test_workflow_matches_the_github_workflow_schema():
    result = check_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


def test_the_schema_check_does_reject_a_broken_workflow(tmp_path):
    # Without this, the test above could pass by checking nothing.
    broken = tmp_path / "validate.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"))
    result = check_workflow(broken)
    assert result.returncode == 1, result.stdout


def test_workflow_installs_with_constraints_checks_uploads_sarif_and_runs_the_tests():
    runs = [s.get("run", "") for s in steps()]
    assert any("pip install -c constraints.txt -e '.[dev]'" in r for r in runs)
    assert "python -m validation check --format sarif --output validation.sarif --format text" in runs
    assert "python -m pytest -q" in runs
    upload = next(s for s in steps() if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "validation.sarif"
    assert "!cancelled()" in upload["if"]  # findings are uploaded even when the check step failed


@pytest.mark.parametrize("uses", [s["uses"] for s in steps() if "uses" in s] if WORKFLOW.exists() else [])
def test_every_action_is_pinned_to_an_exact_version(uses):
    assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", uses), uses


def test_workflow_grants_only_what_the_sarif_upload_needs():
    data = yaml.safe_load(WORKFLOW.read_text())
    assert data["permissions"] == {"contents": "read"}
    assert data["jobs"]["validate"]["permissions"] == {"contents": "read", "security-events": "write"}
