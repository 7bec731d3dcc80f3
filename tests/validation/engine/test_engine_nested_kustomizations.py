"""A folder given as a PATH that holds kustomize bases, overlays, patches and Components: its overlays are rendered, as
`kustomize build` would render them, and the files they read are checked through those renders, not as objects of
their own (a strategic-merge patch is half a Deployment; a base's image tag is set by its overlay)."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import config, engine

from .helpers import write

TREE = {
    "pyproject.toml": "",
    "catalog/app/base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "catalog/app/base/deployment.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: nginx}]
        """,
    # The tag comes from the overlay; the patch is half a Deployment (no selector, no template labels).
    "catalog/app/overlays/prod/kustomization.yaml": """\
        namespace: web
        resources: [../../base]
        components: [../../components/probes]
        images: [{name: nginx, newTag: 1.27.3}]
        patches: [{path: replicas.yaml}]
        """,
    "catalog/app/overlays/prod/replicas.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 3
        """,
    "catalog/app/components/probes/kustomization.yaml": """\
        apiVersion: kustomize.config.k8s.io/v1alpha1
        kind: Component
        patches: [{path: probe.yaml}]
        """,
    "catalog/app/components/probes/probe.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers: [{name: web, readinessProbe: {httpGet: {path: /, port: 80}}}]
        """,
    # No kustomization reads this one: it is checked as it is (and its mistake found).
    "catalog/loose/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\ndata: {port: 80}\n",
}


def _check(root: Path, *paths: str):
    return engine.run(config.load(root), paths=[Path(p) for p in paths])  # as typed, from the root


