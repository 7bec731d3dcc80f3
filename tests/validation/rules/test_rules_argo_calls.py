"""Every step, task and hook of a workflow is a call (spec_walk.calls): what a rule says about it, and what a hook
may read (the step or task it hangs on, and what ran before that)."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
%s
    - name: produce
      outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
      container: {image: "busybox:1.36"}
    - name: consume
      inputs: {parameters: [{name: a}, {name: b}]}
      container: {image: "busybox:1.36"}
"""


def _hits(rule_id: str, text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text)))]


def test_a_steps_hook_reads_its_own_step_and_the_step_groups_before_it():
    steps = """
    - name: main
      steps:
        - - {name: prep, template: produce}
        - - name: train
            template: produce
            hooks:
              done:
                expression: steps.train.status == "Succeeded"
                template: consume
                arguments:
                  parameters:
                    - {name: a, value: "{{steps.prep.outputs.parameters.out}}"}
                    - {name: b, value: "{{steps.train.outputs.parameters.out}}"}
        - - {name: later, template: produce}
"""
    assert _hits("ARGO-VAR-OUTPUT-REF", WF % steps) == []
    later = steps.replace("{{steps.prep.outputs", "{{steps.later.outputs")
    assert _hits("ARGO-VAR-OUTPUT-REF", WF % later) == [
        ("spec.templates[0].steps[1][0].hooks.done.arguments.parameters[0].value",
         "{{steps.later.outputs.parameters.out}}: step 'later' must be in an earlier step group of the place that "
         "reads it")]


def test_a_tasks_hook_reads_its_own_task():
    dag = """
    - name: main
      dag:
        tasks:
          - {name: prep, template: produce}
          - name: train
            template: produce
            depends: prep
            hooks:
              done:
                expression: tasks.train.status == "Succeeded"
                template: consume
                arguments:
                  parameters:
                    - {name: a, value: "{{tasks.prep.outputs.parameters.out}}"}
                    - {name: b, value: "{{tasks.train.outputs.parameters.out}}"}
"""
    assert _hits("ARGO-VAR-OUTPUT-REF", WF % dag) == []


def test_a_call_is_named_by_its_kind_and_name_and_a_nameless_one_by_an_empty_name():
    calls = """
    - name: main
      steps:
        - - {template: nope}
    - name: flow
      dag:
        tasks:
          - {name: t, template: nope}
          - {template: nope}
"""
    wf = (WF % calls).replace("  templates:\n", "  hooks:\n    exit: {template: nope}\n  templates:\n")
    said = "calls template 'nope', which does not exist (templates: consume, flow, main, produce)"
    assert _hits("ARGO-TEMPLATE-MISSING", wf) == [
        ("spec.templates[0].steps[0][0].template", f"step '' {said}"),
        ("spec.templates[1].dag.tasks[0].template", f"task 't' {said}"),
        ("spec.templates[1].dag.tasks[1].template", f"task '' {said}"),
        ("spec.hooks.exit.template", f"hook 'exit' {said}"),
    ]
