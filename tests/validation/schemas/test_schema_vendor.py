"""vendor/regenerate.py takes exactly what a release publishes, records where it came from, and is reproducible.

A small git repository shaped like argo-workflows is built here. The real repositories are not on a CI machine, so
the check of the vendored files against them is a documented command, not a test that would skip:
`python -m validation.schemas.vendor.regenerate argo-workflows GIT_DIR --check` (validation/schemas/vendor/README.md).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from validation.schema_check import SchemaChecker
from validation.schemas import Catalog, vendored
from validation.schemas.vendor import regenerate

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "oneOf": [{"$ref": "#/definitions/io.argoproj.workflow.v1alpha1.WorkflowEventBinding"}],
    "definitions": {
        "io.argoproj.workflow.v1alpha1.WorkflowEventBinding": {
            "description": "WorkflowEventBinding is the definition of an event resource",
            "type": "object",
            "required": ["metadata", "spec"],
            "properties": {
                "apiVersion": {"type": "string", "const": "argoproj.io/v1alpha1"},
                "kind": {"type": "string", "const": "WorkflowEventBinding"},
                "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                "spec": {"$ref": "#/definitions/io.argoproj.workflow.v1alpha1.Spec"},
            },
            "x-kubernetes-group-version-kind": [{"group": "argoproj.io", "kind": "WorkflowEventBinding",
                                                 "version": "v1alpha1"}],
        },
        "io.argoproj.workflow.v1alpha1.Spec": {
            "type": "object",
            "properties": {
                "description": {"description": "a field called description", "type": "string"},
                "default": {"type": "string", "title": "and one called default"},
                "names": {"type": "array", "items": {"type": "string"}, "x-kubernetes-patch-strategy": "merge"},
            },
        },
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
            "type": "object", "properties": {"name": {"type": "string"}},
        },
        "io.argoproj.workflow.v1alpha1.Unreachable": {"type": "object"},
    },
}
CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: workflowtaskresults.argoproj.io
spec:
  group: argoproj.io
  names:
    kind: WorkflowTaskResult
    plural: workflowtaskresults
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: internal
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          phase: {type: string, description: the phase}
          progress:
            anyOf: [{type: integer}, {type: string}]
            x-kubernetes-int-or-string: true
"""
COVERED_CRD = CRD.replace("WorkflowTaskResult", "WorkflowEventBinding").replace("workflowtaskresults", "workfloweventbindings")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com",
                           "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture()
def upstream(tmp_path: Path) -> Path:
    repo = tmp_path / "argo-workflows"
    (repo / "api" / "jsonschema").mkdir(parents=True)
    (repo / "api" / "jsonschema" / "schema.json").write_text(json.dumps(SCHEMA, indent=2))
    crds = repo / "manifests" / "base" / "crds" / "full"
    crds.mkdir(parents=True)
    (crds / "argoproj.io_workflowtaskresults.yaml").write_text(CRD)
    (crds / "argoproj.io_workfloweventbindings.yaml").write_text(COVERED_CRD)
    (crds / "kustomization.yaml").write_text("resources: []\n")
    (repo / "LICENSE").write_text("Apache License\nVersion 2.0, January 2004\n")
    _git(tmp_path, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "release")
    _git(repo, "tag", "v9.9.0")
    (repo / "LICENSE").write_text("changed after the tag\n")  # the work tree is never read
    return repo


def _payload(out: Path, tag: str = "v9.9.0") -> dict:
    return json.loads(gzip.decompress((out / "argo-workflows" / f"{tag}.json.gz").read_bytes()))