@pytest.fixture(autouse=True)
def _at_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_a_folder_of_kustomizations_renders_its_overlays_and_reads_only_the_rest(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    result = _check(tmp_path, "catalog")
    assert result.errors == []
    assert sorted(result.rendered_names) == ["catalog", "catalog/app/overlays/prod"]
    # Only the loose file's mistake: no SCHEMA-REQUIRED on the patches, no ARGO-IMAGE-TAG on the base's nginx.
    assert [(f.rule_id, f.file, f.target) for f in result.findings] == [
        ("SCHEMA-TYPE", "catalog/loose/configmap.yaml", "catalog")]
    [note] = [n for n in result.notes if "holds kustomizations" in n]
    assert "rendered the 1 that no other one includes" in note and "1 kustomize Component(s)" in note
    prod = next(rt for rt in result.rendered if rt.target.name == "catalog/app/overlays/prod")
    [web] = prod.manifests
    assert web.namespace == "web" and web.obj["spec"]["replicas"] == 3
    assert web.obj["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27.3"


def test_a_mistake_in_a_base_is_found_through_the_overlay_at_the_base_line(tmp_path: Path) -> None:
    write(tmp_path, {**TREE, "catalog/app/base/deployment.yaml": TREE["catalog/app/base/deployment.yaml"].replace(
        "containers:", "containrs:")})
    result = _check(tmp_path, "catalog")
    hits = [(f.rule_id, f.file, f.line) for f in result.findings if f.rule_id.startswith("SCHEMA-UNKNOWN")]
    assert hits == [("SCHEMA-UNKNOWN-FIELD", "catalog/app/base/deployment.yaml", 9)]


def test_a_folder_with_only_kustomizations_is_only_rendered(tmp_path: Path) -> None:
    write(tmp_path, {k: v for k, v in TREE.items() if "loose" not in k})
    result = _check(tmp_path, "catalog")
    assert result.rendered_names == ["catalog/app/overlays/prod"] and result.findings == []


def test_a_folder_without_kustomizations_is_read_as_it_is(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "plain/configmap.yaml": TREE["catalog/loose/configmap.yaml"]})
    result = _check(tmp_path, "plain")
    assert result.rendered_names == ["plain"]
    assert not any("holds kustomizations" in n for n in result.notes)


def test_a_folder_of_components_only_says_to_pass_the_overlays_and_checks_nothing(tmp_path: Path) -> None:
    write(tmp_path, {k: v for k, v in TREE.items() if "components/" in k or k == "pyproject.toml"})
    result = _check(tmp_path, "catalog/app/components")
    assert result.rendered_names == [] and result.exit_code() == 2
    assert "catalog/app/components: holds only kustomize Components (1), which kustomize builds only through the " \
           "overlays that list them under components:; pass those overlays" in result.notes


def test_a_folder_of_kustomizations_outside_the_repository_is_walked_as_given(tmp_path: Path) -> None:
    # A PATH outside --root: its kustomizations' inputs are read where they are, not refused as outside the repo
    # (which left every base a root of its own and every patch read as a whole object).
    write(tmp_path / "elsewhere", TREE)
    write(tmp_path / "repo", {"pyproject.toml": ""})
    result = engine.run(config.load(tmp_path / "repo"), paths=[tmp_path / "elsewhere" / "catalog"])
    assert sorted(Path(n).relative_to(tmp_path / "elsewhere").as_posix() for n in result.rendered_names) == [
        "catalog", "catalog/app/overlays/prod"]
    assert [(f.rule_id, Path(f.file).name) for f in result.findings] == [("SCHEMA-TYPE", "configmap.yaml")]


SPLIT_INSTALL = {
    "pyproject.toml": "",
    # kubeflow/pipelines' layout: the ServiceAccount is applied with the cluster-scoped resources, the Deployment
    # that runs as it with the namespaced ones.
    "install/cluster-scoped/kustomization.yaml": "resources: [sa.yaml]\n",
    "install/cluster-scoped/sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: ml}\n",
    "install/env/kustomization.yaml": "resources: [deployment.yaml]\n",
    "install/env/deployment.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ml}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              serviceAccountName: runner
              containers: [{name: web, image: "nginx:1.27.3", envFrom: [{configMapRef: {name: settings}}]}]
        """,
}


def _closed_world_hits(result) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.message.split(" is ")[0]) for f in result.findings
                  if f.rule_id in ("ARGO-DANGLING-REFERENCE", "RBAC-BINDING-SUBJECT-MISSING"))


def test_kustomizations_found_together_may_refer_to_each_other(tmp_path: Path) -> None:
    write(tmp_path, SPLIT_INSTALL)
    result = _check(tmp_path, "install")
    assert sorted(result.rendered_names) == ["install/cluster-scoped", "install/env"]
    # The missing ConfigMap is not claimed either: the folder is not known to be the whole world.
    assert _closed_world_hits(result) == []
    assert ("install: closed-world rules skipped for the 2 kustomizations found in it: they may be applied together "
            "(one renders what another refers to); pass one to check it as a world of its own, or --closed-world to "
            "check them as one") in result.notes
    # Given alone, a kustomization is its own world, as before.
    assert _closed_world_hits(_check(tmp_path, "install/env")) == [
        ("ARGO-DANGLING-REFERENCE", "ConfigMap 'settings'"),
        ("ARGO-DANGLING-REFERENCE", "ServiceAccount 'runner'"),
    ]


def test_under_closed_world_the_kustomizations_found_together_are_one_world(tmp_path: Path) -> None:
    write(tmp_path, SPLIT_INSTALL)
    cfg = config.load(tmp_path)
    cfg.closed_world = True
    result = engine.run(cfg, paths=[Path("install")])
    assert _closed_world_hits(result) == [("ARGO-DANGLING-REFERENCE", "ConfigMap 'settings'")]


def test_one_kustomization_found_in_a_folder_stays_its_own_world(tmp_path: Path) -> None:
    write(tmp_path, {k: v for k, v in SPLIT_INSTALL.items() if "cluster-scoped" not in k})
    result = _check(tmp_path, "install")
    assert result.rendered_names == ["install/env"]
    assert _closed_world_hits(result) == [
        ("ARGO-DANGLING-REFERENCE", "ConfigMap 'settings'"),
        ("ARGO-DANGLING-REFERENCE", "ServiceAccount 'runner'"),
    ]
