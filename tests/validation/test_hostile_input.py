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
def repo(tmp_path: Path, monkeypatch) -> Path:
    # The copy holds the validator's own source, and `python -m validation` there imports it: without this, the
    # bytecode Python writes beside it would read as files a command left in the repository.
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
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


def test_signal_handlers_are_set_for_a_run_and_restored_after_it_and_left_alone_off_the_main_thread() -> None:
    """main() may also run in a thread (an embedding tool): Python allows signal handlers only in the main thread,
    so there the run goes on with the handlers it has."""
    import threading

    from validation import scratch

    before = signal.getsignal(signal.SIGTERM)
    with scratch.signals_cleaned_up():
        assert signal.getsignal(signal.SIGTERM) is scratch._on_signal
    assert signal.getsignal(signal.SIGTERM) is before

    ran: list[object] = []

    def in_thread() -> None:
        with scratch.signals_cleaned_up():
            ran.append(signal.getsignal(signal.SIGTERM))

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert ran == [before]


def test_a_scratch_directory_of_a_live_process_is_not_swept(repo, scratch_tmp):
    mine = scratch_tmp / f"argo-ml-render-pid{os.getpid()}-keep"
    mine.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = scratch_tmp / f"argo-ml-render-pid{dead.pid}-gone"
    gone.mkdir()
    proc = validation(repo, "check", env={"TMPDIR": str(scratch_tmp)})  # a run that renders sweeps first
    assert proc.returncode == 0, proc.stdout + proc.stderr
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