def test_vendors_the_published_schema_and_records_its_source(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-workflows", str(upstream), "--tag", "v9.9.0", "--out", str(out)]) == 0
    payload = _payload(out)
    commit = _git(upstream, "rev-parse", "v9.9.0")
    assert payload["source"] == {
        "project": "argo-workflows", "repository": "https://github.com/argoproj/argo-workflows", "tag": "v9.9.0",
        "commit": commit, "license": "Apache-2.0",
        "files": {
            "LICENSE": _git(upstream, "rev-parse", "v9.9.0:LICENSE"),
            "api/jsonschema/schema.json": _git(upstream, "rev-parse", "v9.9.0:api/jsonschema/schema.json"),
            "manifests/base/crds/full/argoproj.io_workflowtaskresults.yaml":
                _git(upstream, "rev-parse", "v9.9.0:manifests/base/crds/full/argoproj.io_workflowtaskresults.yaml"),
        },
    }
    # the JSON schema's kinds come from it, the rest from their CRDs; unreachable definitions are left out
    assert [(k["kind"], "definition" in k) for k in payload["kinds"]] == [
        ("WorkflowEventBinding", True), ("WorkflowTaskResult", False)]
    assert "io.argoproj.workflow.v1alpha1.Unreachable" not in payload["definitions"]
    # documentation and merge hints go; fields that are *called* description or default stay
    spec = payload["definitions"]["io.argoproj.workflow.v1alpha1.Spec"]
    assert spec == {"type": "object", "properties": {"description": {"type": "string"}, "default": {"type": "string"},
                                                     "names": {"type": "array", "items": {"type": "string"}}}}
    assert "description" not in json.dumps(payload["kinds"][1])
    record = json.loads((out / "argo-workflows" / "v9.9.0.source.json").read_text())
    raw = gzip.decompress((out / "argo-workflows" / "v9.9.0.json.gz").read_bytes())
    assert record["payload_sha256"] == hashlib.sha256(raw).hexdigest()
    assert record["commit"] == commit
    assert (out / "argo-workflows" / "LICENSE").read_text().startswith("Apache License")  # from the tag


def test_regeneration_is_byte_for_byte_reproducible(upstream: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "vendor"
    regenerate.main(["argo-workflows", str(upstream), "--tag", "v9.9.0", "--out", str(out)])
    first = (out / "argo-workflows" / "v9.9.0.json.gz").read_bytes()
    regenerate.main(["argo-workflows", str(upstream), "--tag", "v9.9.0", "--out", str(out)])
    assert (out / "argo-workflows" / "v9.9.0.json.gz").read_bytes() == first
    capsys.readouterr()
    assert regenerate.main(["argo-workflows", str(upstream), "--check", "--out", str(out)]) == 0
    assert "v9.9.0" in capsys.readouterr().out
    # a vendored file that no longer matches its recorded source is caught
    tampered = _payload(out)
    tampered["definitions"]["io.argoproj.workflow.v1alpha1.Spec"]["properties"].pop("names")
    data = json.dumps(tampered, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    (out / "argo-workflows" / "v9.9.0.json.gz").write_bytes(gzip.compress(data, mtime=0))
    assert regenerate.main(["argo-workflows", str(upstream), "--check", "--out", str(out)]) == 1
    assert "DIFFERS" in capsys.readouterr().out


def test_a_checkout_works_like_a_bare_repository(upstream: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(upstream), str(bare)], check=True)
    regenerate.main(["argo-workflows", str(upstream), "--tag", "v9.9.0", "--out", str(tmp_path / "a")])
    regenerate.main(["argo-workflows", str(bare), "--tag", "v9.9.0", "--out", str(tmp_path / "b")])
    assert _payload(tmp_path / "a") == _payload(tmp_path / "b")


def test_bad_source_is_a_clear_error(upstream: Path, tmp_path: Path, capsys) -> None:
    assert regenerate.main(["argo-workflows", str(tmp_path), "--tag", "v9.9.0", "--out", str(tmp_path / "o")]) == 2
    assert "not a git repository" in capsys.readouterr().err
    assert regenerate.main(["argo-workflows", str(upstream), "--tag", "v0.0.1", "--out", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing written


def test_a_freshly_vendored_release_is_loadable_and_strict(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "vendor"
    regenerate.main(["argo-workflows", str(upstream), "--tag", "v9.9.0", "--out", str(out)])
    release = vendored.Release.from_file(out / "argo-workflows" / "v9.9.0.json.gz")
    assert (release.line, release.version) == ("9.9", (9, 9, 0))
    checker = SchemaChecker(catalog=Catalog(argo_release=release))
    binding = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding", "metadata": {"name": "b"},
               "spec": {"description": "kept", "default": None, "names": ["a"]}}
    assert checker.check(binding) == []
    binding["spec"]["nmaes"] = []
    assert [i.message for i in checker.check(binding)] == ["spec.nmaes: unknown field (did you mean names?)"]
    result = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTaskResult", "metadata": {"name": "r"},
              "phase": "Succeeded", "progress": 1}
    assert checker.check(result) == []
    assert [i.message for i in checker.check({**result, "progress": [1]})] == ["progress: expected integer or string, got array"]


# Argo Events: a published JSON schema beside CRDs that carry none (spec: x-kubernetes-preserve-unknown-fields).
EVENTS_SCHEMA = {
    "$schema": "http://json-schema.org/schema#",
    "oneOf": [{"$ref": "#/definitions/io.argoproj.events.v1alpha1.Sensor"}],
    "definitions": {
        "io.argoproj.events.v1alpha1.Sensor": {
            "type": "object",
            "required": ["metadata", "spec"],
            "properties": {
                "apiVersion": {"type": "string", "const": "argoproj.io/v1alpha1"},
                "kind": {"type": "string", "const": "Sensor"},
                "metadata": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                "spec": {"$ref": "#/definitions/io.argoproj.events.v1alpha1.SensorSpec"},
            },
            "x-kubernetes-group-version-kind": [{"group": "argoproj.io", "kind": "Sensor", "version": "v1alpha1"}],
        },
        "io.argoproj.events.v1alpha1.SensorSpec": {
            "description": "SensorSpec represents desired sensor state",
            "type": "object",
            "required": ["url"],  # a Go field without omitempty: generated as required, enforced by nothing
            "properties": {"url": {"type": "string"}, "replicas": {"type": "integer", "format": "int32"}},
        },
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "properties": {"name": {"type": "string"}}},
    },
}
SCHEMALESS_CRD = """# This is an auto-generated file. DO NOT EDIT
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sensors.argoproj.io
spec:
  group: argoproj.io
  names:
    kind: Sensor
    plural: sensors
  scope: Namespaced
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
        type: object
    served: true
    storage: true
"""
ROLLOUT_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: rollouts.argoproj.io
spec:
  group: argoproj.io
  names:
    kind: Rollout
    plural: rollouts
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            properties:
              replicas: {type: integer, format: int32, description: Number of desired pods}
              strategy:
                type: object
                properties:
                  canary:
                    type: object
                    properties:
                      maxSurge:
                        anyOf: [{type: integer}, {type: string}]
                        x-kubernetes-int-or-string: true
          status:
            type: object
  - name: v1alpha0
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object}
"""


def _repo(tmp_path: Path, name: str, files: dict[str, str], tag: str) -> Path:
    repo = tmp_path / name
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    _git(tmp_path, "init", "-q", str(repo))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "release")
    _git(repo, "tag", tag)
    return repo


def test_argo_events_comes_from_its_json_schema_not_its_schemaless_crds(tmp_path: Path, capsys) -> None:
    repo = _repo(tmp_path, "argo-events", {"api/jsonschema/schema.json": json.dumps(EVENTS_SCHEMA),
                                           "manifests/base/crds/argoproj.io_sensors.yaml": SCHEMALESS_CRD,
                                           "LICENSE": "Apache License\n"}, "v1.9.0")
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-events", str(repo), "--tag", "v1.9.0", "--out", str(out)]) == 0
    payload = json.loads(gzip.decompress((out / "argo-events" / "v1.9.0.json.gz").read_bytes()))
    assert payload["source"]["repository"] == "https://github.com/argoproj/argo-events"
    assert payload["source"]["files"] == {"LICENSE": _git(repo, "rev-parse", "v1.9.0:LICENSE"),
                                          "api/jsonschema/schema.json":
                                              _git(repo, "rev-parse", "v1.9.0:api/jsonschema/schema.json")}
    assert payload["kinds"] == [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor",
                                 "definition": "io.argoproj.events.v1alpha1.Sensor"}]
    # documentation dropped, nothing else: the generated `required` stays in the data and is loosened on load
    assert payload["definitions"]["io.argoproj.events.v1alpha1.SensorSpec"] == {
        "type": "object", "required": ["url"],
        "properties": {"url": {"type": "string"}, "replicas": {"type": "integer", "format": "int32"}}}
    assert (out / "argo-events" / "LICENSE").read_text() == "Apache License\n"
    capsys.readouterr()
    assert regenerate.main(["argo-events", str(repo), "--check", "--out", str(out)]) == 0
    assert "argo-events v1.9.0" in capsys.readouterr().out

    release = vendored.Release.from_file(out / "argo-events" / "v1.9.0.json.gz")
    checker = SchemaChecker(catalog=Catalog(vendored_releases={"argo-events": release}))
    sensor = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor", "metadata": {"name": "s"}, "spec": {"replicas": 1}}
    assert checker.check(sensor) == []
    assert [i.message for i in checker.check({**sensor, "spec": {"replica": 1}})] == [
        "spec.replica: unknown field (did you mean replicas?)"]


def test_argo_rollouts_comes_from_its_crds(tmp_path: Path, capsys) -> None:
    repo = _repo(tmp_path, "argo-rollouts", {"manifests/crds/rollout-crd.yaml": ROLLOUT_CRD,
                                             "manifests/crds/kustomization.yaml": "resources: [rollout-crd.yaml]\n",
                                             "LICENSE": "Apache License\n"}, "v1.9.1")
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-rollouts", str(repo), "--tag", "v1.9.1", "--out", str(out)]) == 0
    payload = json.loads(gzip.decompress((out / "argo-rollouts" / "v1.9.1.json.gz").read_bytes()))
    assert set(payload["source"]["files"]) == {"LICENSE", "manifests/crds/rollout-crd.yaml"}
    assert [(k["apiVersion"], k["kind"]) for k in payload["kinds"]] == [("argoproj.io/v1alpha1", "Rollout")]  # served only
    assert "description" not in json.dumps(payload["kinds"])
    assert payload["definitions"] == {}
    capsys.readouterr()
    assert regenerate.main(["argo-rollouts", str(repo), "--check", "--out", str(out)]) == 0
    assert "identical" in capsys.readouterr().out

    release = vendored.Release.from_file(out / "argo-rollouts" / "v1.9.1.json.gz")
    checker = SchemaChecker(catalog=Catalog(vendored_releases={"argo-rollouts": release}))
    rollout = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
               "spec": {"replicas": 2, "strategy": {"canary": {"maxSurge": "25%"}}}}
    assert checker.check(rollout) == []
    rollout["spec"]["strategy"]["canary"]["maxSurge"] = 1
    assert checker.check(rollout) == []
    rollout["spec"]["strategy"]["canary"]["maxSurgee"] = 1
    assert [i.message for i in checker.check(rollout)] == [
        "spec.strategy.canary.maxSurgee: unknown field (did you mean maxSurge?)"]


def test_verify_examples_reports_each_finding_and_counts_other_projects_kinds_apart(tmp_path: Path, capsys) -> None:
    good = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {replicas: 1}\n"
    vs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\n"
    repo = _repo(tmp_path, "argo-rollouts", {
        "manifests/crds/rollout-crd.yaml": ROLLOUT_CRD, "LICENSE": "Apache License\n",
        "examples/good.yaml": good + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n",
        "examples/typo.yml": good.replace("replicas", "replica"),
        "examples/istio/vs.yaml": vs,
        # a document without a kind, then other projects' kinds, then one of this release's: each is still seen;
        # workloadRef is a real Rollout field that this fixture's CRD lacks, so the finding shows which release checked
        "examples/multi.yaml": "name: values\n---\n" + vs + "---\n" + vs.replace("VirtualService", "Gateway") + "---\n"
                               + good.replace("{replicas: 1}", "{workloadRef: {kind: Deployment, name: d}}"),
        "examples/chart/Chart.yaml": "apiVersion: v2\nname: demo\n",
        "examples/chart/templates/r.yaml": "metadata:\n  name: {{ .Release.Name }}\n",
        "examples/README.md": "kind: Rollout\n",
    }, "v1.9.1")
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-rollouts", str(repo), "--tag", "v1.9.1", "--out", str(out), "--verify-examples"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "examples/chart/templates/r.yaml: not YAML (ConstructorError)",
        "examples/multi.yaml: Rollout SCHEMA-UNKNOWN-FIELD spec.workloadRef: unknown field",
        "examples/typo.yml: Rollout SCHEMA-UNKNOWN-FIELD spec.replica: unknown field (did you mean replicas?)",
        "no schema here for 3 documents: networking.istio.io/v1 Gateway, networking.istio.io/v1 VirtualService",
        "examples/ at v1.9.1: 4 documents checked, 2 schema findings",
    ]


def test_verify_examples_exits_0_when_the_examples_pass(tmp_path: Path, capsys) -> None:
    sensor = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec: {replicas: 2}\n"
    repo = _repo(tmp_path, "argo-events", {"api/jsonschema/schema.json": json.dumps(EVENTS_SCHEMA),
                                           "LICENSE": "Apache License\n", "examples/sensor.yaml": sensor}, "v1.9.0")
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-events", str(repo), "--tag", "v1.9.0", "--out", str(out), "--verify-examples"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["examples/ at v1.9.0: 1 documents checked, 0 schema findings"]


def test_usage_mistakes_are_clear_errors(upstream: Path, tmp_path: Path, capsys) -> None:
    assert regenerate.main(["argo-events", str(upstream), "--check", "--out", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err == f"nothing vendored for argo-events in {tmp_path / 'empty'}\n"
    with pytest.raises(SystemExit) as exc:
        regenerate.main(["argo-rollouts", str(upstream)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.endswith("error: --tag is required (a release tag such as v4.1.2)\n")
    with pytest.raises(SystemExit):
        regenerate.main(["argo-rollouts", str(upstream), "--tag", "1.9.1"])
    assert capsys.readouterr().err.endswith(
        "error: --tag 1.9.1: not a release tag like v4.1.2 (argo-version selects releases by it)\n")


def test_verify_examples_of_argo_workflows_uses_the_release_just_vendored(tmp_path: Path, capsys) -> None:
    # `names` is a field of this fixture's WorkflowEventBinding only: the packaged releases would refuse it
    binding = "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowEventBinding\nmetadata: {name: b}\nspec: {names: [a]}\n"
    repo = _repo(tmp_path, "argo-workflows", {"api/jsonschema/schema.json": json.dumps(SCHEMA), "LICENSE": "Apache\n",
                                              "examples/binding.yaml": binding}, "v9.9.0")
    out = tmp_path / "vendor"
    assert regenerate.main(["argo-workflows", str(repo), "--tag", "v9.9.0", "--out", str(out), "--verify-examples"]) == 0
    target = out / "argo-workflows" / "v9.9.0.json.gz"
    assert capsys.readouterr().out.splitlines() == [f"wrote {target} ({target.stat().st_size} bytes)",
                                                    "examples/ at v9.9.0: 1 documents checked, 0 schema findings"]


def _usage_crd(group: str) -> str:
    # as controller-gen writes Crossplane's: categories before kind (the kind is found past a list)
    return f"""---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: usages.{group}
spec:
  group: {group}
  names:
    categories:
    - crossplane
    kind: Usage
    listKind: UsageList
    plural: usages
  scope: Cluster
  versions:
  - name: v1beta1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [reason, policy]
            properties:
              reason: {{type: string, description: Why}}
              policy: {{type: string, default: Orphan}}
"""


def test_crossplane_comes_from_its_crds_a_kind_in_two_groups_included(tmp_path: Path, capsys) -> None:
    repo = _repo(tmp_path, "crossplane", {
        "cluster/crds/apiextensions.crossplane.io_usages.yaml": _usage_crd("apiextensions.crossplane.io"),
        "cluster/crds/protection.crossplane.io_usages.yaml": _usage_crd("protection.crossplane.io"),
        "LICENSE": "Apache License\n",
        "test/e2e/manifests/usage.yaml": "apiVersion: protection.crossplane.io/v1beta1\nkind: Usage\n"
                                         "metadata: {name: u}\nspec: {reason: r}\n---\n"
                                         "apiVersion: nop.example.org/v1alpha1\nkind: NopResource\n",
        "test/e2e/manifests/typo.yaml": "apiVersion: apiextensions.crossplane.io/v1beta1\nkind: Usage\n"
                                        "metadata: {name: u}\nspec: {reson: r}\n",
        "examples/ignored.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\n",
    }, "v2.3.4")
    out = tmp_path / "vendor"
    assert regenerate.main(["crossplane", str(repo), "--tag", "v2.3.4", "--out", str(out), "--verify-examples"]) == 1
    lines = capsys.readouterr().out.splitlines()
    # the policy is required but defaulted: only reason is missing; examples/ is not Crossplane's
    assert lines[1:] == [
        "test/e2e/manifests/typo.yaml: Usage SCHEMA-UNKNOWN-FIELD spec.reson: unknown field (did you mean reason? "
        "it is required)",
        "no schema here for 1 documents: nop.example.org/v1alpha1 NopResource",
        "test/e2e/manifests/ at v2.3.4: 2 documents checked, 1 schema findings",
    ]
    payload = json.loads(gzip.decompress((out / "crossplane" / "v2.3.4.json.gz").read_bytes()))
    assert payload["source"]["repository"] == "https://github.com/crossplane/crossplane"
    assert set(payload["source"]["files"]) == {"LICENSE", "cluster/crds/apiextensions.crossplane.io_usages.yaml",
                                               "cluster/crds/protection.crossplane.io_usages.yaml"}
    assert [(k["apiVersion"], k["kind"]) for k in payload["kinds"]] == [
        ("apiextensions.crossplane.io/v1beta1", "Usage"), ("protection.crossplane.io/v1beta1", "Usage")]
    assert "description" not in json.dumps(payload["kinds"]) and "default" in json.dumps(payload["kinds"])
    assert (out / "crossplane" / "LICENSE").read_text() == "Apache License\n"
    assert regenerate.main(["crossplane", str(repo), "--check", "--out", str(out)]) == 0
    assert "crossplane v2.3.4" in capsys.readouterr().out


def test_a_crds_kind_is_found_past_a_names_list_without_backtracking_across_the_file() -> None:
    # `.*` under names: once matched across lines: minutes on Crossplane's usages CRD at v2.3.4
    text = _usage_crd("x.io").encode() + b"".join(b"    - line %d\n" % i for i in range(20000))
    started = time.monotonic()
    assert regenerate._CRD_KIND.search(text).group(1) == b"Usage"
    assert regenerate._CRD_KIND.search(text.replace(b"    kind: Usage\n", b"")) is None
    assert time.monotonic() - started < 5
