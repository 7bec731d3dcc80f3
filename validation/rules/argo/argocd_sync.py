"""Workflows that Argo CD syncs: re-created on every sync, as hooks."""

from __future__ import annotations

from typing import Iterator

from validation.model import Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.rule import argo_rule


def synced_by_argocd(ctx: Context) -> bool:
    target = ctx.target.target
    if target.kind == "application":
        return True
    here = target.path.resolve()
    return any(rt.target.kind == "application" and any(p.resolve() == here for p in rt.target.paths)
               for rt in ctx.targets)


HOOK_ANNOTATION = "argocd.argoproj.io/hook"


HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy"


def check_synced_name(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not synced_by_argocd(ctx) or not m.metadata.get("name"):
        return
    policies = {p.strip() for p in str(m.annotations.get(HOOK_DELETE_POLICY, "")).split(",")}
    if m.annotations.get(HOOK_ANNOTATION) and "BeforeHookCreation" in policies:
        return
    if m.metadata.get("generateName"):  # Kubernetes and `argo submit` use the name then (argo-workflows#1538)
        yield Problem(m, "this Workflow is synced by Argo CD with a fixed name (metadata.name wins over generateName "
                         "when both are set) and no hook-delete-policy BeforeHookCreation: it runs once, then shows "
                         "as drifted forever; drop the name and keep generateName, or use that delete policy",
                      ("metadata", "name"))
        return
    yield Problem(m, "this Workflow is synced by Argo CD with a fixed name and no hook-delete-policy "
                     "BeforeHookCreation: it runs once, then shows as drifted forever; use generateName or that "
                     "delete policy", ("metadata", "name"))


argo_rule("ARGO-SYNCED-WORKFLOW-NAME", "synced-workflow-name", Severity.ERROR,
          "A Workflow in a path that Argo CD syncs is re-created on every sync: it uses metadata.generateName, or (as "
          "kustomize cannot build generateName objects) a fixed name with the hook-delete-policy BeforeHookCreation, "
          "Argo CD's documented way to re-run a named hook. Otherwise it runs once, then drifts forever.",
          "Use generateName, or add `argocd.argoproj.io/hook-delete-policy: BeforeHookCreation` next to the hook "
          "annotation; or ship a WorkflowTemplate/CronWorkflow instead.",
          """
kind: Workflow
metadata:
  name: ml-pipeline-post-sync
  annotations: {argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation}
""", """
kind: Workflow
metadata:
  name: ml-pipeline-run
  annotations: {argocd.argoproj.io/hook: PostSync}
""", scope=("Workflow",), check=check_synced_name)


def check_synced_hook(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if synced_by_argocd(ctx) and not m.annotations.get(HOOK_ANNOTATION):
        path = ("metadata", "annotations") if m.metadata.get("annotations") else ("metadata",)
        yield Problem(m, f"this Workflow is synced by Argo CD but has no {HOOK_ANNOTATION} annotation", path)


argo_rule("ARGO-SYNCED-WORKFLOW-HOOK", "synced-workflow-hook", Severity.ERROR,
          "A Workflow in a path that Argo CD syncs carries an argocd.argoproj.io/hook annotation, so Argo CD creates "
          "it as a sync hook rather than as a resource it keeps in sync.",
          "Annotate it `argocd.argoproj.io/hook: PostSync` (with a hook-delete-policy), or ship a WorkflowTemplate.",
          """
metadata:
  generateName: ml-pipeline-
  annotations: {argocd.argoproj.io/hook: PostSync, argocd.argoproj.io/hook-delete-policy: BeforeHookCreation}
""", """
metadata:
  generateName: ml-pipeline-
""", scope=("Workflow",), check=check_synced_hook)