# -- Rows: the repository is a boundary ----------------------------------------------------------------------------

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def plant_outside(tmp_path: Path) -> Path:
    """A directory next to the repository holding what must never be read: a manifest with a credential in it (if
    it were read, ENV-CREDENTIALS would say so) and a kustomization."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n"
                                       f"data: {{key: {AWS_KEY}}}\n")
    (outside / "kustomization.yaml").write_text("resources: [evil.yaml]\n")
    return outside


def add_config(pyproject: Path, line: str) -> None:
    """One more key in [tool.validation], wherever the table is."""
    text = pyproject.read_text()
    if "[tool.validation]\n" in text:
        text = text.replace("[tool.validation]\n", f"[tool.validation]\n{line}\n", 1)
    else:
        text += f"\n[tool.validation]\n{line}\n"
    pyproject.write_text(text)


def findings(proc: subprocess.CompletedProcess[str]) -> list[dict]:
    return json.loads(proc.stdout)["findings"]


def test_an_application_path_above_the_repository_is_refused_without_walking_it(repo, tmp_path):
    plant_outside(tmp_path)
    app = repo / "argocd/apps/dev.yaml"
    app.write_text(app.read_text().replace("    path: overlays/dev\n",
                                           "    path: '../..'\n    directory: {recurse: true}\n"))
    start = time.monotonic()
    proc = validation(repo, "check", "--format", "json", timeout=60)
    assert time.monotonic() - start < 60
    assert proc.returncode == 1, proc.stderr
    hits = [f for f in findings(proc) if f["rule_id"] == "RENDER-OUTSIDE-REPO"]
    assert [(f["file"], f["line"]) for f in hits] == [("argocd/apps/dev.yaml", 14)]
    assert "app path outside root" in hits[0]["message"]
    assert AWS_KEY not in proc.stdout and "evil" not in proc.stdout


def test_a_refused_application_is_reported_by_every_way_of_selecting_it(repo, tmp_path):
    """The commit hook's --changed, --env with its name, and `render` all say why, rather than passing or
    calling it unknown."""
    plant_outside(tmp_path)
    app = repo / "argocd/apps/dev.yaml"
    app.write_text(app.read_text().replace("    path: overlays/dev\n", "    path: ../../outside\n"))
    for args in (["--changed", "argocd/apps/dev.yaml"], ["--env", "app/ml-pipeline-dev"], ["--env", "dev"]):
        proc = validation(repo, "check", "--format", "json", *args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "RENDER-OUTSIDE-REPO" in [f["rule_id"] for f in findings(proc) if f["file"] == "argocd/apps/dev.yaml"]
    proc = validation(repo, "render", "app/ml-pipeline-dev")
    assert proc.returncode == 2 and "app path outside root" in proc.stderr


def test_an_absolute_application_path_is_refused(repo):
    app = repo / "argocd/apps/dev.yaml"
    app.write_text(app.read_text().replace("    path: overlays/dev\n", "    path: /etc\n"))
    proc = validation(repo, "check", "--format", "json")
    hits = [f for f in findings(proc) if f["rule_id"] == "RENDER-OUTSIDE-REPO"]
    assert hits and "/etc: app path is absolute" in hits[0]["message"]


def test_a_directory_symlink_out_of_the_repository_is_refused(repo, tmp_path):
    outside = plant_outside(tmp_path)
    (repo / "overlays/qa").symlink_to(outside)
    proc = validation(repo, "check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    hits = [f for f in findings(proc) if f["rule_id"] == "RENDER-OUTSIDE-REPO"]
    assert [f["file"] for f in hits] == ["overlays/qa"]
    assert "out-of-bounds symlinks" in hits[0]["message"]
    assert "qa" not in json.loads(proc.stdout)["summary"] and AWS_KEY not in proc.stdout
    assert not any(t["name"] == "qa" for t in json.loads(proc.stdout)["targets"])


def test_a_file_symlink_out_of_the_repository_is_refused_and_not_read(repo, tmp_path):
    outside = plant_outside(tmp_path)
    (repo / "overlays/dev/evil.yaml").symlink_to(outside / "evil.yaml")
    kust = repo / "overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - post-sync-run.yaml", "  - post-sync-run.yaml\n  - evil.yaml"))
    proc = validation(repo, "check", "--format", "json")
    assert proc.returncode in (1, 2), proc.stderr
    out = findings(proc)
    assert any(f["rule_id"] == "RENDER-OUTSIDE-REPO" and f["file"] == "overlays/dev/evil.yaml" for f in out)
    assert any(f["rule_id"] == "RENDER-FAILED" and "overlays/dev/evil.yaml resolves to" in f["message"] for f in out)
    assert AWS_KEY not in proc.stdout


def test_a_symlink_that_stays_inside_the_repository_is_fine(repo):
    (repo / "overlays/dev/params-link.yaml").symlink_to("params.yaml")
    proc = validation(repo, "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_kustomization_base_outside_the_repository_is_not_rendered(repo, tmp_path):
    plant_outside(tmp_path)
    kust = repo / "overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - ../../base\n", "  - ../../base\n  - ../../../outside\n"))
    proc = validation(repo, "check", "--format", "json")
    assert proc.returncode == 1, proc.stderr  # a finding in the input, not a tool failure
    failed = [f for f in findings(proc) if f["rule_id"] == "RENDER-FAILED"]
    assert failed and all("../outside resolves to" in f["message"] for f in failed)
    assert AWS_KEY not in proc.stdout


def test_a_configured_target_outside_the_repository_is_refused(repo, tmp_path):
    plant_outside(tmp_path)
    pyproject = repo / "pyproject.toml"
    add_config(pyproject, 'targets = ["../outside"]')
    proc = validation(repo, "check", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    hits = [f for f in findings(proc) if f["rule_id"] == "RENDER-OUTSIDE-REPO"]
    assert [f["file"] for f in hits] == ["pyproject.toml"] and hits[0]["line"]
    assert AWS_KEY not in proc.stdout


def test_nothing_outside_the_root_is_opened_or_listed(repo, tmp_path, monkeypatch):
    """Every hostile shape at once, checked in-process with an audit hook on open/listdir/scandir: the only paths
    touched are the repository, the validator's own installation and its scratch directories."""
    import tempfile

    from validation import config as config_mod
    from validation import engine
    from validation.schemas import cache as schema_cache

    outside = plant_outside(tmp_path)
    (outside / "deep").mkdir()
    (outside / "deep" / "x.yaml").write_text("kind: ConfigMap\n")
    app = repo / "argocd/apps/staging.yaml"
    app.write_text(app.read_text().replace("    path: overlays/staging\n",
                                           "    path: ../..\n    directory: {recurse: true}\n"))
    (repo / "overlays/qa").symlink_to(outside)
    (repo / "overlays/dev/evil.yaml").symlink_to(outside / "evil.yaml")
    (repo / "base/linked").symlink_to(outside / "deep")
    kust = repo / "overlays/prod/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - ../../base\n", "  - ../../base\n  - ../../../outside\n"))
    pyproject = repo / "pyproject.toml"
    add_config(pyproject, 'targets = ["../outside/deep"]')

    touched: list[str] = []
    recording = [True]
    root = str(repo.resolve())
    allowed = (root, str(Path(tempfile.gettempdir()).resolve() / "argo-ml-render-"), sys.prefix, sys.base_prefix,
               str(Path(engine.__file__).resolve().parents[1]), "/proc", "/dev", "/usr", "/lib", "/etc/ld.so",
               str(schema_cache.cache_root()))  # the validator's own cache of built schemas (docs/schemas.md)

    def hook(event, args):
        if recording[0] and event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], str):
            path = os.path.abspath(args[0])
            if not path.startswith(allowed):
                touched.append(f"{event} {path}")

    sys.addaudithook(hook)
    monkeypatch.chdir(repo)
    try:
        result = engine.run(config_mod.load(repo))
    finally:
        recording[0] = False
    assert touched == []
    ids = {f.rule_id for f in result.findings}
    assert "RENDER-OUTSIDE-REPO" in ids and "ENV-CREDENTIALS" not in ids


