"""Least-privilege RBAC and the hardening every template carries, as rendered per environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, STEPS, TEMPLATES, copy_tree, one, template

PINNED = re.compile(r"[a-z0-9.-]+(?:/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}")


def test_the_role_grants_exactly_the_executor_minimum_and_one_secret(objects: list[dict[str, Any]]) -> None:
    role = one(objects, "Role", "argo-workflow-role")
    assert role["rules"] == [
        {"apiGroups": ["argoproj.io"], "resources": ["workflowtaskresults"], "verbs": ["create", "patch"]},
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["aws-credentials"], "verbs": ["get"]},
    ]
    assert "*" not in str(role)


def test_every_rbac_rule_says_why_it_exists() -> None:
    lines = (REPO / "base" / "rbac" / "role.yaml").read_text().splitlines()
    rule_starts = [i for i, line in enumerate(lines) if re.match(r"\s*- apiGroups:", line)]
    assert rule_starts
    for i in rule_starts:
        assert lines[i - 1].strip().startswith("#"), f"role.yaml line {i + 1}: rule without a comment above it"


def test_the_binding_gives_the_role_to_the_workflow_service_account(objects: list[dict[str, Any]]) -> None:
    binding = one(objects, "RoleBinding", "argo-workflow-rolebinding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "argo-workflow-role"}
    assert [s["name"] for s in binding["subjects"]] == ["argo-workflow-sa"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_clean_up_time_out_retry_and_run_as_the_workflow_account(
    objects: list[dict[str, Any]], name: str
) -> None:
    spec = one(objects, "WorkflowTemplate", name)["spec"]
    assert spec["serviceAccountName"] == "argo-workflow-sa"
    assert 0 < spec["activeDeadlineSeconds"] <= 4 * 3600
    assert spec["ttlStrategy"]["secondsAfterSuccess"] > 0 and spec["ttlStrategy"]["secondsAfterFailure"] > 0
    assert spec["podGC"]["strategy"] in {"OnPodSuccess", "OnPodCompletion", "OnWorkflowSuccess", "OnWorkflowCompletion"}
    # Retries and deadlines sit on each pod template: at spec level Argo would also retry the whole DAG.
    assert "retryStrategy" not in spec and "templateDefaults" not in spec
    wft = one(objects, "WorkflowTemplate", name)
    for tmpl in wft["spec"]["templates"]:
        if "dag" in tmpl:
            assert "retryStrategy" not in tmpl
            continue
        assert int(tmpl["retryStrategy"]["limit"]) >= 1, tmpl["name"]
        assert 0 < tmpl["activeDeadlineSeconds"] <= spec["activeDeadlineSeconds"], tmpl["name"]
    for step in STEPS:
        expression = template(wft, step)["retryStrategy"]["expression"]
        # Bad input (exit 2) is never retried; a failed gate (exit 1) is final too.
        assert ("> 2" if step == "evaluate-model" else "!= 2") in expression, step
    (claim,) = spec["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "work"


@pytest.mark.parametrize("name", TEMPLATES)
def test_pods_run_as_non_root_without_privileges(objects: list[dict[str, Any]], name: str) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    pod = wft["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] > 0 and pod["fsGroup"] == pod["runAsGroup"]
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    for tmpl in wft["spec"]["templates"]:
        if "container" not in tmpl:
            continue
        container = tmpl["container"]
        assert PINNED.fullmatch(container["image"]), f"{tmpl['name']}: {container['image']} is not pinned by digest"
        sc = container["securityContext"]
        assert sc == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        assert container["resources"]["limits"] and container["resources"]["requests"], tmpl["name"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_aws_credentials_come_only_from_the_named_secret(objects: list[dict[str, Any]], name: str) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    for step in STEPS:
        container = template(wft, step)["container"]
        assert container["envFrom"] == [{"secretRef": {"name": "aws-credentials", "optional": True}}]
        assert not any(e["name"].startswith("AWS_") for e in container["env"])
    text = str(wft)
    assert "AKIA" not in text and "aws_secret_access_key" not in text.lower()


@pytest.mark.parametrize("name", TEMPLATES)
def test_prometheus_metrics_cover_duration_step_failures_and_accuracy(
    env: str, objects: list[dict[str, Any]], name: str
) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    (duration,) = wft["spec"]["metrics"]["prometheus"]
    assert duration["gauge"] == {"realtime": True, "value": "{{workflow.duration}}"}
    for step in STEPS:
        failures = template(wft, step)["metrics"]["prometheus"][0]
        assert failures["name"] == "ml_pipeline_step_failures" and failures["counter"] == {"value": "1"}
        assert {"key": "step", "value": step} in failures["labels"]
    accuracy = template(wft, "evaluate-model")["metrics"]["prometheus"][1]
    assert accuracy["gauge"]["value"] == "{{outputs.parameters.accuracy}}"
    assert {label["key"] for label in accuracy["labels"]} == {"model_name", "environment"}
    assert {"key": "model_name", "value": "{{workflow.parameters.model-name}}"} in accuracy["labels"]


def test_an_overlay_images_entry_reaches_every_argo_container(tmp_path: Path) -> None:
    """kustomize `images:` only edits Argo templates because kustomizeconfig.yaml lists their image fields."""
    from .conftest import build

    copy_tree(tmp_path)
    kustomization = tmp_path / "overlays" / "prod" / "kustomization.yaml"
    text = kustomization.read_text()
    pinned = re.sub(r"newName: [^,]+, digest: [^}]+", "newName: registry.example/ml, digest: sha256:" + "2" * 64, text)
    assert pinned != text
    kustomization.write_text(pinned)
    images = set()
    for wft in [o for o in build(tmp_path / "overlays" / "prod") if o["kind"] == "WorkflowTemplate"]:
        images |= {t["container"]["image"] for t in wft["spec"]["templates"] if "container" in t}
    assert images == {"registry.example/ml@sha256:" + "2" * 64}
