"""ARGO family: every rule fires on its failing fixture (at the right JSON path) and stays quiet on its passing one."""

from __future__ import annotations

import pytest
from fixture_checks import assert_complete, assert_fixture
from rules_helpers import fixtures_for


@pytest.mark.parametrize("path", fixtures_for("ARGO"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path):
    assert_fixture(path)


def test_every_rule_has_a_firing_and_a_passing_fixture():
    assert_complete("ARGO")


def test_a_cycle_fixture_holds_a_cycle_a_search_from_the_first_task_cannot_reach():
    """fires-cycle-away-from-the-first-task: the cycle is outside the first task's part of the DAG (either
    direction), so a detector that starts from the first task only passes it; ARGO-DAG-CYCLE must not."""
    from rules_helpers import FIXTURES, load_fixture, manifests

    from validation.rules.argo.spec_walk import find_cycle, task_dependencies

    fx = load_fixture(FIXTURES / "ARGO-DAG-CYCLE" / "fires-cycle-away-from-the-first-task.yaml")
    (workflow,) = [m.obj for m in manifests(fx.text) if m.obj["kind"] == "WorkflowTemplate"]
    tasks = {t["name"]: t for t in workflow["spec"]["templates"][0]["dag"]["tasks"]}
    first = next(iter(tasks))
    linked = {n: {d for d in task_dependencies(t) if d in tasks} for n, t in tasks.items()}
    for n, deps in list(linked.items()):
        for d in deps:
            linked[d] = linked[d] | {n}
    seen, todo = {first}, [first]
    while todo:
        for nxt in linked[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    assert find_cycle({n: tasks[n] for n in seen}) is None, "the first task's part of the DAG has no cycle"
    assert find_cycle(tasks) == ["report", "publish", "report"]
    assert_fixture(fx.path)
