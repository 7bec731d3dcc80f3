"""Argo Workflows semantics: the mistakes that pass a schema and then fail in the cluster.

Covers Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow (whose spec is spec.workflowSpec).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo_model import (
    LOOP_KEYS,
    POD_KINDS,
    POD_TEMPLATE_TYPES,
    WORKFLOW_KINDS,
    DependsSyntaxError,
    ancestors,
    artifact_names,
    as_dict,
    as_list,
    calls,
    find_cycle,
    parameter_names,
    parse_depends,
    parse_quantity,
    pod_spec,
    tags,
    task_dependencies,
    template_map,
    template_type,
    templates,
    walk_strings,
    workflow_containers,
    workflow_spec,
)

FAMILY = "argo"


def _rule(id: str, name: str, severity: Severity, summary: str, remediation: str, passing: str, failing: str,
          scope: tuple[str, ...] = WORKFLOW_KINDS):
    def deco(check):
        register(Rule(id=id, name=name, severity=severity, scope=scope, summary=summary, remediation=remediation,
                      passing=passing.strip("\n"), failing=failing.strip("\n"), check=check, family=FAMILY))
        return check
    return deco


# ---------------------------------------------------------------------------------------------------------------------
# Resolving templates, locally and through templateRef.


@dataclass
class Resolved:
    status: str  # "ok" | "external" | "missing-object" | "missing-template" | "invalid"
    template: dict[str, Any] | None = None
    owner: Manifest | None = None
    message: str = ""


def _lookup_template_object(ctx: Context, name: str, cluster: bool, namespace: str | None) -> Manifest | None:
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    for m in ctx.target.manifests:
        if m.kind == kind and m.metadata.get("name") == name:
            if cluster or namespace is None or m.namespace in (None, namespace):
                return m
    return None


def _external(ctx: Context, name: str, template: str | None, cluster: bool) -> bool:
    declared = ctx.config.external.clusterworkflowtemplates if cluster else ctx.config.external.workflowtemplates
    return name in declared or (template is not None and f"{name}/{template}" in declared)


def resolve_ref(ctx: Context, ref: Any, namespace: str | None) -> Resolved:
    if not isinstance(ref, dict) or not ref.get("name") or not ref.get("template"):
        return Resolved("invalid", message="templateRef needs both name and template")
    name, tname, cluster = str(ref["name"]), str(ref["template"]), bool(ref.get("clusterScope"))
    kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
    owner = _lookup_template_object(ctx, name, cluster, namespace)
    if owner is None:
        if _external(ctx, name, tname, cluster):
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
    tpl = _local_templates(ctx, manifest, spec).get(str(name))
    if tpl is None:
        return Resolved("missing-template", message=f"template {name!r} does not exist")
    return Resolved("ok", tpl, manifest)


def _workflow_template_ref(ctx: Context, manifest: Manifest, spec: dict[str, Any]) -> Manifest | None:
    ref = spec.get("workflowTemplateRef")
    if not isinstance(ref, dict) or not ref.get("name"):
        return None
    return _lookup_template_object(ctx, str(ref["name"]), bool(ref.get("clusterScope")), manifest.namespace)


def _local_templates(ctx: Context, manifest: Manifest, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Templates visible by name: the spec's own, plus those of a workflowTemplateRef."""
    out: dict[str, dict[str, Any]] = {}
    wt = _workflow_template_ref(ctx, manifest, spec)
    if wt is not None:
        out.update(template_map(workflow_spec(wt)[0]))
    out.update(template_map(spec))
    return out


def _uses_workflow_template_ref(spec: dict[str, Any]) -> bool:
    return isinstance(spec.get("workflowTemplateRef"), dict)


# ---------------------------------------------------------------------------------------------------------------------
# References: entrypoint, template, templateRef.


