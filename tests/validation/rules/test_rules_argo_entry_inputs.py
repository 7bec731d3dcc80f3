"""ARGO-INPUT-MISSING for the entrypoint (what spec.arguments, and a workflowTemplateRef's template, give it) and
ARGO-ARGUMENT-UNKNOWN's grading (a misspelt input, an argument that is only dead); and the walk cache they share
with the ARGO-VAR rules, which keeps each walk's result apart."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

from validation.model import Severity
from validation.rules import get

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: train, namespace: ml-dev}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: epochs, value: "3"}]
  templates:
    - name: main
      inputs: {parameters: [{name: epochs}, {name: data}]}
      container: {image: "python:3.11.9-slim"}
"""


def _missing(text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule("ARGO-INPUT-MISSING", context(rendered(text, "dev")))]


def test_the_entrypoint_takes_a_value_or_a_value_from_and_is_blamed_at_spec_entrypoint() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: run, namespace: ml-dev}
spec:
  entrypoint: main
  arguments:
    parameters:
      - {name: data, valueFrom: {configMapKeyRef: {name: settings, key: data}}}
      - {name: epochs}
  templates:
    - name: main
      inputs: {parameters: [{name: data}, {name: epochs}]}
      container: {image: "python:3.11.9-slim"}
"""
    assert _missing(text) == [("spec.entrypoint", "entrypoint 'main' needs input parameter 'epochs', for which "
                                                  "spec.arguments.parameters gives no value")]


def test_a_workflow_template_refs_own_arguments_count_and_its_entrypoint_is_blamed_at_the_ref() -> None:
    run = """
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: run, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: train}
  arguments:
    parameters: [%s]
"""
    assert _missing(TEMPLATE + run % "{name: data, value: s3://b/d}") == []
    assert _missing(TEMPLATE + run % "") == [
        ("spec.workflowTemplateRef", "entrypoint 'main' needs input parameter 'data', for which "
                                     "spec.arguments.parameters gives no value")]


CALLS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: run, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: a
            template: fit
            arguments:
              parameters: [{name: threshold, value: "1"}, {name: thresh, value: "2"}]
          - name: b
            template: fit
            arguments:
              parameters: [{name: thresh, value: "2"}, {name: thres, value: "3"}, {name: colour, value: red}]
    - name: fit
      inputs: {parameters: [{name: threshold, default: "0.5"}, {name: color, default: blue}]}
      container: {image: "python:3.11.9-slim"}
"""


def test_an_unknown_argument_is_an_error_only_where_it_looks_like_a_misspelt_input_left_unset() -> None:
    ctx = context(rendered(CALLS, "dev"))
    rule = get("ARGO-ARGUMENT-UNKNOWN")
    found = [(p.message.split(" passes ", 1)[1], p.severity) for m in ctx.target.manifests for p in rule.check(m, ctx)]
    dead = "; Argo drops it without a word"
    assert found == [
        # threshold is given already: thresh is only dead
        (f"parameter 'thresh', but 'fit' has no such input (inputs: threshold, color){dead}", Severity.WARNING),
        ("parameter 'thresh', but 'fit' has no such input (did you mean 'threshold'?)", None),
        # too far from threshold (similarity 0.71, under 0.75) to be a misspelling of it
        (f"parameter 'thres', but 'fit' has no such input (inputs: threshold, color){dead}", Severity.WARNING),
        ("parameter 'colour', but 'fit' has no such input (did you mean 'color'?)", None),
    ]


def test_the_walk_cache_keeps_each_walk_apart() -> None:
    from validation.rules.argo.rule import cached

    ctx = context(rendered(CALLS, "dev"))
    m = ctx.target.manifests[0]
    assert cached("one", lambda m, ctx: [("a", "first", ())], m, ctx) == [("a", "first", ())]
    assert cached("two", lambda m, ctx: [("b", "second", ())], m, ctx) == [("b", "second", ())]
    assert cached("one", lambda m, ctx: [("c", "not asked again", ())], m, ctx) == [("a", "first", ())]
