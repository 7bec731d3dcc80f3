"""The repository is a boundary: nothing outside its root is read, walked or rendered.

Argo CD renders an Application from its own clone of the repository and refuses what would leave it: an absolute
source path or one outside the root (`util/app/path.Path`: "app path is absolute", "app path outside root"), and any
symlink in the repository that is absolute or steps out of the root at any point of its target (`repository contains
out-of-bounds symlinks. file: ...`, which fails every Application of the repository). The validator refuses the same
things, with a finding, before anything outside the root is opened.
"""

from __future__ import annotations

import os
from pathlib import Path

from validation.source_lint import safe_resolve

# Directories a checkout has but git does not (virtualenvs, caches): never walked when git cannot list the files.
_UNTRACKED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
                   ".pytest_cache", ".tox", ".hypothesis"}


_REMOTE_PREFIXES = ("http://", "https://", "git@", "git::", "ssh://", "github.com/", "gitlab.com/", "bitbucket.org/")


def is_remote(ref: str) -> bool:
    """Does kustomize fetch this reference over the network (a git repository or a URL) rather than read a path?"""
    return ref.startswith(_REMOTE_PREFIXES) or "?ref=" in ref or "//" in ref.split("?", 1)[0].lstrip("/")


def resolves_outside(root: Path, path: Path) -> Path | None:
    """The real path when `path` (symlinks followed) is outside `root`; None when it is inside."""
    real = safe_resolve(path)
    return None if real.is_relative_to(root) else real


def app_path_problem(root: Path, source_path: str) -> str | None:
    """Why Argo CD refuses an Application's source path, in its words; None when it is inside the repository."""
    if os.path.isabs(source_path):
        return f"{source_path}: app path is absolute"
    joined = Path(os.path.normpath(root / source_path))
    if not joined.is_relative_to(root):
        return f"{source_path}: app path outside root"
    real = resolves_outside(root, joined)
    if real is not None:
        return f"{source_path}: resolves to {real} through a symlink, outside the repository"
    return None


def steps_outside(root: Path, link: Path, target: str) -> bool:
    """Argo CD's test (CheckOutOfBoundsSymlinks): an absolute target, or a relative one that leaves the root at any
    step, even if it comes back."""
    if os.path.isabs(target):
        return True
    current = link.parent
    for part in target.split(os.sep):
        current = Path(os.path.normpath(current / part))
        if not current.is_relative_to(root):
            return True
    return False


def out_of_bounds_symlinks(root: Path) -> list[tuple[str, str]]:
    """(repo-relative path, target) of every symlink in the repository that Argo CD refuses.

    The repository is what git holds (tracked files, and new files that are not ignored: a virtualenv's symlinks are
    not Argo CD's business); without git, every directory except virtualenvs and tool caches is walked.
    """
    found = []
    for rel in _symlinks(root):
        link = root / rel
        try:
            target = os.readlink(link)
        except OSError:
            continue
        if steps_outside(root, link, target):
            found.append((rel, target))
    return sorted(found)


def _symlinks(root: Path) -> list[str]:
    listed = _git_files(root)
    if listed is not None:
        return [rel for rel in listed if os.path.islink(root / rel)]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _UNTRACKED_DIRS]
        base = Path(dirpath)
        for name in filenames + [d for d in dirnames if (base / d).is_symlink()]:
            if (base / name).is_symlink():
                out.append((base / name).relative_to(root).as_posix())
    return out


def _git_files(root: Path) -> list[str] | None:
    """Tracked files and new, not ignored ones, relative to root; None when root is not in a git work tree."""
    import subprocess  # only for a repository's own walk, not for files given as PATHs

    try:
        proc = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return [f for f in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if f]