@_rule("ARGO-ENTRYPOINT-MISSING", "entrypoint-missing", Severity.ERROR,
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
""")
def check_entrypoint(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    entry = spec.get("entrypoint")
    visible = _local_templates(ctx, m, spec)
    if entry is None:
        if m.kind in ("Workflow", "CronWorkflow") and not _uses_workflow_template_ref(spec):
            yield Problem(m, "no entrypoint: Argo does not know which template to run", base)
        return
    if str(entry) not in visible:
        if _uses_workflow_template_ref(spec) and _workflow_template_ref(ctx, m, spec) is None:
            return  # the referenced template is external; ARGO-TEMPLATEREF-UNRESOLVED covers it
        yield Problem(m, f"entrypoint {entry!r} is not a template here (templates: {', '.join(sorted(visible)) or 'none'})",
                      (*base, "entrypoint"))


@_rule("ARGO-TEMPLATE-MISSING", "template-missing", Severity.ERROR,
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
""")
def check_template_refs(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    visible = _local_templates(ctx, m, spec)
    if _uses_workflow_template_ref(spec) and _workflow_template_ref(ctx, m, spec) is None and not spec.get("templates"):
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


@_rule("ARGO-TEMPLATEREF-UNRESOLVED", "templateref-unresolved", Severity.ERROR,
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
""")
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
        if _lookup_template_object(ctx, name, cluster, m.namespace) is None and not _external(ctx, name, None, cluster):
            kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
            yield Problem(m, f"workflowTemplateRef names {kind} {name!r}, which is neither rendered nor declared external",
                          (*base, "workflowTemplateRef", "name"))


# ---------------------------------------------------------------------------------------------------------------------
# DAGs.


def _dag_templates(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], list[tuple[int, dict[str, Any]]]]]:
    for ti, t in templates(spec):
        dag = t.get("dag")
        if isinstance(dag, dict):
            tasks = [(k, task) for k, task in enumerate(as_list(dag.get("tasks"))) if isinstance(task, dict)]
            yield ti, t, tasks


@_rule("ARGO-DAG-DEPENDENCY-MISSING", "dag-dependency-missing", Severity.ERROR,
       "`dependencies` and `depends` name tasks of the same DAG.",
       "Fix the task name, or add the missing task.",
       """
dag:
  tasks:
    - {name: prep, template: prep}
    - {name: train, template: train, depends: prep.Succeeded}
""", """
dag:
  tasks:
    - {name: prep, template: prep}
    - {name: train, template: train, depends: perp.Succeeded}
""")
def check_dag_dependency(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        names = {str(t.get("name")) for _, t in tasks}
        for k, task in tasks:
            tp = (*base, "templates", ti, "dag", "tasks", k)
            for di, dep in enumerate(as_list(task.get("dependencies"))):
                if str(dep) not in names:
                    yield Problem(m, f"task {task.get('name')!r} depends on {dep!r}, which is not a task of this DAG",
                                  (*tp, "dependencies", di))
            depends = task.get("depends")
            if isinstance(depends, str):
                try:
                    refs = parse_depends(depends)
                except DependsSyntaxError:
                    continue
                for dep in refs:
                    if dep not in names:
                        yield Problem(m, f"task {task.get('name')!r} depends on {dep!r}, which is not a task of this DAG",
                                      (*tp, "depends"))


@_rule("ARGO-DAG-DEPENDS-SYNTAX", "dag-depends-syntax", Severity.ERROR,
       "A `depends` expression parses: task names with an optional .Succeeded/.Failed/.Errored/.Skipped/.Omitted/"
       ".Daemoned/.AnySucceeded/.AllFailed, joined by &&, || and !, with parentheses. A task uses depends or "
       "dependencies, not both.",
       "Fix the expression; e.g. `depends: \"(a.Succeeded || b.Skipped) && !c.Failed\"`.",
       """
- {name: report, template: report, depends: "train.Succeeded || train.Failed"}
""", """
- {name: report, template: report, depends: "train.Succeeded | train.Failed"}
""")
def check_depends_syntax(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        for k, task in tasks:
            tp = (*base, "templates", ti, "dag", "tasks", k)
            depends = task.get("depends")
            if depends is None:
                continue
            if "dependencies" in task:
                yield Problem(m, f"task {task.get('name')!r} sets both depends and dependencies; Argo rejects that",
                              (*tp, "depends"))
            if not isinstance(depends, str):
                yield Problem(m, f"task {task.get('name')!r}: depends must be a string expression", (*tp, "depends"))
                continue
            try:
                parse_depends(depends)
            except DependsSyntaxError as exc:
                yield Problem(m, f"task {task.get('name')!r}: depends {depends!r} does not parse: {exc}", (*tp, "depends"))


@_rule("ARGO-DAG-CYCLE", "dag-cycle", Severity.ERROR,
       "The tasks of a DAG form no dependency cycle.",
       "Remove one of the dependencies in the cycle the message shows.",
       """
- {name: a, template: t}
- {name: b, template: t, depends: a}
""", """
- {name: a, template: t, depends: b}
- {name: b, template: t, depends: a}
""")
def check_dag_cycle(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        by_name = {str(t.get("name")): t for _, t in tasks}
        cycle = find_cycle(by_name)
        if cycle:
            first = cycle[0]
            k = next(k for k, t in tasks if str(t.get("name")) == first)
            field_name = "depends" if "depends" in by_name[first] else "dependencies"
            yield Problem(m, f"dependency cycle: {' -> '.join(cycle)}",
                          (*base, "templates", ti, "dag", "tasks", k, field_name))


@_rule("ARGO-DAG-SELF-DEPENDENCY", "dag-self-dependency", Severity.ERROR,
       "No DAG task depends on itself.",
       "Remove the task's own name from its depends/dependencies.",
       """
- {name: train, template: t, depends: prep}
""", """
- {name: train, template: t, depends: train}
""")
def check_self_dependency(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        for k, task in tasks:
            name = str(task.get("name"))
            if name in _direct_deps(task):
                field_name = "depends" if "depends" in task else "dependencies"
                yield Problem(m, f"task {name!r} depends on itself", (*base, "templates", ti, "dag", "tasks", k, field_name))


def _direct_deps(task: dict[str, Any]) -> list[str]:
    return task_dependencies(task)


# ---------------------------------------------------------------------------------------------------------------------
# Expressions.

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


@dataclass
class VarIssue:
    rule: str
    message: str


def _declared_workflow_params(ctx: Context, m: Manifest, spec: dict[str, Any]) -> set[str] | None:
    names = set(parameter_names(spec.get("arguments")))
    if isinstance(spec.get("workflowTemplateRef"), dict):
        wt = _workflow_template_ref(ctx, m, spec)
        if wt is None:
            return None  # external template: its arguments are unknown
        names |= set(parameter_names(workflow_spec(wt)[0].get("arguments")))
    return names


def _global_outputs(ctx: Context, spec: dict[str, Any]) -> tuple[set[str], set[str]]:
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
    return params, arts


_EXPR_PARAM = re.compile(r"\b(inputs|workflow)\.parameters(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def _check_tag(tag_text: str, expression: bool, scope: Scope, wf_params: set[str] | None,
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
        yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: unknown variable namespace {root!r}")
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
                if parts[3] not in pool:
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
        if scope.node_kind != root and not scope.metrics:
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown} is only defined inside a {'DAG' if root == 'tasks' else 'steps'} template")
        return
    if len(parts) < 3:
        yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected {root}.NAME.FIELD")
        return
    node, attr = parts[1], parts[2]
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
        if len(parts) < 4 or parts[3] not in ("parameters", "artifacts", "result", "exitCode"):
            yield VarIssue("ARGO-VAR-UNKNOWN", f"{shown}: expected outputs.parameters.NAME, outputs.artifacts.NAME "
                                               "or outputs.result")
            return
        if parts[3] in ("result", "exitCode") or len(parts) == 4:
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


def _variable_issues(m: Manifest, ctx: Context) -> Iterator[tuple[str, str, JsonPath]]:
    spec, base = workflow_spec(m)
    wf_params = _declared_workflow_params(ctx, m, spec)
    globals_ = _global_outputs(ctx, spec)

    def scan(value: Any, path: JsonPath, scope: Scope, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, JsonPath]]:
        for p, text in walk_strings(value, path, skip):
            if "{{" not in text:
                continue
            for tag in tags(text):
                for issue in _check_tag(tag.text, tag.expression, scope, wf_params, globals_):
                    yield issue.rule, issue.message, p

    # Spec level: only workflow.* is meaningful here.
    spec_scope = Scope(template=None, spec_level=True)
    yield from scan(spec, base, spec_scope,
                    frozenset({"templates", "templateDefaults", "hooks", "metrics", "workflowTemplateRef"}))

    for ti, t in templates(spec):
        tp = (*base, "templates", ti)
        nodes, node_kind = _nodes_of(t)
        node_templates = {name: resolve_call(ctx, m, spec, node) for name, node in nodes.items()}
        body = Scope(template=t, node_kind=node_kind, visible_nodes=None if node_kind else set(),
                     all_nodes=set(nodes), node_templates=node_templates)
        # The template body (outputs.valueFrom.parameter of a DAG may read any of its tasks).
        yield from scan(t, tp, body, frozenset({"steps", "dag", "metrics", "inline"}))
        if isinstance(t.get("metrics"), dict):
            yield from scan(t["metrics"], (*tp, "metrics"),
                            Scope(template=t, metrics=True, node_kind=node_kind, all_nodes=set(nodes),
                                  node_templates=node_templates))
    for call in calls(spec):
        if call.owner_index < 0:
            # Workflow-level lifecycle hooks: only workflow.* is in scope for their arguments.
            yield from scan(call.node, (*base, *call.path), spec_scope)
            continue
        owner = call.owner
        nodes, node_kind = _nodes_of(owner)
        node_templates = {name: resolve_call(ctx, m, spec, node) for name, node in nodes.items()}
        node = call.parent if call.kind == "hook" else call.node
        assert node is not None
        name = call.parent_name if call.kind == "hook" else call.name
        visible: set[str] | None
        if node_kind == "tasks":
            anc = ancestors(nodes)
            visible = set(anc.get(name, set()))
            if _broken_deps(nodes.get(name, {}), nodes):
                visible = None  # DAG-DEPENDS-SYNTAX / DAG-DEPENDENCY-MISSING report it; do not guess upstream
        else:
            visible = {str(s.get("name")) for gi, group in enumerate(as_list(owner.get("steps")))
                       for s in as_list(group) if isinstance(s, dict) and gi < call.group}
        if call.kind == "hook" and visible is not None:
            visible.add(name)  # a hook may read the outputs of the step/task it hangs on
        loop = any(k in node for k in LOOP_KEYS)
        scope = Scope(template=owner, loop=loop, node_kind=node_kind, visible_nodes=visible, all_nodes=set(nodes),
                      node_templates=node_templates)
        skip = {"inline", "hooks"}
        if call.kind != "hook":
            for key in LOOP_KEYS:
                if key in call.node and key != "withItems":
                    # withParam/withSequence are evaluated before the loop exists: item is not defined there
                    yield from scan(call.node[key], (*base, *call.path, key),
                                    Scope(template=owner, loop=False, node_kind=node_kind, visible_nodes=visible,
                                          all_nodes=set(nodes), node_templates=node_templates))
                    skip.add(key)
        yield from scan(call.node, (*base, *call.path), scope, frozenset(skip))


def _broken_deps(task: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> bool:
    depends = task.get("depends")
    if depends is not None:
        try:
            names = parse_depends(str(depends))
        except DependsSyntaxError:
            return True
    else:
        names = [str(d) for d in as_list(task.get("dependencies"))]
    return any(n not in tasks for n in names)


def _nodes_of(t: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], str | None]:
    if isinstance(t.get("dag"), dict):
        return {str(k.get("name")): k for k in as_list(t["dag"].get("tasks")) if isinstance(k, dict)}, "tasks"
    if isinstance(t.get("steps"), list):
        return {str(s.get("name")): s for g in t["steps"] for s in as_list(g) if isinstance(s, dict)}, "steps"
    return {}, None


# The five ARGO-VAR rules share one walk per object and context; the cache holds the objects themselves,
# so an id() in a key cannot be reused while its entry lives.
_walk_cache: dict[tuple[str, int, int], tuple[Manifest, Context, list[tuple[str, str, JsonPath]]]] = {}


def _cached(kind: str, fn, m: Manifest, ctx: Context) -> list[tuple[str, str, JsonPath]]:
    key = (kind, id(m), id(ctx))
    hit = _walk_cache.get(key)
    if hit is not None and hit[0] is m and hit[1] is ctx:
        return hit[2]
    if len(_walk_cache) > 4096:
        _walk_cache.clear()
    result = list(fn(m, ctx))
    _walk_cache[key] = (m, ctx, result)
    return result


def _var_rule(rule_id: str):
    def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
        seen: set[tuple[str, JsonPath]] = set()
        for rid, message, path in _cached("var", _variable_issues, m, ctx):
            if rid == rule_id and (message, path) not in seen:
                seen.add((message, path))
                yield Problem(m, message, path)
    return check


_VAR_RULES = [
    ("ARGO-VAR-UNDECLARED", "var-undeclared",
     "`{{inputs.parameters.X}}`, `{{inputs.artifacts.X}}`, `{{outputs.*.X}}` and `{{workflow.outputs.*.X}}` name "
     "something the template (or, for global outputs, some template's globalName) declares.",
     "Declare the input/output on the template, or fix the name.",
     """
- name: train
  inputs: {parameters: [{name: epochs}]}
  container: {image: "python:3.11-slim", args: ["--epochs={{inputs.parameters.epochs}}"]}
""", """
- name: train
  inputs: {parameters: [{name: epochs}]}
  container: {image: "python:3.11-slim", args: ["--epochs={{inputs.parameters.epoch}}"]}
"""),
    ("ARGO-VAR-WORKFLOW-PARAMETER", "var-workflow-parameter",
     "`{{workflow.parameters.X}}` names a parameter declared in spec.arguments.parameters (or in the arguments of the "
     "workflowTemplateRef'd template).",
     "Declare the parameter under spec.arguments.parameters, or fix the name.",
     """
spec:
  arguments: {parameters: [{name: epochs, value: "3"}]}
  # ... args: ["{{workflow.parameters.epochs}}"]
""", """
spec:
  arguments: {parameters: [{name: epochs, value: "3"}]}
  # ... args: ["{{workflow.parameters.epoch}}"]
"""),
    ("ARGO-VAR-OUTPUT-REF", "var-output-ref",
     "`{{tasks.T...}}` / `{{steps.S...}}`: T exists in the same template, runs upstream of the reader (a DAG "
     "ancestor, or an earlier step group), and T's template declares the output read.",
     "Add T to the reader's depends, move the step to a later group, or declare the output on T's template.",
     """
- {name: evaluate, template: evaluate, depends: train,
   arguments: {parameters: [{name: run-id, value: "{{tasks.train.outputs.parameters.run-id}}"}]}}
""", """
- {name: evaluate, template: evaluate, depends: prep,
   arguments: {parameters: [{name: run-id, value: "{{tasks.train.outputs.parameters.run-id}}"}]}}
"""),
    ("ARGO-VAR-ITEM-OUTSIDE-LOOP", "var-item-outside-loop",
     "`{{item}}` and `{{item.x}}` appear only in a step or task that has withItems, withParam or withSequence.",
     "Loop over the step/task, and pass the item into the template as an input parameter.",
     """
- {name: fan-out, template: echo, withItems: [a, b],
   arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
""", """
- {name: fan-out, template: echo,
   arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
"""),
    ("ARGO-VAR-UNKNOWN", "var-unknown",
     "Every `{{...}}` tag uses a namespace Argo knows (workflow, inputs, outputs, tasks, steps, item, pod, node, "
     "retries, and in metrics status/duration/exitCode) and a field it defines.",
     "Fix the variable name; see Argo's variables reference.",
     """
args: ["{{workflow.name}}", "{{pod.name}}"]
""", """
args: ["{{workflow.nmae}}", "{{input.parameters.x}}"]
"""),
]

for _id, _name, _summary, _remedy, _pass, _fail in _VAR_RULES:
    _rule(_id, _name, Severity.ERROR, _summary, _remedy, _pass, _fail)(_var_rule(_id))


# ---------------------------------------------------------------------------------------------------------------------
# Inputs and arguments.

_ARTIFACT_SOURCES = {"from", "fromExpression", "s3", "git", "http", "raw", "artifactory", "gcs", "hdfs", "oss",
                     "azure", "plugin", "huggingface"}


def _required_inputs(template: dict[str, Any]) -> tuple[list[str], list[str]]:
    inputs = as_dict(template.get("inputs"))
    params = [str(p["name"]) for p in as_list(inputs.get("parameters"))
              if isinstance(p, dict) and p.get("name") and not ({"value", "default", "valueFrom"} & p.keys())]
    arts = [str(a["name"]) for a in as_list(inputs.get("artifacts"))
            if isinstance(a, dict) and a.get("name") and not a.get("optional") and not (_ARTIFACT_SOURCES & a.keys())]
    return params, arts


def _argument_issues(m: Manifest, ctx: Context) -> Iterator[tuple[str, str, JsonPath]]:
    spec, base = workflow_spec(m)
    for call in calls(spec):
        if call.kind == "hook" and "template" not in call.node and "templateRef" not in call.node:
            continue
        r = resolve_call(ctx, m, spec, call.node)
        if r.status != "ok" or r.template is None:
            continue
        callee = r.template
        callee_name = str(callee.get("name", "inline"))
        if "templateRef" in call.node:
            callee_name = f"{call.node['templateRef'].get('name')}/{callee_name}"
        args = as_dict(call.node.get("arguments"))
        given_p = parameter_names(args)
        given_a = artifact_names(args)
        need_p, need_a = _required_inputs(callee)
        all_p = parameter_names(callee.get("inputs"))
        all_a = artifact_names(callee.get("inputs"))
        cp = (*base, *call.path)
        for name in need_p:
            if name not in given_p:
                yield ("ARGO-INPUT-MISSING", f"{call.kind} {call.name!r} calls {callee_name!r} without input parameter "
                                             f"{name!r}, which has no default", cp)
        for name in need_a:
            if name not in given_a:
                yield ("ARGO-INPUT-MISSING", f"{call.kind} {call.name!r} calls {callee_name!r} without input artifact "
                                             f"{name!r}", cp)
        for i, p in enumerate(as_list(args.get("parameters"))):
            if isinstance(p, dict) and p.get("name") and str(p["name"]) not in all_p:
                yield ("ARGO-ARGUMENT-UNKNOWN", f"{call.kind} {call.name!r} passes parameter {p['name']!r}, but "
                                                f"{callee_name!r} has no such input (inputs: {', '.join(all_p) or 'none'})",
                       (*cp, "arguments", "parameters", i, "name"))
        for i, a in enumerate(as_list(args.get("artifacts"))):
            if isinstance(a, dict) and a.get("name") and str(a["name"]) not in all_a:
                yield ("ARGO-ARGUMENT-UNKNOWN", f"{call.kind} {call.name!r} passes artifact {a['name']!r}, but "
                                                f"{callee_name!r} has no such input (inputs: {', '.join(all_a) or 'none'})",
                       (*cp, "arguments", "artifacts", i, "name"))
    # The entrypoint receives spec.arguments by name.
    entry = spec.get("entrypoint")
    tpl = _local_templates(ctx, m, spec).get(str(entry)) if entry else None
    if tpl is not None:
        given = set(parameter_names(spec.get("arguments")))
        if isinstance(spec.get("workflowTemplateRef"), dict):
            wt = _workflow_template_ref(ctx, m, spec)
            if wt is not None:
                given |= set(parameter_names(workflow_spec(wt)[0].get("arguments")))
        need_p, need_a = _required_inputs(tpl)
        given_a = set(artifact_names(spec.get("arguments")))
        for name in need_p:
            if name not in given:
                yield ("ARGO-INPUT-MISSING", f"entrypoint {entry!r} needs input parameter {name!r}, which "
                                             "spec.arguments.parameters does not supply", (*base, "entrypoint"))
        for name in need_a:
            if name not in given_a:
                yield ("ARGO-INPUT-MISSING", f"entrypoint {entry!r} needs input artifact {name!r}, which "
                                             "spec.arguments.artifacts does not supply", (*base, "entrypoint"))


def _arg_rule(rule_id: str):
    def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
        for rid, message, path in _cached("args", _argument_issues, m, ctx):
            if rid == rule_id:
                yield Problem(m, message, path)
    return check


_rule("ARGO-INPUT-MISSING", "input-missing", Severity.ERROR,
      "Every caller (step, task, hook, templateRef, and the entrypoint through spec.arguments) supplies each input "
      "parameter and artifact that has no default.",
      "Pass the input in the caller's arguments, or give the input a default.",
      """
- {name: train, template: train, arguments: {parameters: [{name: epochs, value: "3"}]}}
# train: inputs: {parameters: [{name: epochs}]}
""", """
- {name: train, template: train}
# train: inputs: {parameters: [{name: epochs}]}
""")(_arg_rule("ARGO-INPUT-MISSING"))

_rule("ARGO-ARGUMENT-UNKNOWN", "argument-unknown", Severity.ERROR,
      "Every argument a caller passes matches an input of the called template (also through templateRef).",
      "Remove the argument, fix its name, or declare the input on the called template.",
      """
- {name: train, template: train, arguments: {parameters: [{name: epochs, value: "3"}]}}
""", """
- {name: train, template: train, arguments: {parameters: [{name: epoch, value: "3"}]}}
""")(_arg_rule("ARGO-ARGUMENT-UNKNOWN"))


# ---------------------------------------------------------------------------------------------------------------------
# Service accounts and dangling references.


def _has(ctx: Context, kind: str, name: str, namespace: str | None) -> bool:
    return ctx.find(kind, name, namespace) is not None


def _external_names(ctx: Context, kind: str) -> list[str]:
    ext = ctx.config.external
    return {"Secret": ext.secrets, "ConfigMap": ext.configmaps, "ServiceAccount": ext.serviceaccounts,
            "PersistentVolumeClaim": ext.persistentvolumeclaims}[kind]


@_rule("ARGO-SERVICE-ACCOUNT-MISSING", "service-account-missing", Severity.ERROR,
       "A workflow's serviceAccountName (spec, template or executor level) names a ServiceAccount rendered in the "
       "same environment or declared external. `default` exists in every namespace.",
       "Render the ServiceAccount with the environment, fix the name, or declare it under "
       "[tool.validation.external] serviceaccounts.",
       """
spec:
  serviceAccountName: ml-pipeline   # a ServiceAccount ml-pipeline is rendered too
""", """
spec:
  serviceAccountName: ml-pipeline-sa   # nothing of that name is rendered or external
""")
def check_service_account(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    places: list[tuple[Any, JsonPath]] = [(spec.get("serviceAccountName"), (*base, "serviceAccountName")),
                                          (as_dict(spec.get("executor")).get("serviceAccountName"),
                                           (*base, "executor", "serviceAccountName"))]
    for ti, t in templates(spec):
        places.append((t.get("serviceAccountName"), (*base, "templates", ti, "serviceAccountName")))
        places.append((as_dict(t.get("executor")).get("serviceAccountName"),
                       (*base, "templates", ti, "executor", "serviceAccountName")))
    for name, path in places:
        if not name or "{{" in str(name) or str(name) == "default":
            continue
        if not _has(ctx, "ServiceAccount", str(name), m.namespace) and str(name) not in ctx.config.external.serviceaccounts:
            yield Problem(m, f"ServiceAccount {name!r} is neither rendered in this environment nor declared external"
                             f"{_near_miss(ctx, 'ServiceAccount', str(name))}", path)


_GENERATED = re.compile(r"^(?P<base>.+)-[a-z0-9]{10}$")


def _hash_suffixed(ctx: Context, kind: str, name: str) -> str | None:
    """The rendered name of a generated object that `name` refers to without kustomize's hash suffix."""
    for o in ctx.of_kind(kind):
        g = _GENERATED.match(str(o.metadata.get("name")))
        if g and g.group("base") == name:
            return str(o.metadata.get("name"))
    return None


def _near_miss(ctx: Context, kind: str, name: str) -> str:
    """Explain the kustomize trap: a generated (hash-suffixed) or prefixed object whose reference was not rewritten."""
    generated = _hash_suffixed(ctx, kind, name)
    if generated:
        return (f"; the rendered {kind} is {generated!r}: kustomize added a hash suffix but did not rewrite this "
                f"reference inside the Argo object (add a nameReference configuration for it, or set "
                f"generatorOptions.disableNameSuffixHash)")
    names = [str(o.metadata.get("name")) for o in ctx.of_kind(kind)]
    for other in names:
        if other != name and (other.endswith(name) or other.startswith(name)):
            return (f"; a {kind} {other!r} is rendered: kustomize renamed it (prefix/suffix) but not this reference")
    return ""


def references(obj: Any, path: JsonPath) -> Iterator[tuple[str, str, JsonPath, bool]]:
    """(kind, name, path-of-the-name, optional) for every ConfigMap/Secret/PVC reference inside a pod or workflow
    spec."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            p = (*path, str(key))
            if key == "memoize":
                continue  # Argo creates the memoization cache ConfigMap itself
            if isinstance(value, dict):
                if key in ("configMapKeyRef", "configMapRef", "configMap") and value.get("name"):
                    yield "ConfigMap", str(value["name"]), (*p, "name"), bool(value.get("optional"))
                elif key in ("secretKeyRef", "secretRef", "accessKeySecret", "secretKeySecret", "sessionTokenSecret",
                             "passwordSecret", "usernameSecret", "sshPrivateKeySecret", "tokenSecret",
                             "bearerToken", "clientCertSecret", "clientKeySecret") and value.get("name"):
                    yield "Secret", str(value["name"]), (*p, "name"), bool(value.get("optional"))
                elif key == "secret" and value.get("secretName"):
                    yield "Secret", str(value["secretName"]), (*p, "secretName"), bool(value.get("optional"))
                elif key == "persistentVolumeClaim" and value.get("claimName"):
                    yield "PersistentVolumeClaim", str(value["claimName"]), (*p, "claimName"), False
                if key == "projected":
                    for si, src in enumerate(as_list(value.get("sources"))):
                        for sk in ("configMap", "secret"):
                            ref = as_dict(as_dict(src).get(sk))
                            if ref.get("name"):
                                yield ("ConfigMap" if sk == "configMap" else "Secret", str(ref["name"]),
                                       (*p, "sources", si, sk, "name"), bool(ref.get("optional")))
                    continue
            if key == "imagePullSecrets" and isinstance(value, list):
                for i, s in enumerate(value):
                    if isinstance(s, dict) and s.get("name"):
                        yield "Secret", str(s["name"]), (*p, i, "name"), False
                continue
            yield from references(value, p)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from references(v, (*path, i))


@_rule("ARGO-DANGLING-REFERENCE", "dangling-reference", Severity.ERROR,
       "Every ConfigMap, Secret, PersistentVolumeClaim and ServiceAccount that a workflow or pod spec refers to "
       "(volumes, envFrom, valueFrom, imagePullSecrets, artifact credentials) is rendered in the same environment or "
       "declared external. Catches a generated, hash-suffixed ConfigMap whose name kustomize did not rewrite inside "
       "an Argo template. A reference marked `optional: true` may name a missing object (the pod starts without "
       "it), unless the object is rendered under a hash-suffixed name: then the reference was meant for it.",
       "Fix the name, render the object, declare it under [tool.validation.external], or teach kustomize to rewrite "
       "the reference (configurations: nameReference for the Argo kind).",
       """
volumes:
  - name: code
    configMap: {name: pipeline-code-7c9fmh2k5d}   # the generated name, as rendered
""", """
volumes:
  - name: code
    configMap: {name: pipeline-code}   # kustomize rendered pipeline-code-7c9fmh2k5d
""", scope=WORKFLOW_KINDS + POD_KINDS)
def check_dangling(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        claims = {str(as_dict(v.get("metadata")).get("name")) for v in as_list(spec.get("volumeClaimTemplates"))
                  if isinstance(v, dict)}
        root: Any = {k: v for k, v in spec.items() if k != "volumeClaimTemplates"}
        # Resource templates carry whole manifests of other objects: not this pod's references.
        root["templates"] = [{k: v for k, v in t.items() if k != "resource"} if isinstance(t, dict) else t
                             for t in as_list(spec.get("templates"))]
    else:
        ps = pod_spec(m)
        if ps is None:
            return
        root, base = ps
        claims = set()
        # serviceAccount is the deprecated alias, used when serviceAccountName is not set.
        sa_key = "serviceAccountName" if root.get("serviceAccountName") else "serviceAccount"
        sa = root.get(sa_key)
        if sa and not _has(ctx, "ServiceAccount", str(sa), m.namespace) and str(sa) not in ctx.config.external.serviceaccounts \
                and str(sa) != "default":
            yield Problem(m, f"ServiceAccount {sa!r} is neither rendered nor declared external", (*base, sa_key))
    for kind, name, path, optional in references(root, base):
        if "{{" in name:
            continue
        if kind == "PersistentVolumeClaim" and name in claims:
            continue
        if _has(ctx, kind, name, m.namespace) or name in _external_names(ctx, kind):
            continue
        if optional:
            if _hash_suffixed(ctx, kind, name):
                yield Problem(m, f"optional {kind} {name!r} is not rendered, so the pod silently runs without it"
                                 f"{_near_miss(ctx, kind, name)}", path)
            continue
        yield Problem(m, f"{kind} {name!r} is neither rendered in this environment nor declared external"
                         f"{_near_miss(ctx, kind, name)}", path)


# ---------------------------------------------------------------------------------------------------------------------
# Resources.


@_rule("ARGO-RESOURCES-MISSING", "resources-missing", Severity.ERROR,
       "Every container, script and container-set container sets CPU and memory requests and limits.",
       "Add resources.requests and resources.limits with cpu and memory.",
       """
container:
  image: "python:3.11-slim"
  resources: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: 500m, memory: 1Gi}}
""", """
container:
  image: "python:3.11-slim"
  resources: {requests: {cpu: 250m}}
""")
def check_resources(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ref in workflow_containers(spec, base):
        if ref.role in ("init", "sidecar"):
            continue
        res = ref.container.get("resources")
        if not isinstance(res, dict):
            yield Problem(m, f"{_where(ref)} sets no resources (cpu and memory requests and limits)", ref.path)
            continue
        missing = [f"{section}.{r}" for section in ("requests", "limits") for r in ("cpu", "memory")
                   if as_dict(res.get(section)).get(r) in (None, "")]
        if missing:
            last = next(s for s in ("requests", "limits") if any(x.startswith(s) for x in missing))
            path = (*ref.path, "resources", last) if isinstance(res.get(last), dict) else (*ref.path, "resources")
            yield Problem(m, f"{_where(ref)} is missing resources {', '.join(missing)}", path)


def _where(ref: Any) -> str:
    name = ref.template.get("name", "?")
    if ref.role == "containerSet":
        return f"template {name!r} container {ref.container.get('name', '?')!r}"
    return f"template {name!r} {ref.role}"


@_rule("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", "resources-request-exceeds-limit", Severity.ERROR,
       "A container's CPU and memory requests are no larger than its limits, and are valid quantities.",
       "Lower the request or raise the limit (1Gi = 1024Mi, 1 = 1000m).",
       """
resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 2Gi}}
""", """
resources: {requests: {cpu: "2", memory: 1Gi}, limits: {cpu: 1000m, memory: 512Mi}}
""")
def check_request_limit(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ref in workflow_containers(spec, base):
        res = as_dict(ref.container.get("resources"))
        req, lim = as_dict(res.get("requests")), as_dict(res.get("limits"))
        for r in sorted(set(req) | set(lim)):
            parsed = {}
            for section, values in (("requests", req), ("limits", lim)):
                if r in values:
                    raw = values[r]
                    if isinstance(raw, str) and "{{" in raw:
                        continue
                    q = parse_quantity(raw)
                    if q is None:
                        yield Problem(m, f"{_where(ref)}: {section}.{r} {raw!r} is not a Kubernetes quantity",
                                      (*ref.path, "resources", section, r))
                    else:
                        parsed[section] = q
            if len(parsed) == 2 and parsed["requests"] > parsed["limits"]:
                yield Problem(m, f"{_where(ref)}: {r} request {req[r]} is larger than its limit {lim[r]}",
                              (*ref.path, "resources", "requests", r))


# ---------------------------------------------------------------------------------------------------------------------
# Robustness.

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def image_tag_problem(image: str) -> str | None:
    if _DIGEST.search(image):
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (it means :latest, which moves)"
    tag = last.rsplit(":", 1)[1]
    if tag == "latest" or not tag:
        return "uses the :latest tag, which moves"
    return None


def _all_images(m: Manifest) -> Iterator[tuple[str, JsonPath]]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        for ref in workflow_containers(spec, base):
            if isinstance(ref.container.get("image"), str):
                yield ref.container["image"], (*ref.path, "image")
    else:
        ps = pod_spec(m)
        if ps is None:
            return
        spec, base = ps
        for key in ("containers", "initContainers", "ephemeralContainers"):
            for i, c in enumerate(as_list(spec.get(key))):
                if isinstance(c, dict) and isinstance(c.get("image"), str):
                    yield c["image"], (*base, key, i, "image")


@_rule("ARGO-IMAGE-TAG", "image-tag", Severity.ERROR,
       "Every image carries a pinned tag: no :latest and no missing tag. Environments listed in "
       "`require-digest` must pin by digest (@sha256:...).",
       "Pin the image to a release tag (python:3.11.9-slim) or a digest; set it per environment with kustomize "
       "`images:`.",
       """
