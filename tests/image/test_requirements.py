"""The image's locked requirements: pinned, equal to the project's constraints, covering every import."""

from __future__ import annotations

import re
import sys

from .dockerfile import REPO

PIPELINE = REPO / "pipeline"


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


def test_every_third_party_import_of_the_pipeline_is_required() -> None:
    # Module name -> distribution name, for the packages whose import name differs.
    distribution = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
    requirements = _pins((PIPELINE / "requirements.txt").read_text())

    imported = set()
    for path in PIPELINE.glob("*.py"):
        for match in re.finditer(r"^\s*(?:from|import)\s+([A-Za-z_][A-Za-z0-9_]*)", path.read_text(), re.M):
            imported.add(match.group(1))
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in {"pipeline", "__future__"}}
    missing = sorted(m for m in third_party if distribution.get(m, m).lower() not in requirements)
    assert not missing, f"pipeline imports {missing} but pipeline/requirements.txt does not install them"


