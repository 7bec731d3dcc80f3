"""Resolving the template a step, task, hook or workflowTemplateRef names: locally or through templateRef."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from validation.model import Manifest
from validation.rules import Context
from validation.rules.argo.spec_walk import template_map, workflow_spec


@dataclass
class Resolved:
    status: str  # "ok" | "external" | "missing-object" | "missing-template" | "invalid"
    template: dict[str, Any] | None = None
    owner: Manifest | None = None
    message: str = ""


def lookup_template_object(ctx: Context, name: str, cluster: bool, namespace: str | None) -> Manifest | None:
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    for m in ctx.target.world:
        if m.kind == kind and m.metadata.get("name") == name:
            if cluster or namespace is None or m.namespace in (None, namespace):
                return m
    return None


def is_external(ctx: Context, name: str, template: str | None, cluster: bool) -> bool:
    if not ctx.complete:
        return True  # part of this target is not rendered: the template may be there
    declared = ctx.config.external.clusterworkflowtemplates if cluster else ctx.config.external.workflowtemplates
    return name in declared or (template is not None and f"{name}/{template}" in declared)


def resolve_ref(ctx: Context, ref: Any, namespace: str | None) -> Resolved:
    if not isinstance(ref, dict) or not ref.get("name") or not ref.get("template"):
        return Resolved("invalid", message="templateRef needs both name and template")
    name, tname, cluster = str(ref["name"]), str(ref["template"]), bool(ref.get("clusterScope"))
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    owner = lookup_template_object(ctx, name, cluster, namespace)
    if owner is None:
        if is_external(ctx, name, tname, cluster):
            return Resolved("external")
        return Resolved("missing-object", message=f"templateRef names {kind} {name!r}, which is neither rendered "
                                                  f"nor declared external")
    spec, _ = workflow_spec(owner)
    tpl = template_map(spec).get(tname)
    if tpl is None:
        return Resolved("missing-template", owner=owner,
                        message=f"{kind} {name!r} has no template {tname!r} "
                                f"(it has: {', '.join(sorted(template_map(spec))) or 'none'})")
    return Resolved("ok", tpl, owner)


def resolve_call(ctx: Context, manifest: Manifest, spec: dict[str, Any], node: dict[str, Any]) -> Resolved:
    """The template a step/task/hook calls."""
    if "templateRef" in node:
        return resolve_ref(ctx, node.get("templateRef"), manifest.namespace)
    if isinstance(node.get("inline"), dict):
        return Resolved("ok", node["inline"], manifest)
    name = node.get("template")
    if name is None:
        return Resolved("invalid", message="calls no template (needs template, templateRef or inline)")
    tpl = local_templates(ctx, manifest, spec).get(str(name))
    if tpl is None:
        return Resolved("missing-template", message=f"template {name!r} does not exist")
    return Resolved("ok", tpl, manifest)


def workflow_template_ref(ctx: Context, manifest: Manifest, spec: dict[str, Any]) -> Manifest | None:
    ref = spec.get("workflowTemplateRef")
    if not isinstance(ref, dict) or not ref.get("name"):
        return None
    return lookup_template_object(ctx, str(ref["name"]), bool(ref.get("clusterScope")), manifest.namespace)


def local_templates(ctx: Context, manifest: Manifest, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Templates visible by name: the spec's own, plus those of a workflowTemplateRef."""
    out: dict[str, dict[str, Any]] = {}
    wt = workflow_template_ref(ctx, manifest, spec)
    if wt is not None:
        out.update(template_map(workflow_spec(wt)[0]))
    out.update(template_map(spec))
    return out


def uses_workflow_template_ref(spec: dict[str, Any]) -> bool:
    return isinstance(spec.get("workflowTemplateRef"), dict)