container: {image: "python:3.11.9-slim"}
""", """
container: {image: "python"}
""", scope=WORKFLOW_KINDS + POD_KINDS)
def check_image_tag(m: Manifest, ctx: Context) -> Iterator[Problem]:
    env = ctx.target.target.environment
    need_digest = env is not None and env in ctx.config.require_digest
    for image, path in _all_images(m):
        if "{{" in image:
            continue
        problem = image_tag_problem(image)
        if problem:
            yield Problem(m, f"image {image!r} {problem}", path)
        elif need_digest and not _DIGEST.search(image):
            yield Problem(m, f"image {image!r} is not pinned by digest, which environment {env!r} requires", path)


_POD_TYPES = set(POD_TEMPLATE_TYPES)


def _pod_templates(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for ti, t in templates(spec):
        if template_type(t) in _POD_TYPES:
            yield ti, t


@_rule("ARGO-RETRY-STRATEGY-MISSING", "retry-strategy-missing", Severity.WARNING,
       "Every container, script and container-set template has a retryStrategy (its own, or spec.templateDefaults'), "
       "so a node eviction or a flaky pull does not fail the run.",
       "Add `retryStrategy: {limit: 2, retryPolicy: OnError}` to the template or to spec.templateDefaults.",
       """
spec:
  templateDefaults: {retryStrategy: {limit: 2, retryPolicy: OnError}}
