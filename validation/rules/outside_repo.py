"""Render family: a target or a symlink that leaves the repository. The engine emits it (check=None)."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

register(Rule(
    id="RENDER-OUTSIDE-REPO", name="outside-repository", severity=Severity.ERROR, scope=(), family="render",
    summary="An Application's source path, a configured target, or a symlink in the repository resolves outside "
            "the repository root, so it is refused and nothing there is read or walked. Argo CD refuses the same: "
            "an absolute or escaping source path (\"app path outside root\"), and any symlink that is absolute or "
            "steps out of the root, which fails every Application of the repository (\"repository contains "
            "out-of-bounds symlinks\"). A kustomization that names a file or directory outside the root does not "
            "render (RENDER-FAILED, with the path named).",
    remediation="Point the Application at a directory in this repository; replace the symlink with the file itself "
                "or a relative link that stays inside the repository.",
    passing="# argocd/apps/dev.yaml\nspec:\n  source:\n    path: overlays/dev\n",
    failing="# argocd/apps/dev.yaml\nspec:\n  source:\n    path: ../..\n    directory: {recurse: true}\n",
))
