"""Pod family: every volumeMounts and volumeDevices entry names a volume the pod has.

Kubernetes refuses a pod whose container mounts a volume it does not declare, and Argo fails the step before that
("volume 'x' not found in workflow spec"). Neither shows until the pod is created: this finds it in the rendered
manifests, at the mount.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo.resolve import resolve_call, workflow_template_ref
from validation.rules.argo.spec_walk import POD_KINDS, WORKFLOW_KINDS, as_dict, as_list, pod_spec, workflow_spec

RULE_ID = "POD-VOLUME-UNDECLARED"
_MOUNT_KEYS = ("volumeMounts", "volumeDevices")


def _names(volumes: Any) -> set[str]:
    return {str(v["name"]) for v in as_list(volumes) if isinstance(v, dict) and v.get("name")}


def _claims(spec: dict[str, Any]) -> set[str]:
    return {str(as_dict(v.get("metadata")).get("name")) for v in as_list(spec.get("volumeClaimTemplates"))
            if isinstance(v, dict) and as_dict(v.get("metadata")).get("name")}


def _problem(m: Manifest, key: str, index: int, name: str, declared: set[str], where: str, path: JsonPath) -> Problem:
    guess = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    have = ", ".join(sorted(declared)) or "none"
    return Problem(m, f"{key}[{index}] names volume {name!r}, which {where} does not declare{hint} "
                      f"(it has: {have})", path)


def _mounts(container: dict[str, Any], path: JsonPath) -> Iterator[tuple[str, int, str, JsonPath]]:
    for key in _MOUNT_KEYS:
        for i, mount in enumerate(as_list(container.get(key))):
            if isinstance(mount, dict) and isinstance(mount.get("name"), str) and "{{" not in mount["name"]:
                yield key, i, mount["name"], (*path, key, i, "name")


# ---- core workload kinds


def _pod(m: Manifest) -> Iterator[Problem]:
    found = pod_spec(m)
    if found is None:
        return
    spec, base = found
    declared = _names(spec.get("volumes"))
    if m.kind == "StatefulSet":  # each replica gets a claim per volumeClaimTemplate, mounted by its name
        declared |= _claims(as_dict(m.obj.get("spec")))
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for ci, c in enumerate(as_list(spec.get(group))):
            if not isinstance(c, dict):
                continue
            for key, i, name, path in _mounts(c, (*base, group, ci)):
                if name not in declared:
                    yield _problem(m, key, i, name, declared, "the pod spec", path)


# ---- Argo workflows


def _callees(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    nodes = [step for group in as_list(template.get("steps")) for step in as_list(group)]
    nodes += as_list(as_dict(template.get("dag")).get("tasks"))
    for node in nodes:
        if isinstance(node, dict):
            yield node
            yield from (h for h in as_dict(node.get("hooks")).values() if isinstance(h, dict))
            if isinstance(node.get("onExit"), str) and node["onExit"]:  # a step's or task's own (deprecated) exit
                yield {"template": node["onExit"]}


def _reachable(ctx: Context, m: Manifest, spec: dict[str, Any], start: dict[str, Any]
               ) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    """Every template a run of `m` executes, with the object that holds it (templateRef crosses objects);
    `start` holds the entrypoint, onExit and hooks the run begins from."""
    hooks = [h for h in as_dict(start.get("hooks")).values() if isinstance(h, dict)]
    starts = [start.get("entrypoint"), start.get("onExit")]
    queue = [(m, spec, {"template": s}) for s in starts if isinstance(s, str) and s]
    queue += [(m, spec, h) for h in hooks]
    seen: set[int] = set()
    while queue:
        owner, owner_spec, call = queue.pop()
        resolved = resolve_call(ctx, owner, owner_spec, call)
        if resolved.status != "ok" or resolved.template is None or id(resolved.template) in seen:
            continue
        seen.add(id(resolved.template))
        holder = resolved.owner or owner
        yield holder, resolved.template
        holder_spec = workflow_spec(holder)[0] if holder is not owner else owner_spec
        queue.extend((holder, holder_spec, callee) for callee in _callees(resolved.template))


def _template_path(holders: list[Manifest], template: dict[str, Any]) -> tuple[Manifest, JsonPath] | None:
    for holder in holders:
        spec, base = workflow_spec(holder)
        for ti, t in enumerate(as_list(spec.get("templates"))):
            if t is template:
                return holder, (*base, "templates", ti)
    return None


def _workflow(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, _ = workflow_spec(m)
    declared = _names(spec.get("volumes")) | _claims(spec)
    if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate") and (
            not spec.get("entrypoint") or not declared or _called_by_others(ctx, m)):
        # A library of templates: the workflow that calls them (templateRef) supplies the volumes, and is checked
        # with them. A template object that declares no volume of its own, or that others call, is one.
        return
    start: dict[str, Any] = spec
    referenced = workflow_template_ref(ctx, m, spec)
    if isinstance(spec.get("workflowTemplateRef"), dict):
        if referenced is None:
            return  # the workflow's spec comes from a template this environment does not render
        inner = workflow_spec(referenced)[0]
        declared |= _names(inner.get("volumes")) | _claims(inner)
        start = {"entrypoint": spec.get("entrypoint") or inner.get("entrypoint"),
                 "onExit": spec.get("onExit") or inner.get("onExit"),
                 "hooks": {**as_dict(inner.get("hooks")), **as_dict(spec.get("hooks"))}}
        if "podSpecPatch" in inner:
            return
    if "podSpecPatch" in spec:
        return  # a pod spec patch may add volumes: not checked
    run_by = f"{m.kind} {m.name!r}"
    for holder, template in _reachable(ctx, m, spec, start):
        if "podSpecPatch" in template:
            continue
        found = _template_path([holder] + ([referenced] if referenced is not None else []), template)
        if found is None:
            continue  # an inline template: no path to point at
        holder, path = found
        own = declared | _names(template.get("volumes"))
        where = f"template {template.get('name')!r}" + ("" if holder is m else f" (run by {run_by})")
        containers: list[tuple[dict[str, Any], JsonPath]] = []
        for role in ("container", "script"):
            if isinstance(template.get(role), dict):
                containers.append((template[role], (*path, role)))
        container_set = as_dict(template.get("containerSet"))
        if container_set:
            containers.append((container_set, (*path, "containerSet")))
            containers += [(c, (*path, "containerSet", "containers", i))
                           for i, c in enumerate(as_list(container_set.get("containers"))) if isinstance(c, dict)]
        for key in ("initContainers", "sidecars"):
            containers += [(c, (*path, key, i)) for i, c in enumerate(as_list(template.get(key))) if isinstance(c, dict)]
        for container, cpath in containers:
            for key, i, name, mpath in _mounts(container, cpath):
                if name not in own and not (holder is not m and _reported_by_own_run(ctx, holder, template, name)):
                    yield _problem(holder, key, i, name, own, where + " or its workflow", mpath)


def _called_by_others(ctx: Context, template_object: Manifest) -> bool:
    """Whether another rendered workflow object calls into this one with templateRef."""
    cluster = template_object.kind == "ClusterWorkflowTemplate"
    for other in ctx.of_kind(*WORKFLOW_KINDS):
        if other is template_object:
            continue
        for ref in _template_refs(workflow_spec(other)[0]):
            if str(ref.get("name")) == template_object.name and bool(ref.get("clusterScope")) == cluster:
                return True
    return False


def _template_refs(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        ref = value.get("templateRef")
        if isinstance(ref, dict):
            yield ref
        for v in value.values():
            yield from _template_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _template_refs(v)


def _reported_by_own_run(ctx: Context, holder: Manifest, template: dict[str, Any], name: str) -> bool:
    """Whether the template's object reports this mount itself (it runs the template and lacks the volume too)."""
    spec = workflow_spec(holder)[0]
    own = _names(spec.get("volumes")) | _claims(spec)
    if not spec.get("entrypoint") or not own or name in own or _called_by_others(ctx, holder):
        return False
    return any(t is template for _, t in _reachable(ctx, holder, spec, spec))


