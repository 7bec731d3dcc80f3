"""`python -m validation update-bucket`: exact edits, nothing else touched, validated first, undone on a failed check."""

from __future__ import annotations

import os
import shutil
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import validation
from validation import buckets
from validation.atomic import write_atomic
from validation.cli import main
from validation.journal import JOURNAL_NAME
from validation.model import Finding, Severity
from validation.repo_lock import LOCK_NAME

from .repo_copy import REPO, copy_repo

FIXTURE = Path(__file__).parent / "fixtures" / "bucket-repo"
DEV_OLD = "mlops-data-bucket-dev-1754148674"
STAGING_OLD = "mlops-data-bucket-staging-1754148674"
PROD_OLD = "mlops-data-bucket-prod-1754148674"


@dataclass
class FakeResult:
    findings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    rendered: list = field(default_factory=list)


class FakeEngine:
    """Stands in for validation.engine so these tests pin update-bucket's own behaviour.

    update-bucket checks before writing (the baseline) and after; call i returns results[i] (the last one repeats).
    """

    def __init__(self, *results: FakeResult, raises: Exception | None = None):
        self.calls: list[list[str] | None] = []
        self.results = list(results) or [FakeResult()]
        self.raises = raises
        self.seen_on_disk: list[dict[str, bytes]] = []
        self.journal_seen: list[bool] = []

    def run(self, config, *, targets=None, paths=None, select=None, ignore=None, progress=None):
        self.calls.append(list(targets) if targets is not None else None)
        # The lock and the journal of the run in progress are its own bookkeeping, not the repository's content.
        on_disk = snapshot(Path(config.root))
        self.journal_seen.append(JOURNAL_NAME in on_disk)
        self.seen_on_disk.append({k: v for k, v in on_disk.items() if k not in (LOCK_NAME, JOURNAL_NAME)})
        if self.raises and len(self.calls) > 1:
            raise self.raises
        return self.results[min(len(self.calls), len(self.results)) - 1]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    fake = FakeEngine()
    install_engine(monkeypatch, fake)
    return fake


def install_engine(monkeypatch: pytest.MonkeyPatch, fake: FakeEngine) -> None:
    module = types.ModuleType("validation.engine")
    module.run = fake.run
    monkeypatch.setitem(sys.modules, "validation.engine", module)
    monkeypatch.setattr(validation, "engine", module, raising=False)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def diff_lines(out: str, path: str) -> list[str]:
    """The -/+ lines of one file's section in a unified diff printed on stdout."""
    lines, inside = [], False
    for line in out.splitlines():
        if line.startswith("--- "):
            inside = line == f"--- a/{path}"
            continue
        if line.startswith("+++ ") or line.startswith("@@"):
            continue
        if inside and line[:1] in "+-":
            lines.append(line)
    return lines


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def test_without_env_only_dev_changes_and_the_diff_is_exactly_the_value_line(repo, engine, capsys):
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    after = snapshot(repo)
    out = capsys.readouterr().out

    assert changed_files(before, after) == {"overlays/dev/bucket.yaml", ".dvc/config"}
    assert diff_lines(out, "overlays/dev/bucket.yaml") == [
        f"-  value: {DEV_OLD}   # keep in step with .dvc/config",
        "+  value: new-dev-bucket-1                   # keep in step with .dvc/config",
    ]
    assert diff_lines(out, ".dvc/config") == [
        f"-    url = s3://{DEV_OLD}/dvc",
        "+    url = s3://new-dev-bucket-1/dvc",
    ]
    # The file on disk is the original with that one line swapped: the comment line, order and spacing are kept.
    old_text = before["overlays/dev/bucket.yaml"].decode()
    new_text = after["overlays/dev/bucket.yaml"].decode()
    assert new_text == old_text.replace(f"value: {DEV_OLD}   #", "value: new-dev-bucket-1                   #")
    assert new_text.startswith("# dev's data: created by the ml-dev CloudFormation stack\n")
    assert engine.calls == [["dev"], ["dev"]]  # before the write (baseline) and after
    assert "dev: bucket mlops-data-bucket-dev-1754148674 -> new-dev-bucket-1" in out


def test_quoting_is_kept_and_region_is_set_in_overlay_and_dvc_remote(repo, engine, capsys):
    before = snapshot(repo)
    assert main(["update-bucket", "new-staging-bucket", "--env", "staging", "--region", "eu-central-1"]) == 0
    after = snapshot(repo)
    out = capsys.readouterr().out

    assert changed_files(before, after) == {"overlays/staging/bucket.yaml", ".dvc/config"}
    assert diff_lines(out, "overlays/staging/bucket.yaml") == [
        f'-  value: "{STAGING_OLD}"',
        '+  value: "new-staging-bucket"',
        "-  value: 'eu-west-1'",
        "+  value: 'eu-central-1'",
    ]
    assert diff_lines(out, ".dvc/config") == [
        f"-    url = s3://{STAGING_OLD}/dvc",
        "-    region = eu-west-1",
        "+    url = s3://new-staging-bucket/dvc",
        "+    region = eu-central-1",
    ]
    assert buckets.read_settings(repo, "staging").region == "eu-central-1"
    assert engine.calls == [["staging"], ["staging"]]


def test_crlf_line_endings_are_kept(repo, engine):
    original = (repo / "overlays/prod/bucket.yaml").read_bytes()
    assert original.count(b"\r\n") == original.count(b"\n") == 13  # the fixture really is CRLF
    assert main(["update-bucket", "new-prod-bucket", "--env", "prod"]) == 0
    edited = (repo / "overlays/prod/bucket.yaml").read_bytes()
    assert edited == original.replace(PROD_OLD.encode(), b"new-prod-bucket")
    assert b"# prod: never shared with another environment\r\n" in edited


