"""POD-VOLUME-UNDECLARED beyond the fixtures: the words of a finding, every container group, hooks, libraries."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule


def findings(text: str) -> list[tuple[str, str, str]]:
    return [(h.ref, h.path, h.message) for h in run_rule("POD-VOLUME-UNDECLARED", context(rendered(text)))]


def test_every_container_group_of_a_pod_is_checked_against_its_volumes_and_claims():
    assert findings("""
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ns}
spec:
  volumeClaimTemplates: [{metadata: {name: data}}]
  template:
    spec:
      volumes: [{name: conf, configMap: {name: c}}]
      initContainers:
        - not a container
        - name: i
          volumeMounts: [{name: conf, mountPath: /c}, {name: data, mountPath: /d}, {name: cnof, mountPath: /x}]
      containers:
        - {name: m, volumeDevices: [{name: raw, devicePath: /dev/x}]}
      ephemeralContainers:
        - {name: e, volumeMounts: [{name: logs, mountPath: /l}]}
""") == [
        ("StatefulSet/ns/db", "spec.template.spec.initContainers[1].volumeMounts[2].name",
         "volumeMounts[2] names volume 'cnof', which the pod spec does not declare; did you mean 'conf'? "
         "(it has: conf, data)"),
        ("StatefulSet/ns/db", "spec.template.spec.containers[0].volumeDevices[0].name",
         "volumeDevices[0] names volume 'raw', which the pod spec does not declare (it has: conf, data)"),
        ("StatefulSet/ns/db", "spec.template.spec.ephemeralContainers[0].volumeMounts[0].name",
         "volumeMounts[0] names volume 'logs', which the pod spec does not declare (it has: conf, data)"),
    ]


def test_a_pod_without_volumes_says_it_has_none():
    assert findings("""
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers: [{name: m, volumeMounts: [{name: cache, mountPath: /c}]}]
""") == [("Pod/ns/p", "spec.containers[0].volumeMounts[0].name",
          "volumeMounts[0] names volume 'cache', which the pod spec does not declare (it has: none)")]


HOOKS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ns}
spec:
  entrypoint: main
  volumes: [{name: work, emptyDir: {}}]
  templates:
    - name: main
%s
    - {name: step, container: {image: "x:1"}}
    - {name: notify, container: {image: "x:1", volumeMounts: [{name: wrok, mountPath: /w}]}}
"""


def test_a_template_run_only_as_a_step_hook_or_a_task_hook_is_checked():
    steps = "      steps:\n        - - {name: s, template: step, hooks: {exit: {template: notify}}}"
    dag = "      dag:\n        tasks:\n          - {name: t, template: step, hooks: {exit: {template: notify}}}"
    for body in (steps, dag):
        assert findings(HOOKS % body) == [
            ("Workflow/ns/w", "spec.templates[2].container.volumeMounts[0].name",
             "volumeMounts[0] names volume 'wrok', which template 'notify' or its workflow does not declare; "
             "did you mean 'work'? (it has: work)")]


LIBRARY = """
apiVersion: argoproj.io/v1alpha1
kind: %(kind)s
metadata: {name: lib, namespace: ns}
spec:
  entrypoint: step
  volumes: [{name: own, emptyDir: {}}]
  templates:
    - {name: step, container: {image: "x:1", volumeMounts: [{name: shared, mountPath: /s}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: caller, namespace: ns}
spec:
  entrypoint: main
  volumes: [{name: shared, emptyDir: {}}]
  templates:
    - name: main
      steps:
        - - {name: s, templateRef: {name: %(ref)s, template: step%(scope)s}}
"""
OWN_FINDING = ("volumeMounts[0] names volume 'shared', which template 'step' or its workflow does not declare "
               "(it has: own)")


def test_a_template_object_another_workflow_calls_is_a_library_checked_through_its_caller():
    assert findings(LIBRARY % {"kind": "WorkflowTemplate", "ref": "lib", "scope": ""}) == []
    assert findings(LIBRARY % {"kind": "ClusterWorkflowTemplate", "ref": "lib", "scope": ", clusterScope: true"}) == []


