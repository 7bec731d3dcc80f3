"""Argo CD family beyond the fixtures: repo URL normalisation, source globs, environments of Applications."""

from __future__ import annotations

import pytest

from validation.rules.argocd import _argocd_url, _destination_allowed, _glob, _repo_glob, _source_permitted
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


@pytest.mark.parametrize("url,normalized", [
    (" Git@GitHub.com:O/R.git ", "git@github.com/o/r"),
    ("ssh://git@github.com/o/r.git", "git@github.com/o/r"),
    ("https://GitHub.com/O/R.git", "https://github.com/o/r"),  # the scheme stays: not the SSH form's twin
    ("git@h:o/a:b", "git@h/o/a:b"),  # only the first colon is the scp form's
    ("ssh://github.com/o/r", "github.com/o/r"),  # no user, so no SSH URL to Argo CD: only the scheme goes
    ("!https://GitHub.com/O/Bad.git", "!https://github.com/o/bad"),
    ("! https://github.com/o/bad", "!https://github.com/o/bad"),  # the URL after the ! is normalized on its own
])
def test_urls_are_normalized_as_argo_cd_normalizes_them(url, normalized):
    # util/git NormalizeGitURL, which AppProject.IsSourcePermitted applies to the repoURL and each pattern
    assert _argocd_url(url) == normalized


def test_a_deny_pattern_refuses_its_repository_whatever_else_allows_it():
    patterns = ["*", "!https://github.com/o/bad.git"]
    assert not _source_permitted("https://GitHub.com/O/Bad", patterns)
    assert _source_permitted("https://github.com/o/good", patterns)
    assert _source_permitted("git@github.com:o/bad.git", patterns)  # another URL to Argo CD
    assert _source_permitted("https://github.com/o/good", ["!https://github.com/o/bad"])  # deny-only: the rest pass
    assert not _source_permitted("https://github.com/o/good", [])


@pytest.mark.parametrize("url, pattern, allowed", [
    ("https://github.com/o/r", "https://github.com/*", False),  # * stops at a slash
    ("https://github.com/o/r", "https://github.com/o/*", True),
    ("https://github.com/o/r", "https://github.com/**", True),  # ** crosses it
    ("https://github.com/o/r", "*", True),  # a bare * allows everything
    ("https://github.com/o/r", "*github.com*", False),
    ("https://github.com/o/r1", "https://github.com/o/r?", True),
    ("https://github.com/o/r/x", "https://github.com/o/r?x", False),  # ? stops at a slash too
    ("https://github.com/o/r", "https://github.com/o/{r,s}", True),
    ("https://github.com/o/t", "https://github.com/o/{r,s}", False),
    ("https://github.com/o/r", "https://github.com/o/[a-s]", True),
    ("https://github.com/o/z", "https://github.com/o/[!a-s]", True),
    ("https://github.com/o/rax", "https://github.com/o/r.x", False),  # a dot is a dot
    ("https://github.com/o/r", "https://github.com/o/[", False),  # does not compile: matches nothing
    ("https://github.com/o/r", "!https://github.com/*/r", False),
    ("https://github.com/o/q", "!https://github.com/*/r", True),
])
def test_source_patterns_are_globs_with_slash_as_the_separator(url, pattern, allowed):
    # util/glob.Match(pattern, url, '/'), as AppProject.IsSourcePermitted calls it (gobwas/glob)
    assert _repo_glob(url, pattern) is allowed


def test_destination_by_name_or_server():
    allowed = [{"server": "https://kubernetes.default.svc", "namespace": "ml-*"}, {"name": "in-cluster", "namespace": "x"}]
    assert _destination_allowed({"server": "https://kubernetes.default.svc", "namespace": "ml-dev"}, allowed)
    assert _destination_allowed({"name": "in-cluster", "namespace": "x"}, allowed)
    # in-cluster is the local cluster's name: Argo CD matches its server too
    assert _destination_allowed({"name": "in-cluster", "namespace": "ml-dev"}, allowed)
    assert not _destination_allowed({"name": "other", "namespace": "ml-dev"}, allowed)
    assert not _destination_allowed({"name": "in-cluster", "namespace": "y"}, allowed)


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


def test_a_destination_without_namespace_matches_a_project_destination_without_one():
    allowed = ["not-a-mapping", {"server": "https://kubernetes.default.svc"}]
    assert _destination_allowed({"server": "https://kubernetes.default.svc"}, allowed)
    assert not _destination_allowed({"server": "https://kubernetes.default.svc"},
                                    [{"server": "https://kubernetes.default.svc", "namespace": "ml-*"}])


