"""Pod family: a key read from a ConfigMap or Secret is in that ConfigMap or Secret.

`env[].valueFrom.configMapKeyRef` / `secretKeyRef` and a configMap/secret volume's `items[].key` name one key of
an object. When the object is rendered and lacks the key, the pod does not start
(CreateContainerConfigError: couldn't find key). `optional: true` makes a missing key (or object) fine. A Secret
that is not rendered (created by hand, by an operator, sealed) is open world: nothing is said about it.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo.spec_walk import (
    POD_KINDS,
    WORKFLOW_KINDS,
    as_dict,
    as_list,
    pod_spec,
    workflow_containers,
    workflow_spec,
)

RULE_ID = "POD-ENV-KEY-MISSING"
_DATA = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}


def _containers(m: Manifest) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        for ref in workflow_containers(spec, base):
            yield ref.container, ref.path
        return
    found = pod_spec(m)
    if found is None:
        return
    spec, base = found
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in enumerate(as_list(spec.get(group))):
            if isinstance(c, dict):
                yield c, (*base, group, i)


def _volumes(m: Manifest) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        yield from ((v, (*base, "volumes", i)) for i, v in enumerate(as_list(spec.get("volumes"))))
        for ti, t in enumerate(as_list(spec.get("templates"))):
            yield from ((v, (*base, "templates", ti, "volumes", i))
                        for i, v in enumerate(as_list(as_dict(t).get("volumes"))))
        return
    found = pod_spec(m)
    if found is not None:
        spec, base = found
        yield from ((v, (*base, "volumes", i)) for i, v in enumerate(as_list(spec.get("volumes"))))


def _references(m: Manifest) -> Iterator[tuple[str, str, str, JsonPath, bool]]:
    """(kind, object name, key, path of the key, optional) for every key a pod reads."""
    for container, path in _containers(m):
        for i, env in enumerate(as_list(container.get("env"))):
            value_from = as_dict(as_dict(env).get("valueFrom"))
            for ref_key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = as_dict(value_from.get(ref_key))
                if ref.get("name") and ref.get("key") is not None:
                    yield (kind, str(ref["name"]), str(ref["key"]), (*path, "env", i, "valueFrom", ref_key, "key"),
                           bool(ref.get("optional")))
    for volume, path in _volumes(m):
        volume = as_dict(volume)
        for source, kind, name_key in (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName")):
            src = as_dict(volume.get(source))
            if src.get(name_key):
                for j, item in enumerate(as_list(src.get("items"))):
                    if isinstance(item, dict) and item.get("key") is not None:
                        yield (kind, str(src[name_key]), str(item["key"]), (*path, source, "items", j, "key"),
                               bool(src.get("optional")))


def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for kind, name, key, path, optional in _references(m):
        if optional or "{{" in name or "{{" in key:
            continue
        obj = ctx.find(kind, name, m.namespace)
        if obj is None:
            continue  # not rendered: ARGO-DANGLING-REFERENCE's business, or open world (a Secret made elsewhere)
        keys: set[str] = set()
        for section in _DATA[kind]:
            keys |= {str(k) for k in as_dict(obj.obj.get(section))}
        if key in keys:
            continue
        guess = difflib.get_close_matches(key, sorted(keys), n=1, cutoff=0.6)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        have = ", ".join(sorted(keys)[:8]) + (" ..." if len(keys) > 8 else "") if keys else "no keys"
        yield Problem(m, f"{kind} {name!r} has no key {key!r}{hint} (it has: {have}); the pod would not start "
                         "(mark the reference optional: true if it may be absent)", path)


register(Rule(
    id=RULE_ID, name="env-key-missing", severity=Severity.ERROR, scope=WORKFLOW_KINDS + POD_KINDS, family="pod",
    summary="A key that a container reads from a rendered ConfigMap or Secret (env valueFrom configMapKeyRef / "
            "secretKeyRef, or a configMap/secret volume's items) is in that object's data (binaryData, "
            "stringData). Otherwise the pod never starts (CreateContainerConfigError). A reference marked "
            "optional: true, and an object that is not rendered (a Secret created by hand or by an operator), are "
            "left alone.",
    remediation="Fix the key (the message suggests a close one), add it to the ConfigMap/Secret (or its "
                "generator), or mark the reference optional: true.",
    passing="env:\n  - name: MLFLOW_TRACKING_URI\n    valueFrom: {configMapKeyRef: {name: mlflow, key: tracking-uri}}\n"
            "---\nkind: ConfigMap\nmetadata: {name: mlflow}\ndata: {tracking-uri: http://mlflow:5000}\n",
    failing="env:\n  - name: MLFLOW_TRACKING_URI\n    valueFrom: {configMapKeyRef: {name: mlflow, key: tracking_uri}}\n"
            "---\nkind: ConfigMap\nmetadata: {name: mlflow}\ndata: {tracking-uri: http://mlflow:5000}\n",
    check=check,
))
