"""A throwaway copy of this repository as it is in the working tree, for the gate tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def repo_files(root: Path = REPO) -> list[str]:
    """Tracked and new (not ignored) files, the way `git ls-files` sees the working tree."""
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
