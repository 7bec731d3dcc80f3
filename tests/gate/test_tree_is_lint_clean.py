"""The commit hooks only see staged files; this keeps the whole tree as clean as they would demand."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ruff_finds_nothing_in_the_tree() -> None:
    done = subprocess.run([str(BIN / "ruff"), "check", "--output-format", "concise", "."],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_yamllint_finds_nothing_in_the_tree() -> None:
    done = subprocess.run([sys.executable, "-m", "yamllint", "-f", "parsable", "-c", ".yamllint.yaml", "."],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
