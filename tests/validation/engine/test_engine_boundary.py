"""The pieces behind the repository boundary and bounded output, one behaviour each."""

from __future__ import annotations

import subprocess

import pytest

from validation.boundary import app_path_problem, is_remote, out_of_bounds_symlinks, steps_outside
from validation.engine import MAX_MESSAGE, bounded
from validation.render import MAX_DEPTH, _clip, too_deep


@pytest.mark.parametrize("target,outside", [
    ("params.yaml", False),
    ("../base/x.yaml", False),
    ("/etc/passwd", True),  # Argo CD denies every absolute symlink, even one pointing inside
    ("../../../etc/passwd", True),
    ("../../../repo/base/x.yaml", True),  # steps out and back in: Argo CD refuses it too
])
def test_symlink_targets_are_judged_as_argo_cd_judges_them(tmp_path, target, outside):
    root = tmp_path / "repo"
    assert steps_outside(root, root / "overlays/dev/link.yaml", target) is outside


def test_out_of_bounds_symlinks_come_from_git_and_skip_ignored_ones(tmp_path):
    root = tmp_path / "repo"
    (root / "overlays").mkdir(parents=True)
    (root / ".gitignore").write_text(".venv/\n")
    (root / ".venv/bin").mkdir(parents=True)
    (root / ".venv/bin/python").symlink_to("/usr/bin/python3")  # ignored: not in Argo CD's clone
    (root / "overlays/link.yaml").symlink_to("/etc/hostname")
    (root / "overlays/ok.yaml").symlink_to("../.gitignore")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert out_of_bounds_symlinks(root) == [("overlays/link.yaml", "/etc/hostname")]


def test_without_git_the_walk_skips_virtualenvs(tmp_path):
    root = tmp_path / "repo"
    (root / "venv/bin").mkdir(parents=True)
    (root / "venv/bin/python").symlink_to("/usr/bin/python3")
    (root / "base").mkdir()
    (root / "base/out").symlink_to(tmp_path)  # a directory symlink counts too
    assert out_of_bounds_symlinks(root) == [("base/out", str(tmp_path))]


@pytest.mark.parametrize("path,problem", [
    ("overlays/dev", None),
    (".", None),
    ("../..", "../..: app path outside root"),
    ("overlays/../../x", "overlays/../../x: app path outside root"),
    ("/srv/apps", "/srv/apps: app path is absolute"),
])
def test_application_paths_are_refused_in_argo_cds_words(tmp_path, path, problem):
    root = tmp_path / "repo"
    (root / "overlays/dev").mkdir(parents=True)
    assert app_path_problem(root, path) == problem


def test_an_application_path_through_a_symlinked_directory_is_refused(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "apps").symlink_to(tmp_path)
    assert "outside the repository" in app_path_problem(root, "apps")


@pytest.mark.parametrize("ref,remote", [
    ("../../base", False), ("deployment.yaml", False),
    ("https://github.com/org/repo//base?ref=v1", True), ("github.com/org/repo/base?ref=v1", True),
    ("git@github.com:org/repo.git//base", True), ("ssh://git@example.com/org/repo.git", True),
    ("example.com/org/repo//dir?ref=main", True),
])
def test_remote_references_are_told_from_local_paths(ref, remote):
    assert is_remote(ref) is remote


def test_nesting_depth_is_judged_without_scanning_ordinary_files():
    shallow = b"apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n" * 1000
    assert too_deep(shallow) is False
    assert too_deep(("a: " + "{a: " * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1)).encode()) is True
    assert too_deep(("- " * (MAX_DEPTH + 1) + "x").encode()) is True  # compact block lists, one line
    assert too_deep(("a: " + "[" * (MAX_DEPTH - 10) + "]" * (MAX_DEPTH - 10)).encode()) is False


def test_a_dumped_object_is_named_and_the_rest_of_the_message_kept():
    dump = 'map[string]interface {}{"apiVersion":"v1", "kind":"Thing", "metadata":map[string]interface {}{' \
           '"labels":map[string]interface {}{"app.kubernetes.io/name":"x"}, "name":"deep"}, "spec":' + "{" * 5000 \
           + "}" * 5000
    message = _clip(f"{dump}: yaml: exceeded max depth of 10000")
    assert message.startswith("Thing/deep (kustomize printed all ") and message.endswith(
        ": yaml: exceeded max depth of 10000")
    assert len(message) < 120


def test_messages_are_bounded_keeping_start_and_end():
    text = "start " + "x" * 5000 + " the actual error"
    short = bounded(text)
    assert len(short) <= MAX_MESSAGE + 40
    assert short.startswith("start ") and short.endswith("the actual error") and "characters cut" in short
    assert bounded("short") == "short"