def _argocd_hits(rule_id: str, spec: str) -> list[tuple[str, str]]:
    from rules_helpers import context, rendered, run_rule

    app = f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a}}\nspec: {spec}\n"
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(app, name="argocd", environment=None)))]


def test_a_source_path_must_be_a_folder_inside_this_repository():
    assert _argocd_hits("ARGOCD-SOURCE-PATH-MISSING", "{sources: [{chart: c, path: nowhere}, {path: ''}, "
                                                      "{path: overlays/dev}, {path: overlay/dev}, {path: /tmp}, "
                                                      "{path: overlays/../overlays/dev}]}") == [
        ("spec.sources[3].path", "source path 'overlay/dev' is not a directory in this repository"),
        ("spec.sources[4].path", "source path '/tmp' is not a directory in this repository"),
        ("spec.sources[5].path", "source path 'overlays/../overlays/dev' is not a directory in this repository"),
    ]


def test_a_source_without_target_revision_is_named():
    assert _argocd_hits("ARGOCD-TARGET-REVISION", "{sources: [{path: a, targetRevision: main}, {path: b, "
                                                  "targetRevision: ' '}]}") == [
        ("spec.sources[1]", "no targetRevision: Argo CD would follow the repository's default branch")]


PROJECTS = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: p}
spec:
  destinations: [{server: "https://kubernetes.default.svc", namespace: "ml-*"}, {name: in-cluster, namespace: x}, junk]
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: empty}
spec: {}
"""


def _project_hits(rule_id: str, app_spec: str, renders: str | None = None) -> list[tuple[str, str]]:
    from rules_helpers import context, rendered, run_rule

    app = f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a}}\nspec: {app_spec}\n---\n"
    others = [rendered(renders, name="app/a", kind="application", application={"metadata": {"name": "a"}})] \
        if renders is not None else []
    ctx = context(rendered(app + PROJECTS, name="argocd", environment=None), others=others)
    return [(h.path, h.message) for h in run_rule(rule_id, ctx) if h.ref.startswith("Application/")]


def test_project_missing_names_the_rendered_projects_and_knows_the_built_in_default():
    assert _project_hits("ARGOCD-PROJECT-MISSING", "{project: ml}") == [
        ("spec.project", "AppProject 'ml' does not exist (rendered: empty, p)")]
    assert _project_hits("ARGOCD-PROJECT-MISSING", "{project: default}") == []


def test_project_destination_says_what_the_project_permits():
    denied = "{project: p, destination: {server: 'https://kubernetes.default.svc', namespace: default}}"
    assert _project_hits("ARGOCD-PROJECT-DESTINATION", denied) == [
        ("spec.destination.namespace", "destination https://kubernetes.default.svc/default is not permitted by "
                                       "AppProject 'p' (https://kubernetes.default.svc/ml-*, in-cluster/x)")]
    assert _project_hits("ARGOCD-PROJECT-DESTINATION", "{project: p, destination: {name: in-cluster}}") == [
        ("spec.destination", "destination in-cluster/None is not permitted by AppProject 'p' "
                             "(https://kubernetes.default.svc/ml-*, in-cluster/x)")]
    assert _project_hits("ARGOCD-PROJECT-DESTINATION", "{project: empty, destination: {name: in-cluster}}") == [
        ("spec.destination", "destination in-cluster/None is not permitted by AppProject 'empty' (none)")]


def test_project_destination_checks_each_namespace_the_source_renders_into():
    renders = """
