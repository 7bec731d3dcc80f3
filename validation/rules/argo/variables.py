"""The ARGO-VAR rules: one walk over every string of a workflow, each tag checked in its scope."""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.expressions import Scope, check_tag, declared_workflow_params, global_outputs
from validation.rules.argo.resolve import resolve_call
from validation.rules.argo.rule import argo_rule, cached
from validation.rules.argo.spec_walk import (
    LOOP_KEYS,
    DependsSyntaxError,
    ancestors,
    as_dict,
    as_list,
    calls,
    parse_depends,
    tags,
    templates,
    walk_strings,
    workflow_spec,
)


def _variable_issues(m: Manifest, ctx: Context) -> Iterator[tuple[str, str, JsonPath]]:
    spec, base = workflow_spec(m)
    wf_params = declared_workflow_params(ctx, m, spec)
    globals_ = global_outputs(ctx, spec)

    def scan(value: Any, path: JsonPath, scope: Scope, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str, JsonPath]]:
        for p, text in walk_strings(value, path, skip):
            if "{{" not in text:
                continue
            for tag in tags(text):
                for issue in check_tag(tag.text, tag.expression, scope, wf_params, globals_):
                    yield issue.rule, issue.message, p

    # Spec level: only workflow.* is meaningful here.
    spec_scope = Scope(template=None, spec_level=True)
    yield from scan(spec, base, spec_scope,
                    frozenset({"templates", "templateDefaults", "hooks", "metrics", "workflowTemplateRef", "volumes"}))
    # spec.volumes is substituted for each pod, in the scope of the task or step that runs it.
    spec_nodes: dict[str, set[str]] = {"tasks": set(), "steps": set()}
    for _, t in templates(spec):
        nodes, kind = _nodes_of(t)
        if kind:
            spec_nodes[kind] |= set(nodes)
    for vi, volume in enumerate(as_list(spec.get("volumes"))):
        mounters = _mounted_by(spec, volume.get("name")) if isinstance(volume, dict) else []
        yield from scan(volume, (*base, "volumes", vi),
                        Scope(template=None, spec_level=True, spec_nodes=spec_nodes, volume_mounters=mounters))

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


def _mounted_by(spec: dict[str, Any], volume: Any) -> list[dict[str, Any]]:
    """The templates of `spec` whose pods mount `volume`: Argo adds a spec-level volume only to those pods."""
    found = []
    for _, t in templates(spec):
        containers = [as_dict(t.get("container")), as_dict(t.get("script"))]
        containers += [c for key in ("initContainers", "sidecars") for c in as_list(t.get(key)) if isinstance(c, dict)]
        containers += [c for c in as_list(as_dict(t.get("containerSet")).get("containers")) if isinstance(c, dict)]
        if any(isinstance(mount, dict) and mount.get("name") == volume
               for c in containers for mount in as_list(c.get("volumeMounts"))):
            found.append(t)
    return found


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


def _var_problems(rule_id: str, m: Manifest, ctx: Context) -> Iterator[Problem]:
    seen: set[tuple[str, JsonPath]] = set()
    for rid, message, path in cached("var", _variable_issues, m, ctx):
        if rid == rule_id and (message, path) not in seen:
            seen.add((message, path))
            yield Problem(m, message, path)


def check_var_undeclared(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-UNDECLARED", m, ctx)


def check_var_workflow_parameter(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-WORKFLOW-PARAMETER", m, ctx)


def check_var_output_ref(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-OUTPUT-REF", m, ctx)


def check_var_item_outside_loop(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-ITEM-OUTSIDE-LOOP", m, ctx)


def check_var_unknown(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-UNKNOWN", m, ctx)


def check_var_unknown_prefix(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _var_problems("ARGO-VAR-UNKNOWN-PREFIX", m, ctx)


_VAR_RULES = [
    (check_var_undeclared, "ARGO-VAR-UNDECLARED", "var-undeclared",
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
    (check_var_workflow_parameter, "ARGO-VAR-WORKFLOW-PARAMETER", "var-workflow-parameter",
     "`{{workflow.parameters.X}}` names a parameter declared in spec.arguments.parameters, in the arguments of the "
     "workflowTemplateRef'd template, or, in a WorkflowTemplate, by a rendered Workflow that runs or calls it or a "
     "WorkflowEventBinding that submits it. A WorkflowTemplate that declares no arguments and that nothing rendered "
     "runs is a library fed by its callers: not checked.",
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
    (check_var_output_ref, "ARGO-VAR-OUTPUT-REF", "var-output-ref",
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
    (check_var_item_outside_loop, "ARGO-VAR-ITEM-OUTSIDE-LOOP", "var-item-outside-loop",
     "`{{item}}` and `{{item.x}}` appear only in a step or task that has withItems, withParam or withSequence.",
     "Loop over the step/task, and pass the item into the template as an input parameter.",
     """
- {name: fan-out, template: echo, withItems: [a, b],
   arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
""", """
- {name: fan-out, template: echo,
   arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
"""),
    (check_var_unknown, "ARGO-VAR-UNKNOWN", "var-unknown",
     "A `{{...}}` tag in a namespace Argo knows (workflow, inputs, outputs, tasks, steps, item, pod, node, retries, "
     "and in metrics status/duration/exitCode) names a field it defines: Argo fails such a workflow with "
     "\"failed to resolve\".",
     "Fix the variable name; see Argo's variables reference.",
     """
args: ["{{workflow.name}}", "{{pod.name}}"]
""", """
args: ["{{workflow.nmae}}"]
"""),
]

for _check, _id, _name, _summary, _remedy, _pass, _fail in _VAR_RULES:
    argo_rule(_id, _name, Severity.ERROR, _summary, _remedy, _pass, _fail, check=_check)

# Argo substitutes and validates only the namespaces it knows; any other {{x.y}} stays in the text as written
# (a plugin or the program may mean it). Most often it is a typo, so it is worth a warning, not a failed gate.
argo_rule("ARGO-VAR-UNKNOWN-PREFIX", "var-unknown-prefix", Severity.WARNING,
          "A `{{...}}` tag outside Argo's variable namespaces (workflow, inputs, outputs, tasks, steps, item, pod, "
          "node, retries, ...) is passed through untouched, so the text keeps the braces: usually a typo. Only a tag that "
          "reads as a variable (`{{wokflow.name}}`) is reported; Go template syntax for another tool (`{{.Values.x}}`, "
          "`{{- end}}`, a Vault agent's `{{with secret ...}}`) is left alone.",
          "Fix the namespace (input -> inputs, workflows -> workflow), or leave it if the braces are meant for "
          "someone else (then suppress it on the object with a reason).",
          """
args: ["{{inputs.parameters.x}}"]
""", """
args: ["{{input.parameters.x}}"]
""", check=check_var_unknown_prefix)
