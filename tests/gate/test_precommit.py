"""The commit gate with the real `pre-commit`, in a throwaway copy of this repository, offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .repo_copy import copy_repo, repo_files

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def gate_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text("")
    env = dict(os.environ)
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",  # as with the venv activated
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        XDG_CACHE_HOME=env.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),  # keep the warm schema cache
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(gitconfig),  # empty: no user hooksPath or signing config leaks in
        GIT_CONFIG_NOSYSTEM="1",
        PIP_NO_INDEX="1",  # anything that tried to install would fail instead of reaching the network
        PYTHONDONTWRITEBYTECODE="1",
    )
    for name in ("VALIDATION_DEBUG", "PRE_COMMIT", "SKIP"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory, gate_env: dict[str, str]) -> Path:
    """This repository's tracked and new files, as they are in the working tree, in a fresh git repo with the hooks."""
    root = copy_repo(tmp_path_factory.mktemp("gate") / "repo")
    run(root, gate_env, "git", "init", "-q", "-b", "main")
    run(root, gate_env, "git", "config", "user.email", "gate@example.com")
    run(root, gate_env, "git", "config", "user.name", "gate test")
    run(root, gate_env, "git", "config", "commit.gpgsign", "false")
    run(root, gate_env, "git", "add", "-A")
    run(root, gate_env, "git", "commit", "-q", "--no-verify", "-m", "copy of the repository")
    done = run(root, gate_env, sys.executable, "-m", "pre_commit", "install")
    assert "pre-commit installed" in done.stdout
    return root


@pytest.fixture
def repo(clone: Path, gate_env: dict[str, str]) -> Path:
    start = head(clone, gate_env)
    yield clone
    run(clone, gate_env, "git", "reset", "-q", "--hard", start)  # also undoes a commit the hooks let through
    run(clone, gate_env, "git", "clean", "-qfd")


