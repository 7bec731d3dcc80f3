"""Render what Argo CD renders, and nothing else: directory sources, Components, Helm charts, remote bases,
multi-source Applications and the open world they leave."""

from __future__ import annotations

import re
from pathlib import Path

from validation import config, engine
from validation.targets import discover

from .helpers import application, write

CONFIGMAP = """\
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: demo}
    data: {a: "1"}
    """
DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: demo}
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


def _run(root: Path, *paths: str):
    return engine.run(config.load(root), paths=[root / p for p in paths] if paths else None)


def _rules(result) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, []).append(f.file or "")
    return out


def test_a_directory_skips_yaml_that_is_not_a_manifest_as_argo_cd_does(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "app/configmap.yaml": CONFIGMAP,
        "app/values.yaml": "replicaCount: 2\nimage: {tag: 1.0.0}\n",  # Helm values: no kind, not a manifest
        "app/empty.yaml": "# nothing yet\n",
        "app/broken-manifest.yaml": "apiVersion: v1\nmetadata: {name: x}\ndata: {kind: oops}\n",  # meant as one
    })
    result = _run(tmp_path, "app")
    rules = _rules(result)
    assert rules.get("YAML-MISSING-KIND") == ["app/broken-manifest.yaml"]
    assert "YAML-EMPTY-DOCUMENT" not in rules
    assert sorted(m.source or "" for rt in result.rendered for m in rt.manifests) == [
        "app/broken-manifest.yaml", "app/configmap.yaml"]
    assert any("app/values.yaml" in n and "Argo CD" in n for n in result.notes)


def test_a_file_named_on_the_command_line_is_checked_whatever_it_holds(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "values.yaml": "replicaCount: 2\n"})
    assert "YAML-MISSING-KIND" in _rules(_run(tmp_path, "values.yaml"))


def test_a_kustomization_is_never_a_resource_and_a_flux_kustomization_always_is(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "clusters/prod/apps.yaml": """\
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: apps, namespace: flux-system}
            spec: {interval: 10m, path: ./apps/prod, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
            """,
        "clusters/prod/flux-system/kustomization.yaml": """\
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [gotk-sync.yaml]
            """,
        "clusters/prod/extra.yaml": """\
            apiVersion: kustomize.config.k8s.io/v1alpha1
            kind: Component
            resources: [x.yaml]
            """,
    })
    result = _run(tmp_path, "clusters/prod")
    kinds = [(m.api_version, m.kind) for rt in result.rendered for m in rt.manifests]
    assert kinds == [("kustomize.toolkit.fluxcd.io/v1", "Kustomization")]


def test_a_component_is_not_a_target_of_its_own(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "components/debug/kustomization.yaml": """\
            apiVersion: kustomize.config.k8s.io/v1alpha1
            kind: Component
            patches: [{path: debug.yaml}]
            """,
        "components/debug/debug.yaml": CONFIGMAP,
        "overlays/dev/kustomization.yaml": "resources: [cm.yaml]\ncomponents: [../../components/debug]\n",
        "overlays/dev/cm.yaml": CONFIGMAP,
        "overlays/components/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
    })
    result = _run(tmp_path, "components/debug", "overlays/dev")
    assert [rt.target.name for rt in result.rendered] == [str(tmp_path / "overlays/dev")]
    assert result.errors == [] and "RENDER-FAILED" not in _rules(result)
    assert any("components/debug is a kustomize Component" in n for n in result.notes)
    # Discovered overlays too: a Component kept under overlays/ is rendered through the overlays that use it.
    found = discover(config.load(tmp_path))
    assert [t.name for t in found.targets] == ["dev"]
    assert any("overlays/components is a kustomize Component" in n for n in found.notes)


def test_a_helm_chart_path_is_skipped_with_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        "plain/cm.yaml": CONFIGMAP,
    })
    result = _run(tmp_path, "chart", "plain")
    assert "YAML-PARSE" not in _rules(result)
    assert any("chart is a Helm chart" in n for n in result.notes)


def test_a_remote_base_is_not_rendered_offline_and_is_no_error(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "install/kustomization.yaml": """\
            resources:
              - https://raw.githubusercontent.com/argoproj/argo-cd/v3.1.0/manifests/install.yaml
              - github.com/argoproj/argo-rollouts/manifests/cluster-install?ref=v1.8.3
              - local.yaml
            """,
        "install/local.yaml": CONFIGMAP,
    })
    result = _run(tmp_path, "install")
    assert result.errors == [] and result.findings == []
    [rt] = result.rendered
    assert rt.offline and "raw.githubusercontent.com" in rt.offline and rt.incomplete
    assert any("not rendered offline" in n for n in result.notes)


