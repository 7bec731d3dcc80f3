"""validation.scope: changed files map to targets through the kustomize dependency graph."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from validation import config as config_mod
from validation import scope, targets

REPO = Path(__file__).resolve().parents[2]

APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ml-pipeline-{env}
  namespace: argocd
spec:
  project: ml-pipeline
  source:
    repoURL: https://example.com/repo.git
    path: overlays/{env}
  destination:
    server: https://kubernetes.default.svc
    namespace: ml-{env}
"""

# A small tree that uses every way kustomize reads a file, so each one is pinned by a test below.
TREE = {
    "pyproject.toml": "[tool.validation]\n",
    "README.md": "# repo\n",
    "docs/ops.md": "ops\n",
    "pipeline/kustomization.yaml": "configMapGenerator:\n  - name: code\n    files:\n      - steps.py\n      - reqs=requirements.txt\n",
    "pipeline/steps.py": "print('step')\n",
    "pipeline/requirements.txt": "pandas\n",
    "base/kustomization.yaml": "resources:\n  - wt.yaml\n  - rbac\n  - ../pipeline\n  - https://github.com/example/remote//x?ref=v1\nconfigurations:\n  - kustomizeconfig.yaml\n",
    "base/wt.yaml": "kind: WorkflowTemplate\n",
    "base/kustomizeconfig.yaml": "nameReference: []\n",
    "base/rbac/kustomization.yaml": "resources:\n  - role.yaml\n",
    "base/rbac/role.yaml": "kind: Role\n",
    "components/monitoring/kustomization.yaml": "kind: Component\nresources:\n  - monitor.yaml\n",
    "components/monitoring/monitor.yaml": "kind: ConfigMap\n",
    "overlays/dev/kustomization.yaml": (
        "resources:\n  - ../../base\npatches:\n  - path: bucket.yaml\n    target:\n      kind: WorkflowTemplate\n"
        "configMapGenerator:\n  - name: env\n    envs:\n      - dev.env\n"
    ),
    "overlays/dev/bucket.yaml": "[]\n",
    "overlays/dev/dev.env": "A=1\n",
    "overlays/dev/unused.yaml": "kind: ConfigMap\n",
    "overlays/staging/kustomization.yaml": "resources:\n  - ../../base\npatchesJson6902:\n  - path: bucket.yaml\n",
    "overlays/staging/bucket.yaml": "[]\n",
    "overlays/prod/kustomization.yaml": (
        "resources:\n  - ../../base\ncomponents:\n  - ../../components/monitoring\npatchesStrategicMerge:\n  - limits.yaml\n"
        "secretGenerator:\n  - name: s\n    env: prod.env\n"
    ),
    "overlays/prod/limits.yaml": "kind: WorkflowTemplate\n",
    "overlays/prod/prod.env": "B=2\n",
    "argocd/apps/dev.yaml": APP.format(env="dev"),
    "argocd/apps/prod.yaml": APP.format(env="prod"),
    "argocd/project.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: ml-pipeline\n",
}

