"""argocd/: projects fenced to this repository and the three namespaces, one Application per environment."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import ENVIRONMENTS, NAMESPACES, REPO, REPO_URL, build, find, one, parameters, rendered

IN_CLUSTER = "https://kubernetes.default.svc"
SOURCE = "argo-ml.io/source"  # the annotation that selects what repository/ sets the URL of


@pytest.fixture(scope="module")
def argocd() -> list[dict[str, Any]]:
    return rendered("argocd")


def _apps(argocd: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["metadata"]["name"]: a for a in find(argocd, "Application")}


def test_argocd_renders_projects_root_and_one_application_per_environment(argocd: list[dict[str, Any]]) -> None:
    projects = sorted(p["metadata"]["name"] for p in find(argocd, "AppProject"))
    assert projects == ["ml-pipeline", "ml-pipeline-bootstrap", "ml-tracking"]
    assert sorted(_apps(argocd)) == sorted(["ml-pipeline-root", "mlflow", *(f"ml-pipeline-{e}" for e in ENVIRONMENTS)])
    for obj in argocd:
        assert obj["metadata"]["namespace"] == "argocd"
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "ml-pipeline"
        assert labels["app.kubernetes.io/managed-by"] == "argocd"
        assert labels["app.kubernetes.io/name"]


def test_the_environment_project_allows_only_this_repo_and_the_three_namespaces(argocd: list[dict[str, Any]]) -> None:
    spec = one(argocd, "AppProject", "ml-pipeline")["spec"]
    assert spec["sourceRepos"] == [REPO_URL]
    assert sorted(d["namespace"] for d in spec["destinations"]) == sorted(NAMESPACES.values())
    assert {d["server"] for d in spec["destinations"]} == {IN_CLUSTER}
    assert spec["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]
    assert "*" not in str(spec)


def test_the_bootstrap_project_reaches_only_the_argocd_namespace(argocd: list[dict[str, Any]]) -> None:
    spec = one(argocd, "AppProject", "ml-pipeline-bootstrap")["spec"]
    assert spec["sourceRepos"] == [REPO_URL]
    assert spec["destinations"] == [{"server": IN_CLUSTER, "namespace": "argocd"}]
    assert {k["kind"] for k in spec["namespaceResourceWhitelist"]} == {"Application", "AppProject"}
    assert "clusterResourceWhitelist" not in spec


def test_every_environment_application_points_at_its_overlay(argocd: list[dict[str, Any]]) -> None:
    apps = _apps(argocd)
    for env in ENVIRONMENTS:
        spec = apps[f"ml-pipeline-{env}"]["spec"]
        assert spec["project"] == "ml-pipeline"
        assert spec["source"] == {"repoURL": REPO_URL, "targetRevision": "main", "path": f"overlays/{env}"}
        assert spec["destination"] == {"server": IN_CLUSTER, "namespace": NAMESPACES[env]}
        assert apps[f"ml-pipeline-{env}"]["metadata"]["labels"]["environment"] == env
    root = apps["ml-pipeline-root"]["spec"]
    assert root["project"] == "ml-pipeline-bootstrap" and root["source"]["path"] == "argocd"


def test_every_application_path_renders_in_its_destination_namespace(argocd: list[dict[str, Any]]) -> None:
    for app in find(argocd, "Application"):
        path = app["spec"]["source"]["path"]
        namespace = app["spec"]["destination"]["namespace"]
        objects = build(REPO / path)
        assert objects, path
        assert {o["metadata"].get("namespace") for o in objects} == {namespace}, path


def test_sync_policies_grow_more_careful_towards_prod(argocd: list[dict[str, Any]]) -> None:
    apps = _apps(argocd)
    dev = apps["ml-pipeline-dev"]["spec"]["syncPolicy"]
    staging = apps["ml-pipeline-staging"]["spec"]["syncPolicy"]
    prod = apps["ml-pipeline-prod"]["spec"]["syncPolicy"]
    assert dev["automated"] == {"prune": True, "selfHeal": True}
    assert staging["automated"] == {"prune": False, "selfHeal": True}
    assert "automated" not in prod  # manual sync only
    assert "resources-finalizer.argocd.argoproj.io" not in apps["ml-pipeline-prod"]["metadata"].get("finalizers", [])
    assert apps["ml-pipeline-root"]["spec"]["syncPolicy"]["automated"]["prune"] is False


def test_the_git_variant_clones_the_repository_argo_cd_syncs(env: str) -> None:
    wft = one(rendered(f"overlays/{env}"), "WorkflowTemplate", "ml-pipeline-git")
    assert parameters(wft)["repo"] == REPO_URL


def test_the_repository_url_is_written_once(argocd: list[dict[str, Any]]) -> None:
    """repository/repository.yaml is the only file that spells it; every rendered use comes from there."""
    # host/owner/name, whatever the spelling around it (scheme, user, .git suffix)
    bare = re.sub(r"^[a-z+]+://|\.git$", "", REPO_URL.rstrip("/"))
    spelled = set()
    for folder in ("argocd", "base", "overlays", "repository", "mlflow-server"):
        for path in (REPO / folder).rglob("*.yaml"):
            if bare in path.read_text():
                spelled.add(path.relative_to(REPO).as_posix())
    assert spelled == {"repository/repository.yaml"}
    marked = [o for o in argocd if o["metadata"].get("annotations", {}).get(SOURCE) == "this-repository"]
    assert {o["kind"] for o in marked} == {"Application", "AppProject"}
    for obj in marked:
        urls = obj["spec"]["sourceRepos"] if obj["kind"] == "AppProject" else [obj["spec"]["source"]["repoURL"]]
        assert urls == [REPO_URL], obj["metadata"]["name"]
    assert sorted(o["metadata"]["name"] for o in find(argocd, "Application")) == sorted(
        o["metadata"]["name"] for o in marked if o["kind"] == "Application"
    ), "every Application here syncs this repository, so each carries the annotation"


def test_an_application_without_the_annotation_keeps_its_own_repo_url(tmp_path: Path) -> None:
    """The replacement is opt-in: an Application that syncs another repository is not rewritten."""
    for part in ("argocd", "repository"):
        shutil.copytree(REPO / part, tmp_path / part)
    (tmp_path / "argocd" / "other.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: other}\n"
        "spec:\n  project: default\n  source: {repoURL: 'https://example.com/other.git', targetRevision: v1, path: x}\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: other}\n"
    )
    kustomization = tmp_path / "argocd" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - other.yaml\n", 1))
    objects = build(tmp_path / "argocd")
    assert one(objects, "Application", "other")["spec"]["source"]["repoURL"] == "https://example.com/other.git"
    assert one(objects, "Application", "ml-pipeline-dev")["spec"]["source"]["repoURL"] == REPO_URL
    assert not find(objects, "ConfigMap"), "repository.yaml is local config: never rendered"
