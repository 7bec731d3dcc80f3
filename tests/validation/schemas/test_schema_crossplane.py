"""validation/schemas/crossplane.py: which CRDs Crossplane generates from an XRD, and what it puts in them
(crossplane-runtime v2.3.3 pkg/xcrd), and that an XRD of any shape never raises."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from validation.schemas import crossplane


def _xrd(api_version: str = "apiextensions.crossplane.io/v1", **spec: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "group": "example.org",
        "names": {"kind": "XDB", "plural": "xdbs"},
        "claimNames": {"kind": "DB", "plural": "dbs"},
        "versions": [{"name": "v1", "served": True, "referenceable": True, "schema": {"openAPIV3Schema": {
            "type": "object",
            "description": "dropped, as every top-level field but spec and status",
            "properties": {
                "spec": {"type": "object", "properties": {"size": {"type": "string"}}, "required": ["size"],
                         "additionalProperties": {"type": "string"}},
                "extra": {"type": "string"},
                "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}},
            }}}}],
    }
    base.update(spec)
    return {"apiVersion": api_version, "kind": "CompositeResourceDefinition", "metadata": {"name": "xdbs.example.org"},
            "spec": base}


def _kinds(*objects: Any) -> list[tuple[str, list[tuple[str, bool]]]]:
    return [(c.kind, [(v.api_version, v.served) for v in c.versions]) for c in crossplane.generated_crds(objects)]


def test_a_v1_xrd_makes_a_composite_and_a_claim_crd() -> None:
    assert _kinds(_xrd()) == [("XDB", [("example.org/v1", True)]), ("DB", [("example.org/v1", True)])]


def test_the_generated_schema_keeps_spec_and_adds_crossplanes_fields() -> None:
    composite, claim = crossplane.generated_crds([_xrd()])
    top = composite.versions[0].openapi
    assert set(top["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}  # no "extra"
    assert top["required"] == ["spec"]
    assert top["properties"]["metadata"]["properties"]["name"]["maxLength"] == 20  # the XRD's, under 63
    spec = top["properties"]["spec"]
    assert "additionalProperties" not in spec  # genCrdVersion copies properties, required, oneOf and no more
    assert spec["required"] == ["size"]
    assert set(spec["properties"]) == {"size", "compositionRef", "compositionSelector", "compositionRevisionRef",
                                       "compositionRevisionSelector", "compositionUpdatePolicy", "resourceRefs",
                                       "claimRef", "writeConnectionSecretToRef"}
    assert set(claim.versions[0].openapi["properties"]["spec"]["properties"]) == {
        "size", "compositionRef", "compositionSelector", "compositionRevisionRef", "compositionRevisionSelector",
        "compositionUpdatePolicy", "compositeDeletePolicy", "resourceRef", "writeConnectionSecretToRef"}


def test_crossplanes_fields_win_a_clash_with_the_xrds() -> None:
    xrd = _xrd()
    xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["compositionRef"] = \
        {"type": "string"}
    spec = crossplane.generated_crds([xrd])[0].versions[0].openapi["properties"]["spec"]
    assert spec["properties"]["compositionRef"]["type"] == "object"


def test_a_name_is_capped_at_63_when_the_xrd_allows_longer() -> None:
    xrd = _xrd()
    xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"]["name"][
        "maxLength"] = 100
    top = crossplane.generated_crds([xrd])[0].versions[0].openapi
    assert top["properties"]["metadata"]["properties"]["name"]["maxLength"] == 63


@pytest.mark.parametrize("api_version, scope, claim", [
    ("apiextensions.crossplane.io/v1", None, True),             # v1's default scope is LegacyCluster
    ("apiextensions.crossplane.io/v1", "LegacyCluster", True),
    ("apiextensions.crossplane.io/v1", "Namespaced", False),    # only a LegacyCluster XRD offers a claim
    ("apiextensions.crossplane.io/v2", None, False),             # v2: Namespaced by default, no claims
])
def test_only_a_legacy_cluster_xrd_offers_a_claim(api_version: str, scope: str | None, claim: bool) -> None:
    xrd = _xrd(api_version) if scope is None else _xrd(api_version, scope=scope)
    assert [k for k, _ in _kinds(xrd)] == (["XDB", "DB"] if claim else ["XDB"])


@pytest.mark.parametrize("api_version, scope", [("apiextensions.crossplane.io/v2", "LegacyCluster"),
                                                ("apiextensions.crossplane.io/v1", "Global"),
                                                ("apiextensions.crossplane.io/v1beta1", None)])
def test_an_xrd_the_api_server_refuses_defines_nothing(api_version: str, scope: str | None) -> None:
    assert _kinds(_xrd(api_version) if scope is None else _xrd(api_version, scope=scope)) == []


@pytest.mark.parametrize("claim_names", [{"kind": "XDB", "plural": "dbs"}, {"kind": "DB", "plural": "xdbs"},
                                         {"kind": "DB", "plural": "dbs", "singular": "xdb"}, "DB", {"plural": "dbs"}])
def test_claim_names_that_clash_with_the_composites_make_no_claim(claim_names: Any) -> None:
    names = {"kind": "XDB", "plural": "xdbs", "singular": "xdb"}
    assert [k for k, _ in _kinds(_xrd(names=names, claimNames=claim_names))] == ["XDB"]


def test_an_unserved_version_is_generated_but_not_served() -> None:
    xrd = _xrd()
    xrd["spec"]["versions"].append({**copy.deepcopy(xrd["spec"]["versions"][0]), "name": "v2", "served": False})
    xrd["spec"]["versions"].append({**copy.deepcopy(xrd["spec"]["versions"][0]), "name": "v3", "served": "true"})
    assert _kinds(xrd)[0] == ("XDB", [("example.org/v1", True), ("example.org/v2", False), ("example.org/v3", False)])


@pytest.mark.parametrize("scope, nested", [("Namespaced", {"compositionRef", "resourceRefs"}), ("Cluster", set())])
def test_a_v2_xr_has_crossplanes_fields_under_spec_crossplane(scope: str, nested: set[str]) -> None:
    (crd,) = crossplane.generated_crds([_xrd("apiextensions.crossplane.io/v2", scope=scope, claimNames=None)])
    spec = crd.versions[0].openapi["properties"]["spec"]["properties"]
    assert set(spec) == {"size", "crossplane"}
    refs = spec["crossplane"]["properties"]["resourceRefs"]["items"]["properties"]
    assert ("namespace" in refs) == (scope == "Cluster")
    assert "claimRef" not in spec["crossplane"]["properties"]
    assert crd.hints["compositionRef"] == f"a {scope} XR has it under spec.crossplane"


@pytest.mark.parametrize("odd", [
    None, [], "text", {"kind": "CompositeResourceDefinition"},
    {"apiVersion": "apiextensions.crossplane.io/v1", "kind": "CompositeResourceDefinition", "spec": []},
])
def test_no_xrd_no_crd(odd: Any) -> None:
    assert crossplane.generated_crds([odd]) == []


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    xrd = _xrd()
    node: Any = xrd["spec"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return xrd


SCHEMA = ("versions", 0, "schema", "openAPIV3Schema")


@pytest.mark.parametrize("path, value", [
    (("group",), ""), (("names",), "XDB"), (("names", "kind"), 3), (("versions",), {"v1": {}}),
    (("versions", 0), "v1"), (("versions", 0, "name"), None), (("versions", 0, "schema"), None),
    (SCHEMA, "object"), ((*SCHEMA, "properties"), []), ((*SCHEMA, "properties", "spec"), "object"),
    ((*SCHEMA, "properties", "spec", "properties"), ["size"]), ((*SCHEMA, "properties", "spec", "required"), "size"),
    ((*SCHEMA, "properties", "spec", "required"), [1]), ((*SCHEMA, "properties", "spec", "oneOf"), {}),
    ((*SCHEMA, "properties", "metadata", "properties", "name", "maxLength"), "20"),
    ((*SCHEMA, "properties", "metadata", "properties", "name", "maxLength"), True),
    ((*SCHEMA, "properties", "metadata", "properties", "name", "maxLength"), -1),
])
def test_an_xrd_that_does_not_unmarshal_defines_nothing(path: tuple[Any, ...], value: Any) -> None:
    assert crossplane.generated_crds([_with(path, value)]) == []


def test_the_xrds_own_lists_are_copied_not_shared() -> None:
    xrd = _xrd()
    crd = crossplane.generated_crds([xrd])[0]
    crd.versions[0].openapi["properties"]["spec"]["required"].append("more")
    assert xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["required"] == ["size"]


# What crossplane-runtime v2.3.3 pkg/xcrd/schemas.go declares, written out from it (not from the module under test);
# the defaults and list types it sets too are server-side, which strict.py drops anyway.
_NAME = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
_SELECTOR = {"type": "object", "required": ["matchLabels"],
             "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}}}
_COMPOSITION = {"compositionRef": _NAME, "compositionSelector": _SELECTOR, "compositionRevisionRef": _NAME,
                "compositionRevisionSelector": _SELECTOR,
                "compositionUpdatePolicy": {"type": "string", "enum": ["Automatic", "Manual"]}}


def _refs(*names: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "required": ["apiVersion", "kind"],
                                       "properties": {n: {"type": "string"} for n in names}}}


LEGACY_COMPOSITE = {
    **_COMPOSITION,
    "resourceRefs": _refs("apiVersion", "name", "namespace", "kind"),
    "claimRef": {"type": "object", "required": ["apiVersion", "kind", "namespace", "name"],
                 "properties": {n: {"type": "string"} for n in ("apiVersion", "kind", "namespace", "name")}},
    "writeConnectionSecretToRef": {"type": "object", "required": ["name", "namespace"],
                                   "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}}},
}
CLAIM = {
    **_COMPOSITION,
    "compositeDeletePolicy": {"type": "string", "enum": ["Background", "Foreground"]},
    "resourceRef": {"type": "object", "required": ["apiVersion", "kind", "name"],
                    "properties": {n: {"type": "string"} for n in ("apiVersion", "kind", "name")}},
    "writeConnectionSecretToRef": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
}


def _generated(own_spec: dict[str, Any], crossplane_fields: dict[str, Any], name_limit: int = 63) -> dict[str, Any]:
    """BaseProps with genCrdVersion's copy of the XRD's spec, as crd.go builds a version's schema."""
    return {"type": "object", "required": ["spec"], "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"},
        "metadata": {"type": "object", "properties": {"name": {"type": "string", "maxLength": name_limit}}},
        "spec": {"type": "object", **own_spec, "properties": {"size": {"type": "string"}, **crossplane_fields}},
        "status": {"type": "object"}}}


