"""Argo Events (its published JSON schema) and Argo Rollouts (its CRDs) are checked strictly, and only what those
projects accept passes; their releases are read only when one of their kinds is checked.

fixtures/argo-events-examples/ and fixtures/argo-rollouts-examples/ pin a few of each project's own examples at the
vendored tag (SOURCE.md says where each came from): the ones that exercise what the schemas loosen, and two Argo
Events examples with real mistakes. The whole examples/ directory is checked by
`python -m validation.schemas.vendor.regenerate PROJECT GIT_DIR --tag T --verify-examples` (docs/schemas.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from validation.schema_check import SchemaChecker
from validation.schemas import _BY_KIND, Catalog, argo_events, argo_rollouts, vendored

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = {"argo-events": FIXTURES / "argo-events-examples", "argo-rollouts": FIXTURES / "argo-rollouts-examples"}
# Mistakes in the examples themselves: the controller decodes case-sensitively and drops unknown fields.
REAL_MISTAKES = {
    # the field is openWhisk: this trigger has no action at all
    "sensors/trigger-openwhisk.yaml": ["spec.triggers[0].template.openwhisk: unknown field (did you mean openWhisk?)"],
    # atLeastOnce is a field of the trigger, not of its template: the example runs at-most-once
    "sensors/trigger-with-atleast-once-semantics.yaml": ["spec.triggers[0].template.atLeastOnce: unknown field"],
}
CASES = sorted((project, str(p.relative_to(root)))
               for project, root in EXAMPLES.items() for p in root.glob("v*/**/*.yaml"))


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


def _messages(checker: SchemaChecker, obj: dict[str, Any]) -> list[str]:
    return [i.message for i in checker.check(obj)]


def _rollout(**strategy: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "r"}},
                     "template": {"metadata": {"labels": {"app": "r"}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                                           "resources": {"limits": {"cpu": 1}}}]}},
                     "strategy": strategy}}


def _sensor(**trigger: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Sensor", "metadata": {"name": "s"},
            "spec": {"template": {"container": {"resources": {"limits": {"cpu": 1, "memory": "64Mi"}}}},
                     "dependencies": [{"name": "d", "eventSourceName": "webhook", "eventName": "example"}],
                     "triggers": [{"template": {"name": "t", "log": {"intervalSeconds": 10}}, **trigger}]}}


def test_the_kinds_come_from_the_newest_vendored_releases() -> None:
    catalog = Catalog("1.37")
    for module in (argo_events, argo_rollouts):
        name = module.__name__.rsplit(".", 1)[-1]
        release = vendored.newest(module.PROJECT)
        sources = {kind: source for (_, kind), source in catalog.by_kind[name].kinds()}
        # the kinds the catalog routes to this project without opening its release are exactly the release's kinds
        assert set(sources) == _BY_KIND[name]
        assert all(s.startswith(f"{module.PROJECT} {release.tag} ") for s in sources.values())
    assert {s.split()[2] for (_, k), s in catalog.by_kind["argo_events"].kinds()} == {"JSON"}  # not the CRDs
    assert {s.split()[2] for (_, k), s in catalog.by_kind["argo_rollouts"].kinds()} == {"CRD"}


def test_a_rollout_is_checked(checker: SchemaChecker) -> None:
    good = _rollout(canary={"maxSurge": "25%", "maxUnavailable": 0,
                            "steps": [{"setWeight": 20}, {"pause": {"duration": "10s"}}, {"pause": {}}]})
    assert _messages(checker, good) == []
    bad = _rollout(canary={"stepz": [{"setWeight": 20}]})
    assert [(i.rule_id, i.message) for i in checker.check(bad)] == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.strategy.canary.stepz: unknown field (did you mean steps?)")]
    bad = _rollout(blueGreen={"activeService": "a", "autoPromotionEnabled": "yes"})
    assert [i.rule_id for i in checker.check(bad)] == ["SCHEMA-TYPE"]
    bad = copy.deepcopy(good)
    bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolicee"] = "Always"  # the pod template is checked too
    assert _messages(checker, bad) == [
        "spec.template.spec.containers[0].imagePullPolicee: unknown field (did you mean imagePullPolicy?)"]


def test_a_sensor_is_checked(checker: SchemaChecker) -> None:
    assert _messages(checker, _sensor(atLeastOnce=True)) == []  # and Quantity takes a number (cpu: 1)
    bad = _sensor()
    bad["spec"]["triggers"][0]["template"]["atLeastOnce"] = True
    assert [(i.rule_id, i.message) for i in checker.check(bad)] == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.triggers[0].template.atLeastOnce: unknown field")]
    bad = _sensor()
    bad["spec"]["dependencies"][0]["eventSoruceName"] = "webhook"
    assert _messages(checker, bad) == [
        "spec.dependencies[0].eventSoruceName: unknown field (did you mean eventSourceName?)"]


def test_argo_events_required_fields_are_only_what_is_enforced() -> None:
    checker = SchemaChecker("1.37")  # its own: the definitions are adjusted when a checker first needs them
    # `url` is generated as required (no omitempty) but a plain webhook source has none (Argo Events' examples)
    source = {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventSource", "metadata": {"name": "w"},
              "spec": {"webhook": {"example": {"endpoint": "/e", "method": "POST", "port": "12000"}}}}
    assert _messages(checker, source) == []
    del source["spec"]  # the CRD itself requires a spec
    assert [(i.rule_id, i.message) for i in checker.check(source)] == [
        ("SCHEMA-REQUIRED", 'missing required field "spec"')]


@pytest.mark.parametrize("project, path", CASES, ids=[f"{p}/{f}" for p, f in CASES])
def test_upstream_example_has_only_its_real_mistakes(checker: SchemaChecker, project: str, path: str) -> None:
    docs = yaml.safe_load_all((EXAMPLES[project] / path).read_text(encoding="utf-8"))
    messages = [m for doc in docs if doc for m in _messages(checker, doc)]
    assert messages == REAL_MISTAKES.get(path.split("/", 1)[1], [])


def test_the_pinned_examples_are_the_vendored_tags() -> None:
    for project, root in EXAMPLES.items():
        assert {p.name for p in root.glob("v*")} == {vendored.newest(project).tag}
    assert len(CASES) >= 15


def test_a_release_is_read_only_when_one_of_its_kinds_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = vendored._load
    monkeypatch.setattr(vendored, "_load", lambda path: read.append(path.parent.name) or real(path))
    checker = SchemaChecker("1.37")
    workflow = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "w"},
                "spec": {"entrypoint": "m", "templates": [{"name": "m", "container": {"image": "busybox:1.36"}}]}}
    assert checker.check(workflow) == []
    assert "argo-events" not in read and "argo-rollouts" not in read
    assert checker.check(_sensor()) == []
    assert "argo-events" in read and "argo-rollouts" not in read and "argo-cd" not in read
    read.clear()
    assert checker.check(_rollout(canary={"steps": [{"setWeight": 5}]})) == []
    assert read == ["argo-rollouts"]


def test_a_release_outside_the_package_can_stand_in_for_each_project(tmp_path: Path) -> None:
    releases = {}
    for project in ("argo-cd", "argo-events", "argo-rollouts", "crossplane"):
        copy_ = tmp_path / project / "v0.0.1.json.gz"  # what regenerate.py checks before it vendors
        copy_.parent.mkdir()
        copy_.write_bytes(vendored.newest(project).path.read_bytes())
        releases[project] = vendored.Release.from_file(copy_)
    catalog = Catalog("1.37", vendored_releases=releases)
    assert catalog.argocd.release.tag == "v0.0.1"
    assert {b.release.tag for b in catalog.by_kind.values()} == {"v0.0.1"}
    assert Catalog("1.37").argocd.release == vendored.newest("argo-cd")


def test_kinds_are_listed_by_group_then_version() -> None:
    kinds = Catalog("1.37").kinds()
    assert kinds == sorted(kinds, key=lambda k: (k.group, k.version, k.kind))
    assert kinds[0].group == "" and kinds[-1].group > "argoproj.io"
