"""Issue 15's table, one test per row on the validator's side: hostile trees, kills and bad bytes end in a clear
finding or exit code, within a generous time limit (a hang is a failure, not a slow pass), with nothing left behind.

Rows about update-bucket's lock and crash consistency are in tests/gate/test_update_bucket_crash.py; the pipeline's
rows (MLflow, data sanity) in tests/pipeline/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.gate.repo_copy import copy_repo

LIMIT = 90  # seconds for one command; the table's failures took 60 s to forever


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")


@pytest.fixture
def scratch_tmp(tmp_path: Path) -> Path:
    """A private system temp dir for the command under test, so its scratch directories can be counted."""
    d = tmp_path / "systmp"
    d.mkdir()
    return d


def validation(root: Path, *args: str, env: dict[str, str] | None = None,
               timeout: float = LIMIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "validation", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def listing(root: Path) -> set[str]:
    """Every path under the tree, ignored files and dot-directories included."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def with_options(repo: Path, options: str = "commonAnnotations: {team: ml}") -> None:
    """Give the dev Application kustomize options, so its render goes through an edited working copy."""
    app = repo / "argocd/apps/dev.yaml"
    app.write_text(app.read_text().replace("    path: overlays/dev\n", f"    path: overlays/dev\n    kustomize: {{{options}}}\n"))


SLOW_KUSTOMIZE = """#!/bin/sh
echo $$ >> "$MARKER"
exec sleep 120
"""


def slow_engine(tmp_path: Path) -> tuple[dict[str, str], Path]:
    script = tmp_path / "slow-kustomize"
    script.write_text(SLOW_KUSTOMIZE)
    script.chmod(0o755)
    marker = tmp_path / "kustomize-pids"
    return {"VALIDATION_KUSTOMIZE": str(script), "MARKER": str(marker)}, marker


def wait_for(path: Path, timeout: float = LIMIT) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (killed, not yet reaped by init) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


# -- Row: SIGKILL of `check` while it renders an Application with options ------------------------------------------


def test_sigkill_during_a_render_leaves_nothing_in_the_repository_and_the_next_run_sweeps_it(repo, tmp_path,
                                                                                              scratch_tmp):
    with_options(repo)
    before = listing(repo)
    env, marker = slow_engine(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "validation", "check"], cwd=repo, start_new_session=True,
                            env={**os.environ, **env, "TMPDIR": str(scratch_tmp)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(marker)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    left = sorted(scratch_tmp.glob("argo-ml-render-*"))
    assert left, "the kill did not land during a render"  # a SIGKILL skips every cleanup: this is the worst case
    assert listing(repo) == before  # ...and none of it is in the repository

    nxt = validation(repo, "check", env={"TMPDIR": str(scratch_tmp)})
    assert nxt.returncode == 0, nxt.stdout + nxt.stderr
    assert "ENV-BUCKET-SHARED" not in nxt.stdout
    assert not any(p.exists() for p in left)  # swept at the start of the next run
    assert list(scratch_tmp.iterdir()) == []

    dry = validation(repo, "update-bucket", "one-bucket-for-all", "--env", "all", "--allow-shared", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    edited = sorted(line[len("+++ b/"):] for line in dry.stdout.splitlines() if line.startswith("+++ b/"))
    assert edited == [".dvc/config", "overlays/dev/bucket.yaml", "overlays/prod/bucket.yaml",
                      "overlays/staging/bucket.yaml"]


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 130)],
                         ids=["SIGTERM", "SIGINT"])
def test_sigterm_or_sigint_during_a_render_stops_kustomize_and_removes_the_scratch(repo, tmp_path, scratch_tmp,
                                                                                 sig, code):
    with_options(repo)
    env, marker = slow_engine(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "validation", "check"], cwd=repo, start_new_session=True,
                            env={**os.environ, **env, "TMPDIR": str(scratch_tmp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker)
        time.sleep(0.3)  # let the other renders start too
        assert list(scratch_tmp.glob("argo-ml-render-*"))
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=LIMIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert list(scratch_tmp.iterdir()) == []
    pids = [int(p) for p in marker.read_text().split()]
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in pids), "a kustomize child outlived the validator"


def test_a_scratch_directory_of_a_live_process_is_not_swept(repo, scratch_tmp):
    mine = scratch_tmp / f"argo-ml-render-pid{os.getpid()}-keep"
    mine.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = scratch_tmp / f"argo-ml-render-pid{dead.pid}-gone"
    gone.mkdir()
    proc = validation(repo, "rules", env={"TMPDIR": str(scratch_tmp)})
    assert proc.returncode == 0
    assert mine.exists() and not gone.exists()


# -- Row: a FIFO in an overlay whose Application has kustomize options ---------------------------------------------


def test_a_fifo_in_an_overlay_with_application_options_is_no_internal_error(repo, scratch_tmp):
    with_options(repo)
    os.mkfifo(repo / "overlays/dev/pipe")  # not referenced: nothing reads it, nothing copies it
    proc = validation(repo, "check", env={"TMPDIR": str(scratch_tmp)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr

    kust = repo / "overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - post-sync-run.yaml", "  - post-sync-run.yaml\n  - pipe"))
    proc = validation(repo, "check", env={"TMPDIR": str(scratch_tmp)})
    assert proc.returncode in (1, 2) and "internal error" not in proc.stderr
    assert "overlays/dev/pipe" in proc.stdout and "not a regular file" in proc.stdout
    assert list(scratch_tmp.iterdir()) == []


# -- Row: a Latin-1 byte in a .dvc/config comment ------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "write"])
def test_a_latin1_byte_in_dvc_config_is_named_not_an_internal_error(repo, dry_run):
    dvc = repo / ".dvc/config"
    dvc.write_bytes(dvc.read_bytes().replace(b"# No credentials", b"# No cr\xe9dentials"))
    before = dvc.read_bytes()
    proc = validation(repo, "update-bucket", "new-dev-bucket-1", *(["--dry-run"] if dry_run else []))
    assert proc.returncode == 2
    assert ".dvc/config line 3: not UTF-8 (byte 0xe9)" in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert dvc.read_bytes() == before
    check = validation(repo, "check")
    assert check.returncode == 1 and "ENV-DVC-REMOTE" in check.stdout and "not UTF-8" in check.stdout


# -- Row: SIGKILL between writing the overlay and .dvc/config: `check` passed since nothing compared the two ---------


def test_an_overlay_and_dvc_config_that_disagree_fail_the_check(repo):
    """Whatever made them disagree (the crash itself is rolled back: tests/gate/test_update_bucket_crash.py)."""
    bucket = repo / "overlays/staging/bucket.yaml"
    bucket.write_text(bucket.read_text().replace("mlops-data-bucket-staging-1754148674", "mlops-data-staging-new"))
    proc = validation(repo, "check")
    assert proc.returncode == 1
    assert "overlays/staging/bucket.yaml" in proc.stdout and "ENV-DVC-REMOTE" in proc.stdout


def test_a_clean_copy_of_the_repository_passes(repo):
    """Guard for the fixture: every failure in this file is the row's doing, not the copy's."""
    proc = validation(repo, "check", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["errors"] == []
