"""ARGO-VAR scoping: which tasks, steps, inputs and loop items a `{{...}}` tag may read, where it stands."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule

VAR_RULES = ("ARGO-VAR-UNDECLARED", "ARGO-VAR-WORKFLOW-PARAMETER", "ARGO-VAR-OUTPUT-REF", "ARGO-VAR-ITEM-OUTSIDE-LOOP",
             "ARGO-VAR-UNKNOWN", "ARGO-VAR-UNKNOWN-PREFIX")


def findings(text: str) -> list[tuple[str, str, str]]:
    ctx = context(rendered(text, "dev"))
    return [(rid, h.path, h.message) for rid in VAR_RULES for h in run_rule(rid, ctx)]


DAG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: dag-}
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - {name: a, template: produce}
          - {name: b, template: produce}
          - name: c
            template: consume
            %s
            arguments: {parameters: [{name: msg, value: "{{tasks.b.outputs.result}}"}]}
    - name: produce
      script: {image: "alpine:3.20", command: [sh], source: echo hi}
    - name: consume
      inputs: {parameters: [{name: msg}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.msg}}"]}
"""
C_ARGUMENT = "spec.templates[0].dag.tasks[2].arguments.parameters[0].value"


@pytest.mark.parametrize("upstream", ["depends: a", "depends: a.Succeeded", "dependencies: [a]"])
def test_a_task_may_not_read_a_task_it_does_not_depend_on(upstream):
    assert [(rid, path) for rid, path, _ in findings(DAG % upstream)] == [("ARGO-VAR-OUTPUT-REF", C_ARGUMENT)]


@pytest.mark.parametrize("upstream", ["depends: a && b", "dependencies: [a, b]"])
def test_a_task_may_read_the_tasks_it_depends_on(upstream):
    assert findings(DAG % upstream) == []


@pytest.mark.parametrize("upstream", ["depends: nope", "depends: \"a |\"", "dependencies: [nope]"])
def test_upstream_is_not_guessed_when_a_task_names_a_missing_task_or_its_depends_does_not_parse(upstream):
    """ARGO-DAG-DEPENDENCY-MISSING / ARGO-DAG-DEPENDS-SYNTAX report the broken edge; the reader is not blamed too."""
    assert findings(DAG % upstream) == []


def test_the_same_mistake_twice_in_one_string_is_one_finding():
    text = DAG.replace('"{{inputs.parameters.msg}}"', '"{{inputs.parameters.nope}} {{inputs.parameters.nope}}"')
    assert [rid for rid, _, _ in findings(text % "depends: b")] == ["ARGO-VAR-UNDECLARED"]


STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: steps-}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: fan-out
            template: echo
            %s
            arguments: {parameters: [{name: msg, value: "{{item}}"}]}
            hooks:
              running:
                expression: steps['fan-out'].status == "Running"
                template: echo
                arguments: {parameters: [{name: msg, value: "started {{item}}"}]}
    - name: echo
      inputs: {parameters: [{name: msg}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.msg}}"]}
"""


def test_a_looped_step_and_its_hooks_read_the_item():
    """Argo substitutes the item into the whole step, hooks included (expandStep marshals the step without its
    loop fields, then replaces {{item}} in it)."""
    assert findings(STEPS % "withItems: [a, b]") == []


def test_a_step_without_a_loop_has_no_item():
    assert sorted(path for rid, path, _ in findings(STEPS % "") if rid == "ARGO-VAR-ITEM-OUTSIDE-LOOP") == [
        "spec.templates[0].steps[0][0].arguments.parameters[0].value",
        "spec.templates[0].steps[0][0].hooks.running.arguments.parameters[0].value",
    ]


LOOP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: loop-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: shards, value: "[1, 2]"}]}
  templates:
    - name: main
      inputs: {parameters: [{name: shards, value: "{{workflow.parameters.shards}}"}]}
      dag:
        tasks:
          - {name: a, template: produce}
          - {name: b, template: produce}
          - {name: c, template: echo, depends: a, withParam: "%s",
             arguments: {parameters: [{name: msg, value: "{{item}}"}]}}
    - name: produce
      outputs: {parameters: [{name: list, valueFrom: {path: /tmp/list.json}}]}
      script: {image: "alpine:3.20", command: [sh], source: "echo [1] > /tmp/list.json"}
    - name: echo
      inputs: {parameters: [{name: msg}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.msg}}"]}
"""
WITH_PARAM = "spec.templates[0].dag.tasks[2].withParam"


