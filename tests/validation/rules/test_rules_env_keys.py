"""POD-ENV-KEY-MISSING beyond the fixtures: every place a key is read, what is passed over, the words of a finding."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule

CONFIGMAP = """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ns}
data: {%s}
"""
TAIL = "; the pod would not start (mark the reference optional: true if it may be absent)"


def findings(text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule("POD-ENV-KEY-MISSING", context(rendered(text)))]


def env(*refs: str) -> str:
    return "[" + ", ".join(f"{{name: E{i}, valueFrom: {{{r}}}}}" for i, r in enumerate(refs)) + "]"


def cm(key: str, name: str = "settings", more: str = "") -> str:
    return f"configMapKeyRef: {{name: {name}, key: {key}{more}}}"


def test_every_container_group_of_a_pod_is_read():
    text = f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: ns}}
spec:
  initContainers: [{{name: i, env: {env(cm("init"))}}}]
  containers: [not a container, {{name: c, env: {env(cm("main"))}}}]
  ephemeralContainers: [{{name: e, env: {env(cm("debug"))}}}]
""" + CONFIGMAP % "a: '1'"
    assert [p for p, _ in findings(text)] == [
        "spec.initContainers[0].env[0].valueFrom.configMapKeyRef.key",
        "spec.containers[1].env[0].valueFrom.configMapKeyRef.key",
        "spec.ephemeralContainers[0].env[0].valueFrom.configMapKeyRef.key"]


def test_configmap_volumes_of_a_pod_and_of_a_workflow_and_its_templates_are_read():
    volume = "{name: v, configMap: {name: settings, items: [not an item, {key: a, path: a}, {key: gone, path: g}]}}"
    pod = f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: ns}}
spec:
  volumes: [{volume}]
"""
    workflow = f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: w, namespace: ns}}
spec:
  volumes: [{volume}]
  templates:
    - not a template
    - {{name: t, volumes: [{volume}]}}
"""
    message = f"ConfigMap 'settings' has no key 'gone' (it has: a){TAIL}"
    assert findings(pod + CONFIGMAP % "a: '1'") == [("spec.volumes[0].configMap.items[2].key", message)]
    assert findings(workflow + CONFIGMAP % "a: '1'") == [
        ("spec.volumes[0].configMap.items[2].key", message),
        ("spec.templates[1].volumes[0].configMap.items[2].key", message)]


POD = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers: [{name: c, env: %s}]
"""


def test_each_reference_is_judged_on_its_own():
    # optional, templated, not rendered, present, without a name: none of them ends the look at the next one
    text = POD % env(cm("gone", more=", optional: true"), cm("'{{inputs.parameters.key}}'"),
                     cm("x", name="made-elsewhere"), cm("a"), "configMapKeyRef: {key: a}", cm("gone")) + \
        CONFIGMAP % "a: '1'"
    assert findings(text) == [("spec.containers[0].env[5].valueFrom.configMapKeyRef.key",
                               f"ConfigMap 'settings' has no key 'gone' (it has: a){TAIL}")]


def test_an_object_of_the_same_name_in_another_namespace_is_not_the_one_read():
    text = POD % env(cm("gone")) + (CONFIGMAP % "a: '1'").replace("namespace: ns", "namespace: elsewhere")
    assert findings(text) == []


@pytest.mark.parametrize("data,have", [
    ("", "no keys"),
    ("k1: '1', k2: '2', k3: '3', k4: '4', k5: '5', k6: '6', k7: '7', k8: '8'", "k1, k2, k3, k4, k5, k6, k7, k8"),
    ("k1: '1', k2: '2', k3: '3', k4: '4', k5: '5', k6: '6', k7: '7', k8: '8', k9: '9'",
     "k1, k2, k3, k4, k5, k6, k7, k8 ..."),
])
def test_the_finding_lists_up_to_eight_keys_the_object_has(data, have):
    assert findings(POD % env(cm("gone")) + CONFIGMAP % data) == [
        ("spec.containers[0].env[0].valueFrom.configMapKeyRef.key",
         f"ConfigMap 'settings' has no key 'gone' (it has: {have}){TAIL}")]
