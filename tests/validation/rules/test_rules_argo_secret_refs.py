"""A parameter whose value names a Secret (secret_refs.py), as ENV-CREDENTIALS sees it: a literal under a
credential-like name is no finding only when every use, followed through the steps, workflowTemplateRefs and
templateRefs that pass it on, names a Secret or a key in one."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule

from validation.config import Config, from_table
from validation.rules.argo.secret_refs import is_secret_field, names_a_secret

SECRET_USE = "env: [{name: T, valueFrom: {secretKeyRef: {name: '{{inputs.parameters.%s}}', key: token}}}]"
PLAIN_USE = "env: [{name: T, value: '{{inputs.parameters.%s}}'}]"


def _found(text: str, others: tuple[str, ...] = (), **config) -> list[str]:
    """The paths ENV-CREDENTIALS reports in the first target."""
    main = rendered(text)
    cfg = from_table(config, Config(root=context(main).repo_root)) if config else None
    ctx = context(main, config=cfg, others=[rendered(o, name=f"other{i}") for i, o in enumerate(others)])
    return [h.path for h in run_rule("ENV-CREDENTIALS", ctx)]


# --- a workflow's arguments ----------------------------------------------------------------------------------------

LIB = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      inputs: {parameters: [{name: tokenSecret}]}
      container: {image: "python:3.11.9-slim", %s}
    - name: debug
      inputs: {parameters: [{name: tokenSecret}]}
      container: {image: "python:3.11.9-slim", %s}
---
""" % (SECRET_USE % "tokenSecret", PLAIN_USE % "tokenSecret")

BY_REF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: lib}
  arguments:
    parameters: [{name: tokenSecret, value: registry-token}]
"""
ARG = "spec.arguments.parameters[0].value"


def test_a_workflow_argument_reaches_the_entrypoint_of_its_workflow_template_ref():
    # lib's entrypoint reads it from a secretKeyRef; its other template, not run, would show it.
    assert _found(LIB + BY_REF) == []
    assert _found(LIB.replace("entrypoint: main", "entrypoint: debug") + BY_REF) == [ARG]
    # Not rendered: nothing says how it is used, so it stays a possible credential.
    assert _found(BY_REF) == [ARG]


def test_the_workflows_own_entrypoint_wins_over_its_workflow_template_refs():
    picks_main = BY_REF.replace("  workflowTemplateRef:", "  entrypoint: main\n  workflowTemplateRef:")
    assert _found(LIB.replace("entrypoint: main", "entrypoint: debug") + picks_main) == []
    assert _found(LIB + picks_main.replace("entrypoint: main", "entrypoint: debug")) == [ARG]


def test_a_library_template_without_an_entrypoint_may_start_at_any_of_its_templates():
    lib = LIB.replace("  entrypoint: main\n", "  arguments:\n    parameters: [{name: tokenSecret, value: registry-token}]\n")
    assert _found(lib) == [ARG]  # debug may be the one submitted
    idle = "    - {name: idle, container: {image: \"python:3.11.9-slim\"}}\n---\n"
    only_main = lib.split("    - name: debug")[0] + idle
    assert _found(only_main) == []


WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  arguments:
    parameters: [{name: tokenSecret, value: registry-token}]
  templates:
"""


def test_a_workflow_argument_used_both_to_name_a_secret_and_as_a_value_is_a_credential():
    both = WF + """
    - name: main
      container:
        image: python:3.11.9-slim
        env:
          - {name: T, valueFrom: {secretKeyRef: {name: '{{workflow.parameters.tokenSecret}}', key: token}}}
          - {name: SHOWN, value: '{{workflow.parameters.tokenSecret}}'}
"""
    assert _found(both) == [ARG]
    assert _found(both.split("          - {name: SHOWN")[0]) == []
    # The entrypoint's input of the same name is the same value.
    entry_input = both.replace("{name: SHOWN, value: '{{workflow.parameters.tokenSecret}}'}",
                               "{name: SHOWN, value: '{{inputs.parameters.tokenSecret}}'}").replace(
        "    - name: main\n", "    - name: main\n      inputs: {parameters: [{name: tokenSecret}]}\n")
    assert _found(entry_input) == [ARG]


def test_a_workflow_argument_passed_on_by_a_step_is_judged_by_the_called_template():
    passed = WF + """
    - name: main
      steps:
        - - name: push
            template: push
            arguments: {parameters: [{name: secret, value: '{{workflow.parameters.tokenSecret}}'}]}
    - name: push
      inputs: {parameters: [{name: secret}]}
      container: {image: "python:3.11.9-slim", %s}
"""
    assert _found(passed % (SECRET_USE % "secret")) == []
    assert _found(passed % (PLAIN_USE % "secret")) == [ARG]