@pytest.mark.parametrize("expression", ["{{tasks.a.outputs.result}}", "{{tasks.a.outputs.parameters.list}}",
                                        "{{inputs.parameters.shards}}", "{{workflow.parameters.shards}}"])
def test_with_param_reads_the_template_s_inputs_and_its_upstream_tasks(expression):
    assert findings(LOOP % expression) == []


@pytest.mark.parametrize("expression,rule_id,message", [
    # withParam is resolved before the loop exists: there is no item yet
    ("{{item.children}}", "ARGO-VAR-ITEM-OUTSIDE-LOOP", "is only defined in a step or task with"),
    ("{{tasks.b.outputs.result}}", "ARGO-VAR-OUTPUT-REF", "must be an ancestor"),
    ("{{tasks.a.outputs.parameters.lists}}", "ARGO-VAR-OUTPUT-REF", "declares no output parameter 'lists'"),
])
def test_with_param_is_checked_in_the_scope_of_its_task_without_an_item(expression, rule_id, message):
    hits = findings(LOOP % expression)
    assert [(rid, path) for rid, path, _ in hits] == [(rule_id, WITH_PARAM)]
    assert message in hits[0][2]


def test_an_inline_template_reads_its_own_inputs():
    text = DAG.replace("""          - name: c
            template: consume""", """          - name: c
            inline:
              inputs: {parameters: [{name: greeting}]}
              container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.greeting}}"]}""")
    text = text.replace('{name: msg, value: "{{tasks.b.outputs.result}}"}', '{name: greeting, value: hi}')
    assert findings(text % "depends: b") == []


METRICS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: metrics-}
spec:
  entrypoint: main
  metrics:
    prometheus:
      - {name: wf_result, help: result, labels: [{key: status, value: "{{status}}"}], counter: {value: "1"}}
  templates:
    - name: main
      metrics:
        prometheus:
          - {name: dag_result, help: result, labels: [{key: status, value: "{{status}}"}],
             gauge: {value: "%s"}}
      dag:
        tasks:
          - {name: a, template: produce}
    - name: produce
      inputs: {parameters: [{name: size, default: "1"}]}
      outputs: {parameters: [{name: score, valueFrom: {path: /tmp/score}}]}
      metrics:
        prometheus:
          - {name: score, help: score, labels: [{key: size, value: "{{inputs.parameters.size}}"}],
             gauge: {value: "{{outputs.parameters.score}}"}}
      script: {image: "alpine:3.20", command: [sh], source: "echo 1 > /tmp/score"}
"""
DAG_METRIC = "spec.templates[0].metrics.prometheus[0].gauge.value"


def test_metrics_read_status_duration_and_their_template_s_inputs_and_outputs():
    """Argo's metric scope: the global variables plus status, duration (and resourcesDuration); a template's
    metrics also read its own inputs and outputs (prepareDefaultMetricScope / prepareMetricScope)."""
    assert findings(METRICS % "{{duration}}") == []


@pytest.mark.parametrize("expression,rule_id,message", [
    ("{{inputs.parameters.size}}", "ARGO-VAR-UNDECLARED", "declares no input parameter 'size'"),
    ("{{tasks.a.outputs.parameters.scores}}", "ARGO-VAR-OUTPUT-REF", "declares no output parameter 'scores'"),
    ("{{workflow.nmae}}", "ARGO-VAR-UNKNOWN", "no workflow variable 'nmae'"),
])
def test_a_template_s_metrics_are_checked_in_its_scope(expression, rule_id, message):
    hits = findings(METRICS % expression)
    assert [(rid, path) for rid, path, _ in hits] == [(rule_id, DAG_METRIC)]
    assert message in hits[0][2]


HOOKS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: hooks-}
spec:
  entrypoint: t
  arguments: {parameters: [{name: p, value: "1"}]}
  hooks:
    exit: {template: t, arguments: {parameters: [{name: p, value: "{{workflow.parameters.p}}"}]}}
    running:
      expression: workflow.status == "Running"
      template: t
      arguments: {parameters: [{name: p, value: "%s"}]}
  templates:
    - name: t
      inputs: {parameters: [{name: p}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.p}}"]}
"""