kind: ConfigMap
metadata: {name: a, namespace: ml-dev}
---
kind: ConfigMap
metadata: {name: b}
---
kind: ConfigMap
metadata: {name: c, namespace: other}
---
kind: ConfigMap
metadata: {name: d, namespace: default}
---
kind: ClusterRole
metadata: {name: e, namespace: cluster-wide}
"""
    spec = "{project: p, source: {path: overlays/dev}, destination: {server: 'https://kubernetes.default.svc', " \
           "namespace: ml-dev}}"
    assert _project_hits("ARGOCD-PROJECT-DESTINATION", spec, renders) == [
        ("spec.source", "the source renders into namespace(s) default, other, which AppProject 'p' does not permit "
                        "(https://kubernetes.default.svc/ml-*, in-cluster/x)")]


def test_repo_url_mismatch_names_near_misses_of_the_repository_the_others_use():
    from rules_helpers import context, rendered, run_rule

    x, y, z, fork, helm, argo = (
        "https://github.com/org/repo.git", "https://github.com/org/rpeo.git", "https://github.com/org/other.git",
        "https://gitlab.com/someone/repo", "https://charts.example.com", "https://github.com/argoproj/argo-cd.git")
    apps = {
        "a": f"{{source: {{repoURL: '{x}', path: p}}}}",
        "b": f"{{source: {{repoURL: '{x}', path: p}}}}",
        "c": f"{{source: {{repoURL: '{y}', path: p}}}}",  # a typo of the majority's
        "d": f"{{sources: [{{repoURL: '{x}', path: p}}, {{repoURL: '{z}', path: q}}]}}",  # combines on purpose
        "e": f"{{sources: [{{repoURL: '{y}', path: p}}, {{repoURL: '{z}', path: q}}]}}",  # the typo again
        "f": f"{{source: {{repoURL: '{fork}', path: p}}}}",  # the same repository under another owner
        "g": f"{{source: {{repoURL: '{argo}', path: manifests/cluster-install}}}}",  # another repository altogether
        "h": f"{{source: {{repoURL: '{helm}', chart: c}}}}",  # a Helm chart is another repository by nature
        "i": f"{{source: {{repoURL: '{helm}', chart: c}}}}",
        "j": f"{{source: {{repoURL: '{helm}', chart: c}}}}",
    }
    text = "\n---\n".join(f"kind: Application\nmetadata: {{name: {n}}}\nspec: {s}" for n, s in apps.items())
    hits = run_rule("ARGOCD-REPO-URL-MISMATCH", context(rendered(text, name="argocd", environment=None)))
    meant = "looks like a fork or a misspelling of 'github.com/org/repo', which 3 other source(s) use"
    assert [(h.ref.split("/")[-1], h.path, h.message) for h in hits] == [
        ("c", "spec.source.repoURL", f"repoURL '{y}' {meant}"),
        ("e", "spec.sources[0].repoURL", f"repoURL '{y}' {meant}"),
        ("f", "spec.source.repoURL", f"repoURL '{fork}' {meant}"),
    ]


@pytest.mark.parametrize("urls,local,flagged", [
    # One each: the pair is reported once, on the one that is not this repository...
    (["https://github.com/a/shop", "https://github.com/b/shop"], {"github.com/b/shop"}, ["github.com/a/shop"]),
    # ... or, when neither is known to be, on the later in order.
    (["https://github.com/a/shop", "https://github.com/b/shop"], set(), ["github.com/b/shop"]),
    # Unrelated repositories, one each (christianh814/gitops-examples' Applications of other repositories).
    (["https://github.com/c/gitops-examples", "https://github.com/c/simple-go", "https://github.com/c/mta"], set(), []),
    # A sibling named after this repository, whole words added (Black-And-White-Club/all-infrastructure's private
    # -secrets repository), is another repository; a letter off is still a typo, and so is a word run together.
    (["https://github.com/o/all-infrastructure"] * 2 + ["https://github.com/o/all-infrastructure-secrets"], set(), []),
    (["https://github.com/o/infra"] * 2 + ["https://github.com/o/platform-infra"], set(), []),
    (["https://github.com/o/all-infrastructure"] * 2 + ["https://github.com/o/all-infrastructur"], set(),
     ["github.com/o/all-infrastructur"]),
    (["https://github.com/o/all-infrastructure"] * 2 + ["https://github.com/o/all-infrastructures"], set(),
     ["github.com/o/all-infrastructures"]),
    # A placeholder to fill in is never the repository meant, however many sources use it
    # (torakis/gitops-platform-sample: four your-org Applications, two of its own).
    (["https://github.com/your-org/shop"] * 4 + ["https://github.com/torakis/shop"] * 2, set(),
     ["github.com/your-org/shop"]),
    (["https://github.com/<org>/shop"] * 3 + ["https://github.com/a/shop"], set(), ["github.com/<org>/shop"]),
    (["https://github.com/YOUR_USERNAME/shop"] * 3 + ["https://github.com/a/shop"], {"github.com/your_username/shop"},
     ["github.com/your_username/shop"]),
    # Siblings by a word added at the end or at the start, the owner aside (its dashes are no words of the name);
    # a word split in two is a typo.
    (["https://github.com/o/infrastructure-config"] * 2 + ["https://github.com/o/shared-infrastructure-config"],
     set(), []),
    (["https://github.com/o/web"] * 2 + ["https://github.com/o/api-web"], set(), []),
    (["https://github.com/o/infrastructure"] * 2 + ["https://github.com/o/x-y-infrastructure"], set(), []),
    (["https://github.com/o/all-infrastructure"] * 2 + ["https://github.com/o/all-infra-structure"], set(),
     ["github.com/o/all-infra-structure"]),
    # Under one owner, "a few characters off" counts the names' edits: one per six letters of the shorter name, at
    # least one; three letters of seven off is another repository, however alike the shared owner makes the URLs.
    (["https://github.com/o/abcdefg"] * 2 + ["https://github.com/o/abcdxyz"], set(), []),
    (["https://github.com/o/abcdefg"] * 2 + ["https://github.com/o/abcdegf"], set(), ["github.com/o/abcdegf"]),
    (["https://github.com/o/abcdefghijkl"] * 2 + ["https://github.com/o/abcdefghijxy"], set(),
     ["github.com/o/abcdefghijxy"]),
    (["https://github.com/o/abcdefghijkl"] * 2 + ["https://github.com/o/abcdefghixyz"], set(), []),
    # cybozu-go/neco-apps: its tenants' repositories of one private owner, no typo of each other
    (["https://github.com/cybozu-private/ept-apps.git", "https://github.com/cybozu-private/maneki-apps.git",
      "https://github.com/cybozu-private/neco-tenant-apps.git"], set(), []),
    # Across owners the whole URLs are compared: a similarity of 0.85 or more (34 of 40 characters match)
    (["https://github.com/o/abcdefg"] * 2 + ["https://github.com/p/abcdxyg"], set(), ["github.com/p/abcdxyg"]),
    # a repoURL with no owner (an in-cluster alias) is compared by its whole name
    (["repo"] * 2 + ["https://github.com/o/repos"], set(), []),
    (["repo"] * 2 + ["https://github.com/o/repo"], set(), ["github.com/o/repo"]),
    (["https://github.com/o/repo"] * 2 + ["repo"], set(), ["repo"]),
])
def test_repo_url_mismatch_on_a_tie_prefers_this_repository(urls, local, flagged):
    from collections import Counter

    from validation.rules.argocd import _meant

    counts = Counter(normalize_repo_url(u) for u in urls)
    assert [u for u in counts if _meant(u, counts, local) is not None] == flagged


@pytest.mark.parametrize("counts,local,meant", [
    # the most used of the near ones, whatever their order or spelling ...
    ({"github.com/b/shop": 2, "github.com/z/shop": 3}, set(), "github.com/z/shop"),
    # ... and on a tie of uses, this repository
    ({"github.com/a/shop": 2, "github.com/z/shop": 2}, {"github.com/z/shop"}, "github.com/z/shop"),
])
def test_repo_url_mismatch_names_the_likeliest_of_several(counts, local, meant):
    from collections import Counter

    from validation.rules.argocd import _meant

    assert _meant("github.com/c/shop", Counter({**counts, "github.com/c/shop": 1}), local) == meant


def test_repo_url_mismatch_never_calls_this_repository_a_fork():
    from collections import Counter

    from validation.rules.argocd import _meant

    # dkarpele/image-updater-examples, checked with its origin: a fork whose Applications mostly name the upstream.
    counts = Counter({"github.com/chengfang/image-updater-examples": 15,
                      "github.com/dkarpele/image-updater-examples": 4})
    local = {"github.com/dkarpele/image-updater-examples"}
    assert _meant("github.com/dkarpele/image-updater-examples", counts, local) is None
    assert _meant("github.com/chengfang/image-updater-examples", counts, local) == next(iter(local))
    # Unknown which is this repository (a tarball, no remote): the most used is the one meant.
    upstream = "github.com/chengfang/image-updater-examples"
    assert _meant("github.com/dkarpele/image-updater-examples", counts, set()) == upstream


def test_a_helm_charts_repository_is_neither_counted_nor_judged():
    from rules_helpers import context, rendered, run_rule

    # Three charts named like this repository, and an Application whose chart comes before its misspelt git source.
    chart = "{repoURL: 'https://charts.example.com/shop', chart: shop, targetRevision: 1.2.0}"
    git = "{repoURL: 'https://github.com/org/shop.git', path: deploy}"
    specs = [f"{{source: {chart}}}"] * 3 + [f"{{source: {git}}}"] * 2 + [
        "{source: {repoURL: 'https://github.com/org/other.git', path: p}}",
        f"{{sources: [{chart}, {{repoURL: 'https://github.com/org/sohp.git', path: deploy}}]}}"]
    text = "\n---\n".join(f"kind: Application\nmetadata: {{name: a{i}}}\nspec: {spec}" for i, spec in enumerate(specs))
    hits = run_rule("ARGOCD-REPO-URL-MISMATCH", context(rendered(text, name="argocd", environment=None)))
    assert [(h.ref, h.path) for h in hits] == [("Application/a6", "spec.sources[1].repoURL")]


def test_repo_url_mismatch_calls_a_placeholder_a_placeholder():
    from rules_helpers import context, rendered, run_rule

    urls = ["https://github.com/your-org/shop.git"] * 3 + ["https://github.com/torakis/shop.git"]
    text = "\n---\n".join(f"kind: Application\nmetadata: {{name: a{i}}}\nspec: {{source: {{repoURL: '{u}', path: p}}}}"
                           for i, u in enumerate(urls))
    hits = run_rule("ARGOCD-REPO-URL-MISMATCH", context(rendered(text, name="argocd", environment=None)))
    assert [(h.ref, h.path, h.message) for h in hits] == [
        (f"Application/a{i}", "spec.source.repoURL", "repoURL 'https://github.com/your-org/shop.git' is a placeholder "
         "to fill in; 'github.com/torakis/shop', which 1 other source(s) use, is the repository meant")
        for i in range(3)]


def test_this_repository_is_not_a_placeholder_when_the_applications_disagree(tmp_path):
    from validation import config
    from validation.targets import MOST_USED, this_repo

    apps = [({}, [{"repoURL": u, "path": "p"}]) for u in
            ["https://github.com/your-org/shop.git"] * 3 + ["https://github.com/torakis/shop.git"]]
    (tmp_path / "pyproject.toml").write_text("")
    assert this_repo(config.load(tmp_path), apps) == ({"github.com/torakis/shop"}, MOST_USED)



def test_the_repository_most_applications_name_is_not_this_one_when_none_of_its_paths_is_here(tmp_path):
    # hankug1234/kubeflow_app_of_apps: 26 sources of kubeflow/manifests (folders of that repository) beside two of
    # its own, whose folders are here; checked without a git remote, the 26 were all called missing paths.
    from rules_helpers import context, rendered, run_rule

    (tmp_path / "bootstrap" / "oauth2-proxy").mkdir(parents=True)
    text = "\n---\n".join(
        f"kind: Application\nmetadata: {{name: a{i}}}\nspec: {{source: {{repoURL: '{u}', path: {p}}}}}"
        for i, (u, p) in enumerate([("https://github.com/kubeflow/manifests", "common/dex/base"),
                                    ("https://github.com/kubeflow/manifests", "apps/katib/upstream"),
                                    ("https://github.com/kubeflow/manifests", "apps/pipeline/upstream"),
                                    ("https://github.com/me/kubeflow_app_of_apps", "bootstrap/oauth2-proxy"),
                                    ("https://github.com/me/kubeflow_app_of_apps", "bootstrap/gone")]))
    ctx = context(rendered(text, name="argocd", environment=None), repo_root=tmp_path)
    assert [(h.ref, h.message) for h in run_rule("ARGOCD-SOURCE-PATH-MISSING", ctx)] == [
        ("Application/a4", "source path 'bootstrap/gone' is not a directory in this repository")]
    # With no path of either here, the one most Applications name is still this repository: its paths are missing.
    (tmp_path / "bootstrap" / "oauth2-proxy").rmdir()
    ctx = context(rendered(text, name="argocd", environment=None), repo_root=tmp_path)
    assert [h.ref for h in run_rule("ARGOCD-SOURCE-PATH-MISSING", ctx)] == [f"Application/a{i}" for i in range(3)]


RESOURCE_PROJECT = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: p}
spec:
  clusterResourceWhitelist: [{group: rbac.authorization.k8s.io, kind: "Cluster*"}, junk]
  clusterResourceBlacklist: [{group: "*", kind: ClusterRoleBinding}]
  namespaceResourceWhitelist: [{kind: ConfigMap}, {group: apps, kind: "*"}]
  namespaceResourceBlacklist: [{group: apps, kind: StatefulSet}]
"""
RENDERS = """
{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: a}}
---
{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: b}}
---
{apiVersion: v1, kind: Namespace, metadata: {name: c}}
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: d, namespace: n}}
---
{apiVersion: v1, kind: Secret, metadata: {name: e, namespace: n}}
---
{apiVersion: apps/v1, kind: Deployment, metadata: {name: f, namespace: n}}
---
{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: g, namespace: n}}
"""


