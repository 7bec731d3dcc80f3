"""Which targets a set of changed files can affect, read from the kustomize dependency graph.

Each target's kustomization is followed the way kustomize follows it (resources, components, patches, generator
files, configurations, crds, transformers ...), directories recursively. A changed file maps to every target whose
graph holds it; a file in no graph maps to nothing. Files that feed the validator itself (its code, its
configuration, the pipeline package its rules import) can change any result, so they mean "everything".
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from validation.boundary import is_remote
from validation.buckets import kustomization_file

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Repo-relative files and folders that change how every target is checked, not what one target renders.
# .dvc/config: ENV-DVC-REMOTE compares every environment with it, so a commit that only edits it checks them all.
VALIDATOR_INPUTS = ("pyproject.toml", "validation/", "pipeline/", ".dvc/config")
PIPELINE_CODE_SUFFIXES = (".py",)



@dataclass
class Graph:
    """What one kustomization reads: exact files, plus folders read whole (any file under them counts)."""

    files: set[Path] = field(default_factory=set)
    folders: set[Path] = field(default_factory=set)

    def holds(self, path: Path) -> bool:
        return path in self.files or any(path.is_relative_to(folder) for folder in self.folders)


def kustomization_graph(directory: Path, _seen: dict[Path, Graph] | None = None, boundary: Path | None = None) -> Graph:
    """Every file the kustomization in `directory` reads, following referenced kustomizations recursively; nothing
    outside `boundary` (the repository) is followed: no file there can be part of a change."""
    seen = {} if _seen is None else _seen
    directory = directory.resolve()
    if directory in seen:
        return seen[directory]
    graph = seen[directory] = Graph()
    kfile = kustomization_file(directory)
    if kfile is None:
        graph.folders.add(directory)  # not a kustomization: kustomize would read (or reject) what is there
        return graph
    graph.files.add(kfile)
    try:
        kust = yaml.load(kfile.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return graph  # kustomize reports the broken file; the file itself is already in the graph
    if not isinstance(kust, dict):
        return graph
    for ref in _references(kust):
        if is_remote(ref):
            continue
        path = (directory / ref).resolve()
        if boundary is not None and not path.is_relative_to(boundary):
            continue
        if not path.exists():
            graph.folders.add(path)  # deleted (a file or a whole folder): whatever was under it counts
        elif path.is_dir():
            sub = kustomization_graph(path, seen, boundary)
            graph.files |= sub.files
            graph.folders |= sub.folders
        else:
            graph.files.add(path)
    return graph


def targets_for_files(repo_root: Path, files: list[str]) -> list[str] | None:
    """Names of the targets that `files` (repo-relative or absolute) affect; None means everything.

    An empty list means none of the files feeds a rendered target (a README, a doc): nothing to render.
    """
    from validation import config as config_mod
    from validation import targets as targets_mod

    root = repo_root.resolve()
    changed = [_absolute(root, f) for f in files]
    if any(_is_validator_input(root, path) for path in changed):
        return None
    cfg = config_mod.load(root)
    found = targets_mod.discover(cfg)
    discovered = found.targets
    seen: dict[Path, Graph] = {}
    argocd_dir = (root / cfg.argocd_dir).resolve()
    # An Application refused for leaving the repository is checked (reported) when its file changes.
    names: list[str] = [f"app/{r.name}" for r in found.refused
                        if r.kind == "Application" and r.name and (root / r.file).resolve() in changed]
    for target in discovered:
        graph = _target_graph(root, target, seen)
        if any(graph.holds(path) for path in changed):
            names.append(target.name)
    # A file under argocd/ outside every graph (the AppProject, say) is read by the Application rules.
    if any(
        path.is_relative_to(argocd_dir) and not any(_target_graph(root, t, seen).holds(path) for t in discovered)
        for path in changed
    ):
        names.extend(t.name for t in discovered if t.kind == "application" and t.name not in names)
    return names


class GitError(RuntimeError):
    """git cannot say what changed (not a repository, no git, an unknown ref)."""


def git_changed_files(root: Path, environ: dict[str, str] | None = None) -> list[str]:
    """Absolute paths of every file the change being committed touches, deleted files and both sides of a rename
    included (pre-commit passes a hook neither; a commit that only deletes a referenced file must still render).

    The change is the index against HEAD (`git diff --cached`), or, when pre-commit runs for a range of commits
    (pre-push, `pre-commit run --from-ref A --to-ref B`), that range, as pre-commit itself diffs it.
    """
    env = os.environ if environ is None else environ
    from_ref, to_ref = env.get("PRE_COMMIT_FROM_REF"), env.get("PRE_COMMIT_TO_REF")
    which = [f"{from_ref}...{to_ref}"] if from_ref and to_ref else ["--cached"]
    top = _git(root, "rev-parse", "--show-toplevel").strip()
    # --no-renames: a rename is listed as its deletion and its addition, so the old name is scoped too.
    out = _git(root, "diff", "--name-only", "--no-renames", "--no-ext-diff", "-z", *which, "--")
    return [str(Path(top) / name) for name in out.split("\0") if name]


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="surrogateescape"
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        raise GitError(f"git {args[0]} failed in {cwd}: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _target_graph(root: Path, target: Any, seen: dict[Path, Graph]) -> Graph:
    graph = Graph(set(), set())
    for path in map(Path, getattr(target, "paths", (target.path,))):  # every source of a multi-source Application
        if path.is_dir():
            sub = kustomization_graph(path, seen, root)
            graph.files |= sub.files
            graph.folders |= sub.folders
        elif not path.exists():
            graph.folders.add(path.resolve())  # an Application whose source folder was deleted
        else:
            graph.files.add(path.resolve())
    if getattr(target, "application_file", None):
        graph.files.add(_absolute(root, target.application_file))
    return graph


def _references(kust: dict[str, Any]) -> Iterable[str]:
    """Every local path a kustomization names, across the fields kustomize v5 reads files from."""
    for key in (
        "resources",
        "bases",
        "components",
        "configurations",
        "crds",
        "generators",
        "transformers",
        "validators",
        "patchesStrategicMerge",
    ):
        for item in _list(kust.get(key)):
            if isinstance(item, str) and "\n" not in item:  # inline YAML is not a path
                yield item
    for key in ("patches", "patchesJson6902", "replacements"):
        for item in _list(kust.get(key)):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                yield item["path"]
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in _list(kust.get(key)):
            if not isinstance(gen, dict):
                continue
            for entry in _list(gen.get("files")):
                if isinstance(entry, str):
                    yield entry.split("=", 1)[1] if "=" in entry else entry
            for entry in _list(gen.get("envs")):
                if isinstance(entry, str):
                    yield entry
            if isinstance(gen.get("env"), str):
                yield gen["env"]
    openapi = kust.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield openapi["path"]
    for chart in _list(kust.get("helmCharts")):
        if isinstance(chart, dict):
            for key in ("valuesFile",):
                if isinstance(chart.get(key), str):
                    yield chart[key]
            for extra in _list(chart.get("additionalValuesFiles")):
                if isinstance(extra, str):
                    yield extra
    globals_ = kust.get("helmGlobals")
    if isinstance(globals_, dict) and isinstance(globals_.get("chartHome"), str):
        yield globals_["chartHome"]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _absolute(root: Path, name: str | Path) -> Path:
    path = Path(name)
    return (path if path.is_absolute() else root / path).resolve()


def _is_validator_input(root: Path, path: Path) -> bool:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return False
    for entry in VALIDATOR_INPUTS:
        if entry.endswith("/"):
            if rel.startswith(entry) and (entry != "pipeline/" or rel.endswith(PIPELINE_CODE_SUFFIXES)):
                return True
        elif rel == entry:
            return True
    return False
