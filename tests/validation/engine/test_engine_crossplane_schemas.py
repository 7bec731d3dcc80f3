"""A Crossplane composite resource (XR) or claim whose CompositeResourceDefinition (XRD) is among the checked objects
is checked against the CRD Crossplane generates from that XRD (validation/schemas/crossplane.py), not reported as
having no schema: vfarcic/devops-toolkit-crossplane, natereid72/argo-cp and garreeoke/level-up keep XRDs beside
their claims and XRs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .helpers import write

XRD = """apiVersion: apiextensions.crossplane.io/v1
kind: CompositeResourceDefinition
metadata: {name: xsqls.example.org}
spec:
  group: example.org
  names: {kind: XSQL, plural: xsqls}
  claimNames: {kind: SQL, plural: sqls}
  versions:
    - name: v1alpha1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                parameters:
                  type: object
                  properties:
                    size: {type: string, enum: [small, large]}
                    version: {type: string}
                  required: [version]
              required: [parameters]
    - name: v1beta1
      served: false
      referenceable: false
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {parameters: {type: object}}}
"""
CLAIM = """apiVersion: example.org/v1alpha1
kind: SQL
metadata: {name: my-db, namespace: team-a}
spec:
  parameters: {size: small, version: "16"}
  compositionSelector: {matchLabels: {provider: aws}}
  compositeDeletePolicy: Foreground
  writeConnectionSecretToRef: {name: my-db-conn}
"""
COMPOSITE = """apiVersion: example.org/v1alpha1
kind: XSQL
metadata: {name: shared-db}
spec:
  parameters: {version: "16"}
  compositionRef: {name: aws-postgres}
  compositionUpdatePolicy: Manual
  writeConnectionSecretToRef: {name: shared-db-conn, namespace: crossplane-system}
"""


def _findings(tmp_path: Path, run_cli, files: dict[str, str], xrd: str = XRD) -> list[tuple[str, str, int | None, str]]:
    write(tmp_path, {"pyproject.toml": "", "platform/definition.yaml": xrd, **files})
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "SCHEMA",
                             str(tmp_path))
    assert code in (0, 1), err
    return [(f["rule_id"], f["file"], f["line"], f["message"]) for f in json.loads(out)["findings"]
            if not f["file"].startswith("platform/")]  # the XRD itself: its own kind has no schema here


def test_a_claim_and_a_composite_of_an_in_tree_xrd_pass(tmp_path: Path, run_cli) -> None:
    assert _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM, "xrs/db.yaml": COMPOSITE}) == []


def test_a_misspelt_field_of_a_claim_is_an_unknown_field(tmp_path: Path, run_cli) -> None:
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM.replace("size: small", "sise: small")})
    assert found == [("SCHEMA-UNKNOWN-FIELD", "claims/db.yaml", 5,
                      "spec.parameters.sise: unknown field (did you mean size?)")]


@pytest.mark.parametrize("field, value, rule", [
    ("compositeDeletePolicy", "Later", "SCHEMA-ENUM"),   # Crossplane's enum, on the claim
    ("compositionRef", "{}", "SCHEMA-REQUIRED"),         # its required name
])
def test_the_fields_crossplane_adds_are_checked_as_it_declares_them(field: str, value: str, rule: str,
                                                                    tmp_path: Path, run_cli) -> None:
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM + f"  {field}: {value}\n"})
    assert [(r, f) for r, f, _, _ in found] == [(rule, "claims/db.yaml")]


def test_a_composite_has_the_composite_fields_and_a_claim_the_claim_fields(tmp_path: Path, run_cli) -> None:
    # writeConnectionSecretToRef needs a namespace on a LegacyCluster XR, not on its claim; claimRef is the XR's
    xr = COMPOSITE.replace(", namespace: crossplane-system", "") + "  compositeDeletePolicy: Background\n"
    claim = CLAIM + "  claimRef: {apiVersion: example.org/v1alpha1, kind: SQL, namespace: a, name: b}\n"
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": claim, "xrs/db.yaml": xr})
    assert sorted(m for _, _, _, m in found) == [
        "spec.claimRef: unknown field", "spec.compositeDeletePolicy: unknown field",
        'spec.writeConnectionSecretToRef: missing required field "namespace"']


def test_a_version_the_xrd_does_not_serve_has_no_schema(tmp_path: Path, run_cli) -> None:
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM.replace("v1alpha1", "v1beta1")})
    assert [(r, f) for r, f, _, _ in found] == [("SCHEMA-MISSING", "claims/db.yaml")]
    assert "Crossplane XRDs" in found[0][3]


def test_without_its_xrd_a_claim_has_no_schema(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "platform/definition.yaml": XRD, "claims/db.yaml": CLAIM})
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "SCHEMA",
                             str(tmp_path / "claims"))
    assert [f["rule_id"] for f in json.loads(out)["findings"]] == ["SCHEMA-MISSING"]


def test_crossplane_caps_a_name_and_requires_spec(tmp_path: Path, run_cli) -> None:
    long = "d" * 64
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM.replace("my-db,", f"{long},"),
                                          "xrs/db.yaml": "apiVersion: example.org/v1alpha1\nkind: XSQL\n"
                                                         "metadata: {name: x}\n"})
    assert sorted((r, f) for r, f, _, _ in found) == [("SCHEMA-INVALID", "claims/db.yaml"),
                                                      ("SCHEMA-REQUIRED", "xrs/db.yaml")]


V2_XRD = """apiVersion: apiextensions.crossplane.io/v2
kind: CompositeResourceDefinition
metadata: {name: xapps.example.org}
spec:
  group: example.org
  names: {kind: XApp, plural: xapps}
  %s
  versions:
    - name: v1
      served: true
      referenceable: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {image: {type: string}}}
