"""A PATH's folder is walked as os.walk walks it, and the walk's knowledge of symlinks spares an lstat per file
without changing where any file resolves to."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest

from validation.render import folder_of, plain_files
from validation.source_lint import RealPaths, safe_resolve


def _reference(path: Path, recurse: bool = True, include: str = "", exclude: str = "") -> list[Path]:
    """plain_files as it was written on os.walk before the walk kept each entry's type."""
    if path.is_file():
        return [path]
    out = []
    for dirpath, dirnames, filenames in os.walk(path):
        if "Chart.yaml" in filenames and Path(dirpath) != path:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(n for n in dirnames if not n.startswith(".")) if recurse else []
        for name in sorted(filenames):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(path).as_posix()
            if include and not fnmatch.fnmatch(rel, include):
                continue
            if exclude and fnmatch.fnmatch(rel, exclude):
                continue
            out.append(full)
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.yaml").write_text("kind: Secret\n")
    (outside / "deep" / "x.yaml").write_text("kind: X\n")
    top = tmp_path / "top"
    for rel in ["a.yaml", "b.yml", "c.json", "notes.txt", "z/1.yaml", "z/y/2.yaml", ".hidden/h.yaml",
                "chart/Chart.yaml", "chart/values.yaml", "chart/templates/t.yaml", "m/Kustomization", "m/k.yaml"]:
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text("kind: ConfigMap\n")
    (top / "link.yaml").symlink_to(outside / "secret.yaml")  # a symlinked file: listed, resolves outside
    (top / "z" / "inner.yaml").symlink_to(top / "a.yaml")  # a symlink inside the tree
    (top / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")  # a dangling one: listed, as os.walk lists it
    (top / "linked-dir").symlink_to(outside / "deep")  # a symlinked folder: not entered
    return top


@pytest.mark.parametrize("options", [{}, {"recurse": False}, {"include": "z/*"}, {"exclude": "*.json"}])
def test_the_walk_lists_what_os_walk_lists(tree: Path, options: dict) -> None:
    assert plain_files(tree, **options) == _reference(tree, **options)
    assert plain_files(tree, real=RealPaths(), **options) == _reference(tree, **options)


def test_a_single_file_is_itself(tree: Path) -> None:
    assert plain_files(tree / "a.yaml") == [tree / "a.yaml"]


def test_files_resolve_as_safe_resolve_says_with_the_walks_hints(tree: Path) -> None:
    real = RealPaths()
    files = plain_files(tree, real=real)
    names = {f.name for f in files}
    assert {"link.yaml", "inner.yaml", "broken.yaml", "a.yaml", "2.yaml"} <= names
    assert "x.yaml" not in names and "h.yaml" not in names and "values.yaml" not in names
    for f in files:
        assert real(f) == safe_resolve(f), f
    assert real(tree / "link.yaml") == (tree.parent / "outside" / "secret.yaml").resolve()


def test_a_file_replaced_by_a_link_after_a_fresh_walk_is_resolved(tree: Path) -> None:
    """The hint is per run: a new RealPaths without hints lstat()s, so a link is never taken for a plain file."""
    plain_files(tree, real=RealPaths())
    (tree / "a.yaml").unlink()
    (tree / "a.yaml").symlink_to(tree.parent / "outside" / "secret.yaml")
    assert RealPaths()(tree / "a.yaml") == (tree.parent / "outside" / "secret.yaml").resolve()


def test_a_missing_folder_gives_no_files_as_os_walk_gives_none(tmp_path: Path) -> None:
    top = tmp_path / "top"
    (top / "sub").mkdir(parents=True)
    (top / "a.yaml").write_text("kind: A\n")
    assert plain_files(top / "missing") == _reference(top / "missing") == []


@pytest.mark.parametrize("text", ["/a/b/c.yaml", "a/b", "a", "/x", "./a/b.yaml", "../q.yaml", "/"])
def test_folder_of_names_the_parent(text: str) -> None:
    assert folder_of(Path(text)) == str(Path(text).parent)
