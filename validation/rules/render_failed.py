"""Render family: a target kustomize could not build. The engine emits it (check=None)."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

register(Rule(
    id="RENDER-FAILED", name="render-failed", severity=Severity.ERROR, scope=(), family="render",
    summary="kustomize could not build an overlay, a path, or an Argo CD Application's source "
            "(with the Application's kustomize options applied). Argo CD would show the app as ComparisonError. "
            "Reported once per cause, at the entry kustomize's error chain is about (a resources or generator "
            "files item, a patches entry, the JSON6902 operation that failed), naming every target it breaks; "
            "a cause that a source finding already reports (YAML-PARSE, KUSTOMIZE-*) is left to that finding.",
    remediation="Fix the entry at the reported line: a file that does not exist, a patch operation whose path is "
                "not in the object, a failed JSON6902 `test`. `python -m validation render <target>` shows the "
                "same error.",
    passing="# overlays/dev/kustomization.yaml\nresources:\n- ../../base\npatches:\n- path: bucket.yaml\n"
            "  target: {kind: WorkflowTemplate}\n",
    failing="# overlays/dev/kustomization.yaml\nresources:\n- ../../base-typo\n",
))
