"""A kind that no bundled schema knows, defined by a CustomResourceDefinition among the checked objects, is checked
against that CRD's openAPIV3Schema (codefresh-contrib/gitops-certification-examples: Argo Rollouts' install.yaml
beside the Rollouts it defines), not reported as having no schema. The CRD here is of a kind nothing bundled knows:
Argo Rollouts' own kinds are vendored now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import write

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: canaries.example.com}
spec:
  group: example.com
  names: {kind: Canary, plural: canaries}
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
              required: [selector]
              properties:
                replicas: {type: integer}
                selector: {type: object, x-kubernetes-preserve-unknown-fields: true}
                strategy:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
"""
ROLLOUT = """apiVersion: example.com/v1alpha1
kind: Canary
metadata: {name: web}
spec:
  replicas: %s
  selector: {matchLabels: {app: web}}
  strategy: {canary: {steps: [{setWeight: 20}]}}
"""


def _findings(tmp_path: Path, run_cli, *paths: str) -> list[tuple[str, str, int | None, str]]:
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "SCHEMA",
                             *(str(tmp_path / p) for p in paths))
    assert code in (0, 1), err
    return [(f["rule_id"], f["file"], f["line"], f["message"]) for f in json.loads(out)["findings"]]


def test_a_kind_whose_crd_is_checked_too_is_checked_against_it(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "controller/install.yaml": CRD, "app/rollout.yaml": ROLLOUT % "2",
                     "app/broken.yaml": (ROLLOUT % '"two"').replace("name: web", "name: broken")
                     + "  paused: true\n"})
    found = _findings(tmp_path, run_cli, ".")
    assert sorted((r, f, line) for r, f, line, _ in found) == [
        ("SCHEMA-TYPE", "app/broken.yaml", 5), ("SCHEMA-UNKNOWN-FIELD", "app/broken.yaml", 8)]
    assert any("paused" in message for _, _, _, message in found)


def test_without_its_crd_the_kind_has_no_schema(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "controller/install.yaml": CRD, "app/rollout.yaml": ROLLOUT % "2"})
    assert [(r, f) for r, f, _, _ in _findings(tmp_path, run_cli, "app")] == [("SCHEMA-MISSING", "app/rollout.yaml")]


@pytest.mark.parametrize("schema", ["openAPIV3Schema: not-a-schema",
                                    "openAPIV3Schema: {type: object, properties: {spec: {type: string, pattern: '('}}}"])
def test_a_crd_whose_schema_is_unusable_leaves_the_kind_without_one(schema: str, tmp_path: Path, run_cli) -> None:
    crd = CRD.split("        openAPIV3Schema:")[0] + "        " + schema + "\n"
    write(tmp_path, {"pyproject.toml": "", "controller/install.yaml": crd,
                     "app/rollout.yaml": ROLLOUT.replace("%s", "2") + "  extra: {spec: x}\n"})
    rules = [r for r, f, _, _ in _findings(tmp_path, run_cli, ".") if f == "app/rollout.yaml"]
    assert rules == ["SCHEMA-MISSING"]


def test_a_crds_restriction_on_metadata_name_is_checked_with_object_meta(tmp_path: Path, run_cli) -> None:
    crd = CRD.replace("metadata: {type: object}", "metadata: {type: object, properties: {name: {type: string, "
                      "maxLength: 5}}}")
    write(tmp_path, {"pyproject.toml": "", "controller/install.yaml": crd, "app/rollout.yaml": ROLLOUT % "2",
                     "app/long.yaml": (ROLLOUT % "2").replace("name: web", "name: web-rollout, labels: {a: 1}")})
    found = [(r, f, m) for r, f, _, m in _findings(tmp_path, run_cli, ".")]
    assert sorted(found) == [
        ("SCHEMA-INVALID", "app/long.yaml", "metadata.name: must be at most 5 character(s) long"),
        ("SCHEMA-TYPE", "app/long.yaml", "metadata.labels.a: expected string, got integer")]
