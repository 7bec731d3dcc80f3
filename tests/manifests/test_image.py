"""Every environment runs one image, pinned by digest in its overlay, with nothing installed at run time."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ENVIRONMENTS, REPO, TEMPLATES, build, copy_tree, find, one, rendered, template

DIGEST_REF = re.compile(r"[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}")
LOGICAL_NAME = "ml-pipeline"  # what base/ writes; each overlay's images: entry turns it into a pinned reference
INSTALLERS = re.compile(r"\b(pip3?|uv|conda|poetry|apt-get|apk)\b.*\binstall\b|\bensurepip\b")


def _containers(wft: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for t in wft["spec"]["templates"]:
        for key in ("container", "script"):
            if key in t:
                out.append((t["name"], t[key]))
        for key in ("initContainers", "sidecars"):
            out += [(t["name"], c) for c in t.get(key, [])]
        out += [(t["name"], c) for c in t.get("containerSet", {}).get("containers", [])]
    return out


def _overlay_images(env: str) -> list[dict[str, Any]]:
    return yaml.safe_load((REPO / "overlays" / env / "kustomization.yaml").read_text())["images"]


def test_every_container_runs_the_one_pinned_image(env: str, objects: list[dict[str, Any]]) -> None:
    images = set()
    for name in TEMPLATES:
        for tmpl, container in _containers(one(objects, "WorkflowTemplate", name)):
            assert DIGEST_REF.fullmatch(container["image"]), f"{name}/{tmpl}: {container['image']}"
            images.add(container["image"])
    (entry,) = _overlay_images(env)
    assert images == {f"{entry['newName']}@{entry['digest']}"}


def test_the_overlay_pins_the_image_in_one_line(env: str) -> None:
    (entry,) = _overlay_images(env)
    assert entry["name"] == LOGICAL_NAME and set(entry) == {"name", "newName", "digest"}
    text = (REPO / "overlays" / env / "kustomization.yaml").read_text()
    lines = [line for line in text.splitlines() if entry["digest"] in line]
    assert len(lines) == 1 and entry["newName"] in lines[0]


def test_the_environments_run_the_same_image_name() -> None:
    assert len({_overlay_images(env)[0]["newName"] for env in ENVIRONMENTS}) == 1


def test_nothing_is_installed_at_run_time_and_no_code_configmap(env: str, objects: list[dict[str, Any]]) -> None:
    assert not find(objects, "ConfigMap")
    for name in TEMPLATES:
        wft = one(objects, "WorkflowTemplate", name)
        assert "install-deps" not in {t["name"] for t in wft["spec"]["templates"]}
        volumes = list(wft["spec"].get("volumes", [])) + [v for t in wft["spec"]["templates"] for v in t.get("volumes", [])]
        assert not [v for v in volumes if "configMap" in v], f"{name}: {volumes}"
        for tmpl, container in _containers(wft):
            text = " ".join([*container.get("command", []), *container.get("args", []), container.get("source", "")])
            assert not INSTALLERS.search(text), f"{name}/{tmpl} installs something at run time: {text[:200]}"
            for var in container.get("env", []):
                assert "/work/.deps" not in str(var.get("value", "")), f"{name}/{tmpl}"


def test_the_installer_pattern_would_catch_a_runtime_install() -> None:
    assert INSTALLERS.search("python -m pip install -r requirements.txt")
    assert INSTALLERS.search("apt-get update && apt-get install -y git")
    assert not INSTALLERS.search("python -m pipeline train-model --epochs=3")


def test_a_base_render_without_the_overlay_pin_names_no_pullable_image(tmp_path: Path) -> None:
    """The pin lives only in the overlays: an overlay that drops it renders the bare logical name, which the
    validator refuses (ARGO-IMAGE-TAG: no tag, no digest) instead of pulling something unpinned."""
    root = copy_tree(tmp_path)
    kustomization = root / "overlays" / "staging" / "kustomization.yaml"
    text = kustomization.read_text()
    kustomization.write_text(text[: text.index("images:")])
    images = {c["image"] for o in find(build(root / "overlays" / "staging"), "WorkflowTemplate")
              for _, c in _containers(o)}
    assert images == {LOGICAL_NAME}


# Every shape of Argo template that holds an image, in every Argo kind kustomizeconfig.yaml lists.
_TEMPLATES = """
- name: c
  container: {image: app}
- name: s
  script: {image: app, source: "print(1)"}
- name: cs
  containerSet: {containers: [{name: a, image: app}, {name: b, image: app}]}
- name: ic
  initContainers: [{name: i, image: app}]
  sidecars: [{name: s, image: app}]
  container: {image: app}
"""


def _argo_objects() -> str:
    templates = yaml.safe_load(_TEMPLATES)
    docs = []
    for kind in ("WorkflowTemplate", "ClusterWorkflowTemplate", "Workflow"):
        docs.append({"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": {"name": kind.lower()},
                     "spec": {"entrypoint": "c", "templates": templates}})
    docs.append({"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "cron"},
                 "spec": {"schedule": "0 * * * *", "workflowSpec": {"entrypoint": "c", "templates": templates}}})
    return yaml.safe_dump_all(docs)


@pytest.mark.parametrize("configured", [True, False])
def test_kustomizeconfig_teaches_images_every_argo_image_field(tmp_path: Path, configured: bool) -> None:
    shutil.copy(REPO / "base" / "kustomizeconfig.yaml", tmp_path / "kustomizeconfig.yaml")
    (tmp_path / "argo.yaml").write_text(_argo_objects())
    pin = "registry.example/app@sha256:" + "1" * 64
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [argo.yaml]\n"
        + ("configurations: [kustomizeconfig.yaml]\n" if configured else "")
        + f"images:\n  - {{name: app, newName: registry.example/app, digest: 'sha256:{'1' * 64}'}}\n"
    )
    objects = build(tmp_path)
    assert len(objects) == 4
    by_field: dict[str, set[str]] = {}
    for obj in objects:
        spec = obj["spec"]["workflowSpec"] if obj["kind"] == "CronWorkflow" else obj["spec"]
        for t in spec["templates"]:
            for key in ("container", "script"):
                if key in t:
                    by_field.setdefault(key, set()).add(t[key]["image"])
            for key in ("initContainers", "sidecars"):
                by_field.setdefault(key, set()).update(c["image"] for c in t.get(key, []))
            by_field.setdefault("containerSet", set()).update(
                c["image"] for c in t.get("containerSet", {}).get("containers", []))
    assert set(by_field) == {"container", "script", "initContainers", "sidecars", "containerSet"}
    if configured:
        assert all(images == {pin} for images in by_field.values()), by_field
    else:
        # kustomize finds lists named containers/initContainers anywhere by itself; Argo's own fields it leaves
        # alone. The config is what makes the one-line pin reach container, script and sidecars.
        assert by_field["container"] == by_field["script"] == by_field["sidecars"] == {"app"}


def test_the_git_variant_runs_the_same_image_as_the_steps(objects: list[dict[str, Any]]) -> None:
    wft = one(objects, "WorkflowTemplate", "ml-pipeline-git")
    fetch = template(wft, "fetch-code")["container"]["image"]
    assert fetch == template(wft, "data-prep")["container"]["image"]


def test_the_dev_render_used_by_other_tests_is_the_pinned_one() -> None:
    wft = one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline")
    assert "@sha256:" in template(wft, "train-model")["container"]["image"]
