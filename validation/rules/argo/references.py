"""References inside a workflow: the entrypoint, `template:` names and templateRefs resolve."""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.resolve import (
    is_external,
    local_templates,
    lookup_template_object,
    resolve_ref,
    uses_workflow_template_ref,
    workflow_template_ref,
)
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import calls, workflow_spec


def check_entrypoint(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    entry = spec.get("entrypoint")
    visible = local_templates(ctx, m, spec)
    if entry is None:
        if m.kind in ("Workflow", "CronWorkflow") and not uses_workflow_template_ref(spec):
            yield Problem(m, "no entrypoint: Argo does not know which template to run", base)
        return
    if str(entry) not in visible:
        if uses_workflow_template_ref(spec) and workflow_template_ref(ctx, m, spec) is None:
            return  # the referenced template is external; ARGO-TEMPLATEREF-UNRESOLVED covers it
        yield Problem(m, f"entrypoint {entry!r} is not a template here (templates: {', '.join(sorted(visible)) or 'none'})",
                      (*base, "entrypoint"))


argo_rule("ARGO-ENTRYPOINT-MISSING", "entrypoint-missing", Severity.ERROR,
          "The workflow's entrypoint names a template that exists.",
          "Set spec.entrypoint to the name of one of spec.templates (or use workflowTemplateRef).",
          """
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: "busybox:1.36", command: [echo, hi]}
""", """
spec:
  entrypoint: mian
  templates:
    - name: main
      container: {image: "busybox:1.36", command: [echo, hi]}
""", check=check_entrypoint)


def check_template_refs(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    visible = local_templates(ctx, m, spec)
    if uses_workflow_template_ref(spec) and workflow_template_ref(ctx, m, spec) is None:
        # Argo merges the referenced templates into the workflow's own: a call may name one this run cannot see.
        return

    def missing(name: Any, path: JsonPath, where: str) -> Iterator[Problem]:
        if name is not None and str(name) not in visible:
            yield Problem(m, f"{where} calls template {name!r}, which does not exist "
                             f"(templates: {', '.join(sorted(visible)) or 'none'})", path)

    for call in calls(spec):
        node = call.node
        if "template" in node:
            yield from missing(node.get("template"), (*base, *call.path, "template"), f"{call.kind} {call.name!r}")
        if "onExit" in node:
            yield from missing(node.get("onExit"), (*base, *call.path, "onExit"), f"onExit of {call.name!r}")
    if "onExit" in spec:
        yield from missing(spec.get("onExit"), (*base, "onExit"), "spec.onExit")


argo_rule("ARGO-TEMPLATE-MISSING", "template-missing", Severity.ERROR,
          "Every `template:` in a step, task, hook or onExit names a template of the same workflow.",
          "Fix the name, or add the template, or call a shared one with templateRef.",
          """
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: hello, template: say}]]
    - name: say
      container: {image: "busybox:1.36", command: [echo, hi]}
""", """
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: hello, template: sya}]]
    - name: say
      container: {image: "busybox:1.36", command: [echo, hi]}
""", check=check_template_refs)


def check_template_ref(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for call in calls(spec):
        if "templateRef" in call.node:
            r = resolve_ref(ctx, call.node.get("templateRef"), m.namespace)
            if r.status in ("missing-object", "missing-template", "invalid"):
                leaf = "template" if r.status == "missing-template" else "name"
                path = (*base, *call.path, "templateRef")
                if r.status != "invalid":
                    path = (*path, leaf)
                yield Problem(m, f"{call.kind} {call.name!r}: {r.message}", path)
    ref = spec.get("workflowTemplateRef")
    if isinstance(ref, dict):
        name = str(ref.get("name", ""))
        cluster = bool(ref.get("clusterScope"))
        if lookup_template_object(ctx, name, cluster, m.namespace) is None and not is_external(ctx, name, None, cluster):
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            yield Problem(m, f"workflowTemplateRef names {kind} {name!r}, which is neither rendered nor declared external",
                          (*base, "workflowTemplateRef", "name"))


argo_rule("ARGO-TEMPLATEREF-UNRESOLVED", "templateref-unresolved", Severity.ERROR,
          "Every `templateRef:` (and workflowTemplateRef) names a WorkflowTemplate or ClusterWorkflowTemplate, and a "
          "template inside it, that is rendered in the same environment or declared external in config.",
          "Fix the name, render the WorkflowTemplate with this environment, or list it under "
          "[tool.validation.external] workflowtemplates (\"name\" or \"name/template\").",
          """
steps:
  - - name: train
      templateRef: {name: ml-pipeline, template: train-model}   # ml-pipeline is rendered and has train-model
""", """
steps:
  - - name: train
      templateRef: {name: ml-pipeline, template: train}   # no such template in ml-pipeline
""", closed_world=True, check=check_template_ref)
