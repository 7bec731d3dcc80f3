"""Kubernetes schemas come from kubernetes-validate for the chosen version; API lifecycle is checked too."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from validation.schema_check import SchemaChecker, UnsupportedVersionError
from validation.schemas import kubernetes


def test_versions_resolve_like_kubernetes_validate() -> None:
    assert kubernetes.resolve_version("1.37") == (1, 37)
    assert kubernetes.resolve_version("v1.30.4") == (1, 30)
    assert kubernetes.parse_version("1.37") == (1, 37)


@pytest.mark.parametrize("bad", ["1.99", "1.2", "latest", ""])
def test_unsupported_version_is_a_clear_error(bad: str) -> None:
    with pytest.raises(UnsupportedVersionError, match="Kubernetes version"):
        SchemaChecker(bad)


def test_kind_schema_is_self_contained_and_strict() -> None:
    bundle = kubernetes.KubernetesBundle((1, 37))
    schema = bundle.schema("apps/v1", "Deployment")
    text = json.dumps(schema)
    assert "_definitions.json" not in text
    assert schema["additionalProperties"] is False
    assert "io.k8s.api.core.v1.Container" in schema["$defs"]
    assert bundle.schema("apps/v1", "NoSuchKind") is None


@pytest.mark.parametrize(
    "api_version, kind, version, rule",
    [
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25", "SCHEMA-DEPRECATED-API"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", "SCHEMA-REMOVED-API"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.31", "SCHEMA-DEPRECATED-API"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32", "SCHEMA-REMOVED-API"),
        ("extensions/v1beta1", "Ingress", "1.37", "SCHEMA-REMOVED-API"),
        ("batch/v1beta1", "CronJob", "1.37", "SCHEMA-REMOVED-API"),
        ("v1", "Endpoints", "1.33", "SCHEMA-DEPRECATED-API"),
    ],
)
def test_api_lifecycle_depends_on_the_selected_version(api_version: str, kind: str, version: str, rule: str) -> None:
    issues = SchemaChecker(version).check({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})
    assert issues[0].rule_id == rule
    assert issues[0].path == ("apiVersion",)


def test_endpoints_are_fine_before_their_deprecation() -> None:
    doc = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}}
    assert SchemaChecker("1.32").check(doc) == []


def test_deprecated_api_is_still_schema_checked() -> None:
    doc = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "x"},
           "spec": {"maxReplicas": "many", "scaleTargetRef": {"kind": "Deployment", "name": "x"}}}
    rules = [i.rule_id for i in SchemaChecker("1.25").check(doc)]
    assert rules == ["SCHEMA-DEPRECATED-API", "SCHEMA-TYPE"]


def test_kind_served_in_one_version_only_is_missing_in_another() -> None:
    doc = {"apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": "x"}}
    assert SchemaChecker("1.37").has_schema("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")
    assert not SchemaChecker("1.28").has_schema("flowcontrol.apiserver.k8s.io/v1", "FlowSchema")
    assert [i.rule_id for i in SchemaChecker("1.28").check(doc)] == ["SCHEMA-MISSING"]


DESCRIPTION_FIELDS = Path(__file__).parent / "fixtures" / "valid" / "description-fields.yaml"


def _description_docs() -> list[dict]:
    return [d for d in yaml.safe_load_all(DESCRIPTION_FIELDS.read_text(encoding="utf-8")) if d]


@pytest.mark.parametrize("doc", _description_docs(), ids=lambda d: d["kind"])
def test_description_is_a_field_where_kubernetes_declares_one(doc: dict) -> None:
    # a PriorityClass's `description`, and JSONSchemaProps `description` at every level of a CRD's schema
    assert SchemaChecker("1.37").check(doc) == []
    # and kubernetes-validate --strict agrees on the same document
    assert kubernetes_validate.validate(copy.deepcopy(doc), "1.37", strict=True) == "1.37"


def test_a_misspelt_description_is_still_an_unknown_field() -> None:
    priority, crd = _description_docs()
    priority["descripton"] = priority.pop("description")
    assert [i.message for i in SchemaChecker("1.37").check(priority)] == [
        "descripton: unknown field (did you mean description?)"
    ]
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["descriptoin"] = spec.pop("description")
    path = "spec.versions[0].schema.openAPIV3Schema.properties.spec.descriptoin"
    assert [i.message for i in SchemaChecker("1.37").check(crd)] == [f"{path}: unknown field (did you mean description?)"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(crd, "1.37", strict=True)


def test_documentation_is_stripped_only_where_it_is_documentation() -> None:
    schema = kubernetes.KubernetesBundle((1, 37)).schema("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    props = schema["$defs"]["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"]
    assert {"description", "title", "default", "example", "$ref"} <= set(props["properties"])
    assert "description" not in props  # the keyword (prose about JSONSchemaProps) is gone
    assert '"description": "' not in json.dumps(schema)  # no prose left anywhere
