"""A small GitOps repo in a temp dir, and a way to run the CLI in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from validation import cli

from .helpers import FILES, application, overlay, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, {**FILES, **overlay("dev"), **overlay("prod"), "argocd/apps/dev.yaml": application("dev")})
    return root


@pytest.fixture
def run_cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run `python -m validation ...` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def go(*argv: str, cwd: Path | None = None) -> tuple[int, str, str]:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go
