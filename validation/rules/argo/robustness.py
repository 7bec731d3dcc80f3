"""A workflow that survives a bad day: retries, deadlines, cleanup."""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.resolve import workflow_template_ref
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import POD_TEMPLATE_TYPES, as_dict, template_type, templates, workflow_spec
from validation.rules.controllers import with_workflow_defaults

_POD_TYPES = set(POD_TEMPLATE_TYPES)


def _pod_templates(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for ti, t in templates(spec):
        if template_type(t) in _POD_TYPES:
            yield ti, t


def check_retry(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    effective = with_workflow_defaults(spec, ctx.targets)
    if effective.get("retryStrategy") or as_dict(effective.get("templateDefaults")).get("retryStrategy"):
        return
    for ti, t in _pod_templates(spec):
        if not t.get("retryStrategy"):
            yield Problem(m, f"template {t.get('name')!r} has no retryStrategy", (*base, "templates", ti))


argo_rule("ARGO-RETRY-STRATEGY-MISSING", "retry-strategy-missing", Severity.WARNING,
          "Every container, script and container-set template has a retryStrategy (its own, spec.templateDefaults', "
          "or the workflow's spec.retryStrategy, the default for all its templates), so a node eviction or a flaky "
          "pull does not fail the run. The Argo controller's workflowDefaults count where the tree configures it.",
          "Add `retryStrategy: {limit: 2, retryPolicy: OnError}` to the template or to spec.templateDefaults.",
          """
spec:
  templateDefaults: {retryStrategy: {limit: 2, retryPolicy: OnError}}
""", """
templates:
  - name: train
    container: {image: "python:3.11-slim"}   # no retryStrategy anywhere
""", check=check_retry)


def check_deadline(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    effective = with_workflow_defaults(spec, ctx.targets)
    if _has_deadline(effective) or _has_deadline(as_dict(effective.get("templateDefaults"))):
        return
    for ti, t in _pod_templates(spec):
        if not _has_deadline(t):
            yield Problem(m, f"template {t.get('name')!r} has no activeDeadlineSeconds or timeout, and the workflow "
                             "no activeDeadlineSeconds", (*base, "templates", ti))


argo_rule("ARGO-ACTIVE-DEADLINE-MISSING", "active-deadline-missing", Severity.WARNING,
          "Every container, script and container-set template has a deadline, so a hung step cannot hold a node "
          "forever: activeDeadlineSeconds or timeout (its own, or spec.templateDefaults'), or the workflow's own "
          "spec.activeDeadlineSeconds, which stops every pod with the workflow. The Argo controller's workflowDefaults "
          "count where the tree configures it.",
          "Add activeDeadlineSeconds (or timeout) to the template or to spec.templateDefaults, or bound the whole "
          "workflow with spec.activeDeadlineSeconds.",
          """
spec:
  templateDefaults: {activeDeadlineSeconds: 3600}
""", """
templates:
  - name: train
    container: {image: "python:3.11-slim"}   # no activeDeadlineSeconds anywhere
""", check=check_deadline)


def _has_deadline(holder: dict[str, Any]) -> bool:
    """activeDeadlineSeconds (a workflow's or a template's) or a template's timeout ("30s", "{{inputs...}}")."""
    return any(holder.get(key) not in (None, "") for key in ("activeDeadlineSeconds", "timeout"))


def check_cleanup(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate") and not spec.get("entrypoint"):
        return  # cannot be submitted as it is; a Workflow using it through workflowTemplateRef is checked itself
    if isinstance(spec.get("workflowTemplateRef"), dict):
        wt = workflow_template_ref(ctx, m, spec)
        if wt is None or workflow_spec(wt)[0].get("ttlStrategy") or workflow_spec(wt)[0].get("podGC"):
            return
    effective = with_workflow_defaults(spec, ctx.targets)
    if not effective.get("ttlStrategy") and not effective.get("podGC"):
        yield Problem(m, "no ttlStrategy or podGC: finished workflows and their pods pile up", base)


argo_rule("ARGO-CLEANUP-MISSING", "cleanup-missing", Severity.WARNING,
          "A workflow cleans up after itself: spec.ttlStrategy or spec.podGC is set. A WorkflowTemplate without an "
          "entrypoint is skipped: it cannot be submitted itself (a library used through templateRef), and a Workflow "
          "that runs it through workflowTemplateRef is checked on its own. The Argo controller's workflowDefaults "
          "count where the tree configures the controller (its workflow-controller-configmap).",
          "Set `ttlStrategy: {secondsAfterCompletion: 86400}` and/or `podGC: {strategy: OnWorkflowSuccess}`.",
          """
spec:
  podGC: {strategy: OnPodSuccess}
  ttlStrategy: {secondsAfterCompletion: 86400}
""", """
spec:
  entrypoint: main   # neither ttlStrategy nor podGC
""", check=check_cleanup)
