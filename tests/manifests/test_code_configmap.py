"""The pipeline code reaches the pods as a generated ConfigMap whose hashed name the templates really use."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .conftest import REPO, TEMPLATES, copy_tree, find, one, rendered


def rendered_dev() -> list[dict[str, Any]]:
    return rendered("overlays/dev")


PIPELINE = REPO / "pipeline"
# kubectl's client-side apply copies the object into an annotation capped at 256 KiB; stay well below.
MAX_CODE_BYTES = 200 * 1024


def _generator() -> dict[str, Any]:
    kustomization = yaml.safe_load((PIPELINE / "kustomization.yaml").read_text())
    (generator,) = kustomization["configMapGenerator"]
    return generator


def test_every_pipeline_module_is_shipped_in_the_configmap() -> None:
    listed = set(_generator()["files"])
    on_disk = {path.name for path in PIPELINE.glob("*.py")}
    assert on_disk, "pipeline/ has no modules"
    missing = sorted(on_disk - listed)
    assert not missing, f"add to pipeline/kustomization.yaml configMapGenerator files: {missing}"
    assert {"requirements.txt", "requirements-constraints.txt"} <= listed


def test_the_package_is_flat_because_a_configmap_is() -> None:
    nested = sorted(str(p.relative_to(REPO)) for p in PIPELINE.glob("*/**/*.py") if "__pycache__" not in p.parts)
    assert not nested, f"subpackages cannot be mounted from one ConfigMap: {nested}"


def test_the_rendered_configmap_holds_the_files_byte_for_byte(env: str, objects: list[dict[str, Any]]) -> None:
    (configmap,) = find(objects, "ConfigMap")
    data = configmap["data"]
    assert set(data) == set(_generator()["files"])
    for key, text in data.items():
        assert text == (PIPELINE / key).read_text(), key
    assert sum(len(text.encode()) for text in data.values()) < MAX_CODE_BYTES


def test_every_volume_names_the_generated_configmap(env: str, objects: list[dict[str, Any]]) -> None:
    (configmap,) = find(objects, "ConfigMap")
    name = configmap["metadata"]["name"]
    assert re.fullmatch(r"ml-pipeline-code-[a-z0-9]{10}", name), name
    seen = 0
    for obj in find(objects, "WorkflowTemplate") + find(objects, "Workflow"):
        spec = obj["spec"]
        volumes = list(spec.get("volumes", []))
        for tmpl in spec.get("templates", []):
            volumes += tmpl.get("volumes", [])
        for volume in volumes:
            if "configMap" in volume:
                assert volume["configMap"]["name"] == name, f"{obj['metadata']['name']}: {volume}"
                seen += 1
    assert seen >= len(TEMPLATES)


def test_a_code_change_renames_the_configmap(tmp_path: Any) -> None:

    from .conftest import build

    copy_tree(tmp_path)
    before = one(build(tmp_path / "overlays" / "dev"), "WorkflowTemplate", "ml-pipeline")["spec"]["volumes"]
    with (tmp_path / "pipeline" / "__init__.py").open("a") as handle:
        handle.write("\n# changed\n")
    after = one(build(tmp_path / "overlays" / "dev"), "WorkflowTemplate", "ml-pipeline")["spec"]["volumes"]
    assert before != after


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line!r}"
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_requirements_are_pinned_to_the_constraints() -> None:
    requirements = _pins((PIPELINE / "requirements.txt").read_text())
    constraints = _pins((REPO / "constraints.txt").read_text())
    assert {"scikit-learn", "mlflow", "dvc", "dvc-s3", "boto3"} <= requirements.keys()
    for name, version in requirements.items():
        assert constraints.get(name) == version, f"{name}=={version} but constraints.txt has {constraints.get(name)}"


def test_the_install_constraints_are_the_venv_constraints_plus_setuptools() -> None:
    shipped = _pins((PIPELINE / "requirements-constraints.txt").read_text())
    venv = _pins((REPO / "constraints.txt").read_text())
    assert {k: v for k, v in shipped.items() if k != "setuptools"} == venv
    assert "setuptools" in shipped  # pip freeze leaves it out, pip install may still pull it in


def test_install_deps_installs_with_both_files_from_the_package_dir(objects: list[dict[str, Any]]) -> None:
    for name in TEMPLATES:
        wft = one(objects, "WorkflowTemplate", name)
        (script,) = next(t for t in wft["spec"]["templates"] if t["name"] == "install-deps")["container"]["args"]
        assert '-r "{{inputs.parameters.package-dir}}/requirements.txt"' in script
        assert '-c "{{inputs.parameters.package-dir}}/requirements-constraints.txt"' in script
        assert "--target /work/.deps" in script


def test_every_third_party_import_of_the_pipeline_is_required() -> None:
    # Module name -> distribution name, for the packages whose import name differs.
    distribution = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
    requirements = _pins((PIPELINE / "requirements.txt").read_text())
    import sys

    imported = set()
    for path in PIPELINE.glob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", path.read_text(), re.M):
            imported.add(match.group(1))
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in {"pipeline", "__future__"}}
    missing = sorted(m for m in third_party if distribution.get(m, m).lower() not in requirements)
    assert not missing, f"pipeline imports {missing} but pipeline/requirements.txt does not install them"


def test_without_the_argo_configurations_the_templates_would_name_a_missing_configmap(tmp_path: Any) -> None:
    """The nameReference fieldSpecs are load-bearing: drop them and kustomize leaves the unhashed name."""

    from .conftest import build

    copy_tree(tmp_path)
    kustomization = tmp_path / "base" / "kustomization.yaml"
    text = kustomization.read_text()
    assert "configurations:\n  - kustomizeconfig.yaml\n" in text
    kustomization.write_text(text.replace("configurations:\n  - kustomizeconfig.yaml\n", ""))
    objects = build(tmp_path / "overlays" / "dev")
    volumes = one(objects, "WorkflowTemplate", "ml-pipeline")["spec"]["volumes"]
    assert {"name": "code", "configMap": {"name": "ml-pipeline-code"}} in volumes
    assert find(objects, "ConfigMap")[0]["metadata"]["name"] != "ml-pipeline-code"


def test_install_deps_skips_pip_when_the_image_already_has_the_packages(tmp_path: Any) -> None:
    """The prebuilt-image path, run for real: the venv has the packages, so the script must not call pip."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    wft = one(rendered_dev(), "WorkflowTemplate", "ml-pipeline")
    (script,) = next(t for t in wft["spec"]["templates"] if t["name"] == "install-deps")["container"]["args"]
    script = script.replace("{{inputs.parameters.package-dir}}", str(tmp_path / "missing"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "nothing to install" in proc.stdout