""", """
templates:
  - name: train
    container: {image: "python:3.11-slim"}   # no retryStrategy anywhere
""")
def check_retry(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    if as_dict(spec.get("templateDefaults")).get("retryStrategy"):
        return
    for ti, t in _pod_templates(spec):
        if not t.get("retryStrategy"):
            yield Problem(m, f"template {t.get('name')!r} has no retryStrategy", (*base, "templates", ti))


@_rule("ARGO-ACTIVE-DEADLINE-MISSING", "active-deadline-missing", Severity.WARNING,
       "Every container, script and container-set template has activeDeadlineSeconds (its own, or "
       "spec.templateDefaults'), so a hung step cannot hold a node forever.",
       "Add activeDeadlineSeconds to the template or to spec.templateDefaults.",
       """
spec:
  templateDefaults: {activeDeadlineSeconds: 3600}
""", """
templates:
  - name: train
    container: {image: "python:3.11-slim"}   # no activeDeadlineSeconds anywhere
""")
def check_deadline(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    if as_dict(spec.get("templateDefaults")).get("activeDeadlineSeconds") not in (None, ""):
        return
    for ti, t in _pod_templates(spec):
        if t.get("activeDeadlineSeconds") in (None, ""):
            yield Problem(m, f"template {t.get('name')!r} has no activeDeadlineSeconds", (*base, "templates", ti))


@_rule("ARGO-CLEANUP-MISSING", "cleanup-missing", Severity.WARNING,
       "A workflow cleans up after itself: spec.ttlStrategy or spec.podGC is set. A WorkflowTemplate without an "
       "entrypoint is skipped: it cannot be submitted itself (a library used through templateRef), and a Workflow "
       "that runs it through workflowTemplateRef is checked on its own.",
       "Set `ttlStrategy: {secondsAfterCompletion: 86400}` and/or `podGC: {strategy: OnWorkflowSuccess}`.",
       """
