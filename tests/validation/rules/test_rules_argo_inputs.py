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
            arguments: {parameters: [{name: n, value: "1"}]}
            hooks: {exit: {template: work}}
          - name: inl
            inline: {inputs: {parameters: [{name: p}, {name: r, default: "0"}]}, container: {image: "python:3.11"}}
            arguments: {parameters: [{name: q, value: "1"}]}
          - name: lib
            templateRef: {name: lib, template: train}
            arguments: {parameters: [{name: zz, value: "1"}], artifacts: [{name: data, raw: {data: x}}]}
            hooks: {exit: {templateRef: {name: lib, template: train}, arguments: {parameters: [{name: y, value: "1"}]}}}
    - name: work
      inputs: {parameters: [{name: n}]}
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
        "step 'inl' passes parameter 'q', but 'inline' has no such input (inputs: p, r)",
        "step 'lib' passes parameter 'zz', but 'lib/train' has no such input (inputs: none)",
        "step 'lib' passes artifact 'data', but 'lib/train' has no such input (inputs: none)",
        "hook 'exit' passes parameter 'y', but 'lib/train' has no such input (inputs: none)",
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
