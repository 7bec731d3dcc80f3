"""DAG templates: dependencies exist, `depends` parses, no cycles."""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import (
    DependsSyntaxError,
    as_list,
    find_cycle,
    parse_depends,
    task_dependencies,
    templates,
    workflow_spec,
)


def _dag_templates(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], list[tuple[int, dict[str, Any]]]]]:
    for ti, t in templates(spec):
        dag = t.get("dag")
        if isinstance(dag, dict):
            tasks = [(k, task) for k, task in enumerate(as_list(dag.get("tasks"))) if isinstance(task, dict)]
            yield ti, t, tasks


def check_dag_dependency(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        names = {str(t.get("name")) for _, t in tasks}
        for k, task in tasks:
            tp = (*base, "templates", ti, "dag", "tasks", k)
            for di, dep in enumerate(as_list(task.get("dependencies"))):
                if str(dep) not in names:
                    yield Problem(m, f"task {task.get('name')!r} depends on {dep!r}, which is not a task of this DAG",
                                  (*tp, "dependencies", di))
            depends = task.get("depends")
            if isinstance(depends, str):
                try:
                    refs = parse_depends(depends)
                except DependsSyntaxError:
                    continue
                for dep in refs:
                    if dep not in names:
                        yield Problem(m, f"task {task.get('name')!r} depends on {dep!r}, which is not a task of this DAG",
                                      (*tp, "depends"))


argo_rule("ARGO-DAG-DEPENDENCY-MISSING", "dag-dependency-missing", Severity.ERROR,
          "`dependencies` and `depends` name tasks of the same DAG.",
          "Fix the task name, or add the missing task.",
          """
dag:
  tasks:
    - {name: prep, template: prep}
    - {name: train, template: train, depends: prep.Succeeded}
""", """
dag:
  tasks:
    - {name: prep, template: prep}
    - {name: train, template: train, depends: perp.Succeeded}
""", check=check_dag_dependency)


def check_depends_syntax(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        for k, task in tasks:
            tp = (*base, "templates", ti, "dag", "tasks", k)
            depends = task.get("depends")
            if depends is None:
                continue
            if "dependencies" in task:
                yield Problem(m, f"task {task.get('name')!r} sets both depends and dependencies; Argo rejects that",
                              (*tp, "depends"))
            if not isinstance(depends, str):
                yield Problem(m, f"task {task.get('name')!r}: depends must be a string expression", (*tp, "depends"))
                continue
            try:
                parse_depends(depends)
            except DependsSyntaxError as exc:
                yield Problem(m, f"task {task.get('name')!r}: depends {depends!r} does not parse: {exc}", (*tp, "depends"))


argo_rule("ARGO-DAG-DEPENDS-SYNTAX", "dag-depends-syntax", Severity.ERROR,
          "A `depends` expression parses: task names with an optional .Succeeded/.Failed/.Errored/.Skipped/.Omitted/"
          ".Daemoned/.AnySucceeded/.AllFailed, joined by &&, || and !, with parentheses. A task uses depends or "
          "dependencies, not both.",
          "Fix the expression; e.g. `depends: \"(a.Succeeded || b.Skipped) && !c.Failed\"`.",
          """
- {name: report, template: report, depends: "train.Succeeded || train.Failed"}
""", """
- {name: report, template: report, depends: "train.Succeeded | train.Failed"}
""", check=check_depends_syntax)


def check_dag_cycle(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        by_name = {str(t.get("name")): t for _, t in tasks}
        cycle = find_cycle(by_name)
        if cycle:
            first = cycle[0]
            k = next(k for k, t in tasks if str(t.get("name")) == first)
            field_name = "depends" if "depends" in by_name[first] else "dependencies"
            yield Problem(m, f"dependency cycle: {' -> '.join(cycle)}",
                          (*base, "templates", ti, "dag", "tasks", k, field_name))


argo_rule("ARGO-DAG-CYCLE", "dag-cycle", Severity.ERROR,
          "The tasks of a DAG form no dependency cycle.",
          "Remove one of the dependencies in the cycle the message shows.",
          """
- {name: a, template: t}
- {name: b, template: t, depends: a}
""", """
- {name: a, template: t, depends: b}
- {name: b, template: t, depends: a}
""", check=check_dag_cycle)


def check_self_dependency(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ti, _, tasks in _dag_templates(spec):
        for k, task in tasks:
            name = str(task.get("name"))
            if name in _direct_deps(task):
                field_name = "depends" if "depends" in task else "dependencies"
                yield Problem(m, f"task {name!r} depends on itself", (*base, "templates", ti, "dag", "tasks", k, field_name))


argo_rule("ARGO-DAG-SELF-DEPENDENCY", "dag-self-dependency", Severity.ERROR,
          "No DAG task depends on itself.",
          "Remove the task's own name from its depends/dependencies.",
          """
- {name: train, template: t, depends: prep}
""", """
- {name: train, template: t, depends: train}
""", check=check_self_dependency)


def _direct_deps(task: dict[str, Any]) -> list[str]:
    return task_dependencies(task)