spec:
  podGC: {strategy: OnPodSuccess}
  ttlStrategy: {secondsAfterCompletion: 86400}
""", """
spec:
  entrypoint: main   # neither ttlStrategy nor podGC
""")
def check_cleanup(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate") and not spec.get("entrypoint"):
        return  # cannot be submitted as it is; a Workflow using it through workflowTemplateRef is checked itself
    if isinstance(spec.get("workflowTemplateRef"), dict):
        wt = _workflow_template_ref(ctx, m, spec)
        if wt is None or workflow_spec(wt)[0].get("ttlStrategy") or workflow_spec(wt)[0].get("podGC"):
            return
    if not spec.get("ttlStrategy") and not spec.get("podGC"):
        yield Problem(m, "no ttlStrategy or podGC: finished workflows and their pods pile up", base)


# ---------------------------------------------------------------------------------------------------------------------
# Workflows that Argo CD syncs.


def synced_by_argocd(ctx: Context) -> bool:
    target = ctx.target.target
    if target.kind == "application":
        return True
    here = target.path.resolve()
    return any(rt.target.kind == "application" and rt.target.path.resolve() == here for rt in ctx.targets)


HOOK_ANNOTATION = "argocd.argoproj.io/hook"


HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"


@_rule("ARGO-SYNCED-WORKFLOW-NAME", "synced-workflow-name", Severity.ERROR,
       "A Workflow in a path that Argo CD syncs is re-created on every sync: it uses metadata.generateName, or (as "
       "kustomize cannot build generateName objects) a fixed name with the hook-delete-policy BeforeHookCreation, "
       "Argo CD's documented way to re-run a named hook. Otherwise it runs once, then drifts forever.",
       "Use generateName, or add `argocd.argoproj.io/hook-delete-policy: BeforeHookCreation` next to the hook "
       "annotation; or ship a WorkflowTemplate/CronWorkflow instead.",
       """