def test_dry_run_prints_the_diff_and_writes_nothing(repo, engine, capsys):
    before = snapshot(repo)
    mtimes = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()}
    assert main(["update-bucket", "new-dev-bucket-1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+  value: new-dev-bucket-1" in out and "+    url = s3://new-dev-bucket-1/dvc" in out
    assert out.splitlines()[-1] == "dry run: nothing written"
    assert snapshot(repo) == before
    assert {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()} == mtimes
    assert engine.calls == []


def test_second_identical_run_says_already_set_and_changes_nothing(repo, engine, capsys):
    assert main(["update-bucket", "new-dev-bucket-1", "--region", "us-west-2"]) == 0
    capsys.readouterr()
    before = snapshot(repo)
    mtimes = {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()}
    assert main(["update-bucket", "new-dev-bucket-1", "--region", "us-west-2"]) == 0
    out = capsys.readouterr().out
    assert "dev: already set" in out
    assert "---" not in out  # no diff
    assert snapshot(repo) == before
    assert {p: p.stat().st_mtime_ns for p in repo.rglob("*") if p.is_file()} == mtimes
    assert len(engine.calls) == 2  # the first run only


def test_a_region_only_change_also_sets_the_dvc_remotes_region(repo, engine, capsys):
    before = snapshot(repo)
    assert main(["update-bucket", DEV_OLD, "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out
    assert changed_files(before, snapshot(repo)) == {"overlays/dev/bucket.yaml", ".dvc/config"}
    assert diff_lines(out, "overlays/dev/bucket.yaml") == ["-  value: us-east-1", "+  value: eu-west-1"]
    assert diff_lines(out, ".dvc/config") == ["-    region = us-east-1", "+    region = eu-west-1"]
    assert "already set" not in out
    assert "dev: region us-east-1 -> eu-west-1" in out
    assert engine.calls == [["dev"], ["dev"]]


def test_already_set_in_the_overlay_still_brings_a_stale_dvc_remote_in_line(repo, engine, capsys):
    dvc = repo / ".dvc/config"
    dvc.write_text(
        dvc.read_text()
        .replace(f"s3://{DEV_OLD}/dvc", "s3://mlops-data-bucket-dev-retired/dvc")
        .replace("    region = us-east-1\n", "    region = ap-south-1\n", 1)
    )
    before = snapshot(repo)
    assert main(["update-bucket", DEV_OLD]) == 0
    out = capsys.readouterr().out
    assert changed_files(before, snapshot(repo)) == {".dvc/config"}  # the overlay already says so
    assert diff_lines(out, ".dvc/config") == [
        "-    url = s3://mlops-data-bucket-dev-retired/dvc",
        "-    region = ap-south-1",
        f"+    url = s3://{DEV_OLD}/dvc",
        "+    region = us-east-1",
    ]
    assert "already set" not in out
    assert f"dev: .dvc/config now agrees with the overlay (bucket {DEV_OLD}, region us-east-1)" in out
    assert engine.calls == [["dev"], ["dev"]]

    assert main(["update-bucket", DEV_OLD]) == 0  # now both agree: nothing to do
    assert "dev: already set" in capsys.readouterr().out


def test_a_remote_named_for_the_environment_follows_it_from_a_stale_bucket():
    remotes = buckets.dvc_remotes(
        "['remote \"dev\"']\n  url = s3://retired/dvc\n['remote \"storage\"']\n  url = s3://current/dvc\n"
    )
    assert buckets.remotes_for_environment(remotes, "dev", "current", old_bucket_shared=False) == ["dev"]
    # a remote named for the environment on its current bucket wins over one on a stale bucket
    both = remotes + buckets.dvc_remotes("['remote \"dvc-dev\"']\n  url = s3://current/x\n")
    assert buckets.remotes_for_environment(both, "dev", "current", old_bucket_shared=False) == ["dvc-dev"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["Bad_Bucket"], "not a valid S3 bucket name"),
        (["ab"], "3 to 63 characters"),
        (["192.168.1.10"], "IP address"),
        (["good-bucket-name", "--region", "us-middle-9"], "not an AWS region code"),
        (["good-bucket-name", "--env", "qa"], "unknown environment 'qa'"),
    ],
)
def test_bad_value_exits_2_and_changes_nothing(repo, engine, capsys, argv, message):
    before = snapshot(repo)
    assert main(["update-bucket", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert snapshot(repo) == before
    assert engine.calls == []


def test_a_bucket_another_environment_uses_is_refused_unless_allowed(repo, engine, capsys):
    before = snapshot(repo)
    assert main(["update-bucket", STAGING_OLD]) == 2
    assert "already used by staging" in capsys.readouterr().err
    assert snapshot(repo) == before

    assert main(["update-bucket", STAGING_OLD, "--allow-shared"]) == 0
    assert buckets.read_settings(repo, "dev").bucket == STAGING_OLD
    # The staging remote already pointed there; the dev remote follows dev's bucket.
    assert buckets.dvc_remotes((repo / ".dvc/config").read_text())[0].bucket == STAGING_OLD


def test_env_all_is_explicit_and_putting_every_environment_on_one_bucket_needs_allow_shared(repo, engine, capsys):
    before = snapshot(repo)
    assert main(["update-bucket", "one-bucket-for-all", "--env", "all"]) == 2
    assert snapshot(repo) == before
    assert main(["update-bucket", "one-bucket-for-all", "--env", "all", "--allow-shared"]) == 0
    assert {buckets.read_settings(repo, e).bucket for e in ("dev", "staging", "prod")} == {"one-bucket-for-all"}
    assert engine.calls[-1] == ["dev", "prod", "staging"]


def test_failed_check_restores_every_file_and_shows_the_findings(repo, monkeypatch, capsys):
    finding = Finding(
        rule_id="ENV-BUCKET-SHARED",
        severity=Severity.ERROR,
        message="bucket is used by another environment",
        target="dev",
        object_ref="WorkflowTemplate/ml-dev/ml-pipeline",
        json_path="spec.arguments.parameters[4].value",
        file="overlays/dev/bucket.yaml",
        line=7,
    )
    fake = FakeEngine(FakeResult(), FakeResult(findings=[finding]))
    install_engine(monkeypatch, fake)
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1", "--region", "eu-west-3"]) == 1
    err = capsys.readouterr().err
    # The baseline saw the old files, the check after saw the edited ones, then everything went back.
    assert fake.seen_on_disk[0] == before
    assert fake.journal_seen == [False, True]  # the check after the write runs while the journal can undo it
    assert b"new-dev-bucket-1" in fake.seen_on_disk[1]["overlays/dev/bucket.yaml"]
    assert b"s3://new-dev-bucket-1/dvc" in fake.seen_on_disk[1][".dvc/config"]
    assert snapshot(repo) == before
    assert "overlays/dev/bucket.yaml:7: error ENV-BUCKET-SHARED: bucket is used by another environment" in err
    assert "restored" in err


def test_warnings_alone_do_not_undo_the_change(repo, monkeypatch):
    warning = Finding(rule_id="ARGO-X", severity=Severity.WARNING, message="just a hint", file="a.yaml", line=1)
    install_engine(monkeypatch, FakeEngine(FakeResult(findings=[warning])))
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-1"


def test_render_error_during_check_restores_every_file(repo, monkeypatch, capsys):
    install_engine(
        monkeypatch, FakeEngine(FakeResult(), FakeResult(errors=["dev: kustomize build failed: test op failed"]))
    )
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 1
    assert "kustomize build failed" in capsys.readouterr().err
    assert snapshot(repo) == before


def test_errors_that_were_there_before_the_change_do_not_undo_it(repo, monkeypatch, capsys):
    old = Finding(rule_id="ARGO-X", severity=Severity.ERROR, message="unrelated", target="dev", file="b.yaml", line=3)
    install_engine(monkeypatch, FakeEngine(FakeResult(findings=[old]), FakeResult(findings=[old])))
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert "no new errors (1 already there before this change)" in capsys.readouterr().out
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-1"


def test_a_crashing_check_still_restores_every_file(repo, monkeypatch, capsys):
    install_engine(monkeypatch, FakeEngine(raises=RuntimeError("kubectl vanished")))
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert "kubectl vanished" in capsys.readouterr().err
    assert snapshot(repo) == before


def test_no_check_skips_the_engine(repo, engine):
    assert main(["update-bucket", "new-dev-bucket-1", "--no-check"]) == 0
    assert engine.calls == []
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-1"


def test_a_failed_write_midway_leaves_every_file_as_it_was(repo, engine, monkeypatch, capsys):
    before = snapshot(repo)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(".dvc/config"):  # the second file of the run
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "error: could not write: No space left on device; every file is as it was"
    assert snapshot(repo) == before  # also: no temp files left next to them
    assert engine.calls == [["dev"]]  # the baseline only; nothing to check after a failed write


def test_a_failed_write_names_the_file_it_could_not_write(repo, engine, monkeypatch, capsys):
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(".dvc/config"):
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: could not write {repo / '.dvc/config'}: No space left on device; every file is as it was")


EDITED_SINCE = ("overlays/dev/bucket.yaml changed since the interrupted write (neither its old nor its new content); "
                "left as it is")


def test_a_failed_write_that_cannot_undo_a_file_edited_meanwhile_says_so_and_leaves_it(repo, engine, monkeypatch,
                                                                                        capsys):
    """Someone's editor saves the overlay between our two writes: the undo must not overwrite their edit."""
    real_replace = os.replace
    theirs = b"# their edit\n"

    def replace(src, dst):
        if str(dst).endswith(".dvc/config"):
            (repo / "overlays/dev/bucket.yaml").write_bytes(theirs)
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"error: could not write: No space left on device; {EDITED_SINCE}")
    assert (repo / "overlays/dev/bucket.yaml").read_bytes() == theirs


def test_a_failed_write_names_every_file_edited_meanwhile(repo, engine, monkeypatch, capsys):
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(".dvc/config"):  # after the three overlays
            for env in ("dev", "staging"):
                (repo / f"overlays/{env}/bucket.yaml").write_bytes(b"# their edit\n")
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["update-bucket", "shared-bucket-1", "--env", "all", "--allow-shared"]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: could not write: No space left on device; " + EDITED_SINCE.replace("dev", "staging") + "; "
        + EDITED_SINCE)


def test_a_failed_check_that_cannot_undo_files_edited_meanwhile_says_so(repo, monkeypatch, capsys):
    new_error = Finding("ARGO-X", Severity.ERROR, "broken", target="dev", file="b.yaml", line=3)

    class EditedDuringCheck(FakeEngine):
        def run(self, config, **kwargs):
            if self.calls:  # the check after the write
                (repo / "overlays/dev/bucket.yaml").write_bytes(b"# their edit\n")
                (repo / ".dvc/config").write_bytes(b"# their edit\n")
            return super().run(config, **kwargs)

    install_engine(monkeypatch, EditedDuringCheck(FakeResult(), FakeResult(findings=[new_error])))
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "b.yaml:3: error ARGO-X: broken",
        "the check failed after the change; " + EDITED_SINCE.replace("overlays/dev/bucket.yaml", ".dvc/config")
        + "; " + EDITED_SINCE]


def test_a_passed_check_says_what_it_rendered_and_counts_only_errors_already_there(repo, monkeypatch, capsys):
    install_engine(monkeypatch, FakeEngine(FakeResult()))  # renders nothing, finds nothing
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert "checked nothing: no new errors\n" in capsys.readouterr().out
    old = Finding("ARGO-X", Severity.ERROR, "unrelated", target="dev", file="b.yaml", line=3)
    install_engine(monkeypatch, FakeEngine(FakeResult(findings=[old])))
    assert main(["update-bucket", "new-dev-bucket-2"]) == 0
    assert "checked nothing: no new errors (1 already there before this change)\n" in capsys.readouterr().out


def test_every_new_error_is_shown_on_its_own_line(repo, monkeypatch, capsys):
    found = [Finding("ARGO-X", Severity.ERROR, "first", target="dev", file="a.yaml", line=1),
             Finding("ARGO-Y", Severity.ERROR, "second", target="dev", file="b.yaml", line=2)]
    install_engine(monkeypatch, FakeEngine(FakeResult(), FakeResult(findings=found)))
    assert main(["update-bucket", "new-dev-bucket-1"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "a.yaml:1: error ARGO-X: first", "b.yaml:2: error ARGO-Y: second",
        "the check failed after the change, so every file was restored; nothing changed"]


def test_a_crash_during_the_check_is_rolled_back_by_the_next_command_naming_this_one(repo, monkeypatch, tmp_path):
    """The journal names the command, so the next one can say what it rolled back (here: a copy of the repository
    taken while the check ran, as a SIGKILL would have left it)."""
    from validation.journal import recover

    crashed = tmp_path / "crashed"
    before = snapshot(repo)
    _crashed_during_check(repo, monkeypatch, crashed)
    said: list[str] = []
    recover(crashed, say=said.append)
    assert said == [
        f"recovered: update-bucket new-dev-bucket-1 --env dev (pid {os.getpid()}) was interrupted while writing; "
        "restored overlays/dev/bucket.yaml, .dvc/config to their content before it"]
    assert snapshot(crashed) == before


def _crashed_during_check(repo: Path, monkeypatch: pytest.MonkeyPatch, crashed: Path) -> None:
    """A copy of `repo` as a SIGKILL during update-bucket's check would leave it: new-dev-bucket-1 written, the
    journal still there."""

    class CopiedDuringCheck(FakeEngine):
        def run(self, config, **kwargs):
            if self.calls:
                shutil.copytree(repo, crashed)
            return super().run(config, **kwargs)

    install_engine(monkeypatch, CopiedDuringCheck())
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert (crashed / JOURNAL_NAME).is_file()


def test_write_atomic_keeps_the_original_when_interrupted_and_keeps_the_mode(tmp_path, monkeypatch):
    target = tmp_path / "bucket.yaml"
    target.write_bytes(b"value: old\n")
    target.chmod(0o640)

    def boom(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"value: new\n")
    assert target.read_bytes() == b"value: old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["bucket.yaml"]

    monkeypatch.undo()
    write_atomic(target, b"value: new\n")
    assert target.read_bytes() == b"value: new\n"
    assert target.stat().st_mode & 0o777 == 0o640


def test_dvc_remote_on_a_bucket_shared_with_another_environment_is_left_alone():
    remotes = buckets.dvc_remotes("['remote \"storage\"']\n    url = s3://shared/dvc\n")
    assert buckets.remotes_for_environment(remotes, "dev", "shared", old_bucket_shared=True) == []
    assert buckets.remotes_for_environment(remotes, "dev", "shared", old_bucket_shared=False) == ["storage"]
    named = buckets.dvc_remotes(
        "['remote \"dvc-dev\"']\n  url = s3://shared\n['remote \"prod\"']\n  url = s3://shared\n"
    )
    assert buckets.remotes_for_environment(named, "dev", "shared", old_bucket_shared=True) == ["dvc-dev"]


def test_dvc_config_edit_keeps_crlf_quotes_and_other_sections():
    text = '[core]\r\n    remote = dev\r\n[\'remote "dev"\']\r\n    url = "s3://old-bucket/x"\r\n    region = us-east-1\r\n'
    new = buckets.edit_dvc_config(text, ["dev"], old_bucket="old-bucket", new_bucket="new-bucket", region="eu-west-1")
    assert new == text.replace("old-bucket", "new-bucket").replace("us-east-1", "eu-west-1")


def test_edit_keeps_a_document_end_marker_and_flow_style_lines():
    text = (
        "---\n"
        "- {op: test, path: /spec/arguments/parameters/4/name, value: dvc-s3-bucket}\n"
        "- op: replace\n"
        "  path: /spec/arguments/parameters/4/value\n"
        "  value: old-bucket\n"
        "...\n"
    )
    assert buckets.edit_bucket_text(text, bucket="new-bucket") == text.replace("old-bucket", "new-bucket")


def test_a_patch_without_the_test_guard_is_not_mistaken_for_the_bucket_file(tmp_path):
    overlay = tmp_path / "overlays" / "qa"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text("patches:\n  - path: bucket.yaml\n")
    (overlay / "bucket.yaml").write_text("- op: replace\n  path: /spec/arguments/parameters/4/value\n  value: b\n")
    with pytest.raises(buckets.BucketFileError, match="no patch sets dvc-s3-bucket"):
        buckets.find_bucket_file(overlay)


def test_a_layout_the_round_trip_would_rewrite_is_refused_rather_than_reformatted(repo, engine, capsys):
    path = repo / "overlays/dev/bucket.yaml"
    path.write_text(path.read_text().replace("- op: test", "- op:    test", 1))
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert "would change more than the value lines" in capsys.readouterr().err
    assert snapshot(repo) == before


# -- with the real engine, on a copy of this repository --------------------------------------------------------


@pytest.fixture
def real_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not (REPO / "overlays/staging/bucket.yaml").is_file():
        pytest.skip("the overlays are not in this checkout yet")
    root = copy_repo(tmp_path / "real")
    monkeypatch.chdir(root)
    return root


def test_real_check_passes_for_a_clean_change_and_says_what_it_rendered(real_repo, capsys):
    before = snapshot(real_repo)
    assert main(["update-bucket", "mlops-data-bucket-staging-new", "--env", "staging", "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out
    assert changed_files(before, snapshot(real_repo)) == {"overlays/staging/bucket.yaml", ".dvc/config"}
    assert "checked staging, app/ml-pipeline-staging: no new errors" in out
    settings = buckets.read_settings(real_repo, "staging")
    assert (settings.bucket, settings.region) == ("mlops-data-bucket-staging-new", "eu-west-1")
    remote = {r.name: r for r in buckets.dvc_remotes((real_repo / ".dvc/config").read_text())}["staging"]
    assert remote.url == "s3://mlops-data-bucket-staging-new/dvc"


def test_real_check_that_fails_after_the_change_restores_every_file(real_repo, capsys):
    # A stale guard elsewhere in the overlay pins staging's old bucket: the tree renders before the edit,
    # and the kustomize build fails after it. That new failure must undo the edit.
    old = buckets.read_settings(real_repo, "staging").bucket
    (real_repo / "overlays/staging/guard.yaml").write_text(
        f"- op: test\n  path: /spec/arguments/parameters/4/value\n  value: {old}\n"
    )
    kustomization = real_repo / "overlays/staging/kustomization.yaml"
    lines = kustomization.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "path: bucket.yaml" in line) + 1  # after the bucket patch
    lines.insert(at, "  - {path: guard.yaml, target: {kind: WorkflowTemplate}}\n")
    kustomization.write_text("".join(lines))
    assert "guard.yaml" in kustomization.read_text()
    before = snapshot(real_repo)

    assert main(["update-bucket", "mlops-data-bucket-staging-new", "--env", "staging"]) == 1
    err = capsys.readouterr().err
    assert "restored" in err
    assert "RENDER" in err or "error:" in err, err  # the render failure is shown
    assert snapshot(real_repo) == before


def test_real_allow_shared_accepts_a_shared_bucket_and_says_the_check_will_report_it(real_repo, capsys):
    prod_bucket = buckets.read_settings(real_repo, "prod").bucket
    assert main(["update-bucket", prod_bucket, "--env", "staging"]) == 2
    assert main(["update-bucket", prod_bucket, "--env", "staging", "--allow-shared"]) == 0
    captured = capsys.readouterr()
    assert "ENV-BUCKET-SHARED" in captured.err and "allow-shared-buckets = true" in captured.err
    assert buckets.read_settings(real_repo, "staging").bucket == prod_bucket


def test_another_environments_unreadable_patch_does_not_block_this_one(repo, engine, capsys):
    (repo / "overlays/prod/bucket.yaml").write_text("- op: replace\n  path: /x\n  value: y\n")
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert "note: prod:" in capsys.readouterr().err
    assert main(["update-bucket", "new-prod-bucket-1", "--env", "prod"]) == 2


def test_the_shell_entry_point_reports_bad_input_without_a_traceback(repo):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "validation", "update-bucket", "UPPER_case", "--env", "prod"],
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: 'UPPER_case' is not a valid S3 bucket name")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_root_is_found_from_a_subdirectory(repo, engine, monkeypatch):
    monkeypatch.chdir(repo / "overlays" / "dev")
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-1"


def test_edit_keeps_an_indented_sequence_layout_and_key_order():
    text = (
        "# four-space mappings, sequence dashes indented by two\n"
        "  - path: /spec/arguments/parameters/4/name\n"
        "    op: test\n"
        "    value: dvc-s3-bucket\n"
        "  - value: 'old-bucket'  # value first, on purpose\n"
        "    op: replace\n"
        "    path: /spec/arguments/parameters/4/value\n"
    )
    assert buckets.edit_bucket_text(text, bucket="new-bucket") == text.replace("'old-bucket'", "'new-bucket'")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BUCKET_NAMES = st.one_of(
    st.sampled_from(["123", "true", "null", "1e10", "0x1f", "yes", "no-", "on", "a.b.c", "2024-01-01"]),
    st.from_regex(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", fullmatch=True),
).filter(lambda n: ".." not in n)


@settings(max_examples=150, deadline=None)
@given(name=BUCKET_NAMES)
def test_any_bucket_name_reads_back_as_that_string_and_changes_one_line(name):
    # Names YAML would read as a number, boolean, null or date must come back as the same string.
    text = (FIXTURE / "overlays/dev/bucket.yaml").read_text()
    edited = buckets.edit_bucket_text(text, bucket=name)
    import yaml

    ops = yaml.safe_load(edited)
    assert [op["value"] for op in ops if op["path"].endswith("/4/value")] == [name]
    changed = [(a, b) for a, b in zip(text.splitlines(), edited.splitlines(), strict=True) if a != b]
    assert len(changed) == (0 if name == DEV_OLD else 1)


def test_a_name_yaml_1_1_reads_as_a_boolean_or_number_is_written_quoted(repo, engine, capsys):
    assert main(["update-bucket", "yes", "--env", "prod"]) == 0
    assert diff_lines(capsys.readouterr().out, "overlays/prod/bucket.yaml") == [
        f"-  value: {PROD_OLD}",
        '+  value: "yes"',
    ]
    assert main(["update-bucket", "123", "--env", "prod"]) == 0
    assert b'  value: "123"\r\n' in (repo / "overlays/prod/bucket.yaml").read_bytes()


def test_an_interrupt_between_two_writes_puts_the_first_back(repo, engine, monkeypatch):
    before = snapshot(repo)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst).endswith(".dvc/config"):
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 130
    monkeypatch.undo()
    assert snapshot(repo) == before


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "write"])
def test_a_latin1_byte_in_dvc_config_is_a_usage_error_naming_the_file_and_line(repo, engine, capsys, dry_run):
    dvc = repo / ".dvc/config"
    dvc.write_bytes(dvc.read_bytes().replace(b"# one remote", b"# caf\xe9: one remote"))
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1", *(["--dry-run"] if dry_run else [])]) == 2
    err = capsys.readouterr().err
    assert ".dvc/config line 4: not UTF-8 (byte 0xe9); DVC cannot read it either" in err
    assert "internal error" not in err
    assert snapshot(repo) == before