DEV = ["dev", "app/ml-pipeline-dev"]
PROD = ["prod", "app/ml-pipeline-prod"]
EVERY = ["dev", "prod", "staging", "app/ml-pipeline-dev", "app/ml-pipeline-prod"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel, text in TREE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_fixture_targets_are_the_ones_validation_targets_discovers(tree):
    found = targets.discover(config_mod.load(tree)).targets
    assert [t.name for t in found] == EVERY


@pytest.mark.parametrize(
    "files, expected",
    [
        (["overlays/dev/bucket.yaml"], DEV),  # a patch
        (["overlays/dev/kustomization.yaml"], DEV),
        (["overlays/dev/dev.env"], DEV),  # configMapGenerator envs
        (["overlays/staging/bucket.yaml"], ["staging"]),  # patchesJson6902; no Application renders staging
        (["overlays/prod/limits.yaml"], PROD),  # patchesStrategicMerge
        (["overlays/prod/prod.env"], PROD),  # secretGenerator env
        (["components/monitoring/monitor.yaml"], PROD),  # components, followed into their kustomization
        (["base/wt.yaml"], EVERY),
        (["base/rbac/role.yaml"], EVERY),  # a resource directory, recursively
        (["base/kustomizeconfig.yaml"], EVERY),  # configurations
        (["pipeline/requirements.txt"], EVERY),  # configMapGenerator files with a key= prefix
        (["argocd/apps/dev.yaml"], ["app/ml-pipeline-dev"]),
        (["argocd/project.yaml"], ["app/ml-pipeline-dev", "app/ml-pipeline-prod"]),  # read by the Application rules
        (
            ["overlays/dev/bucket.yaml", "overlays/prod/limits.yaml"],
            ["dev", "prod", "app/ml-pipeline-dev", "app/ml-pipeline-prod"],
        ),
        (["README.md"], []),
        (["docs/ops.md", "overlays/dev/unused.yaml"], []),  # in no graph: nothing to render
        ([], []),
    ],
)
def test_changed_files_map_to_the_targets_whose_graph_holds_them(tree, files, expected):
    assert scope.targets_for_files(tree, files) == expected


@pytest.mark.parametrize("changed", ["pipeline/steps.py", "pyproject.toml", "validation/engine.py", ".dvc/config"])
def test_files_the_validator_itself_reads_mean_everything(tree, changed):
    assert scope.targets_for_files(tree, ["README.md", changed]) is None


def test_absolute_paths_are_accepted(tree):
    assert scope.targets_for_files(tree, [str(tree / "overlays/staging/bucket.yaml")]) == ["staging"]


def test_a_new_overlay_is_its_own_target_without_any_code_change(tree):
    qa = tree / "overlays/qa"
    qa.mkdir()
    (qa / "kustomization.yaml").write_text("resources:\n  - ../../base\n  - extra.yaml\n")
    (qa / "extra.yaml").write_text("kind: ConfigMap\n")
    assert scope.targets_for_files(tree, ["overlays/qa/extra.yaml"]) == ["qa"]
    assert "qa" in scope.targets_for_files(tree, ["base/wt.yaml"])


def test_a_deleted_file_still_maps_to_the_targets_that_name_it(tree):
    (tree / "overlays/dev/dev.env").unlink()
    assert scope.targets_for_files(tree, ["overlays/dev/dev.env"]) == DEV


def test_a_cycle_between_kustomizations_does_not_hang(tree):
    (tree / "base/rbac/kustomization.yaml").write_text("resources:\n  - role.yaml\n  - ../../base\n")
    assert scope.targets_for_files(tree, ["base/rbac/role.yaml"]) == EVERY


def test_the_real_tree_maps_one_overlay_to_that_environment_only():
    if not (REPO / "overlays/dev/bucket.yaml").is_file():
        pytest.skip("the overlays are not in this checkout yet")
    names = scope.targets_for_files(REPO, ["overlays/dev/bucket.yaml"])
    found = {t.name: t for t in targets.discover(config_mod.load(REPO)).targets}
    assert "dev" in names
    assert {found[n].environment for n in names} == {"dev"}
    everything = scope.targets_for_files(REPO, ["base/kustomization.yaml"])
    assert {t for t in found if found[t].kind == "overlay"} <= set(everything)
    assert scope.targets_for_files(REPO, ["README.md"]) == []


def test_scope_import_stays_light():
    # The hook runs on every commit: importing scope must not pull in the schema or rule machinery.
    code = "import sys, validation.scope; print(sorted(m for m in sys.modules if m.startswith(('jsonschema', 'ruamel', 'kubernetes'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "[]"


def test_a_deleted_folder_still_maps_to_the_targets_that_named_it(tree):
    import shutil

    shutil.rmtree(tree / "base/rbac")  # `resources: [rbac]` now names nothing on disk
    assert scope.targets_for_files(tree, ["base/rbac/role.yaml"]) == EVERY
    shutil.rmtree(tree / "overlays/prod")  # the Application's source folder is gone with the overlay
    assert scope.targets_for_files(tree, ["overlays/prod/limits.yaml"]) == ["app/ml-pipeline-prod"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def git_tree(tree: Path) -> Path:
    git(tree, "init", "-q", "-b", "main")
    git(tree, "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "empty")
    git(tree, "add", "-A")
    git(tree, "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-q", "-m", "tree")
    return tree


def test_staged_files_include_deletions_and_both_sides_of_a_rename(git_tree):
    git(git_tree, "rm", "-q", "overlays/dev/dev.env")
    git(git_tree, "mv", "overlays/prod/limits.yaml", "overlays/prod/limits-old.yaml")
    (git_tree / "README.md").write_text("# changed\n")
    git(git_tree, "add", "README.md")
    (git_tree / "docs/ops.md").write_text("not staged\n")
    files = scope.git_changed_files(git_tree, environ={})
    assert sorted(Path(f).relative_to(git_tree).as_posix() for f in files) == [
        "README.md",
        "overlays/dev/dev.env",
        "overlays/prod/limits-old.yaml",
        "overlays/prod/limits.yaml",
    ]
    assert scope.targets_for_files(git_tree, files) == DEV[:1] + PROD[:1] + DEV[1:] + PROD[1:]


def test_staged_files_under_pre_push_are_the_pushed_range(git_tree):
    git(git_tree, "rm", "-q", "overlays/staging/bucket.yaml")
    git(git_tree, "-c", "user.email=a@b", "-c", "user.name=t", "commit", "-q", "-m", "drop")
    env = {"PRE_COMMIT_FROM_REF": "HEAD~1", "PRE_COMMIT_TO_REF": "HEAD"}
    files = scope.git_changed_files(git_tree, environ=env)
    assert [Path(f).relative_to(git_tree).as_posix() for f in files] == ["overlays/staging/bucket.yaml"]
    assert scope.git_changed_files(git_tree, environ={}) == []  # nothing staged any more


def test_staged_outside_a_git_repository_is_a_clear_error(tree):
    done = subprocess.run(
        [sys.executable, "-m", "validation", "check", "--staged", "--root", str(tree)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: --staged: git rev-parse failed") and "not a git repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_staged_renders_what_the_staged_deletion_affects(git_tree):
    git(git_tree, "rm", "-q", "overlays/staging/bucket.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "validation", "check", "--staged", "--changed", "README.md", "--root", str(git_tree)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    # staging only, whether the summary lists it as rendered, as noted and not rendered, or as failed to render
    assert re.search(r"(rendered|not rendered \(see the notes\)|failed to render): staging( \(|;|$)", done.stdout,
                     re.MULTILINE), done.stdout
    assert done.returncode != 0  # the patch staging's kustomization names is gone