def _resource_hits(project: str) -> list[tuple[str, str]]:
    from rules_helpers import context, rendered, run_rule

    app = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec: {project: p}\n---\n"
    target = rendered(RENDERS, name="app/a", kind="application", application={"metadata": {"name": "a"}})
    ctx = context(rendered(app + project, name="argocd", environment=None), others=[target])
    return [(h.path, h.message) for h in run_rule("ARGOCD-PROJECT-CLUSTER-RESOURCE", ctx)]


def test_project_resources_follow_the_white_and_black_lists_of_each_scope():
    assert _resource_hits(RESOURCE_PROJECT) == [(
        "spec.project", "AppProject 'p' does not permit cluster-scoped core/Namespace, cluster-scoped "
                        "rbac.authorization.k8s.io/ClusterRoleBinding, namespaced apps/StatefulSet, namespaced "
                        "core/Secret, which this Application renders")]
    # No namespaceResourceWhitelist: every namespaced kind but the blacklisted ones.
    no_ns_whitelist = RESOURCE_PROJECT.replace("  namespaceResourceWhitelist: [{kind: ConfigMap}, {group: apps, "
                                               "kind: \"*\"}]\n", "")
    assert _resource_hits(no_ns_whitelist)[0][1] == (
        "AppProject 'p' does not permit cluster-scoped core/Namespace, cluster-scoped "
        "rbac.authorization.k8s.io/ClusterRoleBinding, namespaced apps/StatefulSet, which this Application renders")


