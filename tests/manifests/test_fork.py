"""A fork changes one line (repository/repository.yaml) and everything that names the repository follows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, REPO_URL, build, find, one, parameters, repository_url

FORK = "https://github.com/someone-else/ml-fork.git"
# What a fork's working tree holds that the validator and the manifest tests read.
TREE = ("argocd", "base", "overlays", "pipeline", "repository", "mlflow-server", ".dvc", "pyproject.toml",
        "tests/__init__.py", "tests/manifests")


def _fork(tmp_path: Path) -> Path:
    root = tmp_path / "fork"
    for part in TREE:
        src, dst = REPO / part, root / part
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    config = root / "repository" / "repository.yaml"
    text = config.read_text()
    assert text.count(REPO_URL) == 1
    config.write_text(text.replace(REPO_URL, FORK))  # the one line a fork edits
    return root


def test_a_fork_changes_one_line_and_every_use_follows(tmp_path: Path) -> None:
    root = _fork(tmp_path)
    assert repository_url(root) == FORK
    argocd = build(root / "argocd")
    for app in find(argocd, "Application"):
        assert app["spec"]["source"]["repoURL"] == FORK, app["metadata"]["name"]
    for project in find(argocd, "AppProject"):
        assert project["spec"]["sourceRepos"] == [FORK], project["metadata"]["name"]
    for env in ("dev", "staging", "prod"):
        assert parameters(one(build(root / "overlays" / env), "WorkflowTemplate", "ml-pipeline-git"))["repo"] == FORK
    assert REPO_URL not in "".join(p.read_text() for p in (root / "argocd").rglob("*.yaml"))


def test_a_fork_passes_the_validator_and_the_manifest_tests(tmp_path: Path) -> None:
    root = _fork(tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    check = subprocess.run([sys.executable, "-m", "validation", "check"], cwd=root, env=env, capture_output=True,
                           text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "app/ml-pipeline-dev" in check.stdout  # the Applications were recognised as this repository's
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/manifests/test_argocd.py"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "skipped" not in tests.stdout
