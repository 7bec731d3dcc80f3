"""Argo: a workflow parameter that reaches a run without a value.

Argo refuses to start a workflow whose `spec.arguments.parameters` entry has neither `value` nor `valueFrom`
(validate.go, validateArgumentsValues). A WorkflowTemplate may leave a value out on purpose (`argo submit
--from workflowtemplate/x -p name=...` supplies it), but a value rendered as null is a mistake (a JSON6902 `replace`
whose `value:` was misspelt writes null, as does a bare `value:`), and a Workflow that runs a template must supply
every parameter the template leaves open.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity, some_of
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo.argocd_sync import synced_by_argocd
from validation.rules.argo.resolve import workflow_template_ref
from validation.rules.argo.spec_walk import WORKFLOW_KINDS, as_dict, as_list, walk_strings, workflow_spec

RULE_ID = "ARGO-PARAMETER-NO-VALUE"
_TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")


def _has_value(p: dict[str, Any]) -> bool:
    return p.get("value") is not None or p.get("valueFrom") is not None or p.get("default") is not None


def _readers(spec: dict[str, Any], name: str) -> list[str]:
    """The templates that read workflow.parameters.<name>."""
    pattern = re.compile(r"workflow\.parameters(?:\.|\[['\"])" + re.escape(name) + r"(?![A-Za-z0-9_-])")
    out = []
    for t in as_list(spec.get("templates")):
        if isinstance(t, dict) and any(pattern.search(s) for _, s in walk_strings(t, ())):
            out.append(str(t.get("name", "?")))
    return out


def _read_note(spec: dict[str, Any], name: str) -> str:
    readers = _readers(spec, name)
    if not readers:
        return ""
    shown = some_of(readers, 4)
    return f"; read by template{'s' * (len(readers) > 1)} {shown}"


def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    args_path: JsonPath = (*base, "arguments", "parameters")
    for i, p in enumerate(as_list(as_dict(spec.get("arguments")).get("parameters"))):
        if not isinstance(p, dict) or not p.get("name") or _has_value(p):
            continue
        name = str(p["name"])
        if "value" in p:  # explicitly null
            yield Problem(m, f"parameter {name!r} renders as null (a `value:` with nothing after it, or a JSON6902 "
                             f"replace without `value`): Argo refuses to run the workflow unless every submit "
                             f"passes -p {name}=...{_read_note(spec, name)}", (*args_path, i, "value"))
        elif m.kind not in _TEMPLATE_KINDS and not isinstance(spec.get("workflowTemplateRef"), dict) \
                and synced_by_argocd(ctx):
            yield Problem(m, f"parameter {name!r} has no value and no valueFrom: Argo CD applies this {m.kind} as "
                             f"it is, and Argo refuses it{_read_note(spec, name)}", (*args_path, i))
    if isinstance(spec.get("workflowTemplateRef"), dict) and m.kind not in _TEMPLATE_KINDS and synced_by_argocd(ctx):
        yield from _unsupplied(m, ctx, spec, base)


def _unsupplied(m: Manifest, ctx: Context, spec: dict[str, Any], base: JsonPath) -> Iterator[Problem]:
    """A Workflow that runs a template must supply what the template leaves open."""
    template = workflow_template_ref(ctx, m, spec)
    if template is None:
        return
    inner = workflow_spec(template)[0]
    given = {str(p.get("name")): p for p in as_list(as_dict(spec.get("arguments")).get("parameters"))
             if isinstance(p, dict)}
    for p in as_list(as_dict(inner.get("arguments")).get("parameters")):
        if not isinstance(p, dict) or not p.get("name") or _has_value(p) or "value" in p:
            continue  # an explicit null is reported on the template itself
        name = str(p["name"])
        if name in given and _has_value(given[name]):
            continue
        yield Problem(m, f"runs {template.kind} {template.name!r}, whose parameter {name!r} has no value, and "
                         f"does not supply one: Argo refuses it when Argo CD applies it{_read_note(inner, name)}",
                      (*base, "workflowTemplateRef"))


register(Rule(
    id=RULE_ID, name="parameter-no-value", severity=Severity.ERROR, scope=WORKFLOW_KINDS, family="argo",
    summary="A workflow parameter has a value when a run starts. A parameter rendered as null (a JSON6902 "
            "`replace` whose `value:` is misspelt writes null; so does a bare `value:`) makes Argo refuse every "
            "submit that does not pass it with -p. A Workflow or CronWorkflow that Argo CD syncs (in an overlay an "
            "Application deploys) is applied as it is, so a parameter of it without value or valueFrom is refused, "
            "and so is one that runs a WorkflowTemplate (workflowTemplateRef) without supplying a parameter the "
            "template leaves open. A WorkflowTemplate parameter without a `value` key is a parameter to supply at "
            "submit, and so is one of a Workflow file that is not synced (`argo submit -p`): both are left alone.",
    remediation="Give the parameter a value (quote an empty one: `value: \"\"`), fix the patch that wrote null, "
                "or supply the parameter in the Workflow's spec.arguments.",
    passing="spec:\n  arguments:\n    parameters:\n      - {name: min-accuracy, value: \"0.7\"}\n",
    failing="spec:\n  arguments:\n    parameters:\n      - {name: min-accuracy, value: null}\n",
    check=check,
))