@pytest.mark.parametrize("expression,rule_id", [("{{inputs.parameters.p}}", "ARGO-VAR-UNKNOWN"),
                                                ("{{workflow.parameters.q}}", "ARGO-VAR-WORKFLOW-PARAMETER")])
def test_every_workflow_level_hook_is_checked_in_the_workflow_s_scope(expression, rule_id):
    assert [(rid, path) for rid, path, _ in findings(HOOKS % expression)] == [
        (rule_id, "spec.hooks.running.arguments.parameters[0].value")]


SPEC = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: spec-}
spec:
  entrypoint: t
  podMetadata: {annotations: {run: "%s"}}
  templateDefaults: {activeDeadlineSeconds: "{{inputs.parameters.deadline}}"}
  templates:
    - name: t
      inputs: {parameters: [{name: deadline, default: "60"}]}
      container: {image: "alpine:3.20", command: [echo, hi]}
"""


def test_template_defaults_are_read_in_each_template_s_scope_not_the_workflow_s():
    assert findings(SPEC % "{{workflow.name}}") == []


@pytest.mark.parametrize("expression,rule_id,message", [
    ("{{workflow.nmae}}", "ARGO-VAR-UNKNOWN", "no workflow variable 'nmae'"),
    ("{{inputs.parameters.deadline}}", "ARGO-VAR-UNKNOWN", "inputs.* is only defined inside a template"),
])
def test_the_workflow_spec_outside_its_templates_has_only_workflow_variables(expression, rule_id, message):
    hits = findings(SPEC % expression)
    assert [(rid, path) for rid, path, _ in hits] == [(rule_id, "spec.podMetadata.annotations.run")]
    assert message in hits[0][2]


def test_spec_volumes_read_the_tasks_of_every_dag_template():
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: volumes-}
spec:
  entrypoint: main
  volumes: [{name: cfg, configMap: {name: "{{tasks.producer.outputs.result}}", optional: true}}]
  templates:
    - name: main
      dag: {tasks: [{name: producer, template: t}, {name: other, template: side, depends: producer}]}
    - name: side
      dag: {tasks: [{name: helper, template: t}]}
    - name: t
      script: {image: "alpine:3.20", command: [sh], source: echo hi}
"""
    assert findings(text) == []
    assert [rid for rid, _, _ in findings(text.replace("tasks.producer", "tasks.nope"))] == ["ARGO-VAR-OUTPUT-REF"]


VOLUME = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: volume-input-}
spec:
  entrypoint: main
  volumes:
    - name: workdir
      persistentVolumeClaim: {claimName: "{{inputs.parameters.claim}}"}
    - {name: scratch, emptyDir: {}}
  templates:
    - name: main
      steps: [[{name: use, template: use, arguments: {parameters: [{name: claim, value: data-a}]}}]]
    - name: use
      inputs: {parameters: [{name: claim}]}
      container: {image: "busybox:1.36", command: [ls, /work], volumeMounts: [{name: workdir, mountPath: /work}]}
    - name: other
      container: {image: "busybox:1.36", command: [ls, /tmp], volumeMounts: [{name: scratch, mountPath: /tmp}]}
    - name: lacking
