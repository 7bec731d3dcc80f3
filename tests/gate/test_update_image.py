"""`python -m validation update-image`: pin an environment's image by digest, promote a pin, undo on a new error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.gate.repo_copy import copy_repo
from tests.manifests.conftest import build, one, template

NEW = "ghcr.io/someone/pipeline@sha256:" + "ab" * 32


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


def _run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "validation", "update-image", *args], cwd=repo, capture_output=True,
                          text=True, timeout=300)


def _pin(repo: Path, env: str) -> dict[str, str]:
    (entry,) = yaml.safe_load((repo / "overlays" / env / "kustomization.yaml").read_text())["images"]
    return entry


def _image(repo: Path, env: str) -> str:
    wft = one(build(repo / "overlays" / env), "WorkflowTemplate", "ml-pipeline")
    return template(wft, "train-model")["container"]["image"]


def test_pins_dev_by_digest_and_changes_only_that_line(repo: Path) -> None:
    before = (repo / "overlays" / "dev" / "kustomization.yaml").read_text()
    done = _run(repo, NEW)
    assert done.returncode == 0, done.stdout + done.stderr
    after = (repo / "overlays" / "dev" / "kustomization.yaml").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and "digest" in changed[0][1]
    assert _pin(repo, "dev") == {"name": "ml-pipeline", "newName": "ghcr.io/someone/pipeline", "digest": "sha256:" + "ab" * 32}
    assert _image(repo, "dev") == NEW
    assert "checked dev" in done.stdout and "dev: image pinned to" in done.stdout
    assert _image(repo, "prod") != NEW  # other environments untouched


def test_promotes_a_pin_from_one_environment_to_another(repo: Path) -> None:
    assert _run(repo, NEW, "--no-check").returncode == 0
    done = _run(repo, "--from", "dev", "--env", "staging", "--no-check")
    assert done.returncode == 0, done.stderr
    assert _pin(repo, "staging") == _pin(repo, "dev")
    again = _run(repo, "--from", "dev", "--env", "staging", "--no-check")
    assert again.returncode == 0 and "already pinned" in again.stdout


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path) -> None:
    before = (repo / "overlays" / "prod" / "kustomization.yaml").read_bytes()
    done = _run(repo, NEW, "--env", "prod", "--dry-run")
    assert done.returncode == 0
    assert "+++ b/overlays/prod/kustomization.yaml" in done.stdout and "dry run" in done.stdout
    assert (repo / "overlays" / "prod" / "kustomization.yaml").read_bytes() == before


@pytest.mark.parametrize(("ref", "message"), [
    ("ghcr.io/someone/pipeline:v1", "has no digest"),
    ("ghcr.io/someone/pipeline@sha256:abc", "not an image reference"),
    ("GHCR.io/Someone/Pipeline@sha256:" + "ab" * 32, "not an image reference"),
])
def test_refuses_what_is_not_a_digest_reference(repo: Path, ref: str, message: str) -> None:
    before = (repo / "overlays" / "dev" / "kustomization.yaml").read_bytes()
    done = _run(repo, ref)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert (repo / "overlays" / "dev" / "kustomization.yaml").read_bytes() == before


def test_a_tag_before_the_digest_is_dropped(repo: Path) -> None:
    assert _run(repo, "ghcr.io/someone/pipeline:abc123@sha256:" + "ab" * 32, "--no-check").returncode == 0
    assert _pin(repo, "dev")["newName"] == "ghcr.io/someone/pipeline"


def test_unknown_environment_and_entry_are_usage_errors(repo: Path) -> None:
    assert "unknown environment 'qa'" in _run(repo, NEW, "--env", "qa").stderr
    done = _run(repo, NEW, "--name", "other")
    assert done.returncode == 2 and "no `images:` entry named 'other'" in done.stderr


def test_several_entries_need_a_name(repo: Path) -> None:
    path = repo / "overlays" / "dev" / "kustomization.yaml"
    path.write_text(path.read_text() + "  - {name: busybox, newTag: '1.36'}\n")
    done = _run(repo, NEW)
    assert done.returncode == 2 and "say which with --name" in done.stderr
    assert _run(repo, NEW, "--name", "ml-pipeline", "--no-check").returncode == 0
    assert _pin_named(repo, "ml-pipeline")["digest"] == "sha256:" + "ab" * 32


def _pin_named(repo: Path, name: str) -> dict[str, str]:
    images = yaml.safe_load((repo / "overlays" / "dev" / "kustomization.yaml").read_text())["images"]
    return next(e for e in images if e["name"] == name)


def test_a_new_error_after_the_change_restores_the_file(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from validation import cli
    from validation.commands import update_bucket, update_image

    calls = []

    def fake_errors(cfg, envs):  # before: clean; after: one new error
        calls.append(envs)
        return ({} if len(calls) == 1 else {("X",): "overlays/dev: error TEST: broken"}), envs

    monkeypatch.setattr(update_image, "_errors", fake_errors)  # the baseline
    monkeypatch.setattr(update_bucket, "_errors", fake_errors)  # the check after the write (write_checked)
    monkeypatch.chdir(repo)
    path = repo / "overlays" / "dev" / "kustomization.yaml"
    before = path.read_bytes()
    assert cli.main(["update-image", NEW]) == 1
    assert path.read_bytes() == before
    assert "every file was restored" in capsys.readouterr().err
