"""ARGO-ENTRYPOINT-MISSING, ARGO-TEMPLATE-MISSING, ARGO-TEMPLATEREF-UNRESOLVED: which references they follow (the
entrypoint, a call's `template:` and `onExit`, templateRef, workflowTemplateRef), what they say and where."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

from validation.config import Config, from_table


def _hits(rule_id: str, text: str, **config) -> list[tuple[str, str]]:
    cfg = from_table(config, Config(root=context(rendered("")).repo_root)) if config else None
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text), config=cfg))
            if h.ref.startswith(("Workflow/", "CronWorkflow/"))]


# --- ARGO-TEMPLATE-MISSING -----------------------------------------------------------------------------------------

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
