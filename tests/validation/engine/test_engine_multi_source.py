"""A multi-source Application is rendered as Argo CD renders it: every source with a path in this repository on its own
(with its own kustomize or directory options), the objects united. A `ref`-only source lends its files and renders
nothing; a source that cannot be rendered offline (a remote chart, another repository) leaves the world open."""

from __future__ import annotations

from pathlib import Path

from validation import config, engine, scope
from validation.targets import discover

from .helpers import write

REPO = "https://example.com/repo.git"
CLOSED_WORLD = ["ARGO-DANGLING-REFERENCE", "RBAC-BINDING-SUBJECT-MISSING", "RBAC-EXECUTOR-PERMISSIONS",
                "ARGOCD-DESTINATION-NAMESPACE", "RENDER-FAILED"]

DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: web
              image: nginx:1.27.1
              envFrom: [{secretRef: {name: web-secrets}}]
    """
SECRET = """\
    apiVersion: v1
    kind: Secret
    metadata: {name: web-secrets, namespace: demo}
    type: Opaque
    """
# Source 0 renders the Deployment (kustomize, with the Application's namePrefix), source 1 the Secret it reads
# (a directory source that does not recurse).
FILES = {
    "pyproject.toml": "",
    "deploy/kustomization.yaml": "namespace: demo\nresources: [deploy.yaml]\n",
    "deploy/deploy.yaml": DEPLOYMENT,
    "config/secret.yaml": SECRET,
    "config/nested/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested, namespace: demo}\n",
}


def app(*sources: str, namespace: str = "demo") -> str:
    listed = "".join(f"    - {s}\n" for s in sources)
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: web, namespace: argocd}}\n"
            f"spec:\n  project: default\n  sources:\n{listed}"
            f"  destination: {{server: https://kubernetes.default.svc, namespace: {namespace}}}\n")


DEPLOY = f"{{repoURL: {REPO}, targetRevision: main, path: deploy, kustomize: {{namePrefix: x-}}}}"
CONFIG = f"{{repoURL: {REPO}, targetRevision: main, path: config, directory: {{recurse: false}}}}"
CHART = "{repoURL: https://charts.example.com, chart: web, targetRevision: 1.2.0, helm: {valueFiles: [$values/v.yaml]}}"
VALUES = f"{{repoURL: {REPO}, targetRevision: main, ref: values}}"


def _check(root: Path, select: list[str] | None = None):
    return engine.run(config.load(root), targets=["app/web"], select=select or CLOSED_WORLD)


def _rules(result) -> list[str]:
    return sorted({f.rule_id for f in result.findings})


def test_every_local_source_is_rendered_with_its_own_options_and_the_objects_are_united(tmp_path: Path) -> None:
    write(tmp_path, {**FILES, "argocd/web.yaml": app(DEPLOY, CONFIG)})
    [t] = discover(config.load(tmp_path)).targets
    assert t.source_index == 0 and t.more_sources == (((tmp_path / "config").resolve(), 1),) and not t.unrendered
    result = _check(tmp_path)
    [rt] = result.rendered
    # source 0 with its namePrefix, source 1 without recursing into nested/
    assert sorted(m.ref for m in rt.manifests) == ["Deployment/demo/x-web", "Secret/demo/web-secrets"]
    assert [len(s.manifests) for s in rt.sources] == [1, 1] and rt.incomplete is None
    # The Secret one source reads is rendered by the other: not dangling.
    assert result.findings == [] and result.errors == []


def test_a_reference_no_source_satisfies_still_dangles(tmp_path: Path) -> None:
    write(tmp_path, {**FILES, "config/secret.yaml": "", "config/cm.yaml": "apiVersion: v1\nkind: ConfigMap\n"
                     "metadata: {name: other, namespace: demo}\n", "argocd/web.yaml": app(DEPLOY, CONFIG)})
    assert _rules(_check(tmp_path)) == ["ARGO-DANGLING-REFERENCE"]


RBAC = """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: runner, namespace: demo}
    rules:
      - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: runner, namespace: demo}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner}
    subjects: [{kind: ServiceAccount, name: runner, namespace: demo}]
    """
FLOWS = """\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: runner, namespace: demo}
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: WorkflowTemplate
    metadata: {name: hello, namespace: demo}
    spec:
      serviceAccountName: runner
      entrypoint: main
      templates:
        - name: main
          container: {image: "busybox:1.36"}
    """


def test_rbac_across_sources_is_one_world(tmp_path: Path) -> None:
    """The binding (source 0) names an account that source 1 renders; the workflow (source 1) runs as that account,
    bound by source 0. Rendering only the first source said the account is missing."""
    rbac = f"{{repoURL: {REPO}, targetRevision: main, path: rbac}}"
    flows = f"{{repoURL: {REPO}, targetRevision: main, path: flows}}"
    write(tmp_path, {"pyproject.toml": "", "rbac/rbac.yaml": RBAC, "flows/flows.yaml": FLOWS,
                     "argocd/web.yaml": app(rbac, flows)})
    assert _check(tmp_path).findings == []
    write(tmp_path, {"rbac/rbac.yaml": RBAC.split("    ---\n")[0]})  # no binding: the executor has no permissions
    assert _rules(_check(tmp_path)) == ["RBAC-EXECUTOR-PERMISSIONS"]


# The app-of-apps that syncs argocd/: the Application objects are rendered, so the rules about them run.
ROOT = f"""\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {{name: root, namespace: argocd}}
    spec:
      project: default
      source: {{repoURL: {REPO}, targetRevision: main, path: argocd}}
      destination: {{server: https://kubernetes.default.svc, namespace: argocd}}
    """


def test_the_destination_namespace_rule_sees_every_sources_objects(tmp_path: Path) -> None:
    # Source 0 renders into demo; source 1's ConfigMap names no namespace, so it goes to the destination, prod:
    # a source that leaves objects to the destination is deliberate.
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n"
    write(tmp_path, {**FILES, "config/cm.yaml": cm, "argocd/web.yaml": app(DEPLOY, CONFIG, namespace="prod"),
                     "argocd/root.yaml": ROOT})
    result = engine.run(config.load(tmp_path), select=CLOSED_WORLD)
    assert any(m.kind == "Application" for rt in result.rendered for m in rt.manifests)  # the rule has its object
    assert result.findings == []
    # Both sources render into demo: the destination disagrees with all of it.
    (tmp_path / "config/cm.yaml").unlink()
    [f] = engine.run(config.load(tmp_path), select=CLOSED_WORLD).findings
    assert f.rule_id == "ARGOCD-DESTINATION-NAMESPACE" and "renders into demo" in f.message


def test_a_remote_chart_leaves_the_world_open_with_a_note_and_the_local_sources_are_rendered(tmp_path: Path) -> None:
    write(tmp_path, {**FILES, "config/secret.yaml": "", "argocd/web.yaml": app(CHART, DEPLOY, VALUES, CONFIG)})
    found = discover(config.load(tmp_path))
    [t] = found.targets
    assert (t.source_index, [i for _, i in t.more_sources]) == (1, [3])
    assert len(t.unrendered) == 1 and "Helm chart web 1.2.0" in t.unrendered[0]  # the ref source makes nothing
    [note] = [n for n in found.notes if "Application web" in n]
    assert "rendered path 'deploy'" in note and "path 'config'" in note and "world is open" in note
    result = _check(tmp_path)
    assert [m.ref for m in result.rendered[0].manifests] == ["Deployment/demo/x-web"]
    # The Secret may come from the chart: no rule claims that it is missing.
    assert result.findings == [] and result.rendered[0].incomplete


def test_a_source_in_another_repository_leaves_the_world_open(tmp_path: Path) -> None:
    other = "{repoURL: https://example.com/other.git, targetRevision: main, path: manifests}"
    write(tmp_path, {**FILES, "config/secret.yaml": "", "argocd/web.yaml": app(DEPLOY, other),
                     "pyproject.toml": f'[tool.validation]\nrepo-url = ["{REPO}"]\n'})
    [t] = discover(config.load(tmp_path)).targets
    assert t.more_sources == () and "path 'manifests' of https://example.com/other.git" in t.unrendered[0]
    assert _check(tmp_path).findings == []


def test_a_ref_only_source_renders_nothing_and_leaves_the_world_closed(tmp_path: Path) -> None:
    write(tmp_path, {**FILES, "config/secret.yaml": "", "argocd/web.yaml": app(DEPLOY, VALUES)})
    found = discover(config.load(tmp_path))
    [t] = found.targets
    assert t.more_sources == () and t.unrendered == ()
    assert not any("world is open" in n for n in found.notes)
    assert _rules(_check(tmp_path)) == ["ARGO-DANGLING-REFERENCE"]  # nothing else could hold the Secret


def test_a_ref_source_with_a_path_renders_too(tmp_path: Path) -> None:
    """Argo CD: "If the path field is set in the $values source, Argo CD will attempt to generate resources"."""
    values_with_path = f"{{repoURL: {REPO}, targetRevision: main, ref: values, path: config}}"
    write(tmp_path, {**FILES, "argocd/web.yaml": app(DEPLOY, values_with_path)})
    result = _check(tmp_path)
    assert sorted(m.name for m in result.rendered[0].manifests) == ["web-secrets", "x-web"]  # recurse: off
    assert result.findings == []


def test_an_object_two_sources_render_is_the_last_ones_with_a_note(tmp_path: Path) -> None:
    later = "apiVersion: v1\nkind: Secret\nmetadata: {name: web-secrets, namespace: demo}\ntype: Opaque\n" \
            "stringData: {from: config}\n"
    write(tmp_path, {**FILES, "deploy/secret.yaml": SECRET, "config/secret.yaml": later,
                     "deploy/kustomization.yaml": "namespace: demo\nresources: [deploy.yaml, secret.yaml]\n",
                     "argocd/web.yaml": app(f"{{repoURL: {REPO}, targetRevision: main, path: deploy}}", CONFIG)})
    result = _check(tmp_path)
    secrets = [m for m in result.rendered[0].manifests if m.kind == "Secret"]
    assert [m.obj.get("stringData") for m in secrets] == [{"from": "config"}]
    assert any("Secret/demo/web-secrets is rendered by more than one source" in n for n in result.notes)


def test_a_source_that_fails_fails_the_application_at_its_cause(tmp_path: Path) -> None:
    broken = f"{{repoURL: {REPO}, targetRevision: main, path: broken}}"
    write(tmp_path, {**FILES, "broken/kustomization.yaml": "resources: [missing.yaml]\n",
                     "argocd/web.yaml": app(DEPLOY, broken)})
    result = _check(tmp_path)
    [f] = result.findings
    assert (f.rule_id, f.file, f.line, f.target) == ("RENDER-FAILED", "broken/kustomization.yaml", 1, "app/web")
    assert result.rendered[0].error  # no rule runs on half an Application


def test_a_sources_own_options_that_fail_are_pointed_at_in_spec_sources(tmp_path: Path) -> None:
    bad = f"{{repoURL: {REPO}, targetRevision: main, path: deploy, kustomize: {{replicas: [{{name: web, count: many}}]}}}}"
    write(tmp_path, {**FILES, "argocd/web.yaml": app(CONFIG, bad)})
    [f] = _check(tmp_path).findings
    assert (f.rule_id, f.file, f.line) == ("RENDER-FAILED", "argocd/web.yaml", 8)  # spec.sources[1].kustomize
    assert "count 'many' is not a number" in f.message


def test_a_change_to_any_source_scopes_the_application(tmp_path: Path) -> None:
    write(tmp_path, {**FILES, "argocd/web.yaml": app(DEPLOY, CONFIG)})
    assert scope.targets_for_files(tmp_path, ["config/secret.yaml"]) == ["app/web"]
    assert scope.targets_for_files(tmp_path, ["deploy/deploy.yaml"]) == ["app/web"]


def test_render_prints_every_sources_objects(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {**FILES, "argocd/web.yaml": app(DEPLOY, CONFIG)})
    code, out, err = run_cli("render", "app/web", "--root", str(tmp_path))
    assert code == 0, err
    assert "name: x-web" in out and "name: web-secrets" in out and "nested" not in out
