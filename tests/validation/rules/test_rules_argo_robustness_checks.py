"""ARGO-RETRY-STRATEGY-MISSING, ARGO-ACTIVE-DEADLINE-MISSING and ARGO-CLEANUP-MISSING (robustness.py): a template's
own setting counts, a workflowTemplateRef's cleanup counts, and what the findings say."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      retryStrategy: {limit: 2}
      activeDeadlineSeconds: 600
      container: {image: "python:3.11"}
    - name: bare
      container: {image: "python:3.11"}
"""


def _hits(rule_id: str, text: str) -> list[tuple[str, str]]:
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text)))]


def test_a_template_without_its_own_retry_strategy_is_named_and_one_with_it_is_not():
    assert _hits("ARGO-RETRY-STRATEGY-MISSING", WF) == [("spec.templates[1]", "template 'bare' has no retryStrategy")]


def test_a_template_without_its_own_deadline_is_named_and_one_with_it_is_not():
    assert _hits("ARGO-ACTIVE-DEADLINE-MISSING", WF) == [
        ("spec.templates[1]",
         "template 'bare' has no activeDeadlineSeconds or timeout, and the workflow no activeDeadlineSeconds")]


def test_cleanup_is_asked_of_the_workflow_and_found_in_its_workflow_template_ref():
    assert _hits("ARGO-CLEANUP-MISSING", WF) == [
        ("spec", "no ttlStrategy or podGC: finished workflows and their pods pile up")]
    by_ref = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ml-dev}
spec:
  podGC: {strategy: OnPodSuccess}
  templates: [{name: main, container: {image: "python:3.11"}}]
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  workflowTemplateRef: {name: lib}
"""
    assert _hits("ARGO-CLEANUP-MISSING", by_ref) == []
    assert _hits("ARGO-CLEANUP-MISSING", by_ref.replace("  podGC: {strategy: OnPodSuccess}\n", "")) == [
        ("spec", "no ttlStrategy or podGC: finished workflows and their pods pile up")]