def test_destination_namespace_names_the_namespaces_the_source_renders_into():
    from rules_helpers import context, rendered, run_rule

    def hits(dest: str, renders: str) -> list[tuple[str, str]]:
        app = f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a}}\nspec: {{destination: {dest}}}\n"
        target = rendered(renders, name="app/a", kind="application", application={"metadata": {"name": "a"}})
        ctx = context(rendered(app, name="argocd", environment=None), others=[target])
        return [(h.path, h.message) for h in run_rule("ARGOCD-DESTINATION-NAMESPACE", ctx)]

    one = "{kind: ConfigMap, metadata: {name: a, namespace: ml-dev}}\n---\n{kind: Secret, metadata: {name: b, namespace: ml-dev}}"
    assert hits("{server: s}", one) == [("spec.destination", "no destination namespace, but the source renders into ml-dev")]
    assert hits("{namespace: ml-prod}", one) == [
        ("spec.destination.namespace", "destination namespace 'ml-prod', but the source renders into ml-dev")]
    assert hits("{namespace: ml-dev}", one) == []
    # Objects that name several namespaces, or leave one to the destination, are deliberate.
    assert hits("{namespace: x}", one.replace("b, namespace: ml-dev", "b, namespace: ml-prod")) == []
    assert hits("{namespace: x}", one.replace("b, namespace: ml-dev", "b")) == []