def test_a_legacy_xrd_generates_the_schemas_crossplane_writes() -> None:
    own = {"type": "object", "properties": {"size": {"type": "string"}}, "required": ["size"],
           "oneOf": [{"required": ["size"]}], "x-kubernetes-preserve-unknown-fields": False,
           "additionalProperties": False, "anyOf": [{"required": ["size"]}]}  # the last two are not copied
    xrd = _xrd(versions=[{"name": "v1", "served": True, "schema": {"openAPIV3Schema": {
        "type": "object", "properties": {"spec": own}}}}])
    composite, claim = crossplane.generated_crds([xrd])
    copied = {"required": ["size"], "oneOf": [{"required": ["size"]}], "x-kubernetes-preserve-unknown-fields": False}
    assert composite.versions[0].openapi == _generated(copied, LEGACY_COMPOSITE)
    assert claim.versions[0].openapi == _generated(copied, CLAIM)


@pytest.mark.parametrize("scope, refs", [("Namespaced", ("apiVersion", "name", "kind")),
                                         ("Cluster", ("apiVersion", "name", "namespace", "kind"))])
def test_a_v2_xrd_generates_spec_crossplane(scope: str, refs: tuple[str, ...]) -> None:
    xrd = _xrd("apiextensions.crossplane.io/v2", scope=scope, claimNames=None, versions=[
        {"name": "v1", "served": True, "schema": {"openAPIV3Schema": {"properties": {"spec": {
            "properties": {"size": {"type": "string"}}}}}}}])
    (crd,) = crossplane.generated_crds([xrd])
    fields = {"crossplane": {"type": "object", "properties": {**_COMPOSITION, "resourceRefs": _refs(*refs)}}}
    assert crd.versions[0].openapi == _generated({}, fields)