def test_helm_charts_a_kustomization_inflates_are_not_rendered_and_their_values_are_not_resources(
        tmp_path: Path) -> None:
    # kustomize --enable-helm runs Helm on a chart it downloads; Argo CD does so where kustomize.buildOptions says.
    write(tmp_path, {
        "pyproject.toml": "",
        "kyverno/kustomization.yaml": """\
            resources: [namespace.yaml]
            helmCharts:
              - {name: kyverno, version: 3.0.5, repo: "https://kyverno.github.io/kyverno/", valuesFile: values.yaml,
                 additionalValuesFiles: [values-prod.yaml]}
            """,
        "kyverno/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: kyverno}\n",
        "kyverno/values.yaml": "replicaCount: 3\nadmissionController: {replicas: 3}\n",
        "kyverno/values-prod.yaml": "features: {policyExceptions: {enabled: true}}\n",
    })
    result = _run(tmp_path, "kyverno")
    assert result.errors == [] and result.findings == []  # no RENDER-FAILED, no YAML-MISSING-KIND on the values
    [rt] = result.rendered
    assert rt.incomplete and "Helm chart(s) kyverno (https://kyverno.github.io/kyverno/)" in rt.offline


def test_an_external_kustomize_plugin_is_not_run_and_is_no_error(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "policies/kustomization.yaml": "generators: [policy-generator.yaml]\n",
        "policies/policy-generator.yaml": """\
            apiVersion: policy.open-cluster-management.io/v1
            kind: PolicyGenerator
            metadata: {name: kyverno-policies}
            policies: [{name: require-labels, manifests: [{path: require-labels.yaml}]}]
            """,
        "policies/require-labels.yaml": CONFIGMAP,
    })
    result = _run(tmp_path, "policies")
    assert result.errors == [] and [f.rule_id for f in result.findings] == []
    [rt] = result.rendered
    assert rt.incomplete and "kustomize plugin 'PolicyGenerator'" in rt.offline



def test_a_helm_chart_inflation_generator_config_is_not_rendered_either(tmp_path: Path, run_cli) -> None:
    """The builtin generator as a `generators:` file, not the helmCharts field: kustomize refuses it without
    --enable-helm, which the validator never passes (kube-components-stack, with its load restrictor lifted)."""
    write(tmp_path, {
        "pyproject.toml": "",
        "minio/kustomization.yaml": "generators: [helm.yaml]\nresources: [namespace.yaml]\n",
        "minio/helm.yaml": """\
            apiVersion: builtin
            kind: HelmChartInflationGenerator
            metadata: {name: minio-helm-chart}
            name: minio
            repo: https://charts.min.io/
            version: 5.0.0
            """,
        "minio/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: minio}\n",
    })
    result = _run(tmp_path, "minio")
    assert result.errors == [] and result.findings == []  # no RENDER-FAILED
    [rt] = result.rendered
    assert rt.incomplete and "HelmChartInflationGenerator 'minio-helm-chart'" in rt.offline
    code, out, _ = run_cli("check", "--root", str(tmp_path), str(tmp_path / "minio"), "--format", "json")
    import json

    [target] = json.loads(out)["targets"]
    assert code == 0 and target["offline"] == rt.offline and target["objects"] == 0


def test_the_summary_does_not_call_a_target_left_unrendered_rendered(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "remote/kustomization.yaml": "resources: [github.com/argoproj/argo-rollouts/manifests/cluster-install?ref=v1]\n",
        "local/kustomization.yaml": "resources: [cm.yaml]\n",
        "local/cm.yaml": CONFIGMAP,
    })
    code, out, _ = run_cli("check", "--root", str(tmp_path), str(tmp_path / "local"), str(tmp_path / "remote"))
    assert code == 0
    assert re.search(r"; rendered: \S+/local; not rendered \(see the notes\): \S+/remote \(", out.splitlines()[-1])