%s
"""
MOUNT = "[{name: workdir, mountPath: /work}]"


@pytest.mark.parametrize("pod", [
    f"      script: {{image: 'busybox:1.36', command: [sh], source: ls, volumeMounts: {MOUNT}}}",
    f"      container: {{image: 'busybox:1.36', command: [ls]}}\n      initContainers: [{{name: i, image: 'busybox:1.36', volumeMounts: {MOUNT}}}]",
    f"      container: {{image: 'busybox:1.36', command: [ls]}}\n      sidecars: [{{name: s, image: 'busybox:1.36', volumeMounts: {MOUNT}}}]",
    f"      containerSet: {{containers: [{{name: c, image: 'busybox:1.36', volumeMounts: {MOUNT}}}]}}",
])
def test_a_template_mounting_a_spec_volume_from_any_of_its_containers_must_declare_what_it_reads(pod):
    hits = findings(VOLUME % pod)
    assert [(rid, path) for rid, path, _ in hits] == [
        ("ARGO-VAR-UNDECLARED", "spec.volumes[0].persistentVolumeClaim.claimName")]
    assert "template 'lacking' mounts this volume but declares no input parameter 'claim'" in hits[0][2]


def test_a_template_mounting_only_another_volume_need_not_declare_what_a_spec_volume_reads():
    assert findings(VOLUME % "      container: {image: 'busybox:1.36', command: [ls]}") == []


def test_templates_mounting_a_spec_volume_without_its_input_are_named_together():
    pod = f"      container: {{image: 'busybox:1.36', command: [ls], volumeMounts: {MOUNT}}}"
    text = (VOLUME % pod).replace("    - name: use\n      inputs: {parameters: [{name: claim}]}\n", "    - name: use\n")
    assert [(rid, message) for rid, _, message in findings(text)] == [(
        "ARGO-VAR-UNDECLARED", "{{inputs.parameters.claim}}: templates 'use', 'lacking' mount this volume but declare "
                               "no input parameter 'claim', so their pods get the text as it is")]


def test_a_spec_volume_reads_only_input_parameters():
    pod = "      container: {image: 'busybox:1.36', command: [ls]}"
    text = (VOLUME % pod).replace("{{inputs.parameters.claim}}", "{{inputs.artifacts.claim}}")
    assert [(rid, message) for rid, _, message in findings(text)] == [(
        "ARGO-VAR-UNKNOWN", "{{inputs.artifacts.claim}}: in spec.volumes Argo substitutes only inputs.parameters.NAME, "
                            "from the template whose pod mounts the volume")]


def test_the_parameters_of_every_event_binding_that_submits_a_template_are_declared():
    text = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowEventBinding
metadata: {name: on-push}
spec:
  event: {selector: payload.ref != ""}
  submit:
    workflowTemplateRef: {name: build}
    arguments: {parameters: [{name: ref, valueFrom: {event: payload.ref}}]}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowEventBinding
metadata: {name: on-tag}
spec:
  event: {selector: payload.tag != ""}
  submit:
    workflowTemplateRef: {name: build}
    arguments: {parameters: [{name: tag, valueFrom: {event: payload.tag}}]}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: build}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: "busybox:1.36", command: [echo, "%s"]}
"""
    assert findings(text % "{{workflow.parameters.ref}} {{workflow.parameters.tag}}") == []
    assert [rid for rid, _, _ in findings(text % "{{workflow.parameters.branch}}")] == ["ARGO-VAR-WORKFLOW-PARAMETER"]


GLOBALS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: global-}
spec:
  entrypoint: main
  onExit: report
  arguments: {parameters: [{name: region, value: eu, globalName: exported-region}]}
  templates:
    - name: main
      steps: [[{name: make, template: make, arguments: {parameters: [{name: vehicle, value: car}]}}]]
    - name: make
      inputs: {parameters: [{name: vehicle}]}
      outputs:
        parameters:
          - {name: result, valueFrom: {path: /tmp/result}, globalName: "result-{{inputs.parameters.vehicle}}"}
      container: {image: "busybox:1.36", command: [sh, -c, "echo made > /tmp/result"]}
    - name: report
      container: {image: "busybox:1.36", command: [echo, "%s"]}
