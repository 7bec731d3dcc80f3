"""Every bad input from the issue: a clear finding (or exit 2), in bounded time, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from validation.source_lint import MAX_FILE_BYTES, load_text, shape_issues

from .helpers import write

BOMB = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

CASES = {
    "malformed": ("kind: ConfigMap\nmetadata:\n  name: x\n   labels: {}\n", "YAML-PARSE", 4, 10),
    "duplicate-key": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nkind: Secret\n", "YAML-DUPLICATE-KEY", 4, 1),
    "tab": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "YAML-TAB", 4, 1),
    "list": ("- apiVersion: v1\n  kind: ConfigMap\n", "YAML-NOT-OBJECT", 1, 1),
    "scalar": ("just a string\n", "YAML-NOT-OBJECT", 1, 1),
    "empty-document": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n---\n"
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n", "YAML-EMPTY-DOCUMENT", 5, 1),
    "empty-file": ("# nothing here\n", "YAML-EMPTY-DOCUMENT", 1, 1),
    "missing-kind": ("apiVersion: v1\nmetadata: {name: x}\n", "YAML-MISSING-KIND", 1, 1),
    "missing-apiversion": ("kind: ConfigMap\nmetadata: {name: x}\n", "YAML-MISSING-KIND", 1, 1),
    "non-utf8": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n", "YAML-ENCODING", 3, 21),
    "alias-bomb": (BOMB, "YAML-ALIAS-BOMB", 1, 1),
    "recursive-alias": ("a: &x [*x]\n", "YAML-ALIAS-BOMB", 1, 4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_given_as_path_is_a_finding_with_line_and_column(case: str, tmp_path: Path, run_cli) -> None:
    content, rule, line, column = CASES[case]
    write(tmp_path, {"bad.yaml": content, "pyproject.toml": ""})
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path / "bad.yaml"),
                             "--select", "YAML")
    assert time.monotonic() - start < 10
    assert "Traceback" not in out + err
    findings = json.loads(out)["findings"]
    hits = [f for f in findings if f["rule_id"] == rule]
    assert hits, findings
    assert (hits[0]["file"], hits[0]["line"], hits[0]["column"]) == ("bad.yaml", line, column)
    expected_exit = 0 if rule == "YAML-EMPTY-DOCUMENT" else 1  # an empty document is only info
    assert code == expected_exit



def test_a_file_git_crypt_encrypted_is_said_to_be_so_at_its_start(tmp_path: Path, run_cli) -> None:
    # imcbeth/homelab's *secret* files, checked in a locked checkout: not "byte 0x9e cannot be decoded" at 1:15,
    # which reads as a mistyped character in a YAML file.
    write(tmp_path, {"pyproject.toml": "", "cm/secret.yaml": b"\x00GITCRYPT\x00A\x94G\xa9\x86t\x99A\x82\xb4"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path / "cm"))
    [hit] = json.loads(out)["findings"]
    assert (hit["rule_id"], hit["file"], hit["line"], hit["column"]) == ("YAML-ENCODING", "cm/secret.yaml", 1, 1)
    assert hit["message"].startswith("encrypted by git-crypt (this checkout is locked)") and code == 1


@pytest.mark.parametrize("select, reported", [
    ("YAML,SCHEMA", ["YAML-MISSING-KIND"]),
    ("SCHEMA", ["SCHEMA-REQUIRED", "SCHEMA-REQUIRED"]),  # as kubeconform: both fields, when the shape rule is off
])
def test_a_json_file_without_kind_is_one_finding(select: str, reported: list[str], tmp_path: Path, run_cli) -> None:
    # Beside manifests, Argo CD's directory source fails on it ("Object 'Kind' is missing"): one mistake, said once.
    write(tmp_path, {"manifests/package.json": '{"name": "send-message", "version": "1.0.0"}\n', "pyproject.toml": "",
                     "manifests/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", select,
                           str(tmp_path / "manifests"))
    findings = json.loads(out)["findings"]
    assert code == 1
    assert [(f["rule_id"], f["file"], f["line"]) for f in findings] == [(r, "manifests/package.json", 1) for r in reported]


def test_a_tools_json_in_a_folder_with_no_manifest_is_skipped_and_one_beside_manifests_is_not(tmp_path: Path,
                                                                                             run_cli) -> None:
    # `check .` on a repository with a web app: its package.json and tsconfig.json (JSON with comments) are no
    # deployment. Beside manifests, a JSON file that is not an object is what Argo CD's directory source fails on.
    write(tmp_path, {
        "pyproject.toml": "",
        "deploy/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n",
        "deploy/dashboard.json": '{"title": "latency", "panels": []}\n',
        "web/package.json": '{"name": "web", "version": "1.0.0"}\n',
        "web/tsconfig.json": '{\n  // comments make this JSONC, not JSON\n  "compilerOptions": {"strict": true}\n}\n',
        "web/k8s/service.json": '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},\n'
                                ' "spec": {"ports": [{"port": "http"}]}}\n',
    })
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path))
    report = json.loads(out)
    assert sorted((f["rule_id"], f["file"]) for f in report["findings"]) == [
        ("SCHEMA-TYPE", "web/k8s/service.json"),  # a manifest in JSON is read wherever it is
        ("YAML-MISSING-KIND", "deploy/dashboard.json")]
    [note] = [n for n in report["notes"] if "not Kubernetes manifests" in n]
    assert "web/package.json" in note and "web/tsconfig.json" in note
    assert code == 1


def test_a_separator_closing_the_file_is_no_empty_document() -> None:
    # `---` after the last object is a common style (helm template writes it); nothing after it could be lost.
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
    assert load_text(text, "cm.yaml").issues == []
    assert shape_issues(load_text(text, "cm.yaml"), resource=True) == []
    middle = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\nkind: Secret\napiVersion: v1\n"
    assert [(i.rule_id, i.line) for i in shape_issues(load_text(middle, "cm.yaml"), resource=True)] == [
        ("YAML-EMPTY-DOCUMENT", 5)]


def test_another_tools_yaml_in_a_folder_with_no_manifest_is_skipped(tmp_path: Path, run_cli) -> None:
    # `check .` on a repository that also holds Ansible roles (jtayl222/ml-platform): a task list that drives the k8s
    # module names apiVersion:, kind: and metadata:, yet its folder holds no object, so Argo CD syncs nothing there.
    # A list of objects, a YAML mistake of a manifest, is still one; beside manifests a list is what Argo CD fails on.
    tasks = ("---\n- name: Create namespace\n  kubernetes.core.k8s:\n    state: present\n    definition:\n"
             "      apiVersion: v1\n      kind: Namespace\n      metadata: {name: kafka}\n")
    write(tmp_path, {
        "pyproject.toml": "",
        "roles/kafka/tasks/main.yml": tasks,
        "listed/configmaps.yaml": "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
        "deploy/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n",
        "deploy/tasks.yml": tasks,
    })
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "YAML", str(tmp_path))
    report = json.loads(out)
    assert sorted((f["rule_id"], f["file"]) for f in report["findings"]) == [
        ("YAML-NOT-OBJECT", "deploy/tasks.yml"), ("YAML-NOT-OBJECT", "listed/configmaps.yaml")]
    [note] = [n for n in report["notes"] if "not Kubernetes manifests" in n]
    assert "roles/kafka/tasks/main.yml" in note
    assert code == 1


def test_a_tools_own_config_is_no_manifest_in_a_path_but_is_in_an_applications_folder(tmp_path: Path,
                                                                                    run_cli) -> None:
    # kind's cluster config (3 of 13 repositories in the third pass), eksctl's and the kubelet's own: read by a tool
    # beside a cluster, never applied to one. In a folder an Application syncs, Argo CD would try to apply it.
    kind = "apiVersion: kind.x-k8s.io/v1alpha4\nkind: Cluster\nnodes: [{role: control-plane}]\n"
    write(tmp_path, {
        "pyproject.toml": "",
        "kind-config.yaml": kind,
        "cluster/eksctl.yaml": "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ml, region: eu-west-1}\n",
        "cluster/kubelet.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nmaxPods: 110\n",
        # xmlking/grpc-starter-kit: Google Cloud Deploy's pipeline and targets, which `gcloud deploy apply` reads
        "clouddeploy.yaml": "apiVersion: deploy.cloud.google.com/v1\nkind: DeliveryPipeline\nmetadata: {name: p}\n"
                            "serialPipeline: {stages: [{targetId: test}]}\n---\napiVersion: deploy.cloud.google.com/v1\n"
                            "kind: Target\nmetadata: {name: test}\ngke: {cluster: projects/p/locations/l/clusters/c}\n",
        # JamesAtIntegratnIO/gitops_homelab_2_0: a Talos machine config document, which `talosctl` applies to a node
        "talos/watchdog.yaml": "# armed after 2m\n---\napiVersion: v1alpha1\nkind: WatchdogTimerConfig\ntimeout: 2m0s\n",
        # vfarcic/devops-toolkit-crossplane: a Crossplane package's metadata, which `crossplane xpkg build` reads
        "package/crossplane.yaml": "apiVersion: meta.pkg.crossplane.io/v1\nkind: Configuration\nmetadata: {name: p}\n"
                                   "spec: {dependsOn: [{provider: xpkg.upbound.io/upbound/provider-aws-s3}]}\n",
        "deploy/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n",
        "deploy/kind.yaml": kind,
        # kube-components-stack/kustomization: kustomize's builtin generator config, which overlays list under
        # generators: (here, one whose overlay kustomize refuses), reported as a kind without a schema.
        "base/helm-chart.yaml": "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata: {name: csi}\n"
                                "chartName: aws-ebs-csi-driver\n",
    })
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path))
    report = json.loads(out)
    assert report["findings"] == [] and code == 0
    [note] = [n for n in report["notes"] if "not Kubernetes manifests" in n]
    # eight skipped; the note names five, and 3 more
    assert "skipped 8 file(s)" in note and "and 3 more" in note and all(f in note for f in (
        "kind-config.yaml", "cluster/eksctl.yaml", "cluster/kubelet.yaml", "base/helm-chart.yaml", "clouddeploy.yaml"))
    write(tmp_path, {"argocd/app.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: deploy, namespace: argocd}\n"
        "spec:\n  project: default\n  source: {repoURL: 'https://example.com/r.git', path: deploy}\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: default}\n")})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "SCHEMA-MISSING")
    assert [(f["rule_id"], f["file"]) for f in json.loads(out)["findings"]] == [("SCHEMA-MISSING", "deploy/kind.yaml")]


def test_a_workflow_an_argo_events_sensor_submits_is_said_to_be_unchecked(tmp_path: Path, run_cli) -> None:
    # dp-dev-test/experiments: a Sensor that creates a Workflow from a GitHub push; the Workflow, written inside the
    # trigger, was passed over without a word. A trigger that submits nothing of Argo's is no concern of the note.
    sensor = """\
        apiVersion: argoproj.io/v1alpha1
        kind: Sensor
        metadata: {name: push, namespace: argo-events}
        spec:
          dependencies: [{name: dep, eventSourceName: github, eventName: push}]
          triggers:
            - template:
                name: notify
                http: {url: "https://example.com/hook", method: POST}
            - template:
                name: build
                argoWorkflow:
                  operation: submit
                  source:
                    resource:
                      apiVersion: argoproj.io/v1alpha1
                      kind: Workflow
                      metadata: {generateName: build-}
                      spec: {workflowTemplateRef: {name: build}}
        """
    write(tmp_path, {"pyproject.toml": "", "events/sensor.yaml": sensor})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path / "events"))
    notes = [n for n in json.loads(out)["notes"] if "Sensors submit" in n]
    assert notes == [f"{tmp_path / 'events'}: not checked: 1 Argo Workflow(s) that Argo Events Sensors submit, written inside their "
                     "triggers: Sensor/argo-events/push (spec.triggers[1].template.argoWorkflow.source.resource)"]


def test_bad_source_in_the_repo_tree_is_linted(repo: Path, run_cli) -> None:
    app = (repo / "argocd/apps/dev.yaml").read_text()
    write(repo, {"argocd/apps/dev.yaml": app.replace("    targetRevision: main\n",
                                                     "    targetRevision: main\n    targetRevision: dev\n")})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert code == 1
    assert "argocd/apps/dev.yaml:11:5: error YAML-DUPLICATE-KEY duplicate key 'targetRevision'" in out


def test_duplicate_key_kustomize_rejects_is_reported_once_at_the_key(repo: Path, run_cli) -> None:
    write(repo, {"base/serviceaccount.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n"
                                             "  name: runner2\n"})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,RENDER")
    assert code == 1  # a mistake in the input, not a tool failure
    assert "base/serviceaccount.yaml:5:3: error YAML-DUPLICATE-KEY" in out
    # kustomize refuses the build for the same key: that is the same mistake, not a second finding
    assert "RENDER-FAILED" not in out and "failed to render: dev" in out and err == ""


def test_patch_and_kustomization_files_are_not_resources(repo: Path) -> None:
    from validation import config, engine

    write(repo, {
        "overlays/dev/ops.yaml": "- op: replace\n  path: /data/bucket\n  value: x\n",
        "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text().replace(
            "  - path: bucket.yaml\n",
            "  - path: bucket.yaml\n  - path: ops.yaml\n    target: {kind: ConfigMap, name: settings}\n"),
    })
    result = engine.run(config.load(repo), select=["YAML"])
    assert result.findings == []


def test_alias_bomb_in_a_rendered_tree_is_not_handed_to_kustomize(repo: Path, run_cli) -> None:
    write(repo, {"base/configmap.yaml": BOMB})
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,RENDER")
    assert time.monotonic() - start < 20  # kustomize itself spins for minutes on this file
    assert code == 1  # the input is at fault, and said so once
    assert "base/configmap.yaml:1:1: error YAML-ALIAS-BOMB" in out
    assert "RENDER-FAILED" not in out and "failed to render: dev" in out
    assert "Traceback" not in out + err


def test_fifty_megabyte_file_is_refused_quickly(tmp_path: Path, run_cli) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        line = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {k: " + "v" * 200 + "}\n---\n"
        fh.write(line * (50 * 2**20 // len(line) + 1))
    assert big.stat().st_size > MAX_FILE_BYTES
    (tmp_path / "pyproject.toml").write_text("")
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(tmp_path), str(big))
    assert time.monotonic() - start < 5
    assert code == 1
    assert "big.yaml: error YAML-TOO-LARGE" in out and "50.0 MiB" in out


def test_deep_nesting_is_a_parse_finding_not_a_crash() -> None:
    loaded = load_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert not loaded.ok
    assert [i.rule_id for i in loaded.issues] == ["YAML-PARSE"]


def test_a_local_tag_is_read_as_the_value_it_tags_and_a_python_tag_is_refused() -> None:
    # JamesAtIntegratnIO/gitops_homelab_2_0's Authentik blueprints (`client_id: !Env ARGOCD_CLIENT_ID`, `!Find [...]`)
    # were six YAML-PARSE findings: the YAML is valid, and Go's YAML libraries read each tagged node as its value.
    text = "context:\n  id: !Env ID\n  x: !Find [a, [b, c]]\n  m: !Keys {a: 1, a: 2}\n"
    loaded = load_text(text, "blueprint.yaml")
    assert loaded.ok
    assert [d.data for d in loaded.documents] == [{"context": {"id": "ID", "x": ["a", ["b", "c"]], "m": {"a": 2}}}]
    assert [(i.rule_id, i.line) for i in loaded.issues] == [("YAML-DUPLICATE-KEY", 4)]
    refused = load_text("a: !!python/object/apply:os.system [x]\n", "evil.yaml")
    assert not refused.ok and [i.rule_id for i in refused.issues] == ["YAML-PARSE"]


def test_invalid_rendered_object_is_schema_checked_with_its_source_line(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                                      "  lables: {a: b}\ndata: {k: v}\n"})
    code, out, err = run_cli("check", "--root", str(tmp_path), str(tmp_path / "cm.yaml"), "--select", "SCHEMA")
    assert code == 1
    assert "cm.yaml:5:3: error SCHEMA-UNKNOWN-FIELD ConfigMap/x:" in out


UNREADABLE = {
    "malformed": CASES["malformed"][0],
    "non-utf8": CASES["non-utf8"][0],
    "alias-bomb": BOMB,
    "too-large": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {k: " + "v" * 4096 + "}\n",
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
@pytest.mark.parametrize("selection", [("--select", "schema"), ("--ignore", "YAML"), ("--select", "ARGO-DAG")])
def test_input_that_cannot_be_read_is_reported_whatever_is_selected(case: str, selection: tuple[str, str],
                                                                    tmp_path: Path, run_cli, monkeypatch) -> None:
    import validation.source_lint as source_lint

    monkeypatch.setattr(source_lint, "MAX_FILE_BYTES", 1024)  # the 50 MB case, without writing 50 MB
    write(tmp_path, {"bad.yaml": UNREADABLE[case], "pyproject.toml": ""})
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", *selection,
                             str(tmp_path / "bad.yaml"))
    data = json.loads(out)
    assert code == 1, (out, err)
    assert [f["rule_id"] for f in data["findings"]] == [{"malformed": "YAML-PARSE", "non-utf8": "YAML-ENCODING",
                                                         "alias-bomb": "YAML-ALIAS-BOMB",
                                                         "too-large": "YAML-TOO-LARGE"}[case]]
    assert data["summary"]["error"] == 1


def test_application_that_cannot_render_is_reported_whatever_is_selected(repo: Path, run_cli) -> None:
    from .helpers import application

    write(repo, {"argocd/apps/dev.yaml": application("dev").replace("overlays/dev", "overlays/qa")})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "schema")
    assert code == 1, out + err
    assert "argocd/apps/dev.yaml:11:5: error RENDER-FAILED" in out
    assert out.splitlines()[-1].startswith("failed: 1 error")


def test_style_findings_still_follow_the_selection(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nkind: ConfigMap\n",
                     "pyproject.toml": ""})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "schema", str(tmp_path / "x.yaml"))
    assert code == 0 and "YAML-DUPLICATE-KEY" not in out  # readable input: --select decides


FIXTURES = Path(__file__).parent / "fixtures"


def test_tabs_inside_block_and_quoted_scalars_are_not_flagged(tmp_path: Path, run_cli) -> None:
    passes = FIXTURES / "YAML-TAB/passes.yaml"
    assert passes.read_text().count("\t") >= 5  # the fixture really holds tabs
    (tmp_path / "pyproject.toml").write_text("")
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "YAML", str(passes))
    assert code == 0, out + err
    assert json.loads(out)["findings"] == []


def test_a_tab_in_indentation_after_a_block_scalar_with_tabs_is_flagged_once(tmp_path: Path, run_cli) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "YAML",
                           str(FIXTURES / "YAML-TAB/fires.yaml"))
    tabs = [(f["line"], f["column"]) for f in json.loads(out)["findings"] if f["rule_id"] == "YAML-TAB"]
    assert code == 1 and tabs == [(10, 1)]  # not line 8, the tab inside the Makefile


def test_a_structural_tab_before_a_block_scalar_does_not_flag_the_block() -> None:
    loaded = load_text("b:\n\tc: 1\na: |\n  x\n  \ty\n", "x.yaml")
    assert [(i.rule_id, i.line, i.column) for i in loaded.issues] == [("YAML-TAB", 2, 1)]


def test_json_indented_with_tabs_is_valid_json_and_its_lines_hold() -> None:
    # kubectl and Argo CD read .json with a JSON parser, which takes tabs as whitespace; YAML's would refuse them.
    text = '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "x"},\n\t"data": {"a": 1}\n}\n'
    loaded = load_text(text, "configmap.json")
    assert loaded.issues == []
    [doc] = loaded.documents
    assert doc.data == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": 1}}
    assert {i.rule_id for i in load_text(text, "configmap.yaml").issues} == {"YAML-TAB"}  # the same text as YAML


MAKEFILE = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  Makefile: |\n    all:\n    \techo hi\n"


def test_many_structural_tabs_are_all_flagged_and_a_later_block_scalar_is_not() -> None:
    text = "".join(f"k{n}:\n\tv: 1\n" for n in range(12)) + MAKEFILE
    tabs = [(i.line, i.column) for i in load_text(text, "x.yaml").issues if i.rule_id == "YAML-TAB"]
    assert tabs == [(2 * n + 2, 1) for n in range(12)]


def test_after_another_parse_error_the_tabs_of_a_later_block_scalar_are_not_flagged() -> None:
    loaded = load_text("foo: [unclosed\n" + MAKEFILE, "x.yaml")
    assert [i.rule_id for i in loaded.issues] == ["YAML-PARSE"]


def _check_in_subprocess(root: Path, *argv: str) -> subprocess.CompletedProcess:
    import sys

    return subprocess.run([sys.executable, "-m", "validation", "check", "--root", str(root), *argv],
                          capture_output=True, text=True, timeout=60)


def test_fifo_and_symlink_loop_in_a_checked_directory_are_findings_not_a_hang(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "d/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    os.mkfifo(tmp_path / "d/x.yaml")
    (tmp_path / "d/loop.yaml").symlink_to("loop.yaml")
    proc = _check_in_subprocess(tmp_path, "--select", "YAML", str(tmp_path / "d"))  # used to hang / exit 2
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "d/x.yaml: error YAML-PARSE cannot read: not a regular file (a FIFO)" in proc.stdout
    assert "d/loop.yaml: error YAML-PARSE cannot read: Too many levels of symbolic links" in proc.stdout
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stdout + proc.stderr


def test_fifo_a_kustomization_reads_is_not_handed_to_kustomize(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "k/kustomization.yaml": "resources: [cm.yaml, pipe.yaml]\n",
                     "k/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    os.mkfifo(tmp_path / "k/pipe.yaml")
    start = time.monotonic()
    proc = _check_in_subprocess(tmp_path, str(tmp_path / "k"))
    assert time.monotonic() - start < 30  # kustomize would block on the FIFO until the render timeout
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "k/pipe.yaml: error YAML-PARSE cannot read: not a regular file (a FIFO)" in proc.stdout
    assert "RENDER-FAILED" not in proc.stdout  # the same mistake, reported once
    assert "Traceback" not in proc.stdout + proc.stderr


def test_symlink_loop_in_the_repo_tree_is_a_finding(repo: Path, run_cli) -> None:
    (repo / "overlays/dev/loop.yaml").symlink_to("loop.yaml")  # overlays/ is linted whole, read or not
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert code == 1, out + err
    assert "overlays/dev/loop.yaml: error YAML-PARSE cannot read" in out
