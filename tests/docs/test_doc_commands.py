"""Every command README.md and docs/*.md show works as written: the quick offline ones run, the rest are checked.

The convention (which block runs, which is only checked) is in tests/docs/doc_commands.py and docs/README.md.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.docs.doc_commands import (
    CLUSTER_PROGRAMS,
    MARKERS,
    REPO,
    Block,
    all_blocks,
    command_lines,
    redirection_placeholders,
    repo_paths,
    simple_commands,
)
from tests.gate.repo_copy import copy_repo
from tests.manifests.conftest import NAMESPACES, rendered

BLOCKS = all_blocks()
RUNNABLE = [b for b in BLOCKS if b.runs]
VENV = REPO / ".venv" if (REPO / ".venv" / "bin" / "activate").is_file() else Path(sys.prefix)
# Where the README's install put the programs: the venv's bin, or (CI installs without a venv) the interpreter's.
SCRIPTS = VENV / "bin" if (VENV / "bin" / "activate").is_file() else Path(sysconfig.get_path("scripts"))
# Namespaces a command may name: the environments', and those the set-up creates for Argo, Argo CD and MLflow.
NAMESPACES_KNOWN = {*NAMESPACES.values(), "argo", "argocd", "mlflow"}
SHELL_BUILTINS = {"cd", "echo", "set", "export", "source", ".", "true", "false", "test", "[", "printf"}


def test_the_docs_have_commands_of_every_kind() -> None:
    """Guards the extraction itself: a broken fence pattern must not make every other test here pass on nothing."""
    assert len(RUNNABLE) >= 5, [str(b) for b in RUNNABLE]
    assert {m for b in BLOCKS for m in b.markers} == set(MARKERS)
    assert any(b.lang == "console" for b in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_a_block_has_only_known_markers(block: Block) -> None:
    unknown = [m for m in block.markers if m not in MARKERS]
    assert not unknown, f"{block}: unknown marker(s) {unknown}; use one of {MARKERS} (see tests/docs/doc_commands.py)"


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_no_placeholder_a_shell_would_read_as_a_redirection(block: Block) -> None:
    for line in command_lines(block):
        assert not redirection_placeholders(line), (
            f"{block}: {line!r}: <...> is a redirection to a shell; write a real example value"
        )


@pytest.mark.parametrize("block", BLOCKS, ids=str)
def test_every_command_names_what_exists(block: Block) -> None:
    """Files and folders, modules, subcommands and flags, programs, namespaces, templates and Applications."""
    problems = [p for line in command_lines(block) for words in simple_commands(line) for p in _check(block, words)]
    assert not problems, f"{block}:\n" + "\n".join(problems)


WHY_NOT_RUN = {
    "slow": "offline but minutes long: checked by test_every_command_names_what_exists, not run",
    "cluster": "needs a cluster, a cloud account, Docker or the network: checked, not run",
    "console": "a transcript with output: its commands are checked, not run",
}


def test_every_block_not_run_says_why() -> None:
    """A block is run below, or marked with a reason not to run it (its commands are still checked above)."""
    unexplained = [str(b) for b in BLOCKS if not b.runs
                   and not (b.lang == "console" or (b.markers and b.markers[0] in WHY_NOT_RUN))]
    assert not unexplained, unexplained


@pytest.mark.parametrize("block", RUNNABLE, ids=str)
def test_a_quick_offline_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    """In a new shell, from the root of a copy of the repository (a git checkout with the installed .venv)."""
    root = _checkout(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != SCRIPTS)
    env["HOME"] = str(tmp_path / "home")  # pre-commit and git keep their state there
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit")
    script = ("set -eo pipefail\n" + (". .venv/bin/activate\n" if block.venv else "") + block.body)
    done = subprocess.run(["bash", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{block} failed ({done.returncode}):\n{block.body}\n--- stderr\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert not (root / "mlflow.db").exists(), "a command left an MLflow store in the repository root"


def test_every_tool_a_cluster_block_uses_is_installed_as_operations_md_says() -> None:
    programs = {words[0] for b in BLOCKS if "cluster" in b.markers
                for line in command_lines(b) for words in simple_commands(line)}
    setup = _section(REPO / "docs" / "operations.md", "## Set up, in order")
    missing = [p for p in sorted(programs & {"argo", "argocd", "aws", "docker", "kubectl"}) if f"`{p}`" not in setup]
    assert not missing, f"docs/operations.md 'Set up, in order' does not say how to get: {missing}"
    assert "argo" in programs and "argocd" in programs


# -- the checks ------------------------------------------------------------------------------------------------------


def _check(block: Block, words: list[str]) -> list[str]:
    program, args = words[0], words[1:]
    shown = " ".join(words)
    problems = [f"{shown}: no {p} in the repository" for p in repo_paths(words) if not (REPO / p).exists()]
    if program in CLUSTER_PROGRAMS and not (program == "kubectl" and args[:1] == ["kustomize"]):
        if "cluster" not in block.markers and block.lang != "console":
            problems.append(f"{shown}: {program} needs a cluster or a cloud account: mark the block `bash cluster`")
    elif program.startswith(".venv/bin/"):
        if not (SCRIPTS / program.removeprefix(".venv/bin/")).exists():
            problems.append(f"{shown}: the README's install puts no {program} in the venv")
    elif program not in SHELL_BUILTINS and "cluster" not in block.markers and not _on_path(program):
        problems.append(f"{shown}: {program} is neither installed by the README's install nor on PATH")
    if program in ("python", "python3"):
        problems += _check_python(args, shown)
    namespace = _flag(args, "-n", "--namespace")
    if namespace and not namespace.startswith("$") and namespace not in NAMESPACES_KNOWN:
        problems.append(f"{shown}: namespace {namespace} is not one this repository deploys to")
    if program == "argo":
        problems += _check_argo(args, namespace, shown)
    if program == "argocd" and args[:1] == ["app"] and len(args) > 2 and not args[2].startswith("-"):
        apps = {o["metadata"]["name"] for o in rendered("argocd") if o["kind"] == "Application"}
        if args[2] not in apps:
            problems.append(f"{shown}: no Application {args[2]} (there are {sorted(apps)})")
    return problems


def _check_python(args: list[str], shown: str) -> list[str]:
    if args[:1] == ["-m"] and len(args) > 1:
        module, rest = args[1], args[2:]
        if module in ("validation", "pipeline"):
            return _parses(module, rest, shown)
        if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
            return [f"{shown}: no module {module}"]
        if module != "pytest":
            return _flags_in_help([sys.executable, "-m", module], rest, shown)
        return []
    if args and args[0].endswith(".py"):
        if not (REPO / args[0]).is_file():
            return [f"{shown}: no {args[0]}"]
        return _flags_in_help([sys.executable, str(REPO / args[0])], args[1:], shown)
    return []


def _parses(module: str, args: list[str], shown: str) -> list[str]:
    """The project's own commands: argparse accepts the subcommand, the flags and their values."""
    build_parser = importlib.import_module(f"{module}.cli").build_parser
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args(args)
        except SystemExit as exc:
            if exc.code not in (0, None):  # --help exits 0
                return [f"{shown}: {err.getvalue().strip()}"]
    return []


