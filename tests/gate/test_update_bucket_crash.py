"""update-bucket under concurrency and crashes: runs serialise on the repository lock and both edits survive; a
SIGKILL at any step of the write path leaves every file old or every file new once the next command has run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from validation import buckets
from validation.journal import JOURNAL_NAME, STAGE_SUFFIX
from validation.repo_lock import LOCK_NAME

from .test_update_bucket import DEV_OLD, FIXTURE, snapshot

RUNNER = Path(__file__).parent / "crash_runner.py"
LIMIT = 60  # seconds for one command; generous: a hang is a failure, not a slow pass
DEV_NEW = "new-dev-bucket-1"
STAGING_NEW = "new-staging-bucket-1"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    return root


def validation(root: Path, *args: str, timeout: float = LIMIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "validation", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout)


def dvc_bucket(root: Path, remote: str) -> str | None:
    remotes = {r.name: r.bucket for r in buckets.dvc_remotes((root / ".dvc/config").read_text())}
    return remotes[remote]


def state(root: Path, env: str = "dev") -> tuple[str | None, str | None]:
    """(the overlay's bucket, its DVC remote's bucket)."""
    return buckets.read_settings(root, env).bucket, dvc_bucket(root, env)


def leftovers(root: Path) -> list[str]:
    """The tool's own files that must not outlive a command: staging files, journals, the lock."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.name.endswith(STAGE_SUFFIX) or p.name in (JOURNAL_NAME, LOCK_NAME) or p.name.endswith(".tmp"))


# -- one writer at a time ------------------------------------------------------------------------------------------


