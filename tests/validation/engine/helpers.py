"""Builders for a small GitOps repo in a temp dir."""

from __future__ import annotations

import textwrap
from pathlib import Path

LABELS = """\
labels:
  - pairs:
      app.kubernetes.io/name: demo
      app.kubernetes.io/part-of: ml-pipeline
      app.kubernetes.io/managed-by: kustomize
      environment: {env}
    includeSelectors: false
"""

FILES = {
    "pyproject.toml": "[tool.validation]\n",
    "base/kustomization.yaml": """\
        resources:
          - configmap.yaml
          - serviceaccount.yaml
        configMapGenerator:
          - name: code
            literals: [greeting=hello]
        """,
    "base/configmap.yaml": """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
        data:
          bucket: base-bucket
          region: us-east-1
        """,
    "base/serviceaccount.yaml": """\
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: runner
        """,
}


def overlay(env: str) -> dict[str, str]:
    return {
        f"overlays/{env}/kustomization.yaml": textwrap.dedent(f"""\
            resources:
              - ../../base
            namespace: ml-{env}
            patches:
              - path: bucket.yaml
            """) + LABELS.format(env=env),
        f"overlays/{env}/bucket.yaml": textwrap.dedent(f"""\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              bucket: {env}-bucket
            """),
    }


def application(env: str, kustomize: str = "") -> str:
    text = textwrap.dedent(f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: demo-{env}
          namespace: argocd
        spec:
          project: default
          source:
            repoURL: https://example.com/repo.git
            targetRevision: main
            path: overlays/{env}
        """)
    if kustomize:
        text += "    kustomize:\n" + textwrap.indent(textwrap.dedent(kustomize), "      ")
    text += textwrap.dedent(f"""\
          destination:
            server: https://kubernetes.default.svc
            namespace: ml-{env}
        """)
    return text


def write(root: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content), encoding="utf-8")


