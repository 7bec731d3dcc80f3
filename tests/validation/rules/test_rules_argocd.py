"""Argo CD family beyond the fixtures: repo URL normalisation, source globs, environments of Applications."""

from __future__ import annotations

import pytest

from validation.rules.argocd import _destination_allowed, _glob
from validation.targets import normalize_repo_url


@pytest.mark.parametrize("a,b", [
    ("https://github.com/Org/Repo.git", "https://github.com/org/repo"),
    ("git@github.com:org/repo.git", "https://github.com/org/repo"),
    ("https://github.com/org/repo/", "https://github.com/org/repo.git"),
    ("ssh://git@github.com/org/repo", "https://github.com/org/repo"),
])
def test_same_repository_spelled_differently(a, b):
    assert normalize_repo_url(a) == normalize_repo_url(b)


def test_other_repositories_stay_apart():
    assert normalize_repo_url("https://github.com/org/repo") != normalize_repo_url("https://github.com/org/repo2")
    assert normalize_repo_url("https://github.com/org/repo") != normalize_repo_url("https://gitlab.com/org/repo")


def test_globs_and_negation():
    assert _glob("ml-dev", "ml-*") and not _glob("default", "ml-*")
    assert not _glob("ml-prod", "!ml-prod") and _glob("ml-dev", "!ml-prod")


def test_destination_by_name_or_server():
    allowed = [{"server": "https://kubernetes.default.svc", "namespace": "ml-*"}, {"name": "in-cluster", "namespace": "x"}]
    assert _destination_allowed({"server": "https://kubernetes.default.svc", "namespace": "ml-dev"}, allowed)
    assert _destination_allowed({"name": "in-cluster", "namespace": "x"}, allowed)
    assert not _destination_allowed({"name": "in-cluster", "namespace": "ml-dev"}, allowed)


def _app(labels=None, path=None, name="ml-pipeline"):
    from rules_helpers import manifests

    meta = {"name": name, **({"labels": labels} if labels is not None else {})}
    source = {"repoURL": "https://github.com/example/x.git", **({"path": path} if path is not None else {})}
    return manifests(__import__("yaml").safe_dump({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                                                   "metadata": meta, "spec": {"source": source}}))[0]


@pytest.mark.parametrize("labels,path,env", [
    ({"environment": "prod"}, "overlays/dev", "prod"),  # the label wins over the path
    ({"environment": ""}, "overlays/dev", "dev"),
    ("not-a-mapping", "overlays/dev", "dev"),
    (None, "deploy/overlays/staging", "staging"),
    (None, "overlays", None),
    (None, "overlays/dev/extra", None),
    (None, "envs/prod", None),
    (None, "prod/overlays", None),
    (None, None, None),
])
def test_an_applications_environment_is_its_label_else_its_overlay_folder(labels, path, env):
    from rules_helpers import context, rendered

    from validation.rules.argocd import app_environment

    assert app_environment(context(rendered("", name="argocd", environment=None)), _app(labels, path)) == env


def test_an_applications_environment_follows_the_configured_label_and_folder_names():
    from rules_helpers import FIXTURES, context, rendered

    from validation.config import Config, from_table
    from validation.rules.argocd import app_environment

    cfg = from_table({"environment-label": "stage", "overlays-dir": "envs"}, Config(root=FIXTURES / "repo"))
    ctx = context(rendered("", name="argocd", environment=None), config=cfg)
    assert app_environment(ctx, _app({"stage": "qa", "environment": "prod"}, "overlays/dev")) == "qa"
    assert app_environment(ctx, _app({"environment": "prod"}, "envs/dev")) == "dev"
    assert app_environment(ctx, _app(None, "overlays/dev")) is None


def test_an_applications_environment_is_its_rendered_targets_before_its_path():
    from rules_helpers import context, rendered

    from validation.rules.argocd import app_environment

    own = rendered("", name="app/ml-pipeline", kind="application", environment="staging",
                   application={"metadata": {"name": "ml-pipeline"}})
    ctx = context(rendered("", name="argocd", environment=None), others=[own])
    assert app_environment(ctx, _app(None, "overlays/dev")) == "staging"
    assert app_environment(ctx, _app(None, "overlays/dev", name="other")) == "dev"


def test_a_finding_about_what_the_sources_render_points_at_the_source_field():
    from rules_helpers import manifests

    from validation.rules.argocd import _source_field

    def app(spec: str):
        return manifests(f"kind: Application\nmetadata: {{name: a}}\nspec: {spec}\n")[0]

    assert _source_field(app("{sources: [{path: a}, {path: b}]}")) == ("spec", "sources")
    assert _source_field(app("{sources: [{path: a}]}")) == ("spec", "sources", 0)
    assert _source_field(app("{source: {path: a}}")) == ("spec", "source")
    assert _source_field(app("{}")) == ("spec", "source")


def test_an_application_without_a_project_is_left_to_the_schema_check():
    from rules_helpers import context, rendered, run_rule

    app = "kind: Application\nmetadata: {name: a}\nspec: {destination: {namespace: x}}\n"
    ctx = context(rendered(app, name="argocd", environment=None))
    assert run_rule("ARGOCD-PROJECT-MISSING", ctx) == []
    assert [h.message for h in run_rule("ARGOCD-PROJECT-MISSING", context(rendered(
        app.replace("{destination", "{project: ml, destination"), name="argocd", environment=None)))] == \
        ["AppProject 'ml' does not exist (rendered: none)"]