def test_a_bucket_patch_symlinked_out_of_the_repository_is_refused(repo, engine, capsys, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes((repo / "overlays/dev/bucket.yaml").read_bytes())
    (repo / "overlays/dev/bucket.yaml").unlink()
    (repo / "overlays/dev/bucket.yaml").symlink_to(outside)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    err = capsys.readouterr().err
    assert "outside the repository" in err and "bucket.yaml" in err
    assert DEV_OLD.encode() in outside.read_bytes()


def test_a_dvc_config_symlinked_out_of_the_repository_is_refused(repo, engine, capsys, tmp_path):
    outside = tmp_path / "dvc-config"
    outside.write_bytes((repo / ".dvc/config").read_bytes())
    (repo / ".dvc/config").unlink()
    (repo / ".dvc/config").symlink_to(outside)
    before_outside = outside.read_bytes()
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert ".dvc/config resolves to" in capsys.readouterr().err
    assert outside.read_bytes() == before_outside
    assert buckets.read_settings(repo, "dev").bucket == DEV_OLD


def test_a_symlink_inside_the_repository_is_edited_at_its_target_and_stays_a_link(repo, engine):
    real = repo / "overlays/dev/bucket-real.yaml"
    (repo / "overlays/dev/bucket.yaml").rename(real)
    (repo / "overlays/dev/bucket.yaml").symlink_to("bucket-real.yaml")
    assert main(["update-bucket", "new-dev-bucket-1", "--no-check"]) == 0
    assert (repo / "overlays/dev/bucket.yaml").is_symlink()
    assert b"new-dev-bucket-1" in real.read_bytes()


def test_dot_directories_under_overlays_are_not_environments(repo, engine, capsys):
    """A scratch copy a killed tool left (overlays/.argo-ml-render-x) must never be edited as an environment."""
    shutil.copytree(repo / "overlays/dev", repo / "overlays/.argo-ml-render-dev-abc")
    assert buckets.environments(repo) == ["dev", "prod", "staging"]
    assert main(["update-bucket", "one-bucket-for-all", "--env", "all", "--allow-shared", "--no-check"]) == 0
    assert DEV_OLD.encode() in (repo / "overlays/.argo-ml-render-dev-abc/bucket.yaml").read_bytes()


def test_a_fifo_as_the_bucket_patch_is_refused_not_waited_on(repo, engine, capsys):
    (repo / "overlays/dev/bucket.yaml").unlink()
    os.mkfifo(repo / "overlays/dev/bucket.yaml")
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_what_changed_and_what_could_not_be_undone_are_said_in_full(tmp_path):
    import errno

    from validation.commands import update_bucket

    current = buckets.BucketSettings("dev", tmp_path / "bucket.yaml", "old-bucket", "us-east-1")
    assert update_bucket._summary(current, "new-bucket", "eu-west-1") == (
        "bucket old-bucket -> new-bucket, region us-east-1 -> eu-west-1")
    assert update_bucket._summary(current, "old-bucket", None) == (
        ".dvc/config now agrees with the overlay (bucket old-bucket, region us-east-1)")

    class StuckTransaction:
        def rollback(self):
            raise OSError(errno.EACCES, "Permission denied")

    assert update_bucket._undo(StuckTransaction()) == [
        "could not restore the files (Permission denied); the next `python -m validation` command rolls them back "
        "from the journal"]


def test_the_checks_errors_are_every_error_level_finding_in_order_each_with_its_place(monkeypatch, tmp_path):
    from validation.commands import update_bucket

    found = [
        Finding("R-ERR", Severity.ERROR, "late", target="dev", object_ref="ConfigMap/x", json_path="data.a",
                file="base/c.yaml", line=9),
        Finding("R-WARN", Severity.WARNING, "a warning first", target="dev", file="base/a.yaml", line=1),
        Finding("R-ERR", Severity.ERROR, "no line", target="dev", file="base/b.yaml"),
        Finding("R-ERR", Severity.ERROR, "no file", target="prod", object_ref="Role/r"),
        Finding("R-ERR", Severity.ERROR, "nowhere"),
    ]
    fake = FakeEngine(FakeResult(findings=found, errors=["kustomize failed"], rendered=[]))
    install_engine(monkeypatch, fake)
    errors, rendered = update_bucket._errors(types.SimpleNamespace(root=str(tmp_path)), ["dev"])
    assert list(errors.values()) == [
        "error: kustomize failed",
        ": error R-ERR: nowhere",
        "base/b.yaml: error R-ERR: no line",
        "base/c.yaml:9: error R-ERR: late (ConfigMap/x data.a)",
        "prod: error R-ERR: no file (Role/r)",
    ]
    assert rendered == []


def test_help_says_what_each_flag_does_and_its_default(monkeypatch, capsys):
    """The one screen a user reads before repointing an environment: every flag, its value's name and its default."""
    monkeypatch.setenv("COLUMNS", "200")  # one line per flag
    with pytest.raises(SystemExit) as done:
        main(["update-bucket", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.split("positional arguments:\n", 1)[1] == """\
  NEW-BUCKET            the new S3 bucket name

options:
  -h, --help            show this help message and exit
  --env ENV             environment to change: an overlay name (dev, staging, prod) or 'all' (default: dev)
  --region REGION       also set the AWS region code, e.g. eu-west-1
  --dry-run             print the diff and write nothing
  --allow-shared        allow a bucket another environment already uses
  --no-check            skip rendering and checking afterwards
  --root DIR            repository root (default: found from the cwd)
  --lock-timeout SECONDS
                        wait this long for another run holding the repository lock (default: 120)
"""


@pytest.mark.parametrize("argv, said", [
    (["Bad_Bucket"], "'Bad_Bucket' is not a valid S3 bucket name: may contain only lowercase letters, digits, dots "
                     "and hyphens (found 'B' '_')"),
    (["good-bucket-name", "--region", "us-middle-9"],
     "'us-middle-9' is not an AWS region code (e.g. us-east-1, eu-west-1)"),
    (["good-bucket-name", "--root", "/nonexistent"], "--root /nonexistent: not a directory"),
    (["good-bucket-name", "--lock-timeout", "-1"], "--lock-timeout must be 0 or more seconds"),
    (["good-bucket-name", "--env", "qa"], "unknown environment 'qa' (known: dev, prod, staging, or all)"),
    ([STAGING_OLD], f"bucket {STAGING_OLD!r} is already used by staging; environments sharing a bucket overwrite "
                    "each other's data (pass --allow-shared if that is intended)"),
    (["one-bucket", "--env", "all"],
     "--env all would put dev, prod, staging on one bucket; pass --allow-shared if that is intended"),
], ids=["bucket", "region", "root", "lock-timeout", "env", "shared", "all"])
def test_each_refusal_says_its_whole_reason_and_changes_nothing(repo, engine, capsys, argv, said):
    before = snapshot(repo)
    assert main(["update-bucket", *argv]) == 2
    assert capsys.readouterr().err == f"error: {said}\n"
    assert snapshot(repo) == before


def test_a_root_without_overlays_is_refused_naming_where_it_looked(tmp_path, engine, capsys):
    assert main(["update-bucket", "good-bucket-name", "--root", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: no environments under {tmp_path.resolve() / 'overlays'}\n"


def test_what_is_already_set_is_said_with_the_region_only_when_one_was_asked_for(repo, engine, capsys):
    assert main(["update-bucket", DEV_OLD]) == 0
    assert capsys.readouterr().out == f"dev: already set (bucket {DEV_OLD})\n"
    assert main(["update-bucket", DEV_OLD, "--region", "us-east-1"]) == 0
    assert capsys.readouterr().out == f"dev: already set (bucket {DEV_OLD}, region us-east-1)\n"
    assert engine.calls == []  # nothing to write, nothing to check


def test_notes_on_what_is_left_alone_and_on_what_check_will_say(repo, engine, capsys):
    (repo / "overlays/prod/bucket.yaml").write_text("- op: replace\n  path: /x\n  value: y\n")
    dvc = repo / ".dvc/config"
    dvc.write_text(dvc.read_text().replace('remote "dev"', 'remote "archive"').replace(DEV_OLD, "elsewhere"))
    assert main(["update-bucket", STAGING_OLD, "--allow-shared"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"note: prod: {repo / 'overlays/prod/kustomization.yaml'}: no patch sets dvc-s3-bucket (expected a JSON6902 "
        "patch such as bucket.yaml with a `test` op on the parameter's name and a `replace` op on its value); not "
        "compared for a shared bucket",
        "note: dev: no DVC remote in .dvc/config follows its bucket; left as it is",
        "note: `python -m validation check` reports ENV-BUCKET-SHARED for this until [tool.validation] "
        "allow-shared-buckets = true",
    ]
    assert buckets.read_settings(repo, "dev").bucket == STAGING_OLD


def test_a_name_that_breaks_two_rules_is_refused_naming_both(repo, engine, capsys):
    assert main(["update-bucket", "Ab"]) == 2
    assert capsys.readouterr().err == (
        "error: 'Ab' is not a valid S3 bucket name: must be 3 to 63 characters long (it has 2); may contain only "
        "lowercase letters, digits, dots and hyphens (found 'A')\n")


def test_a_bad_tool_validation_table_is_refused_with_its_reason_before_any_file_is_read(repo, engine, capsys):
    (repo / "pyproject.toml").write_text('[tool.validation]\nkubernetes-version = "1.37"\nno-such-key = 1\n')
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert capsys.readouterr().err == "error: [tool.validation] unknown key 'no-such-key'\n"
    assert snapshot(repo) == before


def test_the_lock_names_this_command_while_it_checks(repo, monkeypatch):
    from validation.repo_lock import read_holder

    holders = []

    class ReadsTheLock(FakeEngine):
        def run(self, config, **kwargs):
            holders.append(read_holder(repo / LOCK_NAME))
            return super().run(config, **kwargs)

    install_engine(monkeypatch, ReadsTheLock())
    assert main(["update-bucket", "new-dev-bucket-1", "--env", "dev"]) == 0
    assert [(h.pid, h.command) for h in holders] == [(os.getpid(), "update-bucket new-dev-bucket-1 --env dev")] * 2
    assert not (repo / LOCK_NAME).exists()  # released when done


def test_a_held_lock_is_waited_on_for_the_lock_timeout_given_then_refused(repo, engine, capsys):
    """The other holder keeps the lock for the whole run, so the outcome does not depend on timing: the message
    says how long this run waited."""
    from validation.repo_lock import repo_lock

    before = snapshot(repo)
    with repo_lock(repo, "someone else's edit"):
        assert main(["update-bucket", "new-dev-bucket-1", "--lock-timeout", "0.2"]) == 2
    err = capsys.readouterr().err
    assert "waiting for the repository lock, held by pid" in err and "(up to 0.2 s)" in err
    assert err.splitlines()[-1].startswith(f"error: the repository is locked by pid {os.getpid()} (someone else's edit")
    assert "; gave up after 0.2 s." in err
    assert snapshot(repo) == before
    assert engine.calls == []


def test_update_bucket_first_rolls_back_an_interrupted_edit_under_its_own_lock(repo, monkeypatch, tmp_path, capsys):
    crashed = tmp_path / "crashed"
    _crashed_during_check(repo, monkeypatch, crashed)
    monkeypatch.chdir(crashed)
    capsys.readouterr()
    install_engine(monkeypatch, FakeEngine())
    assert main(["update-bucket", "new-dev-bucket-2"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"recovered: update-bucket new-dev-bucket-1 --env dev (pid {os.getpid()}) was interrupted while writing; "
        "restored overlays/dev/bucket.yaml, .dvc/config to their content before it\n")
    # The edit is planned from the restored files: its diff starts from the old bucket, not the half-written one.
    assert diff_lines(captured.out, ".dvc/config") == [
        f"-    url = s3://{DEV_OLD}/dvc", "+    url = s3://new-dev-bucket-2/dvc"]
    assert buckets.read_settings(crashed, "dev").bucket == "new-dev-bucket-2"
    assert not (crashed / JOURNAL_NAME).exists()


def test_an_unreadable_journal_of_an_interrupted_edit_is_refused_and_left_for_a_person(repo, engine, capsys):
    (repo / JOURNAL_NAME).write_text("{not json")
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {repo / JOURNAL_NAME}: cannot read the journal of an interrupted edit (")
    assert err.endswith("); look at the files it names, fix them by hand, then delete it\n")
    assert snapshot(repo) == before
    assert engine.calls == []


def test_a_lock_timeout_of_exactly_0_takes_a_free_lock(repo, engine):
    """In-process twin of the boundary test in test_update_bucket_crash.py, so a mutation run sees it."""
    assert main(["update-bucket", "new-dev-bucket-1", "--lock-timeout", "0"]) == 0
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-1"


def test_without_a_dvc_config_the_overlay_alone_changes_and_is_checked_and_summed_up(repo, engine, capsys):
    (repo / ".dvc/config").unlink()
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    out = capsys.readouterr().out
    assert changed_files(before, snapshot(repo)) == {"overlays/dev/bucket.yaml"}
    assert engine.calls == [["dev"], ["dev"]]
    assert out.splitlines()[-2:] == ["checked nothing: no new errors", f"dev: bucket {DEV_OLD} -> new-dev-bucket-1"]


def test_the_overlays_folder_named_in_the_config_is_where_environments_are_found(repo, engine, capsys):
    (repo / "overlays").rename(repo / "envs")
    (repo / "pyproject.toml").write_text('[tool.validation]\nkubernetes-version = "1.37"\noverlays-dir = "envs"\n')
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert buckets.read_settings(repo, "dev", "envs").bucket == "new-dev-bucket-1"


def test_no_environments_found_from_the_cwd_says_to_run_from_the_repository(tmp_path, engine, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["update-bucket", "good-bucket-name"]) == 2
    where = tmp_path.resolve()
    assert capsys.readouterr().err == (
        f"error: no environments under {where / 'overlays'}; {where} is not inside the repository (no pyproject.toml "
        "there or above): run the command from the repository, or pass --root DIR\n")


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["fifo", "directory"])
def test_a_dvc_config_that_is_no_regular_file_is_refused_by_its_name_not_passed_over(repo, engine, capsys, make):
    """Passed over, the overlay would move to the new bucket and DVC's remote would silently stay behind."""
    (repo / ".dvc/config").unlink()
    make(repo / ".dvc/config")
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert capsys.readouterr().err == "error: .dvc/config: not a regular file\n"
    assert buckets.read_settings(repo, "dev").bucket == DEV_OLD


def _rename_dev_remote(repo: Path, name: str, bucket: str = DEV_OLD) -> None:
    dvc = repo / ".dvc/config"
    dvc.write_text(dvc.read_text().replace('remote "dev"', f'remote "{name}"').replace(DEV_OLD, bucket))


def test_a_remote_named_for_no_environment_follows_the_bucket_it_is_on_unless_another_environment_uses_it(
        repo, engine, capsys):
    _rename_dev_remote(repo, "storage")
    assert main(["update-bucket", "new-dev-bucket-1", "--no-check"]) == 0
    assert diff_lines(capsys.readouterr().out, ".dvc/config") == [
        f"-    url = s3://{DEV_OLD}/dvc", "+    url = s3://new-dev-bucket-1/dvc"]

    # staging now shares dev's bucket: moving the remote would move staging's data too, so it stays.
    staging = repo / "overlays/staging/bucket.yaml"
    staging.write_text(staging.read_text().replace(STAGING_OLD, "new-dev-bucket-1"))
    dvc_before = (repo / ".dvc/config").read_bytes()
    assert main(["update-bucket", "new-dev-bucket-2", "--no-check"]) == 0
    assert capsys.readouterr().err == "note: dev: no DVC remote in .dvc/config follows its bucket; left as it is\n"
    assert (repo / ".dvc/config").read_bytes() == dvc_before
    assert buckets.read_settings(repo, "dev").bucket == "new-dev-bucket-2"


def test_a_remote_already_on_the_new_bucket_is_the_environments_and_another_named_for_it_stays(repo, engine, capsys):
    """The remote was repointed by hand first; dev-archive, also named for dev, keeps its own bucket."""
    dvc = repo / ".dvc/config"
    dvc.write_text(dvc.read_text().replace(f"s3://{DEV_OLD}/", "s3://new-dev-bucket-1/")
                   + "['remote \"dev-archive\"']\n    url = s3://dev-archive-bucket/dvc\n")
    dvc_before = dvc.read_bytes()
    before = snapshot(repo)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert changed_files(before, snapshot(repo)) == {"overlays/dev/bucket.yaml"}
    assert dvc.read_bytes() == dvc_before


def test_with_env_all_an_environment_without_a_remote_does_not_stop_the_others_from_following(repo, engine, capsys):
    _rename_dev_remote(repo, "archive", bucket="elsewhere")
    assert main(["update-bucket", "one-bucket-for-all", "--env", "all", "--allow-shared", "--no-check"]) == 0
    remotes = {r.name: r.bucket for r in buckets.dvc_remotes((repo / ".dvc/config").read_text())}
    assert remotes == {"archive": "elsewhere", "staging": "one-bucket-for-all", "prod": "one-bucket-for-all"}


def test_a_bucket_two_other_environments_use_is_refused_naming_both(repo, engine, capsys):
    for env in ("staging", "prod"):
        path = repo / f"overlays/{env}/bucket.yaml"
        path.write_bytes(path.read_bytes().replace(
            (STAGING_OLD if env == "staging" else PROD_OLD).encode(), b"shared-bucket-1"))
    assert main(["update-bucket", "shared-bucket-1"]) == 2
    assert capsys.readouterr().err.startswith("error: bucket 'shared-bucket-1' is already used by prod, staging; ")


def test_env_all_over_exactly_two_environments_still_needs_allow_shared(repo, engine, capsys):
    shutil.rmtree(repo / "overlays/prod")
    assert main(["update-bucket", "one-bucket", "--env", "all"]) == 2
    assert capsys.readouterr().err == (
        "error: --env all would put dev, staging on one bucket; pass --allow-shared if that is intended\n")


def test_the_check_allows_shared_buckets_only_when_asked_to(repo, monkeypatch):
    class SeesTheConfig(FakeEngine):
        def __init__(self):
            super().__init__()
            self.allowed: list[bool] = []

        def run(self, config, **kwargs):
            self.allowed.append(config.allow_shared_buckets)
            return super().run(config, **kwargs)

    fake = SeesTheConfig()
    install_engine(monkeypatch, fake)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 0
    assert main(["update-bucket", STAGING_OLD, "--allow-shared"]) == 0
    assert fake.allowed == [False, False, True, True]


SHARED_NOTE = ("note: `python -m validation check` reports ENV-BUCKET-SHARED for this until [tool.validation] "
               "allow-shared-buckets = true\n")


def test_the_note_on_what_check_will_report_comes_only_when_a_bucket_ends_up_shared(repo, engine, capsys):
    assert main(["update-bucket", "new-dev-bucket-1", "--allow-shared"]) == 0  # allowed, but nothing is shared
    assert capsys.readouterr().err == ""
    shutil.rmtree(repo / "overlays/prod")
    assert main(["update-bucket", "one-bucket", "--env", "all", "--allow-shared"]) == 0  # two on one bucket
    assert capsys.readouterr().err == SHARED_NOTE


def swap_after_read_settings(monkeypatch: pytest.MonkeyPatch, env: str, swap) -> None:
    """Stage a race: another program changes `env`'s patch file right after `read_settings` has read it (under
    the lock, which only this tool's runs take), so only `_plan`'s own checks stand in its way."""
    read_settings = buckets.read_settings

    def racing(root, environment, *args, **kwargs):
        settings = read_settings(root, environment, *args, **kwargs)
        if environment == env:
            swap(settings.file)
        return settings

    monkeypatch.setattr(buckets, "read_settings", racing)


def test_a_patch_swapped_for_a_symlink_out_of_the_repository_after_it_was_read_is_refused(
        repo, engine, monkeypatch, capsys, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes((repo / "overlays/dev/bucket.yaml").read_bytes())
    before, before_outside = snapshot(repo), outside.read_bytes()

    def to_symlink(path: Path) -> None:
        path.unlink()
        path.symlink_to(outside)

    swap_after_read_settings(monkeypatch, "dev", to_symlink)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    err = capsys.readouterr().err
    assert f"error: overlays/dev/bucket.yaml resolves to {outside}, outside the repository" in err
    assert outside.read_bytes() == before_outside  # not edited through the link
    assert snapshot(repo) == before  # the link reads as the same bytes; .dvc/config is untouched
    assert engine.calls == []


def to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def to_latin1(path: Path) -> None:
    path.write_bytes(b"# caf\xe9\n" + path.read_bytes())


@pytest.mark.parametrize(("swap", "message"), [
    (to_fifo, "error: overlays/dev/bucket.yaml: not a regular file"),  # and not blocked on it
    (to_latin1, "error: overlays/dev/bucket.yaml line 1: not UTF-8 (byte 0xe9)"),
], ids=["fifo", "latin1"])
def test_a_patch_swapped_for_a_fifo_or_for_latin1_after_it_was_read_is_refused_by_name(
        repo, engine, monkeypatch, capsys, swap, message):
    before = snapshot(repo)
    swap_after_read_settings(monkeypatch, "dev", swap)
    assert main(["update-bucket", "new-dev-bucket-1"]) == 2
    assert message in capsys.readouterr().err
    if swap is to_latin1:  # only the racing program's own change is on disk
        latin1 = b"# caf\xe9\n" + before["overlays/dev/bucket.yaml"]
        assert snapshot(repo) == {**before, "overlays/dev/bucket.yaml": latin1}
    else:  # a FIFO is no file to snapshot; every other file is as it was
        assert snapshot(repo) == {k: v for k, v in before.items() if k != "overlays/dev/bucket.yaml"}
    assert engine.calls == []


def test_a_path_outside_the_root_is_shown_whole():
    from validation.commands.update_bucket import _rel

    # _plan only names files inside the root; a path elsewhere (never handed to it today) is not shortened
    assert _rel(Path("/repo"), Path("/repo/overlays/dev/bucket.yaml")) == "overlays/dev/bucket.yaml"
    assert _rel(Path("/repo"), Path("/elsewhere/bucket.yaml")) == "/elsewhere/bucket.yaml"
