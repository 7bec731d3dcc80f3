"""ARGO-ENTRYPOINT-MISSING, ARGO-TEMPLATE-MISSING, ARGO-TEMPLATEREF-UNRESOLVED: which references they follow (the
entrypoint, a call's `template:` and `onExit`, templateRef, workflowTemplateRef), what they say and where."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

from validation.config import Config, from_table

LIB = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ml-dev}
spec:
  templates:
    - {name: main, container: {image: "busybox:1.36"}}
    - {name: say, container: {image: "busybox:1.36"}}
---
"""


def _hits(rule_id: str, text: str, **config) -> list[tuple[str, str]]:
    cfg = from_table(config, Config(root=context(rendered("")).repo_root)) if config else None
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text), config=cfg))
            if h.ref.startswith(("Workflow/", "CronWorkflow/"))]


# --- ARGO-ENTRYPOINT-MISSING ---------------------------------------------------------------------------------------

def test_a_workflow_or_cron_workflow_without_an_entrypoint_is_told_so_at_its_spec():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  templates: [{name: main, container: {image: "busybox:1.36"}}]
"""
    said = "no entrypoint: Argo does not know which template to run"
    assert _hits("ARGO-ENTRYPOINT-MISSING", wf) == [("spec", said)]
    cron = """
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: c, namespace: ml-dev}
spec:
  schedule: "0 * * * *"
  workflowSpec:
    templates: [{name: main, container: {image: "busybox:1.36"}}]
"""
    assert _hits("ARGO-ENTRYPOINT-MISSING", cron) == [("spec.workflowSpec", said)]
    # A WorkflowTemplate's entrypoint may come from the submission.
    assert run_rule("ARGO-ENTRYPOINT-MISSING", context(rendered(LIB))) == []


def test_an_unknown_entrypoint_lists_the_templates_there_are_or_none():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: mian
  templates:
    - {name: say, container: {image: "busybox:1.36"}}
    - {name: main, container: {image: "busybox:1.36"}}
"""
    assert _hits("ARGO-ENTRYPOINT-MISSING", wf) == [
        ("spec.entrypoint", "entrypoint 'mian' is not a template here (templates: main, say)")]
    bare = wf.split("  templates:")[0]
    assert _hits("ARGO-ENTRYPOINT-MISSING", bare) == [
        ("spec.entrypoint", "entrypoint 'mian' is not a template here (templates: none)")]


def test_an_entrypoint_is_looked_for_in_a_rendered_workflow_template_ref_too():
    wf = LIB + """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: lib}
  entrypoint: say
"""
    assert _hits("ARGO-ENTRYPOINT-MISSING", wf) == []
    assert _hits("ARGO-ENTRYPOINT-MISSING", wf.replace("entrypoint: say", "entrypoint: sya")) == [
        ("spec.entrypoint", "entrypoint 'sya' is not a template here (templates: main, say)")]
    # Referenced but not rendered: its templates are unknown, ARGO-TEMPLATEREF-UNRESOLVED speaks instead.
    external = wf.replace("entrypoint: say", "entrypoint: sya").replace("{name: lib}", "{name: elsewhere}")
    assert _hits("ARGO-ENTRYPOINT-MISSING", external) == []


# --- ARGO-TEMPLATE-MISSING -----------------------------------------------------------------------------------------

STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: hello, template: sya}]]
    - {name: say, container: {image: "busybox:1.36"}}
"""


def test_a_call_to_a_missing_template_names_the_call_and_the_templates_there_are():
    assert _hits("ARGO-TEMPLATE-MISSING", STEPS) == [
        ("spec.templates[0].steps[0][0].template",
         "step 'hello' calls template 'sya', which does not exist (templates: main, say)")]


def test_a_steps_or_tasks_on_exit_and_the_workflows_on_exit_name_templates_too():
    step = STEPS.replace("template: sya}", "template: say, onExit: clean-up}")
    assert _hits("ARGO-TEMPLATE-MISSING", step) == [
        ("spec.templates[0].steps[0][0].onExit",
         "onExit of 'hello' calls template 'clean-up', which does not exist (templates: main, say)")]
    assert _hits("ARGO-TEMPLATE-MISSING", step.replace("clean-up", "say")) == []
    spec = STEPS.replace("template: sya}", "template: say}").replace("  entrypoint: main\n",
                                                                     "  entrypoint: main\n  onExit: clean-up\n")
    assert _hits("ARGO-TEMPLATE-MISSING", spec) == [
        ("spec.onExit", "spec.onExit calls template 'clean-up', which does not exist (templates: main, say)")]


def test_a_workflow_without_templates_still_has_its_on_exit_checked():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  onExit: clean-up
"""
    assert _hits("ARGO-TEMPLATE-MISSING", wf) == [
        ("spec.onExit", "spec.onExit calls template 'clean-up', which does not exist (templates: none)")]