def _source_path_hits(repo, app_file: str, path: str) -> list[str]:
    from rules_helpers import context, rendered, run_rule

    rt = rendered(f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a}}\n"
                  f"spec: {{source: {{repoURL: 'https://github.com/o/copied.git', path: {path}}}}}\n",
                  name="argocd", environment=None, path=repo / "argocd")
    rt.manifests = [m._replace(source=app_file) for m in rt.manifests]
    return [h.message for h in run_rule("ARGOCD-SOURCE-PATH-MISSING", context(rt, repo_root=repo))]


def test_a_path_of_a_repository_copied_into_this_one_is_looked_for_from_that_folder(tmp_path):
    # malikudit/argo-workflows-ci-ml-pipeline holds a copy of its CI repository under continuous-integration/,
    # whose Applications name paths from that folder (bootstrap/applications).
    (tmp_path / "ci" / "bootstrap" / "apps").mkdir(parents=True)
    (tmp_path / "ci" / "bootstrap" / "app-of-apps").mkdir()
    (tmp_path / "bootstrap").mkdir()
    assert _source_path_hits(tmp_path, "ci/bootstrap/app-of-apps/default.yml", "bootstrap/apps") == []
    # Not there from any folder above the file: still missing.
    assert _source_path_hits(tmp_path, "ci/bootstrap/app-of-apps/default.yml", "bootstrap/nowhere") == [
        "source path 'bootstrap/nowhere' is not a directory in this repository"]
    # A folder beside the file's, not above it, does not count.
    (tmp_path / "other" / "deploy").mkdir(parents=True)
    assert _source_path_hits(tmp_path, "ci/bootstrap/app-of-apps/default.yml", "deploy") == [
        "source path 'deploy' is not a directory in this repository"]


