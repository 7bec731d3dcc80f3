"""Run outside the project's venv, the validator says to activate it, not to install the project again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from validation.cli import missing_module_hint

REPO = Path(__file__).resolve().parents[3]


def _venv(root: Path, packages: tuple[str, ...]) -> Path:
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    for name in packages:
        (site / name).mkdir()
    return venv


def test_installed_in_an_inactive_venv_says_activate(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    _venv(tmp_path, ("jsonschema_rs",))
    hint = missing_module_hint("jsonschema_rs", start=tmp_path / "overlays", prefix="/usr")
    assert "installed in .venv, which is not active" in hint and ". .venv/bin/activate" in hint
    assert "pip install" not in hint


def test_a_venv_without_the_package_says_install_into_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    _venv(tmp_path, ())
    hint = missing_module_hint("jsonschema_rs", start=tmp_path, prefix="/usr")
    assert "activate .venv and install the project into it" in hint


def test_the_active_venv_missing_the_package_says_install(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    venv = _venv(tmp_path, ("jsonschema_rs",))
    hint = missing_module_hint("jsonschema_rs", start=tmp_path, prefix=str(venv))
    assert "install the project first" in hint


def test_no_venv_says_install(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    assert "install the project first" in missing_module_hint("yaml", start=tmp_path, prefix="/usr")


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "python").exists(), reason="needs the project's .venv")
def test_a_python_outside_the_venv_gets_the_activate_hint() -> None:
    # `python -I` ignores the venv's site-packages the way the system python would: the project imports from the
    # checkout, its dependencies do not.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    base = getattr(sys, "_base_executable", sys.executable)
    probe = subprocess.run([base, "-I", "-c", "import jsonschema_rs"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the base interpreter has the dependencies installed")
    done = subprocess.run([base, "-I", "-c", "import sys; sys.path.insert(0, '.'); from validation.cli import main; "
                                             "sys.exit(main(['check']))"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert ". .venv/bin/activate" in done.stderr and "Traceback" not in done.stderr, done.stderr
