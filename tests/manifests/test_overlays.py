"""Per environment: what Argo CD would apply, rendered by the real kustomize."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    ENVIRONMENTS,
    NAMESPACES,
    REPO,
    SEED_RESOURCES,
    STEPS,
    TEMPLATES,
    find,
    one,
    parameters,
    rendered,
    template,
)

CONTRACT_ORDER = ["model-name", "data-version", "epochs", "batch-size", "dvc-s3-bucket", "dvc-s3-region"]
SEED_DEFAULTS = {"data-version": "v1.0", "epochs": "3", "batch-size": "16"}
SEED_BUCKET = "mlops-data-bucket-1754148674-amaslovs"
MIN_ACCURACY = {"dev": "0.7", "staging": "0.75", "prod": "0.8"}
LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by")


def bucket_patch(env: str) -> dict[str, str]:
    """The replace values of overlays/<env>/bucket.yaml, keyed by the parameter its test op guards."""
    ops = yaml.safe_load((REPO / "overlays" / env / "bucket.yaml").read_text())
    values, guarded = {}, None
    for op in ops:
        if op["op"] == "test":
            guarded = op["value"]
        elif op["op"] == "replace":
            values[guarded] = op["value"]
    return values


def test_every_overlay_renders_the_expected_objects(env: str, objects: list[dict[str, Any]]) -> None:
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in objects)
    expected = [
        ("Role", "argo-workflow-role"),
        ("RoleBinding", "argo-workflow-rolebinding"),
        ("ServiceAccount", "argo-workflow-sa"),
        ("WorkflowTemplate", "ml-pipeline"),
        ("WorkflowTemplate", "ml-pipeline-git"),
    ]
    if env == "dev":
        expected.append(("Workflow", "ml-pipeline-git-post-sync"))
    assert kinds == sorted(expected)
    assert not find(objects, "ConfigMap")  # the code is in the image


def test_every_object_lives_in_the_environment_namespace(env: str, objects: list[dict[str, Any]]) -> None:
    assert {o["metadata"].get("namespace") for o in objects} == {NAMESPACES[env]}
    binding = one(objects, "RoleBinding", "argo-workflow-rolebinding")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "argo-workflow-sa", "namespace": NAMESPACES[env]}]


def test_every_object_carries_the_standard_and_environment_labels(env: str, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        for key in LABELS:
            assert labels.get(key), f"{where} lacks {key}"
        assert labels["app.kubernetes.io/part-of"] == "ml-pipeline"
        assert labels["app.kubernetes.io/managed-by"] == "kustomize"
        assert labels.get("environment") == env, where


@pytest.mark.parametrize("name", TEMPLATES)
def test_bucket_and_region_come_from_the_overlay_patch(env: str, objects: list[dict[str, Any]], name: str) -> None:
    params = parameters(one(objects, "WorkflowTemplate", name))
    patch = bucket_patch(env)
    assert params["dvc-s3-bucket"] == patch["dvc-s3-bucket"]
    assert params["dvc-s3-region"] == patch["dvc-s3-region"]


def test_dev_keeps_the_seed_bucket_and_the_others_have_their_own() -> None:
    buckets = {env: bucket_patch(env)["dvc-s3-bucket"] for env in ENVIRONMENTS}
    assert buckets["dev"] == SEED_BUCKET
    assert bucket_patch("dev")["dvc-s3-region"] == "us-east-1"
    assert len(set(buckets.values())) == len(ENVIRONMENTS)


def test_bucket_and_region_are_written_in_the_bucket_patch_only() -> None:
    buckets = {bucket_patch(env)["dvc-s3-bucket"] for env in ENVIRONMENTS if env != "dev"}
    for path in sorted((REPO / "overlays").rglob("*")) + sorted((REPO / "base").rglob("*")):
        if path.is_file() and path.name != "bucket.yaml":
            text = path.read_text()
            for bucket in buckets:
                assert bucket not in text, f"{path} repeats {bucket}; it belongs in bucket.yaml"
            if path.parent.parent.name == "overlays":
                assert "dvc-s3-region" not in text and "dvc-s3-bucket" not in text, path


@pytest.mark.parametrize("name", TEMPLATES)
def test_parameters_keep_the_contract_order_and_the_seed_defaults(
    env: str, objects: list[dict[str, Any]], name: str
) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    names = [p["name"] for p in wft["spec"]["arguments"]["parameters"]]
    assert names[:6] == CONTRACT_ORDER
    params = parameters(wft)
    for key, value in SEED_DEFAULTS.items():
        assert params[key] == value
    assert params["environment"] == env
    assert params["model-name"] == f"bert-classifier-{env}"
    assert params["min-accuracy"] == MIN_ACCURACY[env]
    assert re.fullmatch(r"http://[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local:\d+", params["mlflow-tracking-uri"])
    if name == "ml-pipeline-git":
        assert {"repo", "revision"} <= params.keys()


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_step_has_the_seed_resources(env: str, objects: list[dict[str, Any]], name: str) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    for step, (cpu_req, cpu_lim, mem_req, mem_lim) in SEED_RESOURCES.items():
        resources = template(wft, step)["container"]["resources"]
        assert resources == {
            "requests": {"cpu": cpu_req, "memory": mem_req},
            "limits": {"cpu": cpu_lim, "memory": mem_lim},
        }, f"{name}/{step}"


def _dag(wft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entry = template(wft, wft["spec"]["entrypoint"])
    return {task["name"]: task for task in entry["dag"]["tasks"]}


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_dag_runs_the_five_steps_in_order(env: str, objects: list[dict[str, Any]], name: str) -> None:
    tasks = _dag(one(objects, "WorkflowTemplate", name))
    chain = ["fetch-code"] if name == "ml-pipeline-git" else []
    chain += list(STEPS)
    assert sorted(tasks) == sorted(chain)
    assert "depends" not in tasks[chain[0]]
    for before, after in zip(chain, chain[1:], strict=False):
        depends = tasks[after]["depends"]
        assert re.fullmatch(rf"{re.escape(before)}(\.Succeeded)?", depends), f"{after} depends on {depends!r}"
        assert tasks[after]["template"] == after


@pytest.mark.parametrize("name", TEMPLATES)
def test_register_runs_only_when_the_gate_passed(env: str, objects: list[dict[str, Any]], name: str) -> None:
    wft = one(objects, "WorkflowTemplate", name)
    register = _dag(wft)["register-model"]
    assert register["depends"] == "evaluate-model.Succeeded"
    assert register["when"] == "{{tasks.evaluate-model.outputs.parameters.gate}} == passed"
    outputs = {p["name"]: p["valueFrom"]["path"] for p in template(wft, "evaluate-model")["outputs"]["parameters"]}
    assert outputs == {m: f"/work/outputs/{m}" for m in ("accuracy", "precision", "recall", "f1", "gate")}
    train = {p["name"]: p["valueFrom"]["path"] for p in template(wft, "train-model")["outputs"]["parameters"]}
    assert train == {"run-id": "/work/outputs/run-id"}


def test_the_git_variant_clones_at_the_revision_parameter(objects: list[dict[str, Any]]) -> None:
    wft = one(objects, "WorkflowTemplate", "ml-pipeline-git")
    fetch = template(wft, "fetch-code")
    env = {e["name"]: e["value"] for e in fetch["container"]["env"]}
    assert env["REPO"] == "{{workflow.parameters.repo}}" and env["REVISION"] == "{{workflow.parameters.revision}}"
    assert env["SRC"] == "/work/src"
    assert fetch["outputs"]["parameters"] == [{"name": "commit", "valueFrom": {"path": "/work/src/.commit"}}]
    assert "inputs" not in fetch  # no Argo git artifact: the clone is the script's (tests/manifests/test_git_variant.py)
    for task in _dag(wft).values():
        for arg in task.get("arguments", {}).get("parameters", []):
            if arg["name"] == "code-dir":
                assert arg["value"] == "/work/src", task["name"]


def test_the_image_variant_runs_the_images_code(objects: list[dict[str, Any]]) -> None:
    wft = one(objects, "WorkflowTemplate", "ml-pipeline")
    for step in STEPS:
        args = {a["name"]: a["value"] for a in _dag(wft)[step]["arguments"]["parameters"]}
        assert args["code-dir"] == "/opt/ml/code"  # where the Dockerfile copies the package
        mounts = {m["name"]: m["mountPath"] for m in template(wft, step)["container"]["volumeMounts"]}
        assert mounts == {"work": "/work", "tmp": "/tmp"}
        env = {e["name"]: e["value"] for e in template(wft, step)["container"]["env"]}
        assert env["PYTHONPATH"] == "{{inputs.parameters.code-dir}}"


def test_only_dev_runs_the_pipeline_after_a_sync(env: str, objects: list[dict[str, Any]]) -> None:
    hooks = find(objects, "Workflow")
    if env != "dev":
        assert hooks == []
        return
    (hook,) = hooks
    annotations = hook["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "PostSync"
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    assert hook["spec"] == {"workflowTemplateRef": {"name": "ml-pipeline-git"}}


def test_prod_is_stricter_than_staging_and_staging_than_dev() -> None:
    gates = [
        float(parameters(one(rendered(f"overlays/{e}"), "WorkflowTemplate", "ml-pipeline"))["min-accuracy"])
        for e in ENVIRONMENTS
    ]
    assert gates == sorted(gates) and len(set(gates)) == 3
    kept = {
        e: one(rendered(f"overlays/{e}"), "WorkflowTemplate", "ml-pipeline")["spec"]["ttlStrategy"]
        for e in ENVIRONMENTS
    }
    assert kept["prod"]["secondsAfterFailure"] > kept["dev"]["secondsAfterFailure"]
    assert kept["staging"] == kept["dev"]


def test_each_environment_registers_its_own_model() -> None:
    # One MLflow server serves every environment: a shared name would let a dev run move prod's alias.
    names = {
        e: {parameters(one(rendered(f"overlays/{e}"), "WorkflowTemplate", t))["model-name"] for t in TEMPLATES}
        for e in ENVIRONMENTS
    }
    assert all(len(n) == 1 for n in names.values()), names
    assert len({n.pop() for n in names.values()}) == len(ENVIRONMENTS)


def test_overlays_are_small() -> None:
    for path in (REPO / "overlays").rglob("*.yaml"):
        assert len(Path(path).read_text().splitlines()) <= 25, f"{path} should stay a small patch"


def test_the_git_variant_tags_runs_with_the_fetched_commit(objects: list[dict[str, Any]]) -> None:
    wft = one(objects, "WorkflowTemplate", "ml-pipeline-git")
    for step in STEPS:
        args = {a["name"]: a["value"] for a in _dag(wft)[step]["arguments"]["parameters"]}
        assert args["git-commit"] == "{{tasks.fetch-code.outputs.parameters.commit}}", step
