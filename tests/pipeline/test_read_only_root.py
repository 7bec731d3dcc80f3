"""The steps run where the pods run them: a read-only root filesystem, writable only in the workdir and the temp dir.

The step templates set `readOnlyRootFilesystem: true`, so a library that writes under /var/tmp or $HOME's default
fails only in the cluster. A user and mount namespace (`unshare -rm`) gives the same conditions here without root.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import Settings
from pipeline.versioning import open_repo
from tests.pipeline.conftest import REPO, clean_env


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def test_dvc_keeps_its_site_cache_in_the_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DVC_SITE_CACHE_DIR", raising=False)
    with open_repo(Settings(workdir=tmp_path / "w")) as repo:
        assert Path(repo.site_cache_dir).is_relative_to(tmp_path / "w")
    assert "DVC_SITE_CACHE_DIR" not in os.environ  # the process is left as it was


def test_a_site_cache_the_user_chose_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_SITE_CACHE_DIR", str(tmp_path / "mine"))
    with open_repo(Settings(workdir=tmp_path / "w")) as repo:
        assert Path(repo.site_cache_dir).is_relative_to(tmp_path / "mine")


@pytest.mark.skipif(not _namespaces_work(), reason="needs unprivileged user and mount namespaces (unshare -rm)")
def test_the_whole_pipeline_runs_on_a_read_only_root(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = clean_env(HOME=str(tmp_path / "home"), TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1")
    step = [sys.executable, "-m", "pipeline", "run", f"--workdir={tmp_path / 'work'}"]
    # Only tmp_path stays writable: bind it onto itself, then make the root mount read-only.
    script = (
        f"mount --bind {shlex.quote(str(tmp_path))} {shlex.quote(str(tmp_path))}"
        " && mount -o remount,bind,ro /"
        f" && exec {shlex.join(step)}"
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Read-only file system" not in result.stderr
    assert "register-model: registered" in result.stdout + result.stderr
