"""A render failure is one finding per cause, at the entry to edit, read back from kustomize's real messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validation.engine.helpers import FILES, application, overlay, write
from validation import config, engine
from validation.model import Finding


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, {**FILES, **overlay("dev"), **overlay("prod"), "argocd/apps/dev.yaml": application("dev")})
    return root


def failures(root: Path) -> list[Finding]:
    result = engine.run(config.load(root), select=["RENDER"])
    assert result.errors == [], result.errors  # kustomize refusing the input is not a tool error
    found = [f for f in result.findings if f.rule_id == "RENDER-FAILED"]
    assert found and result.exit_code() == 1
    for f in found:
        assert str(root) not in f.message and "evalsymlink" not in f.message and len(f.message) < 300
    return found


def line_of(root: Path, file: str, line: int) -> str:
    return (root / file).read_text().splitlines()[line - 1]


def edit(root: Path, rel: str, old: str, new: str) -> None:
    text = (root / rel).read_text()
    assert old in text, (rel, old)
    (root / rel).write_text(text.replace(old, new, 1))


def test_a_missing_generator_file_in_the_base_is_one_finding_at_its_entry_naming_every_target(repo: Path) -> None:
    edit(repo, "base/kustomization.yaml", "literals: [greeting=hello]", "files: [greeting.txt]")
    (finding,) = failures(repo)
    assert (finding.file, finding.line) == ("base/kustomization.yaml", 6)
    assert line_of(repo, finding.file, finding.line)[finding.column - 1:].startswith("greeting.txt")
    assert finding.message == "configMapGenerator code: files: greeting.txt does not exist (kustomize cannot build dev, prod)"
    assert finding.target == "dev, prod"  # the Application for dev is dev too: one cause, reported once


@pytest.mark.parametrize("old, new, where, message", [
    ("  - ../../base\n", "  - ../../base\n  - extra.yaml\n", "- extra.yaml", "resources: extra.yaml does not exist"),
    ("  - path: bucket.yaml\n", "  - path: bucket.yaml\n  - path: gone.yaml\n", "gone.yaml", "patches: gone.yaml does not exist"),
    ("namespace: ml-dev\n", "namespace: ml-dev\ncomponents: [../../comp]\n", "../../comp",
     "components: ../../comp does not exist"),
    ("namespace: ml-dev\n", "namespace: ml-dev\nconfigMapGenerator:\n  - name: env\n    envs: [.env]\n", ".env",
     "configMapGenerator env: envs: .env does not exist"),
    ("namespace: ml-dev\n", "namespace: ml-dev\nconfigMapGenerator:\n  - name: lit\n    literals: [novalue]\n", "novalue",
     "configMapGenerator lit: literal 'novalue' is not KEY=VALUE"),
    # a message of no known shape that names a missing file: the entry naming it, whichever field it is in
    ("namespace: ml-dev\n", "namespace: ml-dev\nconfigurations:\n  - config/names.yaml\n", "config/names.yaml",
     "config/names.yaml does not exist"),
])
def test_a_missing_or_bad_entry_is_found_in_the_overlay(repo: Path, old: str, new: str, where: str,
                                                       message: str) -> None:
    edit(repo, "overlays/dev/kustomization.yaml", old, new)
    (finding,) = failures(repo)
    assert finding.file == "overlays/dev/kustomization.yaml"
    assert where in line_of(repo, finding.file, finding.line)
    assert finding.message == f"{message} (kustomize cannot build dev)" and finding.target == "dev"


@pytest.mark.parametrize("ops, line, message", [
    ("- op: test\n  path: /data/bucket\n  value: other\n", 2, "test /data/bucket failed"),
    ("- op: replace\n  path: /data/missing/x\n  value: 1\n", 2, "replace /data/missing/x: the object has no such path"),
    ("- op: remove\n  path: /data/missing\n", 2, "remove /data/missing: unable to remove nonexistent key"),
    ("- op: move\n  from: /data/missing\n  path: /data/x\n", 2, "move from .../missing"),
    ("- op: add\n  path: /metadata/finalizers/3\n  value: x\n", 2, "add /metadata/finalizers/3"),
])
def test_a_failed_json6902_operation_is_found_in_its_patch_file(repo: Path, ops: str, line: int, message: str) -> None:
    write(repo, {"overlays/dev/ops.yaml": "# a second patch\n" + ops})
    if "finalizers" in ops:
        edit(repo, "base/configmap.yaml", "  name: settings\n", "  name: settings\n  finalizers: [a]\n")
    edit(repo, "overlays/dev/kustomization.yaml", "  - path: bucket.yaml\n",
         "  - path: bucket.yaml\n  - path: ops.yaml\n    target: {kind: ConfigMap, name: settings}\n")
    (finding,) = failures(repo)
    assert (finding.file, finding.line) == ("overlays/dev/ops.yaml", line + 1)
    assert finding.message.startswith(message), finding.message


def test_a_failure_in_the_base_points_into_the_base_not_at_the_overlays(repo: Path) -> None:
    edit(repo, "base/kustomization.yaml", "  - serviceaccount.yaml\n", "  - serviceaccount.yaml\n  - role.yaml\n")
    (finding,) = failures(repo)
    assert (finding.file, finding.line, finding.target) == ("base/kustomization.yaml", 4, "dev, prod")


def test_a_strategic_merge_patch_for_no_object_points_at_its_name(repo: Path) -> None:
    edit(repo, "overlays/dev/bucket.yaml", "name: settings", "name: setings")
    (finding,) = failures(repo)
    assert (finding.file, finding.line) == ("overlays/dev/bucket.yaml", 4)
    assert "no such object" in finding.message


def test_replacements_point_at_the_source_that_is_missing(repo: Path) -> None:
    edit(repo, "overlays/dev/kustomization.yaml", "namespace: ml-dev\n", """namespace: ml-dev
