"""One `{{...}}` tag checked against what is in scope where it stands."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from validation.model import Manifest
from validation.rules import Context
from validation.rules.argo.resolve import Resolved, workflow_template_ref
from validation.rules.argo.spec_walk import (
    WORKFLOW_KINDS,
    artifact_names,
    as_dict,
    as_list,
    calls,
    parameter_names,
    templates,
    workflow_spec,
)

ROOTS = {"workflow", "inputs", "outputs", "tasks", "steps", "item", "pod", "node", "retries", "lastRetry", "status",
         "exitCode", "duration", "resourcesDuration", "request", "response", "cronworkflow"}
WORKFLOW_SIMPLE = {"name", "namespace", "uid", "serviceAccountName", "mainEntrypoint", "priority", "duration", "status",
                   "failures", "scheduledTime", "creationTimestamp", "parameters", "labels", "annotations", "outputs"}
NODE_FIELDS = {"id", "ip", "status", "exitCode", "startedAt", "finishedAt", "hostNodeName", "outputs"}
METRIC_ONLY = {"status", "duration", "exitCode", "resourcesDuration"}


@dataclass
class Scope:
    """What a `{{...}}` tag may refer to where it stands."""

    template: dict[str, Any] | None  # the template whose inputs/outputs are in scope
    loop: bool = False
    node_kind: str | None = None  # "tasks" | "steps" | None
    visible_nodes: set[str] | None = None  # tasks/steps that may be referenced (None: none)
    all_nodes: set[str] = field(default_factory=set)  # every task/step of the owner template (for messages)
    node_templates: dict[str, Resolved] = field(default_factory=dict)
    metrics: bool = False
    spec_level: bool = False
    # spec.volumes is substituted for each pod, inside the DAG or steps that runs it: a task or step of any
    # template may be read there (Argo's dag-skipped-volume-default test). The names of every task and step:
    spec_nodes: dict[str, set[str]] | None = None
    # A spec.volumes entry: Argo substitutes in it the input parameters of each template whose pod mounts it.
    volume_mounters: list[dict[str, Any]] | None = None


@dataclass
class VarIssue:
    rule: str
    message: str


def declared_workflow_params(ctx: Context, m: Manifest, spec: dict[str, Any]) -> set[str] | None:
    """The workflow parameters `{{workflow.parameters.X}}` may read, or None when they cannot be known.

    A Workflow has its own arguments merged with those of the template it runs by workflowTemplateRef. A
    WorkflowTemplate gets, on top of its own, what every Workflow that runs or calls it passes, and what a
    WorkflowEventBinding submits to it. Argo validates a template alone without knowing those ("some of the
    parameters may come from the Workflow that uses it"). So where nothing rendered runs or calls a template that
    declares no arguments of its own, they are unknown (a library fed by its callers); a template that declares
    arguments states its interface, and a name outside it is taken for a typo."""
    names = set(parameter_names(spec.get("arguments")))
    if isinstance(spec.get("workflowTemplateRef"), dict):
        wt = workflow_template_ref(ctx, m, spec)
        if wt is None:
            return None  # external template: its arguments are unknown
        names |= set(parameter_names(workflow_spec(wt)[0].get("arguments")))
    if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        callers = _callers(ctx, m)
        names |= _binding_params(ctx, m)
        if not callers:
            return names or None
        for caller in callers:
            caller_params = declared_workflow_params(ctx, caller, workflow_spec(caller)[0])
            if caller_params is None:
                return None
            names |= caller_params
    return names


def _refers_to(ref: Any, m: Manifest) -> bool:
    return (isinstance(ref, dict) and str(ref.get("name")) == m.metadata.get("name")
            and bool(ref.get("clusterScope")) == (m.kind == "ClusterWorkflowTemplate"))


def _callers(ctx: Context, m: Manifest) -> list[Manifest]:
    """The other rendered workflows that run this template (workflowTemplateRef) or call into it (templateRef)."""
    out = []
    for other in ctx.of_kind(*WORKFLOW_KINDS):
        if other is m:
            continue
        spec = workflow_spec(other)[0]
        if _refers_to(spec.get("workflowTemplateRef"), m) or any(
                _refers_to(call.node.get("templateRef"), m) for call in calls(spec)):
            out.append(other)
    return out


def _binding_params(ctx: Context, m: Manifest) -> set[str]:
    """Parameters a WorkflowEventBinding in the same target submits to this template."""
    names: set[str] = set()
    for b in ctx.of_kind("WorkflowEventBinding"):
        submit = as_dict(as_dict(b.obj.get("spec")).get("submit"))
        if _refers_to(submit.get("workflowTemplateRef"), m):
            names |= set(parameter_names(submit.get("arguments")))
    return names


def global_outputs(ctx: Context, spec: dict[str, Any]) -> tuple[set[str], set[str]]:
    params: set[str] = set()
    arts: set[str] = set()
    specs = [spec] + [workflow_spec(o)[0] for o in ctx.of_kind(*WORKFLOW_KINDS)]
    for s in specs:
        for _, t in templates(s):
            out = as_dict(t.get("outputs"))
            params |= {str(p.get("globalName")) for p in as_list(out.get("parameters")) if isinstance(p, dict) and p.get("globalName")}
            arts |= {str(a.get("globalName")) for a in as_list(out.get("artifacts")) if isinstance(a, dict) and a.get("globalName")}
        for p in as_list(as_dict(s.get("arguments")).get("parameters")):
            if isinstance(p, dict) and p.get("globalName"):
                params.add(str(p["globalName"]))
    # A globalName that is itself parameterised (output-result-{{inputs.parameters.x}}) names its output at run
    # time: Argo then accepts any workflow.outputs name of that kind, and so does this check.
    return ({ANY} if any("{{" in p for p in params) else params), ({ANY} if any("{{" in a for a in arts) else arts)


ANY = "*"  # every name: the set of names is only known at run time


_EXPR_PARAM = re.compile(r"\b(inputs|workflow)\.parameters(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def _volume_input(shown: str, parts: list[str], mounters: list[dict[str, Any]]) -> Iterator[VarIssue]:
    if len(parts) < 3 or parts[1] != "parameters":
        yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: in spec.volumes Argo substitutes only inputs.parameters.NAME, "
                                           "from the template whose pod mounts the volume")
        return
    name = parts[2]
    lacking = [repr(str(t.get("name"))) for t in mounters if name not in parameter_names(t.get("inputs"))]
    if len(lacking) == 1:
        yield VarIssue("ARGO-VAR-UNDECLARED", f"{shown}: template {lacking[0]} mounts this volume but declares no "
                                              f"input parameter {name!r}, so its pod gets the text as it is")
    elif lacking:
        yield VarIssue("ARGO-VAR-UNDECLARED", f"{shown}: templates {', '.join(lacking)} mount this volume but declare "
                                              f"no input parameter {name!r}, so their pods get the text as it is")


# What opens a Go template action rather than a variable: a field or variable ({{.Values.x}}, {{$x}}), a trim marker
# ({{- end}}), a comment, or a keyword. Anything else off Argo's namespaces may be a typo or a paste accident.
_GO_TEMPLATE = re.compile(r"[.$-]|/\*|(?:if|else|end|range|with|define|template|block|break|continue)\b")


def check_tag(tag_text: str, expression: bool, scope: Scope, wf_params: set[str] | None,
               globals_: tuple[set[str], set[str]]) -> Iterator[VarIssue]:
    if expression:
        # Expression tags (expr-lang) are checked lightly: only parameter lookups that can be named statically.
        for m in _EXPR_PARAM.finditer(tag_text):
            ns, name = m.group(1), m.group(2) or m.group(3)
            if name in ("json",):
                continue
            if ns == "inputs" and scope.template is not None and not scope.spec_level:
                if name not in parameter_names(scope.template.get("inputs")):
                    yield VarIssue("ARGO-VAR-UNDECLARED", f"{{{{={tag_text}}}}} reads input parameter {name!r}, "
                                                          "which the template does not declare")
            elif ns == "workflow" and wf_params is not None and name not in wf_params:
                yield VarIssue("ARGO-VAR-WORKFLOW-PARAMETER", f"{{{{={tag_text}}}}} reads workflow parameter {name!r}, "
                                                              "which spec.arguments does not declare")
        return
    parts = tag_text.split(".")
    root = parts[0]
    shown = "{{" + tag_text + "}}"
    if root not in ROOTS:
        if _GO_TEMPLATE.match(tag_text):
            return  # Go template syntax ({{.Values.x}}, {{- end}}, a Vault agent's {{with secret "..."}}), not Argo's
        yield VarIssue("ARGO-VAR-UNKNOWN-PREFIX", f"{shown}: {root!r} is not a variable namespace Argo knows, so Argo "
                                                  "leaves the text as it is; a typo of workflow, inputs, outputs, "
                                                  "steps, tasks, item or pod?")
        return
    if root == "workflow":
        if len(parts) < 2 or parts[1] not in WORKFLOW_SIMPLE:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: Argo has no workflow variable "
                                               f"{'.'.join(parts[1:2]) or '(empty)'!r}")
            return
        if parts[1] == "parameters" and len(parts) >= 3:
            name = ".".join(parts[2:])
            if name != "json" and wf_params is not None and name not in wf_params:
                yield VarIssue("ARGO-VAR-WORKFLOW-PARAMETER",
                               f"{shown}: workflow parameter {name!r} is not declared in spec.arguments.parameters "
                               f"(declared: {', '.join(sorted(wf_params)) or 'none'})")
        elif parts[1] == "outputs":
            if len(parts) < 4 or parts[2] not in ("parameters", "artifacts"):
                yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected workflow.outputs.parameters.NAME or .artifacts.NAME")
            else:
                pool = globals_[0] if parts[2] == "parameters" else globals_[1]
                if parts[3] not in pool and ANY not in pool:
                    yield VarIssue("ARGO-VAR-UNDECLARED", f"{shown}: no template exports a global output "
                                                          f"(globalName) called {parts[3]!r}")
        elif parts[1] in ("name", "namespace", "uid", "serviceAccountName", "mainEntrypoint", "priority",
                          "duration", "status", "failures", "scheduledTime") and len(parts) > 2:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: workflow.{parts[1]} has no fields")
        return
    if root == "item":
        if not scope.loop:
            yield VarIssue("ARGO-VAR-ITEM-OUTSIDE-LOOP", f"{shown} is only defined in a step or task with "
                                                        "withItems, withParam or withSequence; pass it to the "
                                                        "template as an input parameter")
        return
    if root in METRIC_ONLY:
        if not scope.metrics:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown} is only defined in a template's metrics")
        return
    if root in ("request", "response", "lastRetry", "cronworkflow"):
        return  # only meaningful in expression fields that the engine does not substitute as tags
    if root in ("pod", "node"):
        if len(parts) != 2 or parts[1] != "name":
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected {root}.name")
        return
    if root == "retries":
        return
    if root == "inputs" and scope.volume_mounters is not None:
        yield from _volume_input(shown, parts, scope.volume_mounters)
        return
    if root in ("inputs", "outputs"):
        if scope.spec_level or scope.template is None:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: {root}.* is only defined inside a template")
            return
        section = as_dict(scope.template.get(root))
        if len(parts) == 1:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected {root}.parameters or {root}.artifacts")
            return
        if parts[1] == "result" and root == "outputs":
            return
        if parts[1] not in ("parameters", "artifacts"):
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected {root}.parameters or {root}.artifacts")
            return
        if len(parts) == 2:
            return  # all parameters as JSON
        name = parts[2]
        declared = parameter_names(section) if parts[1] == "parameters" else artifact_names(section)
        if name not in declared:
            kind = "parameter" if parts[1] == "parameters" else "artifact"
            yield VarIssue("ARGO-VAR-UNDECLARED", f"{shown}: the template declares no {root[:-1] if root == 'inputs' else 'output'} "
                                                  f"{kind} {name!r} (declared: {', '.join(declared) or 'none'})")
        return
    # tasks.* / steps.*
    if len(parts) == 2 and parts[1] == "name":
        return  # the name of the task or step that runs the template, defined in the leaf it calls as well
    if len(parts) < 3:
        yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected {root}.NAME.FIELD")
        return
    node, attr = parts[1], parts[2]
    if scope.spec_nodes is not None:
        if node not in scope.spec_nodes.get(root, set()):
            yield VarIssue("ARGO-VAR-OUTPUT-REF", f"{shown}: no {'DAG' if root == 'tasks' else 'steps'} template "
                                                  f"has a {root[:-1]} {node!r}")
        elif attr not in NODE_FIELDS:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: {root}.NAME has no field {attr!r}")
        return
    if scope.node_kind != root:
        where = "DAG tasks" if root == "tasks" else "steps"
        yield VarIssue("ARGO-VAR-OUTPUT-REF", f"{shown}: {root}.* refers to {where}, but this is not inside a "
                                              f"{'DAG' if root == 'tasks' else 'steps'} template")
        return
    if node not in scope.all_nodes:
        yield VarIssue("ARGO-VAR-OUTPUT-REF", f"{shown}: there is no {root[:-1]} {node!r} in this template")
        return
    if scope.visible_nodes is not None and node not in scope.visible_nodes:
        how = "an ancestor through depends/dependencies" if root == "tasks" else "in an earlier step group"
        yield VarIssue("ARGO-VAR-OUTPUT-REF", f"{shown}: {root[:-1]} {node!r} must be {how} of the place that reads it")
        return
    if attr not in NODE_FIELDS:
        yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: {root}.NAME has no field {attr!r}")
        return
    if attr == "outputs":
        # Argo's validator knows NAME.outputs.result and NAME.exitCode whole ("failed to resolve" anything longer)
        if len(parts) < 4 or parts[3] not in ("parameters", "artifacts", "result"):
            hint = f" (the exit code is {root}.{node}.exitCode)" if parts[3:4] == ["exitCode"] else ""
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected outputs.parameters.NAME, outputs.artifacts.NAME "
                                               f"or outputs.result{hint}")
            return
        if parts[3] == "result" and len(parts) > 4:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: outputs.result is the whole output, with no fields; "
                                               "read one in an expression ({{=jsonpath(...)}})")
            return
        if len(parts) == 4:
            return
        resolved = scope.node_templates.get(node)
        if resolved is None or resolved.status != "ok" or resolved.template is None:
            return  # unknown callee: other rules report it
        out = as_dict(resolved.template.get("outputs"))
        declared = parameter_names(out) if parts[3] == "parameters" else artifact_names(out)
        if parts[4] not in declared:
            kind = "parameter" if parts[3] == "parameters" else "artifact"
            yield VarIssue("ARGO-VAR-OUTPUT-REF", f"{shown}: the template {root[:-1]} {node!r} runs declares no output "
                                                  f"{kind} {parts[4]!r} (declared: {', '.join(declared) or 'none'})")