@pytest.mark.parametrize("limit, expected", [(0, 0), (62, 62), (63, 63), (64, 63)])
def test_the_xrds_name_limit_applies_under_crossplanes(limit: int, expected: int) -> None:
    xrd = _xrd()
    xrd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"]["name"][
        "maxLength"] = limit
    name = crossplane.generated_crds([xrd])[0].versions[0].openapi["properties"]["metadata"]["properties"]["name"]
    assert name == {"type": "string", "maxLength": expected}


def test_the_hints_say_where_a_field_went() -> None:
    only_1x = {"publishConnectionDetailsTo": "Crossplane 1.x added it, 2.x does not",
               "environmentConfigRefs": "Crossplane 1.x added it, 2.x does not"}
    composite, claim = crossplane.generated_crds([_xrd()])
    assert composite.hints == claim.hints == only_1x
    (modern,) = crossplane.generated_crds([_xrd("apiextensions.crossplane.io/v2", scope="Cluster", claimNames=None)])
    assert modern.hints == {**only_1x, **{f: "a Cluster XR has it under spec.crossplane" for f in (
        "compositionRef", "compositionSelector", "compositionRevisionRef", "compositionRevisionSelector",
        "compositionUpdatePolicy", "resourceRefs")}, "claimRef": "only a LegacyCluster XR has it",
        "writeConnectionSecretToRef": "only a LegacyCluster XR has it"}


def test_objects_that_are_no_usable_xrd_are_passed_over_not_stopped_at() -> None:
    unusable = _xrd(scope="Global")
    assert [c.kind for c in crossplane.generated_crds([{"kind": "ConfigMap"}, unusable, _xrd()])] == ["XDB", "DB"]


@pytest.mark.parametrize("claim_names", [{"kind": 3, "plural": "dbs"}, {"kind": "", "plural": "dbs"},
                                         {"kind": "DB", "plural": "dbs", "listKind": "XDBList"}])
def test_a_claim_needs_a_kind_of_its_own(claim_names: dict[str, Any]) -> None:
    names = {"kind": "XDB", "plural": "xdbs", "listKind": "XDBList"}
    assert [k for k, _ in _kinds(_xrd(names=names, claimNames=claim_names))] == ["XDB"]
