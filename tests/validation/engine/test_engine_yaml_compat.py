"""YAML is read as kustomize reads it, whichever loader a module uses: a plain `=` is the string "="."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import validation  # noqa: F401  (installs the compatibility constructor, as every run does)
from validation import config, engine
from validation.fastyaml import FastSafeLoader

from .helpers import write


@pytest.mark.parametrize("loader", [yaml.SafeLoader, yaml.CSafeLoader, FastSafeLoader])
def test_a_plain_equals_sign_is_a_string(loader) -> None:
    assert yaml.load("options: {delimiter: =, index: 1}\nlist: [=, '=']\n", Loader=loader) == {
        "options": {"delimiter": "=", "index": 1}, "list": ["=", "="]}


def test_a_kustomization_whose_replacement_splits_on_equals_renders(tmp_path: Path, monkeypatch) -> None:
    # kubeflow/pipelines' metadata overlays: `delimiter: =` made the kustomization unreadable (YAML-PARSE), so its
    # patch was read as a whole Deployment and its images and generators were lost.
    write(tmp_path, {
        "pyproject.toml": "",
        "app/kustomization.yaml": """\
            resources: [deployment.yaml]
            configMapGenerator: [{name: db, literals: [host=mysql]}]
            replacements:
            - source: {kind: ConfigMap, name: db, fieldPath: data.host}
              targets:
              - select: {kind: Deployment, name: web}
                fieldPaths: [spec.template.spec.containers.0.args.0]
                options: {delimiter: =, index: 1}
            """,
        "app/deployment.yaml": """\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: web, image: "nginx:1.27.3", args: ["--db=placeholder"]}]
            """,
    })
    monkeypatch.chdir(tmp_path)
    result = engine.run(config.load(tmp_path), paths=[Path("app")])
    assert [f.rule_id for f in result.findings] == []
    [web] = [m for m in result.rendered[0].manifests if m.kind == "Deployment"]
    assert web.obj["spec"]["template"]["spec"]["containers"][0]["args"] == ["--db=mysql"]