def test_a_template_object_called_by_no_one_is_checked_on_its_own_volumes():
    for kind, ref, scope in [("WorkflowTemplate", "other-lib", ""),  # another name
                             ("WorkflowTemplate", "lib", ", clusterScope: true"),  # the cluster-scoped one
                             ("ClusterWorkflowTemplate", "lib", "")]:  # the namespaced one
        hits = findings(LIBRARY % {"kind": kind, "ref": ref, "scope": scope})
        assert (f"{kind}/ns/lib", "spec.templates[0].container.volumeMounts[0].name", OWN_FINDING) in hits, (kind, ref)


WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ns}
spec:
%s
"""


def mount(template: str, volume: str = "x", extra: str = "") -> str:
    return f'    - {{name: {template}, {extra}container: {{image: "x:1", volumeMounts: [{{name: {volume}, mountPath: /m}}]}}}}'


def reached(text: str) -> list[str]:
    """The templates (by path) whose undeclared mount the rule reports."""
    return [path.rsplit(".container", 1)[0] for _, path, _ in findings(text)]


def test_templates_run_by_the_workflows_own_hooks_and_exit_handler_are_checked():
    assert reached(WORKFLOW % "\n".join([
        "  entrypoint: main", "  onExit: bye", "  hooks: {running: {template: hooked}}", "  templates:",
        mount("main", "ok"), mount("bye"), mount("hooked"), mount("never-run"),
    ]).replace("volumeMounts: [{name: ok, mountPath: /m}]", "volumeMounts: []")) == [
        "spec.templates[2]", "spec.templates[1]"]


def test_a_step_or_task_exit_handler_is_run_and_checked():
    for body in ["      steps:\n        - - {name: s, template: work, onExit: bye}",
                 "      dag:\n        tasks:\n          - {name: t, template: work, onExit: bye}"]:
        assert reached(WORKFLOW % "\n".join([
            "  entrypoint: main", "  templates:", "    - name: main", body,
            '    - {name: work, container: {image: "x:1"}}', mount("bye")])) == ["spec.templates[2]"]


def test_a_recursive_template_is_walked_once():
    from itertools import islice

    from validation.rules import get

    text = WORKFLOW % "\n".join([
        "  entrypoint: loop", "  templates:", "    - name: loop",
        "      steps:\n        - - {name: again, template: loop}\n        - - {name: work, template: work}",
        mount("work")])
    rt = rendered(text)
    # a walk that revisits templates would never end: take a few more than the one finding there is
    assert len(list(islice(get("POD-VOLUME-UNDECLARED").check(rt.manifests[0], context(rt)), 3))) == 1


def test_a_call_that_resolves_to_nothing_or_an_inline_template_does_not_end_the_walk():
    for odd in ["{name: lost, template: no-such-template}",
                '{name: inline, inline: {container: {image: "x:1", volumeMounts: [{name: y, mountPath: /y}]}}}',
                "{name: patched, template: patched}"]:
        assert reached(WORKFLOW % "\n".join([
            "  entrypoint: main", "  templates:", "    - name: main",
            f"      steps:\n        - - {{name: bad, template: bad}}\n          - {odd}",  # the odd one is walked first
            mount("bad"), mount("patched", extra="podSpecPatch: '{}', ")])) == ["spec.templates[1]"], odd


def test_every_container_of_a_workflow_template_is_checked_with_the_words_of_the_finding():
    text = WORKFLOW % """  entrypoint: main
  volumes: [{name: work, emptyDir: {}}]
  templates:
    - name: main
      steps:
        - - {name: a, template: pod}
          - {name: b, template: set}
    - name: pod
      script: {image: "x:1", source: "true", volumeMounts: [{name: wrk, mountPath: /w}]}
      initContainers: [{name: i, volumeMounts: [{name: init, mountPath: /i}]}]
      sidecars: [{name: s, volumeDevices: [{name: side, devicePath: /dev/s}]}]
    - name: set
      containerSet:
        volumeMounts: [{name: shared, mountPath: /s}]
        containers:
          - {name: a, image: "x:1", volumeMounts: [{name: work, mountPath: /w}, {name: own, mountPath: /o}]}