def _flags_in_help(argv: list[str], args: list[str], shown: str) -> list[str]:
    flags = [a.split("=")[0] for a in args if a.startswith("--")]
    if not flags:
        return []
    done = subprocess.run([*argv, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return [f"{shown}: --help failed: {done.stderr.strip()[-300:]}"]
    return [f"{shown}: {flag} is not in its --help" for flag in flags if flag not in done.stdout]


def _check_argo(args: list[str], namespace: str | None, shown: str) -> list[str]:
    source = _flag(args, "--from")
    if not source:
        return []
    kind, _, name = source.partition("/")
    env = next((e for e, ns in NAMESPACES.items() if ns == namespace), None)
    if kind != "workflowtemplate" or env is None:
        return [f"{shown}: --from {source} -n {namespace}: not a WorkflowTemplate of an environment"]
    found = [o for o in rendered(f"overlays/{env}") if o["kind"] == "WorkflowTemplate" and o["metadata"]["name"] == name]
    if not found:
        return [f"{shown}: no WorkflowTemplate {name} in overlays/{env}"]
    params = {p["name"] for p in found[0]["spec"]["arguments"]["parameters"]}
    given = [args[i + 1].split("=")[0] for i, a in enumerate(args[:-1]) if a == "-p"]
    return [f"{shown}: {name} has no parameter {p}" for p in given if p not in params]


def _flag(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _on_path(program: str) -> bool:
    return bool(shutil.which(program, path=os.pathsep.join([str(SCRIPTS), os.environ.get("PATH", "")])))


def _section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start: end if end != -1 else None]


def _checkout(root: Path) -> Path:
    """The working tree's files in a fresh git repository, with the installed programs under .venv/bin."""
    copy_repo(root)
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for program in SCRIPTS.iterdir():
        (bin_dir / program.name).symlink_to(program)
    if not (bin_dir / "activate").exists():  # installed without a venv (CI): activating puts those programs first
        (bin_dir / "activate").write_text(f'export PATH="{SCRIPTS}:$PATH"\n')
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.invalid"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "docs test"], cwd=root, check=True)
    return root



@pytest.mark.parametrize(
    ("markers", "line", "problem"),
    [
        ((), "python -m validation check --no-such-flag", "unrecognized arguments: --no-such-flag"),
        ((), "python -m validation update-bucket Bad_Name --env staging", ""),  # a value the command checks at run
        ((), "python -m pipeline run --epochs 0", "must be 1 or more"),
        ((), "python -m no_such_module", "no module no_such_module"),
        ((), "python benchmarks/no_such.py", "no benchmarks/no_such.py"),
        ((), "python benchmarks/check_speed.py --no-such-flag", "--no-such-flag is not in its --help"),
        ((), "kustomize build overlays/qa", "no overlays/qa in the repository"),
        ((), "kubectl apply -k argocd", "mark the block `bash cluster`"),
        (("cluster",), "argo submit --from workflowtemplate/nope -n ml-dev", "no WorkflowTemplate nope"),
        (("cluster",), "argo submit --from workflowtemplate/ml-pipeline -n ml-dev -p epoch=5", "no parameter epoch"),
        (("cluster",), "argo list -n ml-qa", "namespace ml-qa"),
        (("cluster",), "argocd app sync ml-pipeline-qa", "no Application ml-pipeline-qa"),
        (("cluster",), "argocd app sync ml-pipeline-prod", ""),
    ],
)
def test_the_checks_find_what_does_not_exist(markers: tuple[str, ...], line: str, problem: str) -> None:
    block = Block(file="x.md", line=1, lang="bash", markers=markers, body=line, venv=True)
    found = [p for words in simple_commands(line) for p in _check(block, words)]
    if problem:
        assert any(problem in p for p in found), found
    else:
        assert not found, found


def test_a_placeholder_in_angle_brackets_is_found_outside_quotes_only() -> None:
    assert redirection_placeholders("update-image ghcr.io/x@sha256:<digest> --env dev") == ["<digest>"]
    assert redirection_placeholders("echo '<not a redirection>'") == []