def run(cwd: Path, env: dict[str, str], *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def commit(repo: Path, env: dict[str, str], *paths: str, message: str = "change") -> subprocess.CompletedProcess:
    run(repo, env, "git", "add", "--", *paths)
    return run(repo, env, "git", "commit", "-m", message, check=False)


def head(repo: Path, env: dict[str, str]) -> str:
    return run(repo, env, "git", "rev-parse", "HEAD").stdout.strip()


def hook_output(output: str, hook_name: str) -> str:
    """The block pre-commit prints for one hook: from its status line to the next hook's."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(hook_name))
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^\S.*\.{3,}(Passed|Failed|\(no files)", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])


def insert_after(path: Path, anchor: str, new_line: str) -> int:
    """Insert `new_line` after the first line equal to `anchor`; return the new line's 1-based number."""
    lines = path.read_text().splitlines(keepends=True)
    index = next((i for i, line in enumerate(lines) if line.rstrip("\n") == anchor), None)
    assert index is not None, f"{path} has no line {anchor!r}; pick another overlay resource for this test"
    lines.insert(index + 1, new_line + "\n")
    path.write_text("".join(lines))
    return index + 2


def append_comment(path: Path, text: str = "# reviewed") -> None:
    with path.open("a") as fh:
        fh.write(text + "\n")


def test_the_config_uses_local_hooks_only_and_both_files_load_in_pre_commit():
    from pre_commit.clientlib import load_config, load_manifest

    config = load_config(str(REPO / ".pre-commit-config.yaml"))
    assert [r["repo"] for r in config["repos"]] == ["local"]
    hooks = {h["id"]: h for h in config["repos"][0]["hooks"]}
    assert set(hooks) == {"yaml-parse", "yamllint", "ruff", "hadolint", "github-workflows", "validation-check"}
    assert {h["language"] for h in hooks.values()} <= {"system", "unsupported"}  # nothing to install
    assert hooks["validation-check"]["pass_filenames"] and hooks["validation-check"]["require_serial"]
    # pre-commit passes no deleted file: the hook must run anyway and read the deletions from git itself.
    assert hooks["validation-check"]["always_run"] and "--staged" in hooks["validation-check"]["entry"].split()
    published = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert {"validation-check", "validation-check-all", "validation-yaml"} <= set(published)
    assert published["validation-check"]["entry"] == hooks["validation-check"]["entry"]
    assert published["validation-check"]["always_run"]


def test_a_commit_with_a_typo_in_an_overlay_is_refused_naming_file_line_and_rule(repo, gate_env):
    before = head(repo, gate_env)
    target = repo / "overlays/dev/post-sync-run.yaml"
    line = insert_after(target, "spec:", "  serviceAcountName: ml-pipeline")  # missing 'c'
    done = commit(repo, gate_env, "overlays/dev/post-sync-run.yaml", message="typo")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert head(repo, gate_env) == before
    check = hook_output(output, "render and check")
    assert "Failed" in check
    assert f"overlays/dev/post-sync-run.yaml:{line}" in check, check
    assert re.search(r"\bSCHEMA-[A-Z-]+\b", check), check
    assert "serviceAcountName" in check


def test_a_commit_with_a_duplicate_key_is_refused_by_the_yaml_hook(repo, gate_env):
    target = repo / "overlays/staging/bucket.yaml"
    text = target.read_text()
    target.write_text(text.replace("- op: test\n", "- op: test\n  op: replace\n", 1))
    done = commit(repo, gate_env, "overlays/staging/bucket.yaml", message="duplicate key")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    block = hook_output(output, "YAML parses")
    assert "overlays/staging/bucket.yaml:2" in block and "YAML-DUPLICATE-KEY" in block, block


def test_a_good_commit_passes_every_hook(repo, gate_env):
    before = head(repo, gate_env)
    append_comment(repo / "overlays/staging/params.yaml", "# staging keeps the stricter gate")
    done = commit(repo, gate_env, "overlays/staging/params.yaml", message="comment")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert head(repo, gate_env) != before
    for hook in ("YAML parses", "yamllint", "render and check"):
        assert "Passed" in hook_output(output, hook), output


def test_a_commit_touching_one_overlay_renders_only_that_environment(repo, gate_env):
    append_comment(repo / "overlays/prod/params.yaml", "# prod: reviewed")
    done = commit(repo, gate_env, "overlays/prod/params.yaml", message="prod only")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    rendered = rendered_targets(hook_output(output, "render and check"))
    assert "prod" in rendered
    assert all("dev" not in t and "staging" not in t for t in rendered), rendered


def test_a_commit_touching_base_renders_every_environment(repo, gate_env):
    append_comment(repo / "base/kustomization.yaml", "# reviewed")
    done = commit(repo, gate_env, "base/kustomization.yaml", message="base")
    output = done.stdout + done.stderr
    # Pass or fail depends on the whole tree; what matters here is what was rendered.
    rendered = rendered_targets(hook_output(output, "render and check"))
    assert {"dev", "staging", "prod"} <= set(rendered), rendered


@pytest.mark.parametrize("how", ["delete", "rename"])
def test_a_commit_that_only_deletes_or_renames_a_referenced_file_is_refused(repo, gate_env, how):
    # pre-commit passes a hook no deleted file; the hook must still see that dev's kustomization lost its patch.
    before = head(repo, gate_env)
    if how == "delete":
        run(repo, gate_env, "git", "rm", "-q", "overlays/dev/params.yaml")
    else:
        run(repo, gate_env, "git", "mv", "overlays/dev/params.yaml", "overlays/dev/params-old.yaml")
    done = run(repo, gate_env, "git", "commit", "-m", how, check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert head(repo, gate_env) == before
    check = hook_output(output, "render and check")
    assert "Failed" in check, check
    # at the kustomization entry that names the file
    assert "overlays/dev/kustomization.yaml:13:12: error RENDER-FAILED patches: params.yaml does not exist" in check, check
    assert set(attempted_targets(check)) == {"dev", "app/ml-pipeline-dev"}  # still only what the change affects


def test_a_readme_only_commit_renders_nothing(repo, gate_env):
    append_comment(repo / "README.md", "More docs.")
    done = commit(repo, gate_env, "README.md", message="docs")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert rendered_targets(hook_output(output, "render and check")) == []


def test_yamllint_and_ruff_refuse_what_they_should(repo, gate_env):
    (repo / "overlays/dev/params.yaml").write_text((repo / "overlays/dev/params.yaml").read_text() + "# trailing   \n")
    bad_py = repo / "benchmarks" / "scratch.py"
    bad_py.write_text("import os\n")
    done = commit(repo, gate_env, "overlays/dev/params.yaml", "benchmarks/scratch.py", message="lint")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "trailing-spaces" in hook_output(output, "yamllint")
    assert "F401" in hook_output(output, "ruff")


def rendered_targets(block: str) -> list[str]:
    """Target names from the check's summary line: `passed: ... ; rendered: dev, app/ml-pipeline-dev (0.41s)`."""
    m = re.search(r"rendered: (.*?)(?:;|\s\(\d|$)", block, re.MULTILINE)
    assert m, f"no summary line in:\n{block}"
    names = [n.strip() for n in m.group(1).split(",")]
    return [] if names == ["none"] else names


def attempted_targets(block: str) -> list[str]:
    """What the check tried to render: the summary's `rendered:` names plus any `failed to render:` ones."""
    failed = re.search(r"failed to render: (.*?)(?:;|\s\(\d|$)", block, re.MULTILINE)
    return rendered_targets(block) + ([n.strip() for n in failed.group(1).split(",")] if failed else [])


def test_the_yamllint_config_passes_the_tree_as_it_is():
    files = [f for f in repo_files() if f.endswith((".yaml", ".yml")) and (REPO / f).is_file()]
    done = subprocess.run(
        [sys.executable, "-m", "yamllint", "-c", str(REPO / ".yamllint.yaml"), "--strict", "-f", "parsable", *files],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout
    config = yaml.safe_load((REPO / ".yamllint.yaml").read_text())
    assert config["extends"] == "default"


def test_a_syntax_error_is_reported_once_by_the_first_yaml_hook(repo, gate_env):
    target = repo / "overlays/dev/kustomization.yaml"
    target.write_text(target.read_text().replace("namespace: ml-dev", "namespace: [ml-dev"))
    done = commit(repo, gate_env, "overlays/dev/kustomization.yaml", message="syntax error")
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    block = hook_output(output, "YAML parses")
    assert "overlays/dev/kustomization.yaml:3:12: error YAML-PARSE" in block, block  # the line with the open `[`
    # yamllint ("syntax error") and the render (kustomize's "invalid Kustomization: yaml: line 3") would say it
    # again: the hook order and yaml-parse's fail_fast keep them from running at all.
    assert output.count("YAML-PARSE") == 1, output
    assert "syntax error" not in output and "invalid Kustomization" not in output and "RENDER-FAILED" not in output
    assert "yamllint" not in output and "render and check" not in output, output


def test_outside_the_venv_a_commit_is_refused_not_waved_through(repo, gate_env):
    """docs/gitops-gate.md: without `. .venv/bin/activate` the hooks run the first python on PATH, and refuse."""
    env = dict(gate_env)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(sys.prefix))
    env.pop("VIRTUAL_ENV", None)
    try:
        probe = subprocess.run(["python", "-c", "import yamllint, ruff, jsonschema_rs"], env=env, capture_output=True)
    except FileNotFoundError:  # no python at all outside the venv: the hooks cannot start, which refuses too
        probe = None
    if probe is not None and probe.returncode == 0:
        pytest.skip("the python outside the venv has the project's tools: there is no 'outside' here")
    start = head(repo, gate_env)
    append_comment(repo / "overlays" / "dev" / "params.yaml")
    done = commit(repo, env, "overlays/dev/params.yaml")
    output = done.stdout + done.stderr
    assert done.returncode != 0 and head(repo, gate_env) == start, output
    # The first hook that fails says why: a module the python on PATH lacks (which one depends on the hook order).
    assert re.search(r"No module named|is missing|not installed|Executable `python` not found", output), output
    if "Executable `python` not found" not in output:  # pre-commit's own words: no python to print our hint
        assert ". .venv/bin/activate" in output or "No module named" in output, output