MULTI_SOURCE = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: web, namespace: argocd}
    spec:
      project: default
      sources:
        - {repoURL: https://charts.example.com, chart: web, targetRevision: 1.2.0,
           helm: {valueFiles: [$values/values/web.yaml]}}
        - {repoURL: https://example.com/repo.git, targetRevision: main, ref: values}
        - repoURL: https://example.com/repo.git
          targetRevision: main
          path: extra
          kustomize: {namePrefix: x-}
      destination: {server: https://kubernetes.default.svc, namespace: demo}
    """


def test_a_multi_source_application_renders_its_path_source_and_says_the_rest_is_open(repo: Path) -> None:
    write(repo, {"argocd/apps/web.yaml": MULTI_SOURCE, "extra/kustomization.yaml": "resources: [deploy.yaml]\n",
                 "extra/deploy.yaml": DEPLOYMENT, "values/web.yaml": "replicas: 2\n"})
    found = discover(config.load(repo))
    [app] = [t for t in found.targets if t.name == "app/web"]
    assert app.source_index == 2 and app.path == (repo / "extra").resolve()
    assert len(app.unrendered) == 1 and "Helm chart web 1.2.0" in app.unrendered[0]  # the ref source makes nothing
    result = engine.run(config.load(repo), targets=["app/web"])
    [rt] = result.rendered
    assert [m.name for m in rt.manifests] == ["x-web"]  # this source's own kustomize options
    # The Secret may come from the chart: the closed-world rule does not claim it is missing.
    assert "ARGO-DANGLING-REFERENCE" not in _rules(result)
    assert any("rendered path 'extra'" in n and "world is open" in n for n in found.notes)


def test_the_same_reference_in_a_complete_target_is_dangling(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "app/deploy.yaml": DEPLOYMENT,
                     "app/kustomization.yaml": "resources: [deploy.yaml]\n"})
    assert "ARGO-DANGLING-REFERENCE" in _rules(_run(tmp_path, "app"))


def test_an_application_left_unrendered_opens_the_world_for_its_project(repo: Path) -> None:
    write(repo, {"argocd/apps/dev.yaml": application("dev").replace("project: default", "project: platform"),
                 "argocd/apps/projects.yaml": """\
                     apiVersion: argoproj.io/v1alpha1
                     kind: Application
                     metadata: {name: projects, namespace: argocd}
                     spec:
                       project: default
                       source: {repoURL: https://charts.example.com, chart: projects, targetRevision: 1.0.0}
                       destination: {server: https://kubernetes.default.svc, namespace: argocd}
                     """})
    result = engine.run(config.load(repo))
    assert "ARGOCD-PROJECT-MISSING" not in _rules(result)


def test_a_full_run_that_finds_nothing_to_check_exits_2(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "README.md": "nothing here\n"})
    code, out, err = run_cli("check", "--root", str(tmp_path))
    assert code == 2
    assert "nothing to check" in out + err and "overlays/" in out + err


def test_paths_that_are_all_skipped_leave_nothing_to_check(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n"})
    code, out, err = run_cli("check", "--root", str(tmp_path), str(tmp_path / "chart"))
    assert code == 2 and "none of the PATHs given is rendered" in out + err


def test_a_scoped_run_that_touches_no_target_still_passes(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--changed", "README.md")
    assert code == 0, out


def test_the_repository_lint_skips_yaml_that_is_not_a_manifest(repo: Path, run_cli) -> None:
    write(repo, {"argocd/charts/nginx/Chart.yaml": "apiVersion: v2\nname: nginx\nversion: 1.0.0\n",
                 "argocd/charts/nginx/values.yaml": "replicaCount: 2\n",
                 "argocd/broken.yaml": "apiVersion: v1\nmetadata: {name: x}\ndata: {kind: oops}\n"})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert "charts/nginx" not in out
    assert "argocd/broken.yaml:1:1: error YAML-MISSING-KIND" in out


def test_a_helm_chart_inside_a_folder_is_helms_business(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "",
        "apps/cm.yaml": CONFIGMAP,
        "apps/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "apps/web/values.yaml": "image: {repository: nginx}\nextraManifests: |\n  apiVersion: v1\n  kind: x\n  metadata: {}\n",
        "apps/web/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    })
    result = _run(tmp_path, "apps")
    assert _rules(result) == {}
    assert [m.source for rt in result.rendered for m in rt.manifests] == ["apps/cm.yaml"]
    # ... and not checked: the run says so (AI-Technology-Apps/argocd-apps: `check .` passed on 0 objects, silently)
    assert [n for n in result.notes if "Helm chart" in n] == [
        f"{tmp_path / 'apps'}: skipped 1 Helm chart inside it; Helm charts are not rendered: {tmp_path / 'apps/web'}"]
    # the same beside kustomizations (a folder of overlays)
    write(tmp_path, {"apps/overlay/kustomization.yaml": "resources: [../cm.yaml]\n",
                     "apps/web2/Chart.yaml": "apiVersion: v2\nname: web2\nversion: 0.1.0\n"})
    result = _run(tmp_path, "apps")
    assert [n for n in result.notes if "Helm chart" in n] == [
        f"{tmp_path / 'apps'}: skipped 2 Helm charts inside it; Helm charts are not rendered: "
        f"{tmp_path / 'apps/web'}, {tmp_path / 'apps/web2'}"]


def test_the_repository_lint_reads_what_the_targets_read_and_not_other_folders(repo: Path, run_cli) -> None:
    # base/ is no special name: a file there that no build reads is not a manifest anyone applies; a folder
    # outside overlays/ and argocd/ that a build reads (here lib/, through base) is linted like base
    write(repo, {"base/notes.yaml": "apiVersion: v1\nmetadata: {name: x}\ndata: {kind: oops}\n",
                 "lib/kustomization.yaml": "resources: [cm.yaml]\n",
                 "lib/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nkind: ConfigMap\nmetadata: {name: lib}\n"})
    kustomization = repo / "base/kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("resources:\n", "resources:\n  - ../lib\n"))
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert "base/notes.yaml" not in out
    assert "lib/cm.yaml:3:1: error YAML-DUPLICATE-KEY" in out, out
    assert code == 1