def test_two_runs_at_once_serialise_and_both_edits_survive(repo):
    """The table's first row: dev and staging repointed at the same moment, 5 rounds; both edits must be there."""
    for round_ in range(5):
        dev, staging = f"{DEV_NEW}-{round_}", f"{STAGING_NEW}-{round_}"
        procs = [subprocess.Popen([sys.executable, "-m", "validation", "update-bucket", bucket, "--env", env,
                                   "--no-check"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for bucket, env in ((dev, "dev"), (staging, "staging"))]
        for p in procs:
            out, err = p.communicate(timeout=LIMIT)
            assert p.returncode == 0, err
        assert state(repo, "dev") == (dev, dev)
        assert state(repo, "staging") == (staging, staging)
        assert leftovers(repo) == []


def test_a_second_run_waits_for_the_holder_and_names_it(repo):
    """A holder that keeps the lock: the second run says whom it waits for, then proceeds once the lock is free."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(repo), "2.0"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    start = time.monotonic()
    proc = validation(repo, "update-bucket", DEV_NEW, "--no-check")
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start >= 1.0  # it really waited
    assert f"held by pid {holder.pid}" in proc.stderr and "holding for a test" in proc.stderr
    assert state(repo) == (DEV_NEW, DEV_NEW)
    holder.wait(timeout=LIMIT)


def test_a_lock_held_too_long_is_a_clear_error_naming_the_holder_and_nothing_changes(repo):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(repo), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        before = snapshot(repo)
        proc = validation(repo, "update-bucket", DEV_NEW, "--no-check", "--lock-timeout", "0.5")
        assert proc.returncode == 2
        assert f"locked by pid {holder.pid}" in proc.stderr and "gave up after 0.5 s" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert {k: v for k, v in snapshot(repo).items() if k != LOCK_NAME} == {
            k: v for k, v in before.items() if k != LOCK_NAME}
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_timeout_of_exactly_0_is_accepted_and_means_do_not_wait(repo):
    """The boundary of --lock-timeout (below 0 is a usage error): 0 takes a free lock, and gives up on a held one
    at once, naming the holder."""
    proc = validation(repo, "update-bucket", DEV_NEW, "--no-check", "--lock-timeout", "0")
    assert proc.returncode == 0, proc.stderr
    assert state(repo) == (DEV_NEW, DEV_NEW) and leftovers(repo) == []
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(repo), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        proc = validation(repo, "update-bucket", DEV_OLD, "--no-check", "--lock-timeout", "0")
        assert proc.returncode == 2
        assert f"locked by pid {holder.pid}" in proc.stderr and "gave up after 0 s" in proc.stderr
        assert "waiting for the repository lock" not in proc.stderr  # it did not wait
        assert state(repo) == (DEV_NEW, DEV_NEW)
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_left_by_a_dead_process_is_taken_over(repo):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (repo / LOCK_NAME).write_text(json.dumps({"pid": dead.pid, "command": "update-bucket x --env dev",
                                              "since": time.time() - 3600, "host": os.uname().nodename}))
    proc = validation(repo, "update-bucket", DEV_NEW, "--no-check", "--lock-timeout", "5")
    assert proc.returncode == 0, proc.stderr
    assert f"took over the repository lock left by pid {dead.pid}" in proc.stderr
    assert state(repo) == (DEV_NEW, DEV_NEW)
    assert leftovers(repo) == []


def test_a_lock_killed_with_its_holder_is_free_at_once(repo):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(repo), "30"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (repo / LOCK_NAME).exists()  # the file stays behind; the kernel dropped the lock itself
    start = time.monotonic()
    proc = validation(repo, "update-bucket", DEV_NEW, "--no-check", "--lock-timeout", "20")
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - start < 15
    assert "took over the repository lock" in proc.stderr
    assert leftovers(repo) == []


HOLD_LOCK = """
import sys, time
from pathlib import Path
from validation.repo_lock import repo_lock
with repo_lock(Path(sys.argv[1]), "holding for a test", timeout=5):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


# -- crash consistency ---------------------------------------------------------------------------------------------


def _kill_at_every_step(tmp_path: Path, args: list[str], *, fail_check: bool) -> list[tuple[int, tuple, tuple]]:
    """Run the command once per step K, SIGKILLed just before step K, until a run completes. After each kill, run
    another command (`rules`, which touches nothing itself) and return (K, state right after the kill, state after
    the next command)."""
    runs = []
    step = 1
    while True:
        root = tmp_path / f"k{step}"
        shutil.copytree(FIXTURE, root)
        flags = [str(step)] + (["--fail-check"] if fail_check else [])
        proc = subprocess.run([sys.executable, str(RUNNER), *flags, "--", *args], cwd=root, capture_output=True,
                              text=True, timeout=LIMIT)
        if proc.returncode != -signal.SIGKILL:
            assert "COMPLETED" in proc.stdout, proc.stderr
            assert leftovers(root) == []
            return runs
        killed = state(root)
        nxt = validation(root, "rules")
        assert nxt.returncode == 0, nxt.stderr
        runs.append((step, killed, state(root)))
        assert leftovers(root) == [], f"step {step}: left {leftovers(root)}"
        shutil.rmtree(root)
        step += 1
        assert step < 200, "the write path never completed"


def test_sigkill_at_every_step_of_a_write_leaves_all_old_or_all_new_after_the_next_command(tmp_path):
    runs = _kill_at_every_step(tmp_path, ["update-bucket", DEV_NEW], fail_check=False)
    for step, _, after in runs:
        assert after in ((DEV_OLD, DEV_OLD), (DEV_NEW, DEV_NEW)), f"killed before step {step}: {after}"
    # The injection really hit the dangerous instant: the overlay written and .dvc/config not yet.
    assert any(killed == (DEV_NEW, DEV_OLD) for _, killed, _ in runs), runs
    assert len(runs) >= 8


def test_sigkill_at_every_step_of_a_roll_back_leaves_all_old_after_the_next_command(tmp_path):
    """The check after the write fails, so update-bucket puts the files back; kill that at every step as well."""
    runs = _kill_at_every_step(tmp_path, ["update-bucket", DEV_NEW], fail_check=True)
    for step, _, after in runs:
        assert after in ((DEV_OLD, DEV_OLD), (DEV_NEW, DEV_NEW)), f"killed before step {step}: {after}"
    # Killed during the roll-back, the next command finishes it: the change was never accepted.
    assert all(after == (DEV_OLD, DEV_OLD) for _, killed, after in runs if killed == (DEV_NEW, DEV_NEW))
    assert any(killed in ((DEV_OLD, DEV_NEW), (DEV_NEW, DEV_OLD)) for _, killed, _ in runs), runs


def test_recovery_leaves_a_file_edited_since_the_crash_alone_and_says_so(repo, tmp_path):
    root = tmp_path / "crashed"
    shutil.copytree(FIXTURE, root)
    # Kill right after the first file is in place: find that step by running until the overlay is new.
    step = 1
    while True:
        shutil.rmtree(root)
        shutil.copytree(FIXTURE, root)
        subprocess.run([sys.executable, str(RUNNER), str(step), "--", "update-bucket", DEV_NEW], cwd=root,
                       capture_output=True, timeout=LIMIT)
        if state(root) == (DEV_NEW, DEV_OLD):
            break
        step += 1
        assert step < 100
    bucket_file = root / "overlays/dev/bucket.yaml"
    bucket_file.write_text(bucket_file.read_text().replace(DEV_NEW, "hand-edited-bucket"))
    proc = validation(root, "rules")
    assert proc.returncode == 0
    assert "overlays/dev/bucket.yaml changed since the interrupted write" in proc.stderr
    assert buckets.read_settings(root, "dev").bucket == "hand-edited-bucket"
    assert leftovers(root) == []


def test_an_unreadable_journal_is_a_usage_error_naming_it(repo):
    (repo / JOURNAL_NAME).write_text("{not json")
    proc = validation(repo, "check", "--quiet")
    assert proc.returncode == 2
    assert JOURNAL_NAME in proc.stderr and "Traceback" not in proc.stderr


def test_staging_files_sit_next_to_their_target_and_the_journal_names_them(repo):
    """The journal is written before any file changes and holds everything a roll-back needs."""
    from validation.journal import FileChange, Transaction

    target = repo / "overlays/dev/bucket.yaml"
    old = target.read_bytes()
    txn = Transaction(repo, [FileChange(target, old, old.replace(DEV_OLD.encode(), b"x-bucket"))], command="test")
    txn.apply()
    record = json.loads((repo / JOURNAL_NAME).read_text())
    assert record["files"][0]["path"] == "overlays/dev/bucket.yaml"
    assert b"x-bucket" in target.read_bytes()
    assert txn.rollback() == []
    assert target.read_bytes() == old and leftovers(repo) == []


SLOW_KUSTOMIZE = """#!/bin/sh
echo $$ >> "$MARKER"
exec sleep 120
"""


def test_sigterm_during_the_check_after_the_write_puts_every_file_back(repo, tmp_path):
    """SIGTERM (a CI cancel, a closed terminal) while the check after the write renders: the signal handler stops
    kustomize and unwinds, update-bucket rolls the change back, and nothing of ours is left."""
    script = tmp_path / "slow-kustomize"
    script.write_text(SLOW_KUSTOMIZE)
    script.chmod(0o755)
    marker = tmp_path / "pids"
    before = snapshot(repo)
    env = {**os.environ, "VALIDATION_KUSTOMIZE": str(script), "MARKER": str(marker), "TMPDIR": str(tmp_path)}
    # The check before the write must pass for the write to happen: let the first kustomize run be real.
    env["VALIDATION_KUSTOMIZE"] = str(_hangs_once_written(tmp_path, repo, script))
    proc = subprocess.Popen([sys.executable, "-m", "validation", "update-bucket", DEV_NEW], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + LIMIT
        while not (marker.exists() and marker.read_text().strip()):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert state(repo) == (DEV_NEW, DEV_NEW)  # written, and being checked
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=LIMIT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert snapshot(repo) == before
    assert leftovers(repo) == [] and not list(tmp_path.glob("argo-ml-render-*"))


def _hangs_once_written(tmp_path: Path, repo: Path, slow: Path) -> Path:
    """A kustomize that is the real one for the check before the write, and hangs for the check after it."""
    from validation.render import find_engine

    real = " ".join(find_engine().argv)
    wrapper = tmp_path / "kustomize-then-hang"
    wrapper.write_text(f"""#!/bin/sh
if grep -q {DEV_NEW} "{repo}/overlays/dev/bucket.yaml"; then exec "{slow}"; fi
exec {real} "$2"
""")
    wrapper.chmod(0o755)
    return wrapper
