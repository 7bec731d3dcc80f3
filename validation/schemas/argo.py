"""Argo Workflows kinds: JSON schemas derived from hera's generated pydantic models, made strict.

hera's models are generated from Argo's OpenAPI spec. pydantic's `model_json_schema()` gets us most of the way;
this module fixes what it gets wrong for validating YAML that Argo accepts:
- every object with declared properties rejects unknown fields (`additionalProperties: false`), while
  `Dict[str, X]` fields (labels, annotations, nodeSelector, hooks ...) stay maps;
- `Optional[X]` (pydantic's `anyOf: [X, null]`) becomes X-or-null directly, so error reports name the real cause;
- Argo's `AnyString` fields (parameter value/default/enum) take numbers and booleans, as Argo's unmarshaller does;
- Quantity takes numbers (`cpu: 1`), free-form objects stay free-form (plugin templates, managedFields, status);
- enums Argo documents only in prose (podGC strategy, retryPolicy, concurrencyPolicy ...) become real enums;
- for an Argo 3.x target, the spellings Argo 4 removed (`schedule`, `mutex`, `semaphore`, `podPriority`) are
  accepted again (see for_argo_version).
"""

from __future__ import annotations

import copy
from typing import Any

API_VERSION = "argoproj.io/v1alpha1"
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
PACKAGE = "hera"

_ANY_STRING = {"type": ["string", "number", "boolean", "null"]}


def _enum(*values: str) -> dict[str, Any]:
    """A prose enum made real. A template expression ({{inputs.parameters.x}}) is substituted by Argo before use,
    so it stays allowed; the enum branch comes first so a bad literal is reported as "must be one of"."""
    return {"anyOf": [{"enum": ["", *values, None]}, {"type": "string", "pattern": r"\{\{.+\}\}"}]}


# definition name -> property -> replacement schema
_PROPERTY_OVERRIDES: dict[str, dict[str, Any]] = {
    "Parameter": {
        "value": _ANY_STRING,
        "default": _ANY_STRING,
        "enum": {"type": ["array", "null"], "items": _ANY_STRING},
    },
    "ValueFrom": {"default": _ANY_STRING},
    "PodGC": {
        "strategy": _enum("OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")
    },
    "RetryStrategy": {
        "retryPolicy": _enum("Always", "OnFailure", "OnError", "OnTransientError")
    },
    "CronWorkflowSpec": {"concurrencyPolicy": _enum("Allow", "Forbid", "Replace")},
    "Gauge": {"operation": _enum("Set", "Add", "Sub")},
    "ArtifactGC": {
        "strategy": _enum("OnWorkflowCompletion", "OnWorkflowDeletion", "Never")
    },
}

# Definitions that are free-form in Argo even though hera models them as empty objects.
_FREE_FORM = {"FieldsV1", "Plugin"}

# Definitions replaced outright.
_DEFINITION_OVERRIDES: dict[str, Any] = {
    "Quantity": {"type": ["string", "number", "null"]},
    "IntOrString": {"type": ["string", "integer", "null"]},
    "Amount": {"type": ["number", "null"]},
    "Item": {},  # withItems entries: any JSON value
}

_DROP_KEYS = {"title", "default", "description", "examples"}


def hera_version() -> str:
    from importlib import metadata

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - hard dependency
        return "unknown"


def build() -> dict[str, dict[str, Any]]:
    """kind -> self-contained strict JSON schema. Slow-ish (imports hera); the cache module keeps the result."""
    from hera.workflows import models

    out: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        model = getattr(models, kind)
        raw = model.model_json_schema(by_alias=True, mode="validation")
        out[kind] = _strict_document(kind, raw)
    return out


