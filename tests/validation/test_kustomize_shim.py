"""The `kustomize` command the project installs: the README's `kustomize build` on a machine with no kustomize."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from validation.kustomize_shim import is_shim, kubectl_argv, real_kustomize

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the venv's scripts directory: where `pip install -e .` put the command
SHIM = BIN / "kustomize"


def _path_without_kustomize() -> str:
    """This machine's PATH minus every directory holding a kustomize, with the venv first (activated)."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "kustomize").exists()]
    return os.pathsep.join([str(BIN), *keep])


def _run(argv: list[str], path: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def shim() -> Path:
    if not SHIM.is_file():
        pytest.fail(f"{SHIM} is missing: reinstall the project (pip install -c constraints.txt -e '.[dev]')")
    assert is_shim(SHIM), f"{SHIM} is not the project's kustomize command"
    return SHIM


def test_the_readme_build_command_works_with_only_the_venv(shim: Path) -> None:
    """`kustomize build overlays/dev`, as the README writes it, prints what kubectl's kustomize prints."""
    assert "kustomize build overlays/dev | kubectl apply " in (REPO / "README.md").read_text()
    path = _path_without_kustomize()
    shell = _run(["sh", "-c", "kustomize build overlays/dev"], path)
    assert shell.returncode == 0, shell.stderr
    direct = _run([str(BIN / "kubectl"), "kustomize", "overlays/dev"], path)
    assert direct.returncode == 0, direct.stderr
    assert shell.stdout == direct.stdout
    assert "kind: WorkflowTemplate" in shell.stdout


def test_kustomize_flags_reach_the_engine(shim: Path, tmp_path: Path) -> None:
    out = tmp_path / "dev.yaml"
    done = _run(["kustomize", "build", "overlays/dev", "-o", str(out), "--load-restrictor", "LoadRestrictionsRootOnly"],
                _path_without_kustomize())
    assert done.returncode == 0, done.stderr
    assert "kind: WorkflowTemplate" in out.read_text()
    bad = _run(["kustomize", "build", "overlays/dev", "--load-restrictor", "Nonsense"], _path_without_kustomize())
    assert bad.returncode != 0 and "Nonsense" in bad.stderr  # the engine's own validation, not ours


def test_a_failed_build_fails_the_pipe_source(shim: Path, tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    done = _run(["kustomize", "build", str(tmp_path)], _path_without_kustomize())
    assert done.returncode != 0 and "missing.yaml" in done.stderr and done.stdout == ""


def test_version_prints_the_bundled_kustomize_version(shim: Path) -> None:
    done = _run(["kustomize", "version"], _path_without_kustomize())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("v5.") and done.stdout.count("\n") == 1


@pytest.mark.parametrize("argv", [["edit", "set", "image", "a=b"], ["build", ".", "--enable-exec"], ["localize"]])
def test_what_only_the_real_binary_does_is_refused_clearly(shim: Path, argv: list[str]) -> None:
    done = _run(["kustomize", *argv], _path_without_kustomize())
    assert done.returncode == 2
    assert done.stderr.startswith("kustomize: ") and "install" in done.stderr and "Traceback" not in done.stderr


def test_help_without_a_command(shim: Path) -> None:
    assert _run(["kustomize", "--help"], _path_without_kustomize()).returncode == 0
    bare = _run(["kustomize"], _path_without_kustomize())
    assert bare.returncode == 2 and "usage: kustomize build" in bare.stdout


def _fake_kustomize(directory: Path) -> Path:
    directory.mkdir()
    fake = directory / "kustomize"
    fake.write_text('#!/bin/sh\necho "real kustomize $*"\n')
    fake.chmod(0o755)
    return fake


def test_a_real_kustomize_earlier_on_path_runs_instead(shim: Path, tmp_path: Path) -> None:
    _fake_kustomize(tmp_path / "real")
    path = os.pathsep.join([str(tmp_path / "real"), _path_without_kustomize()])
    # Called through PATH and by its full path (e.g. from a script that hard-codes .venv/bin/kustomize).
    for argv in (["kustomize", "build", "overlays/dev"], [str(shim), "build", "overlays/dev"]):
        done = _run(argv, path)
        assert done.returncode == 0 and done.stdout == "real kustomize build overlays/dev\n", done.stderr


def test_a_real_kustomize_later_on_path_does_not(shim: Path, tmp_path: Path) -> None:
    _fake_kustomize(tmp_path / "real")
    path = os.pathsep.join([_path_without_kustomize(), str(tmp_path / "real")])
    done = _run(["kustomize", "build", "overlays/dev"], path)
    assert done.returncode == 0 and "kind: WorkflowTemplate" in done.stdout


def test_real_kustomize_lookup_stops_at_the_first_kustomize(tmp_path: Path, shim: Path) -> None:
    real = _fake_kustomize(tmp_path / "real")
    assert real_kustomize(os.pathsep.join([str(tmp_path / "real"), str(BIN)])) == real
    assert real_kustomize(os.pathsep.join([str(BIN), str(tmp_path / "real")])) is None
    assert real_kustomize(str(tmp_path / "nothing-here")) is None


def test_kubectl_argv_maps_build_and_version() -> None:
    kubectl = Path("/venv/bin/kubectl")
    assert kubectl_argv(kubectl, ["build", "dir", "--enable-helm"]) == [str(kubectl), "kustomize", "dir", "--enable-helm"]
    assert kubectl_argv(kubectl, ["--stack-trace", "build"]) == [str(kubectl), "kustomize"]
    assert kubectl_argv(kubectl, ["version"])[1:] == ["version", "--client", "-o", "json"]


def test_the_validator_skips_the_shim_and_runs_kubectl_directly(shim: Path) -> None:
    from validation.render import find_engine

    engine = find_engine(path_env=_path_without_kustomize())
    assert engine.argv == (str(BIN / "kubectl"), "kustomize")
