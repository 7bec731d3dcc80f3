"""Argo family: which inputs a template requires, and what ARGO-INPUT-MISSING / ARGO-ARGUMENT-UNKNOWN say about each
kind of caller (step, hook, inline template, templateRef), one unresolvable call (or a hook that calls no template) not
hiding the next."""

from __future__ import annotations

import pytest
from rules_helpers import FIXTURES, context, rendered, run_rule

from validation.config import Config, from_table
from validation.rules.argo.inputs import _required_inputs

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: ext, templateRef: {name: elsewhere, template: x}, hooks: {running: {expression: "true"}}}
          - {name: gone, template: nowhere}
          - name: first
            template: work
            arguments: {parameters: [{name: n, value: "1"}], artifacts: [{name: zz, raw: {data: x}}]}
            hooks: {exit: {template: work}}
          - name: inl
            inline: {inputs: {parameters: [{name: p}, {name: r, default: "0"}]}, container: {image: "python:3.11"}}
            arguments: {parameters: [{name: q, value: "1"}]}
          - name: lib
            templateRef: {name: lib, template: train}
            arguments: {parameters: [{name: zz, value: "1"}], artifacts: [{name: data, raw: {data: x}}]}
            hooks: {exit: {templateRef: {name: lib, template: train}, arguments: {parameters: [{name: y, value: "1"}]}}}
    - name: work
      inputs: {parameters: [{name: n}], artifacts: [{name: a1, optional: true}, {name: a2, optional: true}]}
      container: {image: "python:3.11"}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ml-dev}
spec:
  templates:
    - {name: train, container: {image: "python:3.11"}}
"""


def _messages(rule_id: str) -> list[str]:
    cfg = from_table({"external": {"workflowtemplates": ["elsewhere"]}}, Config(root=FIXTURES / "repo"))
    ctx = context(rendered(WORKFLOW), config=cfg)
    return [h.message for h in run_rule(rule_id, ctx) if h.ref.startswith("Workflow/")]


def test_every_caller_after_an_unresolvable_one_is_checked_and_named():
    assert _messages("ARGO-INPUT-MISSING") == [
        "hook 'exit' calls 'work' without input parameter 'n', which has no default",
        "step 'inl' calls 'inline' without input parameter 'p', which has no default",
    ]
    assert _messages("ARGO-ARGUMENT-UNKNOWN") == [
        "step 'first' passes artifact 'zz', but 'work' has no such input (inputs: a1, a2); Argo drops it without a word",
        "step 'inl' passes parameter 'q', but 'inline' has no such input (inputs: p, r); Argo drops it without a word",
        "step 'lib' passes parameter 'zz', but 'lib/train' has no such input (inputs: none); Argo drops it without a word",
        "step 'lib' passes artifact 'data', but 'lib/train' has no such input (inputs: none); Argo drops it without a word",
        "hook 'exit' passes parameter 'y', but 'lib/train' has no such input (inputs: none); Argo drops it without a word",
    ]


@pytest.mark.parametrize("inputs,params,artifacts", [
    ({"parameters": [{"name": "a"}, {"name": "b", "value": "1"}, {"name": "c", "default": "1"},
                     {"name": "d", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "y"}}}, {"value": "1"}, "e"]},
     ["a"], []),
    ({"parameters": [{"name": "a"}, {"name": "b"}]}, ["a", "b"], []),
    ({"artifacts": [{"name": "a"}, {"name": "b", "optional": True}, {"name": "c", "s3": {"key": "k"}},
                    {"name": "d", "raw": {"data": "x"}}, {"name": "e", "from": "{{x}}"}, {"optional": False}, "f"]},
     [], ["a"]),
])
def test_required_inputs_are_those_without_a_value_default_source_or_optional(inputs, params, artifacts):
    assert _required_inputs({"inputs": inputs}) == (params, artifacts)


def test_an_unknown_argument_is_reported_at_its_name():
    cfg = from_table({"external": {"workflowtemplates": ["elsewhere"]}}, Config(root=FIXTURES / "repo"))
    hits = run_rule("ARGO-ARGUMENT-UNKNOWN", context(rendered(WORKFLOW), config=cfg))
    assert [h.path for h in hits][-3:] == [
        "spec.templates[0].steps[0][4].arguments.parameters[0].name",
        "spec.templates[0].steps[0][4].arguments.artifacts[0].name",
        "spec.templates[0].steps[0][4].hooks.exit.arguments.parameters[0].name",
    ]


ENTRY = """
apiVersion: argoproj.io/v1alpha1
kind: KIND
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  arguments: {parameters: [{name: given, value: "1"}, {name: unset}], artifacts: [{name: in, raw: {data: x}}]}
  templates:
    - name: main
      inputs:
        parameters: [{name: given}, {name: unset}, {name: absent}]
        artifacts: [{name: in}, {name: data}]
      container: {image: "python:3.11"}
"""


@pytest.mark.parametrize("kind,fires", [("Workflow", True), ("CronWorkflow", True), ("WorkflowTemplate", False),
                                        ("ClusterWorkflowTemplate", False)])
def test_the_entrypoints_inputs_are_held_to_spec_arguments_where_it_runs_as_it_stands(kind, fires):
    text = ENTRY.replace("KIND", kind)
    if kind == "CronWorkflow":
        text = text.replace("spec:\n  entrypoint", "spec:\n  schedule: '0 * * * *'\n  workflowSpec:\n    entrypoint")
        text = text.replace("\n  arguments", "\n    arguments").replace("\n  templates", "\n    templates")
        text = text.replace("\n    - name: main\n      inputs:\n        parameters",
                            "\n      - name: main\n        inputs:\n          parameters")
        text = text.replace("\n        artifacts: [{name: in}", "\n          artifacts: [{name: in}")
        text = text.replace("\n      container: {image", "\n        container: {image")
    hits = run_rule("ARGO-INPUT-MISSING", context(rendered(text)))
    expected = [
        "entrypoint 'main' needs input parameter 'unset', for which spec.arguments.parameters gives no value",
        "entrypoint 'main' needs input parameter 'absent', for which spec.arguments.parameters gives no value",
        "entrypoint 'main' needs input artifact 'data', which spec.arguments.artifacts does not supply",
    ]
    assert [h.message for h in hits] == (expected if fires else [])