def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if m.kind in WORKFLOW_KINDS:
        yield from _workflow(m, ctx)
    else:
        yield from _pod(m)


register(Rule(
    id=RULE_ID, name="volume-undeclared", severity=Severity.ERROR, scope=WORKFLOW_KINDS + POD_KINDS, family="pod",
    summary="Every volumeMounts and volumeDevices entry names a volume the pod has (a StatefulSet's "
            "volumeClaimTemplates count). For Argo, that is the "
            "template's `volumes`, the workflow's `spec.volumes`, or a `volumeClaimTemplates` claim (of the "
            "workflow that runs it, through workflowTemplateRef or templateRef too), checked on every template a "
            "run reaches from its entrypoint, onExit and hooks. A WorkflowTemplate that is a library (no "
            "entrypoint, no volume of its own, or called by another workflow with templateRef) is checked through "
            "the workflows that call it, with their volumes; a template with podSpecPatch is left alone. Kubernetes refuses such a pod, and Argo fails the "
            "step with \"volume not found in workflow spec\".",
    remediation="Fix the name (the message suggests the declared volume meant), or declare the volume in the "
                "template's `volumes` or the workflow's `spec.volumes`/`volumeClaimTemplates`.",
    passing="spec:\n  volumeClaimTemplates:\n    - metadata: {name: work}\n  templates:\n    - name: step\n"
            "      container:\n        volumeMounts:\n          - {name: work, mountPath: /work}\n",
    failing="spec:\n  volumeClaimTemplates:\n    - metadata: {name: work}\n  templates:\n    - name: step\n"
            "      container:\n        volumeMounts:\n          - {name: wrok, mountPath: /work}\n",
    check=check,
))
