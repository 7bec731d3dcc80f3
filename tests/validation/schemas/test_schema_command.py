"""`python -m validation schemas` lists covered kinds and their origin, honouring --kubernetes-version."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from validation.cli import UsageError
from validation.commands import schemas as command


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    code = command.run(parser.parse_args(argv))
    return code, capsys.readouterr().out


def test_text_lists_group_version_kind_and_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(["--root", str(tmp_path)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["GROUP/VERSION", "KIND", "SOURCE"]
    assert any(row.split()[:2] == ["apps/v1", "Deployment"] and "kubernetes-validate" in row and "(Kubernetes 1.37)" in row for row in lines)
    assert any(row.split()[:4] == ["argoproj.io/v1alpha1", "WorkflowTemplate", "argo-workflows", "v4.1.2"]
               and "JSON schema" in row for row in lines)
    assert any(row.split()[:3] == ["argoproj.io/v1alpha1", "WorkflowEventBinding", "argo-workflows"] for row in lines)
    assert any(row.split()[:3] == ["argoproj.io/v1alpha1", "Application", "argo-cd"] and "CRD" in row for row in lines)
    for kind in ("Sensor", "EventSource", "EventBus"):  # Argo Events' CRDs are schemaless: its JSON schema
        assert any(row.split()[:3] == ["argoproj.io/v1alpha1", kind, "argo-events"] and "JSON schema" in row
                   for row in lines), kind
    for kind in ("Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment"):
        assert any(row.split()[:3] == ["argoproj.io/v1alpha1", kind, "argo-rollouts"] and "CRD" in row
                   for row in lines), kind
    for api_version, kind in (("apiextensions.crossplane.io/v1", "CompositeResourceDefinition"),
                              ("apiextensions.crossplane.io/v2", "CompositeResourceDefinition"),
                              ("apiextensions.crossplane.io/v1", "Composition"), ("pkg.crossplane.io/v1", "Provider"),
                              ("pkg.crossplane.io/v1beta1", "DeploymentRuntimeConfig"),
                              ("ops.crossplane.io/v1alpha1", "Operation"), ("protection.crossplane.io/v1beta1", "Usage")):
        assert any(row.split()[:5] == [api_version, kind, "crossplane", "v2.3.4", "CRD"] for row in lines), kind
    assert any(row.split()[:2] == ["core/v1", "ConfigMap"] for row in lines)


def test_version_flag_and_config_select_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.validation]\nkubernetes-version = "1.28"\n')
    _, out = _run(["--root", str(tmp_path), "--format", "json"], capsys)
    data = json.loads(out)
    assert data["kubernetes_version"] == "1.28"
    api_versions = {(k["apiVersion"], k["kind"]) for k in data["kinds"]}
    assert ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema") in api_versions
    assert ("flowcontrol.apiserver.k8s.io/v1", "FlowSchema") not in api_versions
    _, out = _run(["--root", str(tmp_path), "--format", "json", "--kubernetes-version", "1.37", "--kind", "flowschema"], capsys)
    data = json.loads(out)
    assert data["kubernetes_version"] == "1.37"
    assert {k["apiVersion"] for k in data["kinds"] if k["kind"] == "FlowSchema"} == {"flowcontrol.apiserver.k8s.io/v1"}


def test_unsupported_version_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="1.99"):
        _run(["--root", str(tmp_path), "--kubernetes-version", "1.99"], capsys)


def test_argo_version_flag_and_config_select_the_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.validation]\nargo-version = "3.7"\n')
    _, out = _run(["--root", str(tmp_path), "--format", "json", "--kind", "CronWorkflow"], capsys)
    data = json.loads(out)
    assert data["argo_version"] == "3.7"
    assert [k["source"].split()[:2] for k in data["kinds"]] == [["argo-workflows", "v3.7.18"]]
    _, out = _run(["--root", str(tmp_path), "--format", "json", "--argo-version", "4.0", "--kind", "CronWorkflow"], capsys)
    assert json.loads(out)["argo_version"] == "4.0"
    with pytest.raises(UsageError, match="argo-version: argo-workflows 3.4 has no vendored schemas"):
        _run(["--root", str(tmp_path), "--argo-version", "3.4"], capsys)
