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


def _app(name: str, repo_url: str, path: str, extra: str = "") -> str:
    return f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {{name: {name}}}
        spec:
          project: default
          source: {{repoURL: "{repo_url}", targetRevision: main, path: {path}{extra}}}
          destination: {{server: https://kubernetes.default.svc, namespace: x}}
        """


@pytest.mark.parametrize("spelling", ["https://example.com/repo.git", "https://example.com/repo/",
                                      "https://EXAMPLE.com/repo", "git@example.com:repo.git",
                                      "ssh://git@example.com/repo.git"])
def test_repo_url_spellings_name_the_same_repository(spelling: str) -> None:
    from validation.targets import normalize_repo_url

    assert normalize_repo_url(spelling) == normalize_repo_url("https://example.com/repo.git") == "example.com/repo"


def test_application_of_another_repository_is_skipped_with_a_note(repo: Path) -> None:
    write(repo, {
        "argocd/apps/staging.yaml": application("staging").replace("https://example.com/repo.git",
                                                                   "https://example.com/repo/"),
        "argocd/apps/other.yaml": _app("other", "https://example.com/other-team/charts.git", "overlays/dev"),
        "argocd/root.yaml": _app("root", "https://example.com/repo", "argocd"),
    })
    found = discover(config.load(repo))
    names = {t.name for t in found.targets}
    assert {"app/demo-dev", "app/demo-staging", "app/root"} <= names  # same repo, spelled differently
    assert "app/other" not in names
    [note] = [n for n in found.notes if "Application other" in n]
    assert "https://example.com/other-team/charts.git, not this repository (example.com/repo" in note


def test_majority_decides_without_an_app_of_apps_and_config_overrides(repo: Path) -> None:
    write(repo, {
        "argocd/apps/prod.yaml": application("prod"),
        "argocd/apps/fork.yaml": _app("fork", "https://example.com/fork.git", "overlays/dev"),
    })
    names = {t.name for t in discover(config.load(repo)).targets}
    assert "app/demo-prod" in names and "app/fork" not in names
    write(repo, {"pyproject.toml": '[tool.validation]\nrepo-url = "git@example.com:fork.git"\n'})
    found = discover(config.load(repo))
    names = {t.name for t in found.targets}
    assert "app/fork" in names and "app/demo-prod" not in names
    assert any("from repo-url in [tool.validation]" in n for n in found.notes)


def test_other_repository_application_is_not_a_render_failure(repo: Path, run_cli) -> None:
    write(repo, {"argocd/apps/other.yaml": _app("other", "https://example.com/elsewhere.git", "charts/thing"),
                 "argocd/root.yaml": _app("root", "https://example.com/repo.git", "argocd")})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "RENDER")
    assert code == 0, out + err
    assert "RENDER-FAILED" not in out
    assert "note: argocd/apps/other.yaml: Application other takes its source from https://example.com/elsewhere.git" in out


def test_local_helm_chart_applications_are_skipped_with_a_note(repo: Path) -> None:
    write(repo, {
        "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "charts/web/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}}\n",
        "charts/plain/values.yaml": "replicas: 1\n",
        "argocd/apps/chart.yaml": _app("chart", "https://example.com/repo.git", "charts/web"),
        "argocd/apps/values.yaml": _app("values", "https://example.com/repo.git", "charts/plain",
                                        ", helm: {valueFiles: [values.yaml]}"),
    })
    found = discover(config.load(repo))
    names = {t.name for t in found.targets}
    assert "app/chart" not in names and "app/values" not in names
    assert any("Application chart is a Helm chart" in n for n in found.notes)
    assert any("Application values is a Helm chart" in n for n in found.notes)


def test_git_origin_decides_between_several_repo_urls(repo: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    write(repo, {
        "argocd/apps/prod.yaml": application("prod"),
        "argocd/apps/fork.yaml": _app("fork", "https://example.com/fork.git", "overlays/dev"),
    })
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", "git@example.com:fork"], check=True)
    names = {t.name for t in discover(config.load(repo)).targets}
    assert "app/fork" in names and "app/demo-dev" not in names  # origin beats the majority
    subprocess.run(["git", "-C", str(repo), "remote", "set-url", "origin", "/some/local/clone"], check=True)
    names = {t.name for t in discover(config.load(repo)).targets}
    assert "app/demo-dev" in names and "app/fork" not in names  # an origin no Application uses is no evidence


def _bootstrap(repo: Path, origin: str | None) -> None:
    """A repository that only holds Applications of another one (a cluster's bootstrap repository)."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (repo / "argocd/apps/dev.yaml").unlink()
    write(repo, {f"argocd/apps/{n}.yaml": _app(n, "https://github.com/acme/app-manifests.git",
                                                f"services/{n}/overlays/prod") for n in ("web", "api")})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    if origin:
        subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", origin], check=True)


def test_a_bootstrap_repository_checks_its_applications_not_another_repositorys_paths(repo: Path) -> None:
    # git's origin names this repository, no Application's path is a folder here: their paths are in app-manifests.
    _bootstrap(repo, "git@github.com:acme/cluster-bootstrap.git")
    found = discover(config.load(repo))
    assert [(t.name, t.kind) for t in found.targets if t.kind != "overlay"] == [("argocd", "path")]
    assert any("Application web takes its source from https://github.com/acme/app-manifests.git, not this "
               "repository (github.com/acme/cluster-bootstrap, from git remote origin" in n for n in found.notes)
    assert "argocd/ checked as plain files: none of its Applications renders from this repository" in found.notes


@pytest.mark.parametrize("origin", [None, "https://github.com/me/app-manifests.git", "/some/local/clone"])
def test_without_a_remote_naming_another_repository_the_applications_repository_is_this_one(
        repo: Path, origin: str | None) -> None:
    # No remote, a fork's (the same repository name), or a local clone's: no evidence against the Applications'
    # repoURL, so their paths are this repository's, and missing (rendering them fails, as it should).
    _bootstrap(repo, origin)
    names = {t.name for t in discover(config.load(repo)).targets}
    assert {"app/web", "app/api"} <= names and "argocd" not in names


def test_argocd_is_checked_as_plain_files_when_none_of_its_applications_renders_here(repo: Path) -> None:
    (repo / "argocd/apps/dev.yaml").unlink()
    write(repo, {"argocd/appset.yaml": """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: many}
        spec: {generators: [], template: {}}
        """})
    found = discover(config.load(repo))
    assert ("argocd", "path") in [(t.name, t.kind) for t in found.targets]
    # One Application that renders from here, and argocd/ is left to it (and to an app of apps that syncs it).
    write(repo, {"argocd/apps/dev.yaml": application("dev")})
    assert "argocd" not in {t.name for t in discover(config.load(repo)).targets}
