"""The CRDs Crossplane generates from a CompositeResourceDefinition (XRD): one for the composite kind, one for the
claim kind when the XRD offers one, each version's openAPIV3Schema as Crossplane writes it.

Written after crossplane-runtime v2.3.3, pkg/xcrd/crd.go and schemas.go (commit fcf6aaa11e, the version Crossplane
v2.3.4, commit c2670a7351, builds with; Crossplane 2.0 to 2.3 generate the same fields), and the XRD types at
Crossplane v2.3.4 (apis/apiextensions/v1 and v2/xrd_types.go) for the defaults and the scopes each XRD version takes.
The result is CRD schema: strict.crd_document() makes it strict as it does any CRD's.
"""

from __future__ import annotations

from typing import Any, Iterable

from validation.records import record

XRD_KIND = "CompositeResourceDefinition"
LEGACY_CLUSTER, NAMESPACED, CLUSTER = "LegacyCluster", "Namespaced", "Cluster"
# XRD apiVersion -> (the scope when none is set, the scopes the XRD's CRD allows)
XRD_API_VERSIONS = {
    "apiextensions.crossplane.io/v1": (LEGACY_CLUSTER, (LEGACY_CLUSTER, NAMESPACED, CLUSTER)),
    "apiextensions.crossplane.io/v2": (NAMESPACED, (NAMESPACED, CLUSTER)),
}
# Label values hold the name of a composite or claim, so Crossplane caps it (crd.go).
MAX_NAME_LENGTH = 63


@record
class GeneratedVersion:
    api_version: str
    served: bool
    openapi: dict[str, Any]


@record
class GeneratedCRD:
    """One CRD Crossplane makes of an XRD. It makes every version or none: one version's bad schema fails it all.
    `hints`: what to add to "unknown field" at spec.<field>, for fields that another Crossplane generation has."""

    kind: str
    versions: tuple[GeneratedVersion, ...]
    hints: dict[str, str] = {}


# Fields Crossplane 1.x put under spec and 2.x does not (internal/xcrd/schemas.go: publishConnectionDetailsTo from
# v1.7.0 to v1.20.11, environmentConfigRefs from v1.11.0 to v1.17.x; neither at v2.0.0)
_ONLY_IN_1X = ("publishConnectionDetailsTo", "environmentConfigRefs")


class _Unusable(ValueError):
    """The XRD does not unmarshal into Crossplane's types, or Crossplane refuses to generate from it. Never shown:
    the XRD's kinds are left without a schema, and the comment at each raise says why."""


def generated_crds(objects: Iterable[Any]) -> list[GeneratedCRD]:
    """The CRDs of every XRD among `objects`; an XRD Crossplane would make nothing of contributes nothing."""
    out: list[GeneratedCRD] = []
    for obj in objects:
        if not (isinstance(obj, dict) and obj.get("kind") == XRD_KIND and obj.get("apiVersion") in XRD_API_VERSIONS
                and isinstance(obj.get("spec"), dict)):
            continue
        try:
            out.extend(_from_xrd(obj["apiVersion"], obj["spec"]))
        except _Unusable:
            continue
    return out


def _from_xrd(api_version: str, spec: dict[str, Any]) -> list[GeneratedCRD]:
    default_scope, scopes = XRD_API_VERSIONS[api_version]
    scope = spec.get("scope", default_scope)
    group, names = spec.get("group"), spec.get("names")
    if scope not in scopes or not (isinstance(group, str) and group and isinstance(names, dict)):
        raise _Unusable  # the API server refuses this XRD
    kind = names.get("kind")
    versions = spec.get("versions")
    if not (isinstance(kind, str) and kind and isinstance(versions, list)):
        raise _Unusable  # no kind, or no versions
    parsed = [_version(v) for v in versions]
    out = [GeneratedCRD(kind, tuple(
        GeneratedVersion(f"{group}/{name}", served, _schema(own, composite_spec_props(scope)))
        for name, served, own in parsed), _hints(scope))]
    claim = _claim_kind(spec, names, scope)
    if claim is not None:
        out.append(GeneratedCRD(claim, tuple(
            GeneratedVersion(f"{group}/{name}", served, _schema(own, claim_spec_props()))
            for name, served, own in parsed), _hints(LEGACY_CLUSTER)))
    return out


def _hints(scope: str) -> dict[str, str]:
    hints = {field: "Crossplane 1.x added it, 2.x does not" for field in _ONLY_IN_1X}
    if scope != LEGACY_CLUSTER:  # a Crossplane 1.x XR's fields, where a Namespaced or Cluster XR has them no more
        nested = (*_composition_fields(), "resourceRefs")
        hints.update({field: f"a {scope} XR has it under spec.crossplane" for field in nested})
        hints.update({field: "only a LegacyCluster XR has it" for field in ("claimRef", "writeConnectionSecretToRef")})
    return hints