def test_a_file_checked_from_outside_the_repository_is_looked_at_up_to_its_own_checkout(tmp_path):
    repo, outside = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    (outside / "bootstrap" / "apps").mkdir(parents=True)
    (outside / "checkout" / ".git").mkdir(parents=True)
    (outside / "checkout" / "argocd").mkdir()
    app = str(outside / "bootstrap" / "app.yaml")
    assert _source_path_hits(repo, app, "bootstrap/apps") == []
    # Inside a git checkout of its own, the search stops at that checkout's top.
    assert _source_path_hits(repo, str(outside / "checkout" / "argocd" / "app.yaml"), "bootstrap/apps") == [
        "source path 'bootstrap/apps' is not a directory in this repository"]


def test_source_paths_are_not_looked_for_when_no_repository_url_is_known_to_be_this_one():
    # pipekit/talk-demos: two example Applications, each of another repository, one each: neither path is here.
    from rules_helpers import context, rendered, run_rule

    text = "\n---\n".join(
        f"kind: Application\nmetadata: {{name: {n}}}\nspec: {{source: {{repoURL: '{u}', path: {p}}}}}"
        for n, u, p in (("a", "https://github.com/x/votingapp.git", "helm"),
                        ("b", "https://github.com/y/lovely-plugin.git", "cmd/test")))
    assert run_rule("ARGOCD-SOURCE-PATH-MISSING", context(rendered(text, name="argocd", environment=None))) == []
    # One more Application of the first repository breaks the tie: its paths are looked for here.
    text += "\n---\nkind: Application\nmetadata: {name: c}\nspec: {source: {repoURL: 'https://github.com/x/votingapp', path: chart}}"
    assert [h.message for h in run_rule("ARGOCD-SOURCE-PATH-MISSING",
                                        context(rendered(text, name="argocd", environment=None)))] == [
        "source path 'helm' is not a directory in this repository",
        "source path 'chart' is not a directory in this repository"]


def test_an_application_without_a_target_of_its_own_renders_the_overlay_at_its_only_source_path():
    from rules_helpers import context, rendered, run_rule

    def hits(source_spec: str) -> list[tuple[str, str]]:
        app = (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: a}}\n"
               f"spec: {{destination: {{namespace: ml-prod}}, {source_spec}}}\n")
        # prod's overlay comes first: only the one at the source path is what the Application renders.
        overlays = [rendered(f"{{kind: ConfigMap, metadata: {{name: c, namespace: ml-{env}}}}}", name=env,
                             environment=env) for env in ("prod", "dev")]
        ctx = context(rendered(app, name="argocd", environment=None, kind="app-of-apps"), others=overlays)
        return [(h.path, h.message) for h in run_rule("ARGOCD-DESTINATION-NAMESPACE", ctx)]

    dev = [("spec.destination.namespace", "destination namespace 'ml-prod', but the source renders into ml-dev")]
    git = "repoURL: 'https://github.com/o/r.git'"
    assert hits(f"source: {{{git}, path: overlays/dev}}") == dev
    # A source without a path (a values `ref`) makes no objects: the overlay is still all the Application makes.
    assert hits(f"sources: [{{repoURL: 'https://github.com/o/values.git', ref: values}}, {{{git}, path: overlays/dev}}]") == dev
    # A chart renders too, so the overlay is not all of it; and a chart is no overlay, whatever path it names.
    assert hits(f"sources: [{{chart: c, repoURL: 'https://charts.example.com'}}, {{{git}, path: overlays/dev}}]") == []
    assert hits("source: {chart: c, repoURL: 'https://charts.example.com', path: overlays/dev}") == []


def _path_hits(tmp_path, specs: list[str]) -> list[tuple[str, str]]:
    from rules_helpers import context, rendered, run_rule

    (tmp_path / "deploy").mkdir(exist_ok=True)
    text = "\n---\n".join(f"kind: Application\nmetadata: {{name: a{i}}}\nspec: {spec}" for i, spec in enumerate(specs))
    ctx = context(rendered(text, name="argocd", environment=None), repo_root=tmp_path)
    return [(h.ref, h.path) for h in run_rule("ARGOCD-SOURCE-PATH-MISSING", ctx)]