def test_a_name_and_value_pair_in_a_steps_with_items_is_data_not_an_argument():
    # Argo passes a withItems item on only as {{item...}}: the pair named `secret` does not become push's input
    # `secret` (which names a Secret); the value reaches the input `shown`, which shows it.
    looped = WF + """
    - name: main
      steps:
        - - name: push
            template: push
            withItems: [{cfg: {name: secret, value: '{{workflow.parameters.tokenSecret}}'}}]
            arguments:
              parameters: [{name: secret, value: registry-secret}, {name: shown, value: '{{item.cfg.value}}'}]
    - name: push
      inputs: {parameters: [{name: secret}, {name: shown}]}
      container:
        image: python:3.11.9-slim
        env:
          - {name: T, valueFrom: {secretKeyRef: {name: '{{inputs.parameters.secret}}', key: token}}}
          - {name: SHOWN, value: '{{inputs.parameters.shown}}'}
"""
    assert _found(looped) == [ARG]


# --- inputs passed from template to template -----------------------------------------------------------------------

def test_each_template_an_input_is_passed_to_is_judged_on_its_own():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      inputs: {parameters: [{name: tokenSecret, default: registry-token}]}
      steps:
        - - {name: a, template: read, arguments: {parameters: [{name: s, value: '{{inputs.parameters.tokenSecret}}'}]}}
          - {name: b, template: show, arguments: {parameters: [{name: s, value: '{{inputs.parameters.tokenSecret}}'}]}}
    - name: read
      inputs: {parameters: [{name: s}]}
      container: {image: "python:3.11.9-slim", %s}
    - name: show
      inputs: {parameters: [{name: s}]}
      container: {image: "python:3.11.9-slim", %s}
""" % (SECRET_USE % "s", PLAIN_USE % "s")
    assert _found(wf) == ["spec.templates[0].inputs.parameters[0].default"]
    assert _found(wf.replace("template: show", "template: read")) == []


def test_a_template_that_passes_an_input_back_to_itself_is_judged_by_its_other_uses():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      inputs: {parameters: [{name: tokenSecret, default: registry-token}]}
      steps:
        - - {name: again, template: main, when: "false",
             arguments: {parameters: [{name: tokenSecret, value: '{{inputs.parameters.tokenSecret}}'}]}}
        - - {name: use, template: leaf, arguments: {parameters: [{name: s, value: '{{inputs.parameters.tokenSecret}}'}]}}
    - name: leaf
      inputs: {parameters: [{name: s}]}
      container: {image: "python:3.11.9-slim", %s}
"""
    assert _found(wf % (SECRET_USE % "s")) == []
    assert _found(wf % (PLAIN_USE % "s")) == ["spec.templates[0].inputs.parameters[0].default"]


def _chain(hops: int, start: str) -> tuple[str, str]:
    """A workflow whose value is passed on `hops` times, template to template, before a secretKeyRef reads it;
    `start` says where the literal is. Returns the manifest and the literal's path."""
    tpl = []
    for i in range(hops):
        given = "registry-token" if (i == 0 and start == "input") else None
        inputs = "{parameters: [{name: tokenSecret, default: %s}]}" % given if given else \
            "{parameters: [{name: tokenSecret}]}"
        value = "registry-token" if (i == 0 and start == "step") else \
            "'{{workflow.parameters.tokenSecret}}'" if (i == 0 and start == "workflow") else \
            "'{{inputs.parameters.tokenSecret}}'"
        tpl.append(f"""    - name: t{i}
      inputs: {inputs}
      steps:
        - - {{name: next, template: t{i + 1}, arguments: {{parameters: [{{name: tokenSecret, value: {value}}}]}}}}
""")
    tpl.append(f"""    - name: t{hops}
      inputs: {{parameters: [{{name: tokenSecret}}]}}
      container: {{image: "python:3.11.9-slim", {SECRET_USE % 'tokenSecret'}}}
""")
    args = "  arguments: {parameters: [{name: tokenSecret, value: registry-token}]}\n" \
        if start in ("workflow", "entry") else ""
    wf = f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: w, namespace: ml-dev}}
