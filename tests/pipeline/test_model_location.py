"""`python -m pipeline run` ends by saying where the model is and the exact line that loads it; both lines work."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.pipeline.conftest import REPO, clean_env, run_cli

pytestmark = pytest.mark.timeout(600)


def _docs_load_line() -> str:
    """docs/pipeline.md's line that loads the model from the repository root."""
    text = (REPO / "docs" / "pipeline.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("MLFLOW_TRACKING_URI=") and "load_model" in line]
    assert len(lines) == 1, lines
    return lines[0]


def _load(line: str, cwd: Path, venv_bin: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    env["PATH"] = f"{venv_bin}:{env['PATH']}"  # the line says `python`: the venv's, as after `. .venv/bin/activate`
    return subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_run_prints_where_the_model_is_and_the_printed_and_documented_lines_load_it(tmp_path: Path) -> None:
    import sys

    home = tmp_path / "checkout"  # stands for the repository root: the default workdir is ./.pipeline
    home.mkdir()
    done = run_cli("run", cwd=home, timeout=300)
    assert done.returncode == 0, done.stderr
    where = re.search(r"^model: models:/bert-classifier@candidate \(version 1\) in the MLflow registry at (\S+)$",
                      done.stdout, re.M)
    assert where and where.group(1) == f"sqlite:///{home / '.pipeline' / 'mlflow.db'}", done.stdout
    printed = re.search(r"^load it: (.*)$", done.stdout, re.M).group(1)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    venv_bin = Path(sys.executable).parent
    for line, cwd in ((printed, elsewhere), (_docs_load_line(), home)):
        loaded = _load(line, cwd, venv_bin)
        assert loaded.returncode == 0, f"{line}\n{loaded.stderr[-2000:]}"
        assert re.fullmatch(r"\[1 0\]\n", loaded.stdout), loaded.stdout  # the praise and the complaint, told apart
        assert not (cwd / "mlflow.db").exists() and not (cwd / "mlruns").exists(), "MLflow made a store of its own"