"""
    said = "which template '{}' or its workflow does not declare"
    assert findings(text) == [
        ("Workflow/ns/w", "spec.templates[2].containerSet.volumeMounts[0].name",
         f"volumeMounts[0] names volume 'shared', {said.format('set')} (it has: work)"),
        ("Workflow/ns/w", "spec.templates[2].containerSet.containers[0].volumeMounts[1].name",
         f"volumeMounts[1] names volume 'own', {said.format('set')} (it has: work)"),
        ("Workflow/ns/w", "spec.templates[1].script.volumeMounts[0].name",
         f"volumeMounts[0] names volume 'wrk', {said.format('pod')}; did you mean 'work'? (it has: work)"),
        ("Workflow/ns/w", "spec.templates[1].initContainers[0].volumeMounts[0].name",
         f"volumeMounts[0] names volume 'init', {said.format('pod')} (it has: work)"),
        ("Workflow/ns/w", "spec.templates[1].sidecars[0].volumeDevices[0].name",
         f"volumeDevices[0] names volume 'side', {said.format('pod')} (it has: work)"),
    ]


def test_a_pod_spec_patch_on_the_workflow_may_add_volumes_so_nothing_is_said():
    assert findings(WORKFLOW % "\n".join([
        "  entrypoint: main", "  podSpecPatch: '{}'", "  templates:", mount("main")])) == []


@pytest.mark.parametrize("kind,spec", [
    ("ClusterWorkflowTemplate", ["  entrypoint: main"]),  # no volume of its own
    ("WorkflowTemplate", ["  entrypoint: main"]),
    ("WorkflowTemplate", ["  onExit: main", "  volumes: [{name: own, emptyDir: {}}]"]),  # no entrypoint
])
def test_a_template_object_without_an_entrypoint_or_a_volume_of_its_own_is_a_library(kind, spec):
    text = (WORKFLOW % "\n".join([*spec, "  templates:", mount("main")])).replace("kind: Workflow", f"kind: {kind}")
    assert findings(text) == []


LIB = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ns}
spec:
%s
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ns}
spec:
  workflowTemplateRef: {name: lib}
%s
"""


def test_a_workflow_runs_its_templates_entrypoint_exit_handler_and_hooks_unless_it_names_its_own():
    lib = "\n".join(["  entrypoint: main", "  onExit: bye", "  hooks: {h: {template: hooked}}", "  templates:",
                     mount("main"), mount("bye"), mount("hooked"),
                     mount("alt"), mount("alt-bye"), mount("alt-hooked")])
    assert reached(LIB % (lib, "  volumes: [{name: y, emptyDir: {}}]")) == [
        "spec.templates[2]", "spec.templates[1]", "spec.templates[0]"]
    own = "\n".join(["  entrypoint: alt", "  onExit: alt-bye", "  hooks: {h: {template: alt-hooked}}"])
    assert reached(LIB % (lib, own)) == ["spec.templates[5]", "spec.templates[4]", "spec.templates[3]"]
    assert {ref for ref, _, message in findings(LIB % (lib, own))} == {"WorkflowTemplate/ns/lib"}
    assert all(message.endswith("(run by Workflow 'w') or its workflow does not declare (it has: none)")
               for _, _, message in findings(LIB % (lib, own)))


def test_a_workflow_counts_its_templates_volumes_and_a_mount_its_template_reports_itself_is_said_once():
    lib = "\n".join(["  entrypoint: main", "  volumes: [{name: data, emptyDir: {}}]",
                     "  volumeClaimTemplates: [{metadata: {name: claim}}]", "  templates:",
                     '    - {name: main, container: {image: "x:1", volumeMounts: '
                     "[{name: data, mountPath: /d}, {name: claim, mountPath: /c}, {name: extra, mountPath: /e}]}}"])
    assert findings(LIB % (lib, "  volumes: [{name: extra, emptyDir: {}}]")) == [
        ("WorkflowTemplate/ns/lib", "spec.templates[0].container.volumeMounts[2].name",
         "volumeMounts[2] names volume 'extra', which template 'main' or its workflow does not declare "
         "(it has: claim, data)")]
    assert findings(LIB % (lib, "  arguments: {}")) == [  # the Workflow adds nothing: the template's own finding
        ("WorkflowTemplate/ns/lib", "spec.templates[0].container.volumeMounts[2].name",
         "volumeMounts[2] names volume 'extra', which template 'main' or its workflow does not declare "
         "(it has: claim, data)")]