"""
V2_XR = """apiVersion: example.org/v1
kind: XApp
metadata: {name: web, namespace: team-a}
spec:
  image: nginx:1.27
  crossplane:
    compositionRef: {name: app}
    resourceRefs: [{apiVersion: apps/v1, kind: Deployment, name: web%s}]
"""


@pytest.mark.parametrize("scope, namespace_ok", [("", False), ("scope: Namespaced", False), ("scope: Cluster", True)])
def test_a_v2_xr_has_crossplanes_fields_under_spec_crossplane(scope: str, namespace_ok: bool, tmp_path: Path,
                                                              run_cli) -> None:
    files = {"platform/v2.yaml": V2_XRD % scope, "apps/web.yaml": V2_XR % ""}
    assert _findings(tmp_path, run_cli, files) == []
    # a Namespaced XR's resourceRefs name no namespace: its composed resources are in its own
    files["apps/web.yaml"] = V2_XR % ", namespace: other"
    found = [m for _, _, _, m in _findings(tmp_path, run_cli, files)]
    assert found == ([] if namespace_ok else ["spec.crossplane.resourceRefs[0].namespace: unknown field"])


def test_a_v2_xr_with_crossplane_1x_fields_is_told_where_they_went(tmp_path: Path, run_cli) -> None:
    xr = V2_XR.split("  crossplane:")[0] + ("  compositionRef: {name: app}\n"
                                            "  publishConnectionDetailsTo: {name: web}\n"
                                            "  writeConnectionSecretToRef: {name: web, namespace: team-a}\n")
    found = _findings(tmp_path, run_cli, {"platform/v2.yaml": V2_XRD % "", "apps/web.yaml": xr})
    assert sorted(m for _, _, _, m in found) == [
        "spec.compositionRef: unknown field (a Namespaced XR has it under spec.crossplane)",
        "spec.publishConnectionDetailsTo: unknown field (Crossplane 1.x added it, 2.x does not)",
        "spec.writeConnectionSecretToRef: unknown field (only a LegacyCluster XR has it)"]


V1BETA1_SCHEMA = """      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {parameters: {type: object}}}
"""


@pytest.mark.parametrize("xrd", [
    # a version without a schema, served or not: Crossplane generates no CRD ("custom resource validation cannot
    # be nil"), so no version of either kind exists
    XRD.replace(V1BETA1_SCHEMA, ""),
    # an unserved version whose pattern does not compile: the API server refuses the whole generated CRD
    XRD.replace("parameters: {type: object}", "parameters: {type: string, pattern: '('}"),
])
def test_an_xrd_crossplane_cannot_generate_from_leaves_its_kinds_without_a_schema(xrd: str, tmp_path: Path,
                                                                                run_cli) -> None:
    assert xrd != XRD
    found = _findings(tmp_path, run_cli, {"claims/db.yaml": CLAIM, "xrs/db.yaml": COMPOSITE}, xrd)
    assert sorted((r, f) for r, f, _, _ in found) == [("SCHEMA-MISSING", "claims/db.yaml"),
                                                      ("SCHEMA-MISSING", "xrs/db.yaml")]
