"""Target discovery: overlays, Applications under argocd/, command-line paths, selection by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import config
from validation.targets import TargetError, discover, path_target, select

from .helpers import application, write


def test_discovers_every_overlay_and_application(repo: Path) -> None:
    found = discover(config.load(repo))
    by_name = {t.name: t for t in found.targets}
    assert set(by_name) == {"dev", "prod", "app/demo-dev"}
    assert by_name["dev"].kind == "overlay" and by_name["dev"].environment == "dev"
    app = by_name["app/demo-dev"]
    assert app.kind == "application"
    assert app.path == (repo / "overlays/dev").resolve()
    assert app.environment == "dev"  # from the source path
    assert app.application_file == "argocd/apps/dev.yaml"


def test_overlay_without_kustomization_is_not_a_target(repo: Path) -> None:
    (repo / "overlays/notes").mkdir()
    (repo / "overlays/notes/README.yaml").write_text("a: 1\n")
    assert "notes" not in {t.name for t in discover(config.load(repo)).targets}


def test_applicationset_and_helm_sources_are_skipped_with_a_note(repo: Path) -> None:
    write(repo, {
        "argocd/appset.yaml": """\
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: many}
            spec: {generators: [], template: {}}
            """,
        "argocd/helm.yaml": """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: chart}
            spec:
              source: {repoURL: https://charts.example.com, chart: redis, targetRevision: 1.0.0}
              destination: {namespace: x, server: https://kubernetes.default.svc}
            """,
    })
    found = discover(config.load(repo))
    assert "app/chart" not in {t.name for t in found.targets}
    assert any("ApplicationSet many" in n for n in found.notes)
    assert any("Application chart" in n for n in found.notes)


def test_environment_label_on_the_application_wins(repo: Path) -> None:
    text = application("dev").replace("  namespace: argocd\n", "  namespace: argocd\n  labels: {environment: qa}\n", 1)
    write(repo, {"argocd/apps/dev.yaml": text})
    app = next(t for t in discover(config.load(repo)).targets if t.kind == "application")
    assert app.environment == "qa"


def test_select_by_environment_application_name_or_target_name(repo: Path) -> None:
    targets = discover(config.load(repo)).targets
    assert {t.name for t in select(targets, ["dev"])} == {"dev", "app/demo-dev"}
    assert [t.name for t in select(targets, ["demo-dev"])] == ["app/demo-dev"]
    assert [t.name for t in select(targets, ["prod"])] == ["prod"]
    with pytest.raises(TargetError, match="unknown target 'qa'.*known: .*dev"):
        select(targets, ["qa"])


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="no such file"):
        path_target(tmp_path / "nope.yaml", tmp_path)
