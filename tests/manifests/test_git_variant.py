"""The git variant's clone, run for real: the rendered fetch-code script against a local git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .conftest import one, rendered, template

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git, as the pipeline image has")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1"}


def _fetch_code() -> dict[str, Any]:
    return template(one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline-git"), "fetch-code")["container"]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], env={**os.environ, **GIT_ENV}, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A repository with history: commit names -> ids, and branch/tag names -> the commit they point at."""
    repo = tmp_path_factory.mktemp("origin")
    _git(repo, "init", "-q", "-b", "main")
    (repo / "pipeline").mkdir()
    (repo / "pipeline" / "requirements-constraints.txt").write_text("numpy==1\n")
    commits = {}
    for n in range(1, 4):
        (repo / "pipeline" / "cli.py").write_text(f"VERSION = {n}\n")
        _git(repo, "add", ".")
        _git(repo, "commit", "-qm", f"v{n}")
        commits[f"c{n}"] = _git(repo, "rev-parse", "HEAD")
        if n == 2:
            _git(repo, "tag", "light")
            _git(repo, "tag", "-a", "annotated", "-m", "release")
    _git(repo, "checkout", "-q", "-b", "feature", commits["c1"])
    (repo / "pipeline" / "cli.py").write_text("VERSION = 'feature'\n")
    _git(repo, "commit", "-qam", "feature")
    commits["feature"] = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-q", "main")
    (repo / "no-pipeline").mkdir()
    return {"path": str(repo), **commits}


def _run(container: dict[str, Any], work: Path, repo: str, revision: str, extra_env: dict[str, str] | None = None,
         image_pins: str = "numpy==1\n") -> subprocess.CompletedProcess[str]:
    env_spec = {e["name"]: e["value"] for e in container["env"]}
    assert env_spec["REPO"] == "{{workflow.parameters.repo}}" and env_spec["REVISION"] == "{{workflow.parameters.revision}}"
    work.mkdir(parents=True, exist_ok=True)
    pins = work / "image-pins.txt"  # stands in for the image's /opt/ml/requirements-constraints.txt
    pins.write_text(image_pins)
    env = {
        "PATH": os.environ["PATH"], **GIT_ENV, "REPO": repo, "REVISION": revision,
        # The pod's paths, moved under the test's directory.
        "SRC": str(work / env_spec["SRC"].removeprefix("/work/")),
        "HOME": str(work / ".home"), "IMAGE_PINS": str(pins), "GIT_TERMINAL_PROMPT": env_spec["GIT_TERMINAL_PROMPT"],
        **(extra_env or {}),
    }
    assert container["command"] == ["sh", "-c"]
    (script,) = container["args"]
    return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=120)


def _commit(work: Path) -> str:
    """The output parameter, read from where the template says the step leaves it."""
    (output,) = template(one(rendered("overlays/dev"), "WorkflowTemplate", "ml-pipeline-git"),
                         "fetch-code")["outputs"]["parameters"]
    return (work / output["valueFrom"]["path"].removeprefix("/work/")).read_text().strip()


@pytest.mark.parametrize(
    ("revision", "expect"),
    [("main", "c3"), ("feature", "feature"), ("light", "c2"), ("annotated", "c2"), ("c1", "c1"), ("c2-short", "c2")],
)
def test_any_branch_tag_or_commit_is_checked_out(origin: dict[str, str], tmp_path: Path, revision: str,
                                                  expect: str) -> None:
    rev = {"c1": origin["c1"], "c2-short": origin["c2"][:9]}.get(revision, revision)
    done = _run(_fetch_code(), tmp_path, origin["path"], rev)
    assert done.returncode == 0, done.stderr
    assert _commit(tmp_path) == origin[expect]
    src = tmp_path / "src"
    assert _git(src, "rev-parse", "HEAD") == origin[expect]
    assert (src / "pipeline" / "cli.py").is_file()
    if revision != "c2-short":  # the server resolved it: one commit fetched, not the history
        assert _git(src, "rev-list", "--count", "HEAD") == "1"


def test_a_server_that_will_not_serve_a_commit_by_id_falls_back_to_a_full_fetch(origin: dict[str, str],
                                                                                 tmp_path: Path) -> None:
    # Protocol v0 upload-pack refuses a want for an object no ref advertises (uploadpack.allowAnySHA1InWant off).
    v0 = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.version", "GIT_CONFIG_VALUE_0": "0"}
    done = _run(_fetch_code(), tmp_path, origin["path"], origin["c1"], extra_env=v0)
    assert done.returncode == 0, done.stderr
    assert _commit(tmp_path) == origin["c1"]


def test_an_unknown_revision_fails_at_once_with_exit_2(origin: dict[str, str], tmp_path: Path) -> None:
    done = _run(_fetch_code(), tmp_path, origin["path"], "no-such-branch")
    assert done.returncode == 2
    assert "revision no-such-branch is not a branch, tag or commit of" in done.stderr


def test_a_revision_without_the_pipeline_package_fails_with_exit_2(origin: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    _git(tmp_path, "init", "-q", "-b", "main", str(empty))
    (empty / "README").write_text("no code\n")
    _git(empty, "add", ".")
    _git(empty, "commit", "-qm", "docs")
    done = _run(_fetch_code(), tmp_path / "work", str(empty), "main")
    assert done.returncode == 2 and "has no pipeline package" in done.stderr


def test_a_retry_starts_from_a_clean_directory(origin: dict[str, str], tmp_path: Path) -> None:
    stale = tmp_path / "src" / "stale.txt"
    stale.parent.mkdir()
    stale.write_text("left by a failed attempt")
    done = _run(_fetch_code(), tmp_path, origin["path"], "main")
    assert done.returncode == 0, done.stderr
    assert not stale.exists()


def test_a_revision_that_pins_other_packages_than_the_image_says_so(origin: dict[str, str], tmp_path: Path) -> None:
    same = _run(_fetch_code(), tmp_path / "a", origin["path"], "main")
    assert same.returncode == 0 and "pins other packages" not in same.stderr
    differ = _run(_fetch_code(), tmp_path / "b", origin["path"], "main", image_pins="numpy==2\n")
    assert differ.returncode == 0, differ.stderr  # a note, not a failure: the image's packages are what runs
    assert "revision main pins other packages than this image" in differ.stderr