def test_calls_are_checked_against_a_rendered_workflow_template_refs_templates_and_the_workflows_own():
    wf = LIB + """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: lib}
  onExit: clean-up
"""
    assert _hits("ARGO-TEMPLATE-MISSING", wf) == [
        ("spec.onExit", "spec.onExit calls template 'clean-up', which does not exist (templates: main, say)")]
    assert _hits("ARGO-TEMPLATE-MISSING", wf.replace("clean-up", "say")) == []
    own = wf.replace("  onExit: clean-up\n", "  templates:\n    - name: extra\n      steps: [[{name: a, template: sya}]]\n")
    assert _hits("ARGO-TEMPLATE-MISSING", own) == [
        ("spec.templates[0].steps[0][0].template",
         "step 'a' calls template 'sya', which does not exist (templates: extra, main, say)")]


def test_calls_of_a_workflow_whose_workflow_template_ref_is_not_rendered_are_left_alone():
    """Argo merges the referenced WorkflowTemplate's templates into the workflow's, so a call the workflow's own
    templates do not answer may be one of those, which this run cannot see."""
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: shared-lib}
  onExit: notify
  templates:
    - name: extra
      steps: [[{name: a, template: train}]]
"""
    assert _hits("ARGO-TEMPLATE-MISSING", wf) == []
    assert _hits("ARGO-TEMPLATE-MISSING", wf.split("  templates:")[0]) == []


# --- ARGO-TEMPLATEREF-UNRESOLVED -----------------------------------------------------------------------------------

def test_a_template_ref_without_a_template_is_reported_at_the_template_ref():
    wf = LIB + """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: hello, templateRef: {name: lib}}]]
"""
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", wf) == [
        ("spec.templates[0].steps[0][0].templateRef", "step 'hello': templateRef needs both name and template")]


def test_a_template_ref_finds_its_workflow_template_in_the_workflows_namespace_only():
    wf = LIB.replace("ml-dev", "ml-prod") + """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      steps: [[{name: hello, templateRef: {name: lib, template: say}}]]
"""
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", wf) == [
        ("spec.templates[0].steps[0][0].templateRef.name",
         "step 'hello': templateRef names WorkflowTemplate 'lib', which is neither rendered nor declared external")]
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", wf.replace("ml-prod", "ml-dev")) == []


WTREF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: lib}
"""


def test_a_workflow_template_ref_to_nothing_rendered_or_declared_is_reported_at_its_name():
    said = "workflowTemplateRef names WorkflowTemplate 'lib', which is neither rendered nor declared external"
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", WTREF) == [("spec.workflowTemplateRef.name", said)]
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", LIB + WTREF) == []
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", LIB.replace("ml-dev", "ml-prod") + WTREF) == [
        ("spec.workflowTemplateRef.name", said)]
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", WTREF, external={"workflowtemplates": ["lib"]}) == []
    # A misspelt key leaves the reference without a name.
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", WTREF.replace("{name: lib}", "{nmae: lib}")) == [
        ("spec.workflowTemplateRef.name",
         "workflowTemplateRef names WorkflowTemplate '', which is neither rendered nor declared external")]


def test_a_cluster_scoped_workflow_template_ref_wants_a_cluster_workflow_template():
    cluster = WTREF.replace("{name: lib}", "{name: lib, clusterScope: true}")
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", LIB + cluster) == [
        ("spec.workflowTemplateRef.name",
         "workflowTemplateRef names ClusterWorkflowTemplate 'lib', which is neither rendered nor declared external")]
    cwt = LIB.replace("kind: WorkflowTemplate", "kind: ClusterWorkflowTemplate").replace(", namespace: ml-dev", "")
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", cwt + cluster) == []
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", cluster, external={"clusterworkflowtemplates": ["lib"]}) == []
    assert _hits("ARGO-TEMPLATEREF-UNRESOLVED", cluster, external={"workflowtemplates": ["lib"]}) != []



def test_a_workflow_without_a_spec_or_a_cron_workflow_without_a_workflow_spec_is_told_where_it_is_missing():
    said = "no entrypoint: Argo does not know which template to run"
    bare = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w, namespace: ml-dev}\n"
    assert _hits("ARGO-ENTRYPOINT-MISSING", bare) == [("spec", said)]
    cron = bare.replace("kind: Workflow", "kind: CronWorkflow") + "spec: {schedule: '0 * * * *'}\n"
    assert _hits("ARGO-ENTRYPOINT-MISSING", cron) == [("spec.workflowSpec", said)]