def _strict_document(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    defs = raw.pop("$defs", {})
    new_defs: dict[str, Any] = {}
    for name, schema in defs.items():
        new_defs[name] = _definition(name, schema)
    top = _convert(raw)
    props = top.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [API_VERSION]}
    props["kind"] = {"type": "string", "enum": [kind]}
    # Status is written by the controller; a manifest rarely has one and we never judge it.
    if "status" in props:
        props["status"] = {"type": ["object", "null"]}
    top["required"] = ["apiVersion", "kind", "metadata", "spec"]
    top["type"] = "object"
    top["additionalProperties"] = False
    # Argo's validator requires a name on every entry of spec.templates (not on templateDefaults, which shares the type)
    templates = new_defs["WorkflowSpec"]["properties"]["templates"]
    templates["items"] = {"$ref": "#/$defs/Template", "required": ["name"]}
    top["$defs"] = new_defs
    top["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return top


def for_argo_version(schema: dict[str, Any], argo_version: str) -> dict[str, Any]:
    """hera follows Argo 4, which removed four spellings that Argo 3.x still accepts (deprecated since 3.6):
    CronWorkflow `schedule`, synchronization `mutex` and `semaphore`, Workflow `podPriority`.
    For a 3.x target (config `argo-version`) they are put back; for 4.x they stay unknown fields."""
    try:
        major = int(str(argo_version).lstrip("v").split(".")[0])
    except ValueError:
        major = 3
    if major >= 4:
        return schema
    schema = copy.deepcopy(schema)
    defs = schema["$defs"]
    if "Synchronization" in defs:
        props = defs["Synchronization"]["properties"]
        props["mutex"] = {"$ref": "#/$defs/Mutex"}
        props["semaphore"] = {"$ref": "#/$defs/SemaphoreRef"}
    if "WorkflowSpec" in defs:
        defs["WorkflowSpec"]["properties"]["podPriority"] = {"type": ["integer", "null"]}
    if "CronWorkflowSpec" in defs:
        spec = defs["CronWorkflowSpec"]
        spec["properties"]["schedule"] = {"type": ["string", "null"]}
        spec["required"] = [r for r in spec.get("required", []) if r != "schedules"]
        # what Argo 3.x needs: a schedule in either spelling
        spec["anyOf"] = [{"required": ["schedules"]}, {"required": ["schedule"]}]
    return schema


def _definition(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if name in _DEFINITION_OVERRIDES:
        return copy.deepcopy(_DEFINITION_OVERRIDES[name])
    if name in _FREE_FORM:
        return {"type": ["object", "null"]}
    out = _convert(schema)
    for prop, replacement in _PROPERTY_OVERRIDES.get(name, {}).items():
        out.setdefault("properties", {})[prop] = copy.deepcopy(replacement)
    _nullable(out)
    return out


def _nullable(schema: dict[str, Any]) -> None:
    """Allow null wherever a definition is used: Kubernetes drops nulls in optional fields, so Argo accepts them."""
    t = schema.get("type")
    if isinstance(t, str) and t != "null":
        schema["type"] = [t, "null"]
    elif isinstance(t, list) and "null" not in t:
        schema["type"] = [*t, "null"]


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP_KEYS:  # annotations only; property *names* like `default` live under "properties"
            continue
        if key == "properties":
            out[key] = {prop: _convert(sub) for prop, sub in value.items()}
        else:
            out[key] = _convert(value)
    any_of = out.get("anyOf")
    if isinstance(any_of, list):
        out = _collapse_optional(out, any_of)
    if out.get("type") == "object" or (isinstance(out.get("type"), list) and "object" in out["type"]):
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
    return out


def _collapse_optional(node: dict[str, Any], any_of: list[Any]) -> dict[str, Any]:
    """anyOf [X, null] -> X allowing null; anyOf of bare types -> one type list."""
    non_null = [s for s in any_of if s != {"type": "null"}]
    has_null = len(non_null) != len(any_of)
    rest = {k: v for k, v in node.items() if k != "anyOf"}
    if all(isinstance(s, dict) and set(s) == {"type"} for s in non_null):
        types: list[str] = []
        for s in non_null:
            types += s["type"] if isinstance(s["type"], list) else [s["type"]]
        if has_null:
            types.append("null")
        return {**rest, "type": types if len(types) > 1 else types[0]}
    if has_null and len(non_null) == 1:
        only = dict(non_null[0])
        if "$ref" in only:
            # the referenced definition is made nullable itself
            return {**rest, **only}
        t = only.get("type")
        if isinstance(t, str):
            only["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            only["type"] = [*t, "null"]
        return {**rest, **only}
    return node
