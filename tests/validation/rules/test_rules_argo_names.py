"""ARGO-NAME-DUPLICATE: every list whose names Argo requires to differ, each repeat at its own path."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

EVERY_LIST = """
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly, namespace: ml-dev}
spec:
  schedule: "0 3 * * *"
  workflowSpec:
    entrypoint: main
    arguments:
      parameters: [{name: p, value: "1"}, {name: p, value: "2"}]
      artifacts: [{name: a, raw: {data: x}}, {name: a, raw: {data: y}}]
    templates:
      - name: main
        steps:
          - [{name: s, template: leaf}, {name: t, template: leaf}]
          - [{name: s, template: leaf}]
      - name: graph
        dag:
          tasks: [{name: t, template: leaf}, {name: t, template: leaf}]
      - name: leaf
        inputs:
          parameters: [{name: i}, {name: i}]
          artifacts: [{name: f, path: /f}, {name: f, path: /g}]
        outputs:
          parameters: [{name: o, valueFrom: {path: /o}}, {name: o, valueFrom: {path: /p}}]
          artifacts: [{name: r, path: /r}, {name: r, path: /s}]
        container: {image: "python:3.11.9-slim"}
      - name: leaf
        container: {image: "python:3.11.9-slim"}
"""


def _hits(text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule("ARGO-NAME-DUPLICATE", context(rendered(text, "dev")))]


def test_every_list_whose_names_argo_requires_to_differ_is_checked() -> None:
    ws, t = "spec.workflowSpec", "spec.workflowSpec.templates"
    refuses = "has it too; Argo refuses the workflow"
    assert _hits(EVERY_LIST) == [
        (f"{t}[3].name", f"template 'leaf' is not unique: {t}[2] {refuses}"),
        (f"{ws}.arguments.parameters[1].name",
         f"workflow argument parameter 'p' is not unique: {ws}.arguments.parameters[0] {refuses}"),
        (f"{ws}.arguments.artifacts[1].name",
         f"workflow argument artifact 'a' is not unique: {ws}.arguments.artifacts[0] {refuses}"),
        (f"{t}[0].steps[1][0].name", f"step 's' is not unique in template 'main': {t}[0].steps[0][0] {refuses}"),
        (f"{t}[1].dag.tasks[1].name", f"DAG task 't' is not unique in template 'graph': {t}[1].dag.tasks[0] {refuses}"),
        (f"{t}[2].inputs.parameters[1].name",
         f"input parameter 'i' is not unique in template 'leaf': {t}[2].inputs.parameters[0] {refuses}"),
        (f"{t}[2].inputs.artifacts[1].name",
         f"input artifact 'f' is not unique in template 'leaf': {t}[2].inputs.artifacts[0] {refuses}"),
        (f"{t}[2].outputs.parameters[1].name",
         f"output parameter 'o' is not unique in template 'leaf': {t}[2].outputs.parameters[0] {refuses}"),
        (f"{t}[2].outputs.artifacts[1].name",
         f"output artifact 'r' is not unique in template 'leaf': {t}[2].outputs.artifacts[0] {refuses}"),
    ]


def test_names_that_are_not_names_are_left_to_the_schema() -> None:
    # An item that is no mapping, a name that is no text or is empty: the schema check says what is wrong there.
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: w-}
spec:
  templates:
    - just-a-string
    - just-a-string
    - {name: "", container: {image: "busybox:1.36"}}
    - {name: "", container: {image: "busybox:1.36"}}
    - {name: 7, container: {image: "busybox:1.36"}}
    - {name: 7, container: {image: "busybox:1.36"}}
    - {name: x, container: {image: "busybox:1.36"}}
    - {name: x, container: {image: "busybox:1.36"}}
"""
    assert [path for path, _ in _hits(text)] == ["spec.templates[7].name"]