"""


@pytest.mark.parametrize("variable,global_name", [
    ("workflow.outputs.parameters.exported-region", "made"),  # a workflow argument's globalName
    ("workflow.outputs.parameters.made", "made"),
    # named at run time from an input: any name is accepted
    ("workflow.outputs.parameters.result-car", '"result-{{inputs.parameters.vehicle}}"'),
])
def test_global_outputs_come_from_workflow_arguments_and_outputs(variable, global_name):
    text = (GLOBALS % ("{{" + variable + "}}")).replace('"result-{{inputs.parameters.vehicle}}"', global_name)
    assert findings(text) == []


def test_a_global_output_no_template_or_argument_exports_is_a_finding():
    text = (GLOBALS % "{{workflow.outputs.parameters.nope}}").replace('"result-{{inputs.parameters.vehicle}}"', "made")
    assert [(rid, message) for rid, _, message in findings(text)] == [(
        "ARGO-VAR-UNDECLARED", "{{workflow.outputs.parameters.nope}}: no template exports a global output (globalName) "
                               "called 'nope'")]


TEMPLATE_AND_RUNS = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: train}
spec:
  entrypoint: main
  arguments: {parameters: [{name: epochs, value: "3"}]}
  templates:
    - name: main
      container: {image: "busybox:1.36", command: [echo, "%s"]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: train-small-}
spec:
  arguments: {parameters: [{name: rows, value: "100"}]}
  workflowTemplateRef: {name: train}
  podMetadata: {annotations: {run: "%s"}}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: train-gpu-}
spec:
  arguments: {parameters: [{name: gpus, value: "1"}]}
  workflowTemplateRef: {name: train}
"""


def test_a_workflow_reads_its_own_arguments_and_those_of_the_template_it_runs():
    assert findings(TEMPLATE_AND_RUNS % ("{{workflow.parameters.epochs}}",
                                         "{{workflow.parameters.rows}} {{workflow.parameters.epochs}}")) == []
    hits = findings(TEMPLATE_AND_RUNS % ("{{workflow.parameters.epochs}}", "{{workflow.parameters.gpus}}"))
    assert [(rid, path) for rid, path, _ in hits] == [("ARGO-VAR-WORKFLOW-PARAMETER", "spec.podMetadata.annotations.run")]


def test_a_template_reads_what_any_of_the_workflows_running_it_passes():
    text = TEMPLATE_AND_RUNS % ("{{workflow.parameters.rows}} {{workflow.parameters.gpus}}", "{{workflow.name}}")
    assert findings(text) == []
    text = TEMPLATE_AND_RUNS % ("{{workflow.parameters.cpus}}", "{{workflow.name}}")
    assert [(rid, path) for rid, path, _ in findings(text)] == [
        ("ARGO-VAR-WORKFLOW-PARAMETER", "spec.templates[0].container.command[1]")]


def test_an_output_artifact_without_a_name_is_not_among_the_declared_ones():
    text = (DAG % "depends: b").replace("{{tasks.b.outputs.result}}", "{{tasks.b.outputs.artifacts.model}}").replace(
        "    - name: produce\n", "    - name: produce\n      outputs: {artifacts: [{path: /tmp/model}]}\n")
    assert findings(text) == [("ARGO-VAR-OUTPUT-REF", C_ARGUMENT,
                               "{{tasks.b.outputs.artifacts.model}}: the template task 'b' runs declares no output "
                               "artifact 'model' (declared: none)")]