def test_a_workflow_reports_what_its_template_does_not_run_or_cannot_report():
    lib = "\n".join(["  entrypoint: main", "  volumes: [{name: data, emptyDir: {}}]", "  templates:",
                     mount("main", "data"), mount("other")])
    # the template's own run never reaches `other`: the Workflow that runs it says so
    assert findings(LIB % (lib, "  entrypoint: other")) == [
        ("WorkflowTemplate/ns/lib", "spec.templates[1].container.volumeMounts[0].name",
         "volumeMounts[0] names volume 'x', which template 'other' (run by Workflow 'w') or its workflow does not "
         "declare (it has: data)")]
    # a template without volumes of its own is a library: it reports nothing, the Workflow does
    library = "\n".join(["  entrypoint: main", "  templates:", mount("main")])
    assert [ref for ref, _, _ in findings(LIB % (library, "  arguments: {}"))] == ["WorkflowTemplate/ns/lib"]


def test_a_template_with_a_pod_spec_patch_is_not_checked_through_the_workflow_that_runs_it():
    lib = "\n".join(["  entrypoint: main", "  podSpecPatch: '{}'", "  templates:", mount("main")])
    assert findings(LIB % (lib, "  arguments: {}")) == []


def test_odd_entries_and_a_templated_mount_name_are_passed_over():
    assert findings("""
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ns}
spec:
  volumeClaimTemplates: [not a claim, {metadata: {}}]
  template:
    spec:
      volumes: [not a volume, {emptyDir: {}}, {name: data, emptyDir: {}}]
      containers:
        - name: m
          volumeMounts: [not a mount, {name: 3, mountPath: /n}, {name: "{{inputs.parameters.v}}", mountPath: /t},
                         {name: data, mountPath: /d}, {name: None, mountPath: /x}]
""") == [("StatefulSet/ns/db", "spec.template.spec.containers[0].volumeMounts[4].name",
          "volumeMounts[4] names volume 'None', which the pod spec does not declare (it has: data)")]


def test_a_template_called_by_templateref_calls_its_neighbours_by_name_in_its_own_object():
    text = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ns}
spec:
  templates:
    - name: outer
      steps:
        - - {name: s, template: inner}
    - {name: inner, container: {image: "x:1", volumeMounts: [{name: x, mountPath: /x}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ns}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: s, templateRef: {name: lib, template: outer}}
    - {name: inner, container: {image: "x:1"}}
"""
    assert findings(text) == [
        ("WorkflowTemplate/ns/lib", "spec.templates[1].container.volumeMounts[0].name",
         "volumeMounts[0] names volume 'x', which template 'inner' (run by Workflow 'w') or its workflow does not "
         "declare (it has: none)")]


def test_a_workflow_adds_its_own_volumes_to_those_of_the_template_it_runs():
    library = "\n".join(["  entrypoint: main", "  templates:", mount("main")])
    assert findings(LIB % (library, "  volumes: [{name: x, emptyDir: {}}]")) == []


def test_a_template_object_with_volumes_reports_its_own_mount_and_the_workflow_running_it_does_not():
    lib = "\n".join(["  entrypoint: main", "  volumes: [{name: data, emptyDir: {}}]", "  templates:", mount("main")])
    assert findings(LIB % (lib, "  arguments: {}")) == [
        ("WorkflowTemplate/ns/lib", "spec.templates[0].container.volumeMounts[0].name",
         "volumeMounts[0] names volume 'x', which template 'main' or its workflow does not declare (it has: data)")]
