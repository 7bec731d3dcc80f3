"""Turn a vendored schema into the strict JSON schema the checker compiles.

Upstream schemas describe what a field may hold; they leave unknown fields open and say nothing about null.
What a manifest may say is decided by how Kubernetes and the Go unmarshaller read it:
- an object with declared fields has no others (`additionalProperties: false`): the API server prunes or, with
  strict field validation, rejects them, and `argo lint` unmarshals strictly; maps (`additionalProperties: X`)
  stay maps and objects declared without fields stay free-form;
- null is accepted wherever a type is declared (Go leaves the field unset; the API server prunes nulls);
- CRD extensions: `x-kubernetes-int-or-string` takes both, `x-kubernetes-preserve-unknown-fields` keeps an
  object open; `x-kubernetes-validations` (CEL) and defaulting are server-side and not evaluated offline, except
  that a required field with a `default` is not required of a manifest: the API server defaults it before it
  validates (Crossplane's ImageConfig requires a cosign key's `hashAlgorithm`, defaulted to sha256).
"""

from __future__ import annotations

from validation.schemas import tree

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
FREE_OBJECT = {"type": ["object", "null"]}
# CRD keywords with no offline meaning: defaulting, CEL rules, list/map merge semantics
_SERVER_SIDE = frozenset({"default", "x-kubernetes-validations", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                          "x-kubernetes-map-type", "x-kubernetes-embedded-resource", "nullable"})


def nullable(node: dict[str, Any]) -> dict[str, Any]:
    """Let a schema object accept null (in place): its type list and, when it has one, its enum."""
    t = node.get("type")
    if isinstance(t, str) and t != "null":
        node["type"] = [t, "null"]
    elif isinstance(t, list) and "null" not in t:
        node["type"] = [*t, "null"]
    else:
        return node
    if isinstance(node.get("enum"), list) and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    return node


def _is_object(node: dict[str, Any]) -> bool:
    t = node.get("type")
    return t == "object" or (isinstance(t, list) and "object" in t)


def close(node: dict[str, Any]) -> dict[str, Any]:
    """An object with declared fields rejects others (in place). Only typed objects: anyOf/oneOf branches that
    list `properties` merely constrain the fields their parent declares."""
    if _is_object(node) and "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def _crd_node(node: dict[str, Any]) -> dict[str, Any]:
    for key in _SERVER_SIDE & node.keys():
        del node[key]
    if node.pop("x-kubernetes-int-or-string", False):
        node.pop("anyOf", None)  # the CRD spelling of the same thing: anyOf [integer, string]
        node["type"] = ["integer", "string"]
    if node.pop("x-kubernetes-preserve-unknown-fields", False):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = True
    close(node)
    return nullable(node)


def _defaulted_not_required(node: dict[str, Any]) -> dict[str, Any]:
    required, props = node.get("required"), node.get("properties")
    if isinstance(required, list) and isinstance(props, dict):
        kept = [name for name in required if not (isinstance(props.get(name), dict) and "default" in props[name])]
        if len(kept) < len(required):
            node["required"] = kept
    return node


def from_crd(openapi: dict[str, Any]) -> dict[str, Any]:
    """A CRD's openAPIV3Schema (one version) as strict JSON schema, before document() wraps it."""
    # first, while the defaults are still there (rewrite visits the deepest objects first and _crd_node drops them)
    return tree.rewrite(tree.rewrite(openapi, _defaulted_not_required), _crd_node)


def document(top: dict[str, Any], api_version: str, kind: str, defs: dict[str, Any]) -> dict[str, Any]:
    """The self-contained schema of one kind: top-level fields pinned, status left to the controller."""
    props = top.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [api_version]}
    props["kind"] = {"type": "string", "enum": [kind]}
    if "status" in props:  # written by the controller; a manifest rarely has one and we never judge it
        props["status"] = dict(FREE_OBJECT)
    top["type"] = "object"
    top["additionalProperties"] = False
    top["required"] = list(dict.fromkeys(["apiVersion", "kind", *top.get("required", [])]))
    top["$defs"] = defs
    top["$schema"] = SCHEMA_DIALECT
    return top


def crd_document(openapi: dict[str, Any], api_version: str, kind: str,
                 object_meta: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A CRD-derived kind: its strict openAPIV3Schema, with metadata checked as the API server does: as ObjectMeta
    (`object_meta` is that definition's name and the $defs it needs, from the Kubernetes schemas), under the
    restrictions on name and generateName, the only ones a CRD may put on metadata (Crossplane caps names)."""
    top = from_crd(openapi)  # a copy: rewrite() builds new schema objects
    meta_name, defs = object_meta
    props = top.setdefault("properties", {})
    declared = props.get("metadata", {}).get("properties") if isinstance(props.get("metadata"), dict) else None
    meta: dict[str, Any] = {"$ref": f"#/$defs/{meta_name}"}
    if isinstance(declared, dict):
        restricted = {k: declared[k] for k in ("name", "generateName") if isinstance(declared.get(k), dict)}
        if restricted:
            meta["properties"] = restricted
    props["metadata"] = meta
    return document(top, api_version, kind, dict(defs))
