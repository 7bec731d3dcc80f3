"""The ARGO-DAG rules on both ways of naming upstream tasks (depends and the dependencies list), word for word."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: dag-}
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
%s
    - name: t
      container: {image: "alpine:3.20", command: [echo, hi]}
"""
TASKS = "spec.templates[0].dag.tasks"


def hits(rule_id: str, *tasks: str) -> list[tuple[str, str]]:
    text = WF % "\n".join(f"          - {{name: {t}, template: t}}" for t in tasks)
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text, "dev")))]


@pytest.mark.parametrize("tasks,expected", [
    (("a", "b, dependencies: [a, nope]"),
     [(f"{TASKS}[1].dependencies[1]", "task 'b' depends on 'nope', which is not a task of this DAG")]),
    (("a", "b, depends: a && nope.Succeeded"),
     [(f"{TASKS}[1].depends", "task 'b' depends on 'nope', which is not a task of this DAG")]),
    # a depends that does not parse is ARGO-DAG-DEPENDS-SYNTAX's; the tasks after it are still checked
    (("a", "b, depends: 'a |'", "c, depends: nope"),
     [(f"{TASKS}[2].depends", "task 'c' depends on 'nope', which is not a task of this DAG")]),
])
def test_a_missing_upstream_task_is_named_where_it_is_written(tasks, expected):
    assert hits("ARGO-DAG-DEPENDENCY-MISSING", *tasks) == expected


@pytest.mark.parametrize("tasks,expected", [
    (("a", "b, depends: a, dependencies: [a]"),
     [(f"{TASKS}[1].depends", "task 'b' sets both depends and dependencies; Argo rejects that")]),
    (("a", "b, depends: [a]", "c, depends: 'a |'"),
     [(f"{TASKS}[1].depends", "task 'b': depends must be a string expression"),
      (f"{TASKS}[2].depends", "task 'c': depends 'a |' does not parse: ")]),
])
def test_a_depends_argo_rejects_is_named_with_the_reason(tasks, expected):
    found = hits("ARGO-DAG-DEPENDS-SYNTAX", *tasks)
    assert [path for path, _ in found] == [path for path, _ in expected]
    for (_, message), (_, wanted) in zip(found, expected, strict=True):
        assert message.startswith(wanted), message


def test_a_cycle_through_dependencies_lists_is_reported_on_the_list():
    assert hits("ARGO-DAG-CYCLE", "a, dependencies: [b]", "b, dependencies: [a]") == [
        (f"{TASKS}[0].dependencies", "dependency cycle: a -> b -> a")]


@pytest.mark.parametrize("task,field", [("b, dependencies: [a, b]", "dependencies"), ("b, depends: a && b", "depends")])
def test_a_task_depending_on_itself_is_reported_where_it_says_so(task, field):
    assert hits("ARGO-DAG-SELF-DEPENDENCY", "a", task) == [(f"{TASKS}[1].{field}", "task 'b' depends on itself")]


def test_a_self_dependency_or_one_on_a_missing_task_is_no_cycle():
    """Each has its own rule (ARGO-DAG-SELF-DEPENDENCY, ARGO-DAG-DEPENDENCY-MISSING); a cycle is between tasks."""
    assert hits("ARGO-DAG-CYCLE", "a, depends: a", "b, dependencies: [nope]", "c, depends: b && a") == []


def test_a_task_with_both_depends_and_dependencies_is_linked_through_both():
    """Argo rejects the pair (ARGO-DAG-DEPENDS-SYNTAX says so); a cycle through either is still one."""
    assert hits("ARGO-DAG-CYCLE", "a, dependencies: [b], depends: c", "b, depends: a", "c") == [
        (f"{TASKS}[0].depends", "dependency cycle: a -> b -> a")]