spec:
  entrypoint: t0
{args}  templates:
{''.join(tpl)}"""
    where = {"input": "spec.templates[0].inputs.parameters[0].default",
             "step": "spec.templates[0].steps[0][0].arguments.parameters[0].value"}.get(start, ARG)
    return wf, where


@pytest.mark.parametrize("start", ["input", "step", "workflow", "entry"])
def test_a_value_is_followed_through_eight_templates_and_no_further(start):
    """The bound stops a template that calls itself through others; a longer chain is taken as a use."""
    wf, _ = _chain(8, start)
    assert _found(wf) == []
    wf, where = _chain(9, start)
    assert _found(wf) == [where]


# --- templateRefs ----------------------------------------------------------------------------------------------------

CALLER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: push
            templateRef: {name: lib, template: main}
            arguments: {parameters: [{name: tokenSecret, value: registry-token}]}
"""
STEP_ARG = "spec.templates[0].steps[0][0].arguments.parameters[0].value"


def test_a_template_ref_rendered_in_another_target_of_the_run_is_followed_there():
    """Files given as PATHs are one target each: the caller and the template it calls may be in different ones."""
    assert _found(CALLER, others=(LIB,)) == []
    assert _found(CALLER, others=(LIB,), external={"workflowtemplates": ["lib"]}) == []
    assert _found(CALLER.replace("template: main}", "template: debug}"), others=(LIB,)) == [STEP_ARG]
    assert _found(CALLER.replace("template: main}", "template: absent}"), others=(LIB,)) == [STEP_ARG]
    assert _found(CALLER) == [STEP_ARG]


def test_a_cluster_scoped_template_ref_is_followed_to_a_cluster_workflow_template_only():
    cluster = CALLER.replace("{name: lib, template: main}", "{name: lib, template: main, clusterScope: true}")
    cwt = LIB.replace("kind: WorkflowTemplate", "kind: ClusterWorkflowTemplate").replace(", namespace: ml-dev", "")
    assert _found(cluster, others=(cwt,)) == []
    assert _found(cluster, others=(LIB,)) == [STEP_ARG]


def test_an_argument_to_a_template_that_does_not_exist_stays_a_credential():
    missing = CALLER.replace("templateRef: {name: lib, template: main}", "template: absent")
    assert _found(missing) == [STEP_ARG]


# --- what is not a parameter of a workflow -------------------------------------------------------------------------

def test_a_helm_parameter_of_an_application_is_never_a_secret_reference():
    app = """
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: a, namespace: argocd}
spec:
  source:
    helm:
      parameters: [{name: dbPassword, value: hunter2-prod}]
"""
    assert _found(app) == ["spec.source.helm.parameters[0].value"]


def test_an_output_parameter_with_a_literal_value_is_a_credential():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      outputs: {parameters: [{name: tokenSecret, value: registry-token}]}
      container: {image: "python:3.11.9-slim", env: [{name: T, valueFrom: {secretKeyRef: {name: x, key: y}}}]}
"""
    assert _found(wf) == ["spec.templates[0].outputs.parameters[0].value"]


def test_names_a_secret_is_false_for_a_path_that_holds_no_named_parameter():
    (m,) = rendered(WF + "    - {name: main, container: {image: \"python:3.11.9-slim\"}}\n").manifests
    ctx = context(rendered(""))
    assert not names_a_secret(m, ctx, ("metadata", "name"))
    assert not names_a_secret(m, ctx, ("spec", "arguments", "parameters", 1, "value"))  # one past the last
    assert not names_a_secret(m, ctx, ("spec", "templates", 0, "inputs", "parameters", 0, "default"))


@pytest.mark.parametrize(("path", "names"), [
    (("env", 0, "valueFrom", "secretKeyRef", "name"), True),
    (("env", 0, "valueFrom", "secretKeyRef", "key"), True),
    (("secretKeyRef", "name"), True),
    (("envFrom", 0, "secretRef", "name"), True),
    (("s3", "accessKeySecret", "key"), True),
    (("volumes", 0, "secret", "secretName"), True),
    (("volumes", 0, "secret", "items", 0, "key"), True),
    (("imagePullSecrets", 0, "name"), True),
    ((), False),
    (("args", 0), False),
    (("name",), False),
    (("env", 0, "name"), False),
    (("env", 0, "value"), False),
    (("env", 0, "valueFrom", "secretKeyRef", "optional"), False),
    (("volumes", 0, "configMap", "items", 0, "key"), False),
    (("volumes", 0, "secret", "items", 0, "path"), False),
    (("imagePullSecrets", 0, "key"), False),
])
def test_which_fields_name_a_secret_or_a_key_in_one(path, names):
    assert is_secret_field(path) is names