def test_a_source_path_of_this_repository_is_checked_after_a_source_of_another(tmp_path):
    this, other = "https://github.com/org/shop.git", "https://github.com/vendor/tools.git"
    assert _path_hits(tmp_path, [
        f"{{source: {{repoURL: '{this}', path: deploy}}}}",
        f"{{source: {{repoURL: '{this}', path: deploy}}}}",
        f"{{sources: [{{repoURL: '{other}', path: elsewhere}}, {{repoURL: '{this}', path: gone}}]}}",
    ]) == [("Application/a2", "spec.sources[1].path")]


def test_a_helm_charts_repository_is_never_taken_for_this_one(tmp_path):
    # A source with chart: Argo CD reads repoURL as a Helm repository and ignores any path beside it.
    chart = "{source: {repoURL: 'https://charts.example.com', chart: web, path: ignored, targetRevision: 1.0.0}}"
    assert _path_hits(tmp_path, [chart, chart, "{source: {repoURL: 'https://github.com/org/shop.git', path: gone}}"]) \
        == [("Application/a2", "spec.source.path")]


@pytest.mark.parametrize("origin, missing", [
    ("https://github.com/acme/cluster-bootstrap.git", []),  # this repository only holds the Applications
    ("git@github.com:me/app-manifests.git", ["Application/web", "Application/api"]),  # a fork: paths are ours
    (None, ["Application/web", "Application/api"]),  # nothing says otherwise
])
def test_the_paths_of_a_bootstrap_repositorys_applications_are_another_repositorys(tmp_path, origin, missing):
    import shutil
    import subprocess

    from rules_helpers import context, rendered, run_rule

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if origin:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", origin], check=True)
    text = "\n---\n".join(f"kind: Application\nmetadata: {{name: {n}}}\nspec: {{source: {{repoURL: "
                          f"'https://github.com/acme/app-manifests.git', path: services/{n}/overlays/prod}}}}"
                          for n in ("web", "api"))
    ctx = context(rendered(text, name="argocd", environment=None), repo_root=tmp_path)
    assert [h.ref for h in run_rule("ARGOCD-SOURCE-PATH-MISSING", ctx)] == missing


def test_project_destination_matches_the_half_argo_cd_infers_from_the_cluster():
    # Argo CD looks a destination's name up to its server (and a server up to its name) before it matches the
    # project: a project of servers permits a destination by name (jjsiv/autopay-exercise: server '*', name in-cluster).
    project = """
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: %s}
spec: {destinations: [%s]}
"""

    def hits(dest: str, destinations: str) -> list[str]:
        from rules_helpers import context, rendered, run_rule
        app = ("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n"
               f"spec: {{project: q, destination: {dest}}}\n---\n")
        ctx = context(rendered(app + project % ("q", destinations), name="argocd", environment=None))
        return [h.message for h in run_rule("ARGOCD-PROJECT-DESTINATION", ctx) if h.ref.startswith("Application/")]

    anywhere = "{server: '*', namespace: '*'}"
    assert hits("{name: in-cluster, namespace: argocd}", anywhere) == []
    assert hits("{name: staging, namespace: argocd}", anywhere) == []
    assert hits("{server: 'https://k.example.com', namespace: argocd}", "{name: '*', namespace: '*'}") == []
    local = "{server: 'https://kubernetes.default.svc', namespace: 'ml-*'}"
    assert hits("{name: in-cluster, namespace: ml-dev}", local) == []
    assert hits("{server: 'https://kubernetes.default.svc', namespace: ml-dev}", "{name: in-cluster, namespace: '*'}") == []
    # still denied: the namespace, an other cluster's name that no star pattern covers, a server pattern not all stars
    assert hits("{name: in-cluster, namespace: default}", local) == [
        "destination in-cluster/default is not permitted by AppProject 'q' (https://kubernetes.default.svc/ml-*)"]
    assert hits("{name: staging, namespace: ml-dev}", local) == [
        "destination staging/ml-dev is not permitted by AppProject 'q' (https://kubernetes.default.svc/ml-*)"]
    assert hits("{name: in-cluster, namespace: x}", "{server: 'https://*.example.com', namespace: '*'}") == [
        "destination in-cluster/x is not permitted by AppProject 'q' (https://*.example.com/*)"]
