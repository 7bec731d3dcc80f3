"""Inputs and arguments: every caller supplies what the called template needs, and nothing it does not take."""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.resolve import local_templates, resolve_call, workflow_template_ref
from validation.rules.argo.rule import argo_rule, cached
from validation.rules.argo.spec_walk import artifact_names, as_dict, as_list, calls, parameter_names, workflow_spec

_ARTIFACT_SOURCES = {"from", "fromExpression", "s3", "git", "http", "raw", "artifactory", "gcs", "hdfs", "oss",
                     "azure", "plugin", "huggingface"}


def _required_inputs(template: dict[str, Any]) -> tuple[list[str], list[str]]:
    inputs = as_dict(template.get("inputs"))
    params = [str(p["name"]) for p in as_list(inputs.get("parameters"))
              if isinstance(p, dict) and p.get("name") and not ({"value", "default", "valueFrom"} & p.keys())]
    arts = [str(a["name"]) for a in as_list(inputs.get("artifacts"))
            if isinstance(a, dict) and a.get("name") and not a.get("optional") and not (_ARTIFACT_SOURCES & a.keys())]
    return params, arts


def _unknown(what: str, call: Any, callee_name: str, name: str, declared: list[str],
             given: list[str]) -> tuple[str, Severity | None]:
    """An argument the called template does not declare. Argo drops it without a word: an error where it looks like
    a misspelt input the call leaves unset (that input then runs on its default, or not at all), a warning where it
    is only dead."""
    import difflib  # only when an argument is unknown

    left = [n for n in declared if n not in given]
    close = difflib.get_close_matches(name, left, n=1, cutoff=0.75)
    head = f"{call.kind} {call.name!r} passes {what} {name!r}, but {callee_name!r} has no such input"
    if close:
        return f"{head} (did you mean {close[0]!r}?)", None
    return (f"{head} (inputs: {', '.join(declared) or 'none'}); Argo drops it without a word",
            Severity.WARNING)


def _argument_issues(m: Manifest, ctx: Context) -> Iterator[tuple[str, str, JsonPath, Severity | None]]:
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
                                             f"{name!r}, which has no default", cp, None)
        for name in need_a:
            if name not in given_a:
                yield ("ARGO-INPUT-MISSING", f"{call.kind} {call.name!r} calls {callee_name!r} without input artifact "
                                             f"{name!r}", cp, None)
        for i, p in enumerate(as_list(args.get("parameters"))):
            if isinstance(p, dict) and p.get("name") and str(p["name"]) not in all_p:
                message, severity = _unknown("parameter", call, callee_name, str(p["name"]), all_p, given_p)
                yield "ARGO-ARGUMENT-UNKNOWN", message, (*cp, "arguments", "parameters", i, "name"), severity
        for i, a in enumerate(as_list(args.get("artifacts"))):
            if isinstance(a, dict) and a.get("name") and str(a["name"]) not in all_a:
                message, severity = _unknown("artifact", call, callee_name, str(a["name"]), all_a, given_a)
                yield "ARGO-ARGUMENT-UNKNOWN", message, (*cp, "arguments", "artifacts", i, "name"), severity
    # The entrypoint receives spec.arguments by name. A WorkflowTemplate's are supplied when it is submitted (Argo
    # validates one with fake arguments), so only what runs as it stands is held to it: a Workflow, a CronWorkflow,
    # and a Workflow that runs a template through workflowTemplateRef (with its own and the template's values).
    if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"):
        return
    argument_sets = [as_dict(spec.get("arguments"))]
    entry = spec.get("entrypoint")
    if isinstance(spec.get("workflowTemplateRef"), dict):
        wt = workflow_template_ref(ctx, m, spec)
        if wt is None:
            return  # an external template: its entrypoint and arguments are unknown
        wt_spec = workflow_spec(wt)[0]
        entry = entry or wt_spec.get("entrypoint")
        argument_sets.append(as_dict(wt_spec.get("arguments")))
    tpl = local_templates(ctx, m, spec).get(str(entry)) if entry else None
    if tpl is not None:
        given = {str(p["name"]) for args in argument_sets for p in as_list(args.get("parameters"))
                 if isinstance(p, dict) and p.get("name") and ({"value", "valueFrom"} & p.keys())}
        given_a = {name for args in argument_sets for name in artifact_names(args)}
        need_p, need_a = _required_inputs(tpl)
        where = (*base, "entrypoint") if spec.get("entrypoint") else (*base, "workflowTemplateRef")
        for name in need_p:
            if name not in given:
                yield ("ARGO-INPUT-MISSING", f"entrypoint {entry!r} needs input parameter {name!r}, for which "
                                             "spec.arguments.parameters gives no value", where, None)
        for name in need_a:
            if name not in given_a:
                yield ("ARGO-INPUT-MISSING", f"entrypoint {entry!r} needs input artifact {name!r}, which "
                                             "spec.arguments.artifacts does not supply", where, None)


def _arg_problems(rule_id: str, m: Manifest, ctx: Context) -> Iterator[Problem]:
    for rid, message, path, severity in cached("args", _argument_issues, m, ctx):
        if rid == rule_id:
            yield Problem(m, message, path, severity)


def check_input_missing(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _arg_problems("ARGO-INPUT-MISSING", m, ctx)


def check_argument_unknown(m: Manifest, ctx: Context) -> Iterator[Problem]:
    return _arg_problems("ARGO-ARGUMENT-UNKNOWN", m, ctx)


argo_rule("ARGO-INPUT-MISSING", "input-missing", Severity.ERROR,
          "Every caller (step, task, hook, templateRef, and the entrypoint through spec.arguments) supplies each input "
          "parameter and artifact that has no default. A WorkflowTemplate's entrypoint inputs are supplied when it is "
          "submitted, so they are checked where a Workflow or CronWorkflow runs it (workflowTemplateRef), with the "
          "values the Workflow and the template give.",
          "Pass the input in the caller's arguments, or give the input a default.",
          """
- {name: train, template: train, arguments: {parameters: [{name: epochs, value: "3"}]}}
# train: inputs: {parameters: [{name: epochs}]}
""", """
- {name: train, template: train}
# train: inputs: {parameters: [{name: epochs}]}
""", check=check_input_missing)

argo_rule("ARGO-ARGUMENT-UNKNOWN", "argument-unknown", Severity.ERROR,
          "Every argument a caller passes matches an input of the called template (also through templateRef). Argo "
          "drops one that does not without a word: an error where the name is a near miss of an input the call "
          "leaves unset (a typo: that input runs on its default, or not at all), a warning where it is only dead.",
          "Fix its name, remove the argument, or declare the input on the called template.",
          """
- {name: train, template: train, arguments: {parameters: [{name: epochs, value: "3"}]}}
""", """
- {name: train, template: train, arguments: {parameters: [{name: epoch, value: "3"}]}}
""", check=check_argument_unknown)
