"""Render family: a target kustomize could not build. The engine emits it (check=None)."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

register(Rule(
    id="RENDER-FAILED", name="render-failed", severity=Severity.ERROR, scope=(), family="render",
    summary="kustomize could not build an overlay, a path, or an Argo CD Application's source "
            "(with the Application's kustomize options applied). Argo CD would show the app as ComparisonError.",
    remediation="Run `python -m validation render <target>` and fix what kustomize reports: a missing file, "
                "a patch whose target does not exist, a failed JSON6902 `test` operation.",
    passing="# overlays/dev/kustomization.yaml\nresources:\n- ../../base\npatches:\n- path: bucket.yaml\n"
            "  target: {kind: WorkflowTemplate}\n",
    failing="# overlays/dev/kustomization.yaml\nresources:\n- ../../base-typo\n",
))