replacements:
  - source: {kind: ConfigMap, name: settings, fieldPath: data.nope}
    targets: [{select: {kind: ServiceAccount}, fieldPaths: [metadata.annotations.bucket], options: {create: true}}]
""")
    (finding,) = failures(repo)
    assert finding.file == "overlays/dev/kustomization.yaml" and "data.nope" in line_of(repo, finding.file, finding.line)
    assert "the source has no data.nope" in finding.message


def test_an_applications_own_inline_patch_is_where_its_failure_points(repo: Path) -> None:
    write(repo, {"argocd/apps/dev.yaml": application("dev", """\
        patches:
          - target: {kind: ConfigMap, name: settings}
            patch: |-
              - op: replace
                path: /data/nope/x
                value: 1
        """)})
    (finding,) = failures(repo)
    assert finding.file == "argocd/apps/dev.yaml"
    assert line_of(repo, finding.file, finding.line).strip() == "path: /data/nope/x"
    assert finding.target == "dev"


def test_the_text_report_says_it_once_and_stderr_adds_nothing(repo: Path, capsys) -> None:
    from validation import cli

    edit(repo, "base/kustomization.yaml", "literals: [greeting=hello]", "files: [greeting.txt]")
    code = cli.main(["check", "--root", str(repo)])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert out.count("RENDER-FAILED") == 1 and out.count("greeting.txt") == 1, out
    assert "base/kustomization.yaml:6:" in out and "tool error" not in out


@pytest.mark.parametrize("old, new", [
    ("namespace: ml-dev\n", "namespace: ml-dev\nconfigurations:\n  - config/names.yaml\n"),  # no known shape
    ("- ../../base", "- ../../base\n  - missing.yaml"),
])
def test_through_an_applications_working_copy_messages_name_repository_paths(repo: Path, old: str, new: str) -> None:
    """docs/validation.md: the scratch copy an Application's kustomize options are applied to never shows."""
    write(repo, {"argocd/apps/dev.yaml": application("dev", "namePrefix: x-\n")})
    edit(repo, "overlays/dev/kustomization.yaml", old, new)
    found = failures(repo)  # also: no absolute path of the repository (the app's failure is folded into dev's)
    for f in found:
        assert "argo-ml-render" not in f.message and f.file == "overlays/dev/kustomization.yaml", f.message
