"""Inputs a schema refuses but a rule still meets (a linted PATH reaches the rules whatever its schema findings):
each rule reads them as Argo would, or leaves them alone, without raising and without inventing a finding."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule


def _hits(rule_id: str, text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text, "dev")))]


def test_a_workflow_without_an_entrypoint_runs_no_template_even_one_named_none() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-, namespace: ml-dev}
spec:
  templates:
    - name: "None"
      inputs: {parameters: [{name: p}]}
      container: {image: "busybox:1.36"}
"""
    assert _hits("ARGO-INPUT-MISSING", text) == []


def test_an_output_artifact_that_is_no_mapping_exports_nothing() -> None:
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      outputs:
        artifacts: [just-text, {name: model, path: /m, globalName: model}]
      container: {image: "busybox:1.36", args: ["{{workflow.outputs.artifacts.model}}"]}
"""
    assert _hits("ARGO-VAR-UNKNOWN", text) == []


def test_an_entrypoint_that_is_no_text_starts_nothing() -> None:
    # entrypoint: 7 is a schema error; a template named "7" is not what Argo would run, so its mounts are not judged
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-, namespace: ml-dev}
spec:
  entrypoint: 7
  templates:
    - {name: "7", container: {image: "busybox:1.36", volumeMounts: [{name: nowhere, mountPath: /n}]}}
    - {name: main, container: {image: "busybox:1.36"}}
"""
    assert _hits("POD-VOLUME-UNDECLARED", text) == []


VAR_RULES = ("ARGO-VAR-ITEM-OUTSIDE-LOOP", "ARGO-VAR-OUTPUT-REF", "ARGO-VAR-UNDECLARED", "ARGO-VAR-UNKNOWN",
             "ARGO-VAR-UNKNOWN-PREFIX", "ARGO-VAR-WORKFLOW-PARAMETER")


def _var_hits(text: str) -> list[tuple[str, str]]:
    return [hit for rule_id in VAR_RULES for hit in _hits(rule_id, text)]


def test_item_written_inside_with_items_itself_is_no_variable_outside_a_loop() -> None:
    # Argo's validator accepts it and its controller leaves it as written: a list item, not a reference.
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: each, template: echo, withItems: ["{{item}}", b]}]]
    - {name: echo, container: {image: "busybox:1.36"}}
"""
    assert _var_hits(text) == []


def test_a_tag_in_workflow_template_ref_is_no_variable() -> None:
    # Argo resolves the reference before any substitution: the name is looked up as written.
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: "{{inputs.parameters.template}}"}
"""
    assert _var_hits(text) == []
