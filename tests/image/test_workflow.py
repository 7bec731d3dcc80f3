""".github/workflows/image.yml: valid for GitHub (checked offline), one image per commit, its digest recorded."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gate.test_workflow import check_workflow

from .dockerfile import REPO

WORKFLOW = REPO / ".github" / "workflows" / "image.yml"


def _workflow() -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); the schema check reads it as GitHub does.
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))
    return data


def _steps() -> list[dict[str, Any]]:
    return _workflow()["jobs"]["image"]["steps"]


def _step(uses_or_name: str) -> dict[str, Any]:
    found = [s for s in _steps() if uses_or_name in s.get("uses", "") or s.get("name") == uses_or_name]
    assert len(found) == 1, uses_or_name
    return found[0]


def test_the_image_workflow_matches_the_github_workflow_schema() -> None:
    done = check_workflow(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_image_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "image.yml"
    broken.write_text(WORKFLOW.read_text().replace("timeout-minutes: 45", "timeout-minutes: soon"))
    assert check_workflow(broken).returncode == 1


@pytest.mark.parametrize("uses", [s["uses"] for s in _steps() if "uses" in s])
def test_every_action_is_pinned_to_an_exact_version(uses: str) -> None:
    assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", uses), uses


def test_every_push_to_main_builds_and_pull_requests_build_without_pushing() -> None:
    on = _workflow()["on"]
    assert on["push"] == {"branches": ["main"]}  # no path filter: every commit of main gets its image
    assert "pull_request" in on
    build = _step("docker/build-push-action")
    assert build["with"]["push"] == "${{ github.event_name != 'pull_request' }}"
    assert _step("docker/login-action")["if"] == "github.event_name != 'pull_request'"


def test_the_image_is_tagged_with_the_commit_and_built_from_the_dockerfile() -> None:
    build = _step("docker/build-push-action")["with"]
    assert build["context"] == "."
    assert build["tags"] == "${{ steps.name.outputs.image }}:${{ github.sha }}"
    assert build["build-args"] == "GIT_COMMIT=${{ github.sha }}"
    assert _step("Image name")["run"] == 'echo "image=ghcr.io/${GITHUB_REPOSITORY,,}" >> "$GITHUB_OUTPUT"'


def test_the_digest_is_recorded_three_ways() -> None:
    record = _step("Record the digest")
    assert record["env"]["DIGEST"] == "${{ steps.build.outputs.digest }}"
    assert "GITHUB_STEP_SUMMARY" in record["run"] and "update-image ${IMAGE}@${DIGEST}" in record["run"]
    assert _step("actions/upload-artifact")["with"]["path"] == "image.json"
    attest = _step("actions/attest-build-provenance")["with"]
    assert attest["subject-digest"] == "${{ steps.build.outputs.digest }}" and attest["push-to-registry"] is True


def test_the_workflow_grants_only_what_publishing_needs() -> None:
    data = _workflow()
    assert data["permissions"] == {"contents": "read"}
    assert data["jobs"]["image"]["permissions"] == {
        "contents": "read", "packages": "write", "id-token": "write", "attestations": "write",
    }
    assert _step("actions/checkout")["with"]["persist-credentials"] is False


def test_the_digest_check_finds_the_pinned_mlflow_image() -> None:
    """The step greps mlflow-server/*.yaml for the pinned reference; it must find one, or the check checks nothing."""
    run = _step("The pinned MLflow image exists")["run"]
    pattern = re.search(r"grep -ho '([^']+)'", run).group(1)
    refs = [m for p in sorted((REPO / "mlflow-server").glob("*.yaml")) for m in re.findall(pattern, p.read_text())]
    assert refs and all(re.fullmatch(r"ghcr\.io/mlflow/mlflow:v[\w.-]+@sha256:[0-9a-f]{64}", r) for r in refs)
