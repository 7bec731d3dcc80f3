"""A throwaway copy of this repository as it is in the working tree, for the gate tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


SKIPPED = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache"}


def repo_files(root: Path = REPO) -> list[str]:
    """Tracked and new (not ignored) files, the way `git ls-files` sees the working tree.

    A copy of the repository that is no checkout of its own (mutmut's mutants/, inside an ignored folder) is
    listed whole, less caches and virtualenvs: what is there was copied on purpose."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True)
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
        found = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in SKIPPED]
            found += [str(Path(d, f).relative_to(root)) for f in files]
        return sorted(found)
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return [f for f in out.decode().split("\0") if f]


def copy_repo(dst: Path) -> Path:
    for rel in repo_files():
        src = REPO / rel
        if src.is_file():  # a file deleted in the working tree is not copied
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dst