def _claim_kind(spec: dict[str, Any], names: dict[str, Any], scope: str) -> str | None:
    """The claim kind, when Crossplane makes a claim CRD: only a LegacyCluster XRD may offer one (a CEL rule of the
    XRD's CRD), and its names must differ from the composite's (validateClaimNames)."""
    claim = spec.get("claimNames")
    if claim is None or scope != LEGACY_CLUSTER or not isinstance(claim, dict):
        return None
    kind = claim.get("kind")
    if not (isinstance(kind, str) and kind) or kind == names.get("kind") or claim.get("plural") == names.get("plural"):
        return None
    for key in ("singular", "listKind"):
        if claim.get(key) and claim.get(key) == names.get(key):
            return None
    return kind


def _version(v: Any) -> tuple[str, bool, dict[str, Any]]:
    """(name, served, openAPIV3Schema) of one XRD version. Crossplane fails the whole CRD on a version without a
    schema ("custom resource validation cannot be nil") or with one that does not unmarshal."""
    if not (isinstance(v, dict) and isinstance(v.get("name"), str) and v["name"]):
        raise _Unusable  # a version without a name
    schema = v.get("schema")
    own = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
    if not isinstance(own, dict):
        raise _Unusable  # a version without a schema
    return v["name"], v.get("served") is True, own


def _mapping(node: dict[str, Any], key: str) -> dict[str, Any]:
    """node[key], a mapping, or {} when absent (Go's zero value)."""
    value = node.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Unusable  # does not unmarshal into JSONSchemaProps
    return value


def _schema(own: dict[str, Any], crossplane_spec: dict[str, Any]) -> dict[str, Any]:
    """genCrdVersion: the XRD's spec fields (with its required, oneOf and preserve-unknown-fields, nothing else
    of it) under Crossplane's own, which win a clash; of its top level only spec and status are kept."""
    props = _mapping(own, "properties")
    x_spec, x_meta = _mapping(props, "spec"), _mapping(props, "metadata")
    spec: dict[str, Any] = {"type": "object", "properties": {**_mapping(x_spec, "properties"), **crossplane_spec}}
    required = x_spec.get("required")
    if required is not None:
        if not (isinstance(required, list) and all(isinstance(r, str) for r in required)):
            raise _Unusable  # spec.required is not a list of names
        spec["required"] = list(required)
    if isinstance(x_spec.get("x-kubernetes-preserve-unknown-fields"), bool):
        spec["x-kubernetes-preserve-unknown-fields"] = x_spec["x-kubernetes-preserve-unknown-fields"]
    if x_spec.get("oneOf") is not None:
        if not isinstance(x_spec["oneOf"], list):
            raise _Unusable  # spec.oneOf is not a list
        spec["oneOf"] = list(x_spec["oneOf"])
    limit = _mapping(_mapping(x_meta, "properties"), "name").get("maxLength")
    if limit is not None and (type(limit) is not int or limit < 0):
        raise _Unusable  # metadata.name.maxLength is not a count
    name = {"type": "string", "maxLength": MAX_NAME_LENGTH if limit is None else min(limit, MAX_NAME_LENGTH)}
    return {
        "type": "object",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object", "properties": {"name": name}},
            "spec": spec,
            "status": {"type": "object"},  # the controller's; never judged here
        },
    }


# --- the fields Crossplane adds (schemas.go); built anew per call, as rewriting shares their lists ---------------


def _strings(*names: str) -> dict[str, Any]:
    return {name: {"type": "string"} for name in names}


def _ref(required: list[str], *names: str) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": _strings(*names)}


def _selector() -> dict[str, Any]:
    return {"type": "object", "required": ["matchLabels"],
            "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}}}


def _composition_fields() -> dict[str, Any]:
    return {
        "compositionRef": _ref(["name"], "name"),
        "compositionSelector": _selector(),
        "compositionRevisionRef": _ref(["name"], "name"),
        "compositionRevisionSelector": _selector(),
        "compositionUpdatePolicy": {"type": "string", "enum": ["Automatic", "Manual"]},
    }


def composite_spec_props(scope: str) -> dict[str, Any]:
    """CompositeResourceSpecProps: a LegacyCluster XR has Crossplane's fields directly under spec, with claimRef
    and writeConnectionSecretToRef; a Namespaced or Cluster one has them under spec.crossplane, and a Namespaced
    one's resourceRefs name no namespace."""
    ref_fields = ("apiVersion", "name", "kind") if scope == NAMESPACED else ("apiVersion", "name", "namespace", "kind")
    props = {**_composition_fields(),
             "resourceRefs": {"type": "array", "items": _ref(["apiVersion", "kind"], *ref_fields)}}
    if scope == LEGACY_CLUSTER:
        props["claimRef"] = _ref(["apiVersion", "kind", "namespace", "name"], "apiVersion", "kind", "namespace", "name")
        props["writeConnectionSecretToRef"] = _ref(["name", "namespace"], "name", "namespace")
        return props
    return {"crossplane": {"type": "object", "properties": props}}


def claim_spec_props() -> dict[str, Any]:
    """CompositeResourceClaimSpecProps."""
    return {
        **_composition_fields(),
        "compositeDeletePolicy": {"type": "string", "enum": ["Background", "Foreground"]},
        "resourceRef": _ref(["apiVersion", "kind", "name"], "apiVersion", "kind", "name"),
        "writeConnectionSecretToRef": _ref(["name"], "name"),
    }
