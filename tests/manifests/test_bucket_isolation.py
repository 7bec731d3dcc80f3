"""One overlay's bucket patch changes that environment's output and nothing else; the DVC remotes agree."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ENVIRONMENTS, REPO, build, copy_tree
from .test_overlays import bucket_patch


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    copy_tree(root)
    return root


def _render_all(root: Path) -> dict[str, list[dict[str, Any]]]:
    out = {env: build(root / "overlays" / env) for env in ENVIRONMENTS}
    out["argocd"] = build(root / "argocd")
    return out


@pytest.mark.parametrize("changed", ENVIRONMENTS)
def test_changing_one_bucket_patch_changes_only_that_environment(tree: Path, changed: str) -> None:
    patch_file = tree / "overlays" / changed / "bucket.yaml"
    original = patch_file.read_text()
    before = _render_all(tree)
    ops = yaml.safe_load(original)
    ops[1]["value"] = f"mlops-data-bucket-moved-{changed}"
    ops[3]["value"] = "eu-central-1"
    patch_file.write_text(yaml.safe_dump(ops, sort_keys=False))
    try:
        after = _render_all(tree)
    finally:
        patch_file.write_text(original)
    for target in before:
        if target == changed:
            assert before[target] != after[target]
            moved = [o for o in after[target] if o["kind"] == "WorkflowTemplate"]
            assert len(moved) == 2
            for wft in moved:
                params = {p["name"]: p["value"] for p in wft["spec"]["arguments"]["parameters"]}
                assert params["dvc-s3-bucket"] == f"mlops-data-bucket-moved-{changed}"
                assert params["dvc-s3-region"] == "eu-central-1"
        else:
            assert before[target] == after[target], f"editing {changed}'s bucket.yaml changed {target}"


def test_a_parameter_order_drift_fails_the_build(tree: Path, tmp_path: Path) -> None:
    import subprocess

    from .conftest import kustomize_argv

    base_file = tree / "base" / "workflowtemplates" / "ml-pipeline.yaml"
    original = base_file.read_text()
    swapped = original.replace("- {name: dvc-s3-bucket,", "- {name: dvc-s3-bucketx,")
    assert swapped != original
    base_file.write_text(swapped)
    try:
        proc = subprocess.run([*kustomize_argv(), str(tree / "overlays" / "dev")], capture_output=True, text=True)
    finally:
        base_file.write_text(original)
    assert proc.returncode != 0
    assert "/spec/arguments/parameters/4/name" in proc.stderr and "test failed" in proc.stderr


def _dvc_remotes() -> tuple[str, dict[str, dict[str, str]]]:
    parser = configparser.ConfigParser(comment_prefixes=("#",))
    parser.read(REPO / ".dvc" / "config")
    remotes = {}
    for section in parser.sections():
        if section.startswith("'remote "):
            remotes[section.split('"')[1]] = dict(parser[section])
    return parser["core"]["remote"], remotes


def test_each_environment_has_a_dvc_remote_on_its_own_bucket() -> None:
    default, remotes = _dvc_remotes()
    assert default == "dev"
    assert sorted(remotes) == sorted(ENVIRONMENTS)
    for env in ENVIRONMENTS:
        patch = bucket_patch(env)
        assert remotes[env]["url"] == f"s3://{patch['dvc-s3-bucket']}/dvc", env
        assert remotes[env]["region"] == patch["dvc-s3-region"], env


def test_the_dvc_config_holds_no_credentials() -> None:
    text = (REPO / ".dvc" / "config").read_text().lower()
    for key in ("access_key_id", "secret_access_key", "session_token", "password"):
        assert key not in text
