"""Issue 16's newcomer, row by row: what each step of the README and the docs tells a person is true."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import yaml

from tests.docs.doc_commands import REPO, all_blocks, command_lines
from tests.manifests.conftest import rendered
from tests.next_steps import BENCHMARKS, suite_rows

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_the_first_readme_command_ends_by_printing_the_next_steps() -> None:
    first = command_lines(all_blocks()[0])[0]
    assert first.startswith("python3 -m venv .venv") and first.endswith("&& python tests/next_steps.py"), first
    done = subprocess.run([sys.executable, "tests/next_steps.py"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert ". .venv/bin/activate" in done.stdout and "in every new shell" in done.stdout
    assert "pre-commit install" in done.stdout
    rows = suite_rows(BENCHMARKS.read_text(encoding="utf-8"))
    for command, _, time in rows:  # the times are benchmarks/README.md's, not a copy of them
        assert f"  {command}\n" in done.stdout and time in done.stdout, command


def test_the_suite_time_and_quicker_subsets_are_measured_and_linked_from_the_readme() -> None:
    assert "(benchmarks/README.md#the-test-suite)" in README
    rows = {command: time for command, _, time in suite_rows(BENCHMARKS.read_text(encoding="utf-8"))}
    assert "python -m pytest -q" in rows, "the README's own test command must have its time"
    subsets = [c for c in rows if c != "python -m pytest -q"]
    assert subsets, "name at least one quicker subset"
    for command in subsets:
        for path in (w for w in shlex.split(command) if w.startswith("tests/")):
            assert (REPO / path).exists(), f"{command}: no {path}"
    assert all(re.search(r"\d", time) or "seconds" in time for time in rows.values()), rows


def _selected(selector: str, labels: dict[str, str]) -> bool:
    """kubectl's equality-based label selector: `k=v`, `k==v`, `k!=v` (an object without k matches `!=`)."""
    for term in selector.split(","):
        key, op, value = re.fullmatch(r"([^!=]+)(!=|==|=)(.*)", term.strip()).groups()
        if (labels.get(key) == value) == (op == "!="):
            return False
    return True


def test_the_hand_apply_of_dev_leaves_out_exactly_the_postsync_run() -> None:
    applies = [line for b in all_blocks() if b.file in ("README.md", "docs/operations.md")
               for line in command_lines(b) if line.startswith("kustomize build overlays/dev |")]
    assert {"README.md", "docs/operations.md"} == {
        b.file for b in all_blocks() for line in command_lines(b) if line in applies}
    objects = rendered("overlays/dev")
    hooks = {o["metadata"]["name"] for o in objects
             if o["metadata"].get("annotations", {}).get("argocd.argoproj.io/hook") == "PostSync"}
    assert hooks == {"ml-pipeline-git-post-sync"}
    for line in applies:
        words = shlex.split(line.split("|", 1)[1])
        assert "-l" in words, f"{line}: applies dev's PostSync run too"
        selector = words[words.index("-l") + 1]
        left_out = {o["metadata"]["name"] for o in objects if not _selected(selector, o["metadata"].get("labels", {}))}
        assert left_out == hooks, f"{line}: leaves out {left_out}, not just the PostSync run"


def test_the_selector_reading_is_kubectls() -> None:
    assert _selected("a!=b", {}) and _selected("a!=b", {"a": "c"}) and not _selected("a!=b", {"a": "b"})
    assert _selected("a=b", {"a": "b"}) and not _selected("a=b", {}) and not _selected("a==b", {"a": "c"})


def test_the_gate_doc_says_when_ci_runs_as_the_workflow_does() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "validate.yml").read_text(encoding="utf-8"))
    on = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads the key `on` as true
    assert on["push"]["branches"] == ["main"] and "pull_request" in on
    gate = (REPO / "docs" / "gitops-gate.md").read_text(encoding="utf-8")
    assert "runs the full check on every push to `main` and on every pull request" in " ".join(gate.split())
    assert "on every push and pull request" not in " ".join(gate.split())


def test_operations_md_says_how_to_install_the_argo_and_argocd_clis() -> None:
    setup = [b for b in all_blocks() if b.file == "docs/operations.md" and "cluster" in b.markers]
    installs = " ".join(line for b in setup for line in command_lines(b))
    for cli, release in (("argo", "argoproj/argo-workflows/releases/download/"),
                         ("argocd", "argoproj/argo-cd/releases/download/")):
        assert release in installs and f"/usr/local/bin/{cli} " in installs + " ", cli
    assert "argo version" in installs and "argocd version --client" in installs