def test_an_output_parameter_without_a_name_is_not_among_the_declared_ones():
    nameless = "    - name: produce\n      outputs: {parameters: [{valueFrom: {path: /tmp/score}}]}\n"
    text = (DAG % "depends: b").replace("{{tasks.b.outputs.result}}", "{{tasks.b.outputs.parameters.score}}")
    text = text.replace("    - name: produce\n", nameless)
    assert findings(text) == [("ARGO-VAR-OUTPUT-REF", C_ARGUMENT,
                               "{{tasks.b.outputs.parameters.score}}: the template task 'b' runs declares no output "
                               "parameter 'score' (declared: none)")]


ONE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: one-}
spec:
  entrypoint: main
  volumes:
    - {name: v, configMap: {name: "%s"}}
  templates:
    - name: main
      inputs: {parameters: [{name: a}, {name: b}]}
      outputs: {parameters: [{name: x, valueFrom: {path: /tmp/x}}]}
      container: {image: "alpine:3.20", args: ["%s"], volumeMounts: [{name: v, mountPath: /v}]}
"""
ARG = "spec.templates[0].container.args[0]"


@pytest.mark.parametrize("tag,expected", [
    ("{{inputs}}", [("ARGO-VAR-UNKNOWN", "{{inputs}}: expected inputs.parameters or inputs.artifacts")]),
    ("{{inputs.foo}}", [("ARGO-VAR-UNKNOWN", "{{inputs.foo}}: expected inputs.parameters or inputs.artifacts")]),
    ("{{inputs.result}}", [("ARGO-VAR-UNKNOWN", "{{inputs.result}}: expected inputs.parameters or inputs.artifacts")]),
    ("{{outputs.result}}", []),
    ("{{inputs.artifacts.data}}",
     [("ARGO-VAR-UNDECLARED", "{{inputs.artifacts.data}}: the template declares no input artifact 'data' "
                              "(declared: none)")]),
    ("{{inputs.parameters.c}}",
     [("ARGO-VAR-UNDECLARED", "{{inputs.parameters.c}}: the template declares no input parameter 'c' "
                              "(declared: a, b)")]),
    ("{{outputs.parameters.y}}",
     [("ARGO-VAR-UNDECLARED", "{{outputs.parameters.y}}: the template declares no output parameter 'y' "
                              "(declared: x)")]),
    ("{{outputs.artifacts.model}}",
     [("ARGO-VAR-UNDECLARED", "{{outputs.artifacts.model}}: the template declares no output artifact 'model' "
                              "(declared: none)")]),
    ("{{tasks.a}}", [("ARGO-VAR-UNKNOWN", "{{tasks.a}}: expected tasks.NAME.FIELD")]),
    ("{{tasks.a.outputs.result}}", [("ARGO-VAR-OUTPUT-REF", "{{tasks.a.outputs.result}}: tasks.* refers to DAG "
                                                            "tasks, but this is not inside a DAG template")]),
    ("{{steps.a.outputs.result}}", [("ARGO-VAR-OUTPUT-REF", "{{steps.a.outputs.result}}: steps.* refers to steps, "
                                                            "but this is not inside a steps template")]),
])
def test_what_a_template_tag_of_inputs_outputs_or_tasks_is_told(tag, expected):
    assert [(rid, msg) for rid, path, msg in findings(ONE % ("settings", tag)) if path == ARG] == expected


def test_a_tasks_or_steps_tag_needs_a_name_and_a_field_and_a_spec_volume_may_read_only_real_ones():
    wf = ONE.replace("container: {image", "dag: {tasks: [{name: name, template: leaf}, {name: b, template: leaf}]}\n"
                                          "    - name: leaf\n      container: {image")
    args = "spec.templates[1].container.args[0]"
    assert [(r, m) for r, p, m in findings(wf % ("settings", "x")) if p != args] == []
    volume = "spec.volumes[0].configMap.name"
    assert [(r, m) for r, p, m in findings(wf % ("{{tasks.b}}", "x")) if p == volume] == [
        ("ARGO-VAR-UNKNOWN", "{{tasks.b}}: expected tasks.NAME.FIELD")]
    assert [(r, m) for r, p, m in findings(wf % ("{{tasks.nope.outputs.result}}", "x")) if p == volume] == [
        ("ARGO-VAR-OUTPUT-REF", "{{tasks.nope.outputs.result}}: no DAG template has a task 'nope'")]
    assert [(r, m) for r, p, m in findings(wf % ("{{steps.nope.outputs.result}}", "x")) if p == volume] == [
        ("ARGO-VAR-OUTPUT-REF", "{{steps.nope.outputs.result}}: no steps template has a step 'nope'")]
    # A task may be called `name`: only tasks.name alone is the running task's own name.
    assert [(r, m) for r, p, m in findings(wf % ("{{tasks.name.bogus}}", "x")) if p == volume] == [
        ("ARGO-VAR-UNKNOWN", "{{tasks.name.bogus}}: tasks.NAME has no field 'bogus'")]


@pytest.mark.parametrize("tag,rule,said", [
    ("{{tasks.nope.outputs.result}}", "ARGO-VAR-OUTPUT-REF", "there is no task 'nope' in this template"),
    ("{{tasks.b.bogus}}", "ARGO-VAR-UNKNOWN", "tasks.NAME has no field 'bogus'"),
    ("{{tasks.b.outputs}}", "ARGO-VAR-UNKNOWN",
     "expected outputs.parameters.NAME, outputs.artifacts.NAME or outputs.result"),
    ("{{tasks.b.outputs.parameters.z}}", "ARGO-VAR-OUTPUT-REF",
     "the template task 'b' runs declares no output parameter 'z' (declared: x, y)"),
])
def test_a_tasks_tag_in_a_dag_names_a_task_of_it_and_a_field_a_task_has(tag, rule, said):
    text = (DAG % "depends: b").replace("{{tasks.b.outputs.result}}", tag).replace(
        "    - name: produce\n", "    - name: produce\n      outputs: {parameters: [{name: x}, {name: y}]}\n")
    assert findings(text) == [(rule, C_ARGUMENT, f"{tag}: {said}")]


@pytest.mark.parametrize("field", ["outputs.result", "exitCode"])
def test_a_tasks_result_and_exit_code_need_no_declaration(field):
    assert findings((DAG % "depends: b").replace("outputs.result", field)) == []


@pytest.mark.parametrize("tag,said", [
    # Argo's validator scopes tasks.NAME.outputs.result and tasks.NAME.exitCode whole: it fails to resolve these
    ("{{tasks.b.outputs.result.y}}", "outputs.result is the whole output, with no fields; read one in an expression "
                                     "({{=jsonpath(...)}})"),
    ("{{tasks.b.outputs.exitCode}}", "expected outputs.parameters.NAME, outputs.artifacts.NAME or outputs.result "
                                     "(the exit code is tasks.b.exitCode)"),
    ("{{tasks.b.outputs.exitCode.y}}", "expected outputs.parameters.NAME, outputs.artifacts.NAME or outputs.result "
                                       "(the exit code is tasks.b.exitCode)"),
])
def test_a_tasks_result_has_no_fields_and_its_exit_code_is_not_an_output(tag, said):
    text = (DAG % "depends: b").replace("{{tasks.b.outputs.result}}", tag)
    assert findings(text) == [("ARGO-VAR-UNKNOWN", C_ARGUMENT, f"{tag}: {said}")]
    step_tag, step_said = tag.replace("tasks.b", "steps.first"), said.replace("tasks.b", "steps.first")
    steps = DAG.split("    - name: main\n")[0] + f"""\
    - name: main
      steps:
        - - {{name: first, template: produce}}
        - - name: second
            template: consume
            arguments: {{parameters: [{{name: msg, value: "{step_tag}"}}]}}
""" + "    - name: produce\n" + DAG.split("    - name: produce\n")[1]
    assert findings(steps) == [
        ("ARGO-VAR-UNKNOWN", "spec.templates[0].steps[1][0].arguments.parameters[0].value", f"{step_tag}: {step_said}")]
    assert findings(steps.replace(step_tag, "{{steps.first.outputs.result}}")) == []