# -- Rows: bounded time and output ---------------------------------------------------------------------------------


def test_an_alias_bomb_in_a_txt_resource_is_yaml_alias_bomb_at_once(repo):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]" for i in range(1, 9)]
    (repo / "overlays/dev/bomb.txt").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n"
                                                + "".join(f"  {line}\n" for line in lines))
    kust = repo / "overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - post-sync-run.yaml", "  - post-sync-run.yaml\n  - bomb.txt"))
    start = time.monotonic()
    proc = validation(repo, "check", "--format", "json", timeout=60)
    assert time.monotonic() - start < 60
    assert any(f["rule_id"] == "YAML-ALIAS-BOMB" and f["file"] == "overlays/dev/bomb.txt" for f in findings(proc))
    assert "timed out" not in proc.stdout and "did not finish" not in proc.stdout


def test_a_deeply_nested_object_is_named_in_short_messages_not_dumped(repo):
    depth = 10_000
    (repo / "overlays/prod/deep.yaml").write_text(
        "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: deep}\nspec: " + "{a: " * depth + "1"
        + "}" * depth + "\n")
    kust = repo / "overlays/prod/kustomization.yaml"
    kust.write_text(kust.read_text().replace("resources:\n", "resources:\n  - deep.yaml\n", 1))
    start = time.monotonic()
    proc = validation(repo, "check", "--format", "json", timeout=60)
    assert time.monotonic() - start < 60
    assert len(proc.stdout) + len(proc.stderr) < 20_000
    report = json.loads(proc.stdout)
    assert all(len(f["message"]) <= 400 for f in report["findings"])
    assert all(len(e) <= 400 for e in report["errors"])
    # reported once, at the file (source lint reads what kustomize reads; the render failure folds into it)
    assert any(f["file"] == "overlays/prod/deep.yaml" and "nesting depth" in f["message"] for f in report["findings"])
    assert "map[string]interface" not in proc.stdout


def test_a_remote_base_is_not_fetched_offline_and_the_flag_lets_kustomize_try(repo):
    """Offline, a target that reads a remote base is not handed to kustomize (its git time-outs are not ours to
    wait for); it is said so, not failed: Argo CD fetches it. --allow-remote-bases hands it to kustomize."""
    remote = "https://127.0.0.1:9/example/bases.git//ml?ref=v1.0.0"  # nothing listens on port 9
    kust = repo / "overlays/dev/kustomization.yaml"
    kust.write_text(kust.read_text().replace("  - ../../base\n", f"  - ../../base\n  - {remote}\n"))
    start = time.monotonic()
    proc = validation(repo, "check", "--format", "json", timeout=60)
    assert time.monotonic() - start < 30
    report = json.loads(proc.stdout)
    assert any("not rendered offline" in n and remote in n and "--allow-remote-bases" in n for n in report["notes"])
    assert not any(f["rule_id"] == "RENDER-FAILED" for f in report["findings"])

    proc = validation(repo, "check", "--format", "json", "--allow-remote-bases", timeout=LIMIT)
    report = json.loads(proc.stdout)
    failed = [f["message"] for f in report["findings"] if f["rule_id"] == "RENDER-FAILED"]
    assert failed and not any("not rendered offline" in n for n in report["notes"])  # kustomize's own failure now