kind: Workflow
metadata:
  name: ml-pipeline-post-sync
  annotations: {argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation}
""", """
kind: Workflow
metadata:
  name: ml-pipeline-run
  annotations: {argocd.argoproj.io/hook: PostSync}
""", scope=("Workflow",))
def check_synced_name(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not synced_by_argocd(ctx) or not m.metadata.get("name") or m.metadata.get("generateName"):
        return
    policies = {p.strip() for p in str(m.annotations.get(HOOK_DELETE_POLICY, "")).split(",")}
    if m.annotations.get(HOOK_ANNOTATION) and "BeforeHookCreation" in policies:
        return
    yield Problem(m, "this Workflow is synced by Argo CD with a fixed name and no hook-delete-policy "
                     "BeforeHookCreation: it runs once, then shows as drifted forever; use generateName or that "
                     "delete policy", ("metadata", "name"))


@_rule("ARGO-SYNCED-WORKFLOW-HOOK", "synced-workflow-hook", Severity.ERROR,
       "A Workflow in a path that Argo CD syncs carries an argocd.argoproj.io/hook annotation, so Argo CD creates "
       "it as a sync hook rather than as a resource it keeps in sync.",
       "Annotate it `argocd.argoproj.io/hook: PostSync` (with a hook-delete-policy), or ship a WorkflowTemplate.",
       """
metadata:
  generateName: ml-pipeline-
  annotations: {argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation}
""", """
metadata:
  generateName: ml-pipeline-
""", scope=("Workflow",))
def check_synced_hook(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if synced_by_argocd(ctx) and not m.annotations.get(HOOK_ANNOTATION):
        path = ("metadata", "annotations") if m.metadata.get("annotations") else ("metadata",)
        yield Problem(m, f"this Workflow is synced by Argo CD but has no {HOOK_ANNOTATION} annotation", path)

