"""Find what gets rendered: overlays/*, Argo CD Applications under argocd/, and paths from the command line."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from validation.boundary import app_path_problem, resolves_outside
from validation.cli import UsageError
from validation.config import Config
from validation.model import Target
from validation.records import record
from validation.source_lint import KUSTOMIZATION_NAMES, YAML_SUFFIXES, load_file, safe_resolve

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

APPLICATION_API = "argoproj.io/"


class TargetError(UsageError):
    """A target named on the command line does not exist."""


@record
class Refusal:
    """A target that leaves the repository: reported, never read. `path` is the JSON path of the field at fault in
    `file` (an Application's source path), if any."""

    file: str
    message: str
    environment: str | None = None
    kind: str | None = None  # the object in `file` that names it (Application), for locating `path`
    name: str | None = None
    path: tuple = ()
    line: int | None = None


class Discovery:
    """The targets found in the repository, and what was seen but not rendered."""

    __slots__ = ("targets", "notes", "skipped", "refused")

    def __init__(self) -> None:
        self.targets: list[Target] = []
        self.notes: list[str] = []  # things seen and deliberately not rendered
        self.skipped: list[str] = []  # what Argo CD would render that is not rendered here at all
        self.refused: list[Refusal] = []  # targets outside the repository


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def repo_relative(root: Path, path: Path) -> str:
    try:
        return safe_resolve(path).relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _overlays(config: Config, notes: list[str]) -> list[Target]:
    top = config.root / config.overlays_dir
    root = config.root.resolve()
    if not top.is_dir() or resolves_outside(root, top):
        return []
    found = []
    for d in sorted(p for p in top.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if resolves_outside(root, d):  # the symlink itself is reported (out-of-bounds symlinks)
            notes.append(f"{config.overlays_dir}/{d.name}: resolves outside the repository; not rendered")
            continue
        if kustomization_file(d):
            found.append(Target(name=d.name, kind="overlay", path=d.resolve(), environment=d.name))
    return found


def _yaml_files(top: Path, root: Path) -> Iterable[Path]:
    if resolves_outside(root, top):
        return
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES) and not resolves_outside(root, Path(dirpath) / name):
                yield Path(dirpath) / name


def _environment_of(app: dict[str, Any], source_path: str, config: Config, overlay_envs: set[str]) -> str | None:
    labels = (app.get("metadata") or {}).get("labels") or {}
    if isinstance(labels, dict) and labels.get(config.environment_label):
        return str(labels[config.environment_label])
    parts = Path(source_path).parts
    if len(parts) >= 2 and parts[-2] == config.overlays_dir and parts[-1] in overlay_envs:
        return parts[-1]
    return None


def normalize_repo_url(url: str) -> str:
    """One spelling per repository: no scheme or user, lower case, no trailing slash or .git, so that
    https://github.com/o/r.git, git@github.com:o/r and ssh://git@github.com/o/r/ compare equal."""
    url = url.strip().lower()
    scp = re.match(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.*)$", url)  # git@github.com:o/r
    if scp and "/" not in scp.group(1):
        url = f"{scp.group(1)}/{scp.group(2)}"
    else:
        url = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url)  # scheme
        url = re.sub(r"^[^/@]*@", "", url)  # user[:password]@
    url = url.rstrip("/")
    url = url.removesuffix(".git")
    return url.rstrip("/")


def is_placeholder_url(url: str) -> bool:
    """Whether a normalised repoURL's owner is a blank to fill in (github.com/your-org/shop, <org>, ${ORG}): a
    template's Applications, never the repository they live in."""
    from validation.placeholders import is_placeholder  # only when Applications disagree on the repoURL

    return any(is_placeholder(part) for part in url.split("/")[1:-1])


def _git_origin(root: Path) -> str | None:
    import subprocess  # only when Applications need this repository's URL

    try:
        proc = subprocess.run(["git", "-C", str(root), "remote", "get-url", "origin"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


MOST_USED = "the repoURL most Applications use"  # this_repo's last resort: a tie leaves several
ORIGIN_ELSEWHERE = "git remote origin; no Application's path is a folder here"


def this_repo(config: Config, apps: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> tuple[set[str], str]:
    """The normalised repoURL(s) that mean this repository, and how that was decided.

    In order: `repo-url` in config; else the one repoURL the Applications' path sources use; if they use several,
    the app-of-apps' (an Application whose path is the argocd directory is this repository by definition), else
    git's `origin` remote if an Application uses it, else the repoURL most Applications use that is no placeholder
    (your-org/...), among those with a path that is a folder here if any has one. When no Application's path is a
    folder here and git's `origin` names another repository (not a fork of theirs), that is this one: a repository
    that only holds the Applications of others (a cluster's bootstrap repository), whose paths are not ours to miss.
    """
    if config.repo_url:
        return {normalize_repo_url(u) for u in config.repo_url}, "repo-url in [tool.validation]"
    counts: dict[str, int] = {}
    for _, sources in apps:
        for src in sources:
            if src.get("repoURL"):
                url = normalize_repo_url(str(src["repoURL"]))
                counts[url] = counts.get(url, 0) + 1
    # The repoURLs with a path that is a folder here: what this repository holds.
    here = {normalize_repo_url(str(src["repoURL"])) for _, sources in apps for src in sources
            if src.get("repoURL") and _is_dir_here(config.root, src.get("path"))}
    if len(counts) <= 1:
        if counts and not here and (origin := _other_origin(config.root, counts)):
            return {origin}, ORIGIN_ELSEWHERE
        return set(counts), "the repoURL every Application uses"
    argocd_dir = config.argocd_dir.strip("/")
    roots = {normalize_repo_url(str(src["repoURL"])) for _, sources in apps for src in sources
             if src.get("repoURL") and str(src.get("path", "")).strip("/") == argocd_dir}
    if roots:
        return roots, f"the repoURL of the Application that syncs {argocd_dir}/"
    origin = _git_origin(config.root)
    if origin and normalize_repo_url(origin) in counts:
        return {normalize_repo_url(origin)}, "git remote origin"
    if not here and (other := _other_origin(config.root, counts, origin)):
        return {other}, ORIGIN_ELSEWHERE
    pool = {u: n for u, n in counts.items() if not is_placeholder_url(u)} or counts
    # A repository none of whose paths is here is another one, however many Applications name it (an app of apps
    # deploying kubeflow/manifests' 26 folders beside two of its own): a repoURL with a path here wins.
    pool = {u: n for u, n in pool.items() if u in here} or pool
    top = max(pool.values())
    return {u for u, n in pool.items() if n == top}, MOST_USED


def _other_origin(root: Path, counts: dict[str, int], origin: str | None = None) -> str | None:
    """git's `origin`, normalised, when it names a remote repository that is none of the Applications' repoURLs nor a
    fork of one (the same repository name under another owner, whose copy of the paths may just be missing here).
    A local path (a clone of a clone) names no repository."""
    origin = origin or _git_origin(root)
    if not origin or origin.startswith(("/", ".", "file:")) or ("://" not in origin and "@" not in origin):
        return None
    url = normalize_repo_url(origin)
    name = url.rsplit("/", 1)[-1]
    if url in counts or any(u.rsplit("/", 1)[-1] == name for u in counts):
        return None
    return url


def _is_dir_here(root: Path, path: Any) -> bool:
    """Whether a source path names a folder inside the repository (not the root itself, which is always there)."""
    rel = str(path or "").strip("/")
    if not rel or rel == "." or Path(rel).is_absolute() or ".." in Path(rel).parts:
        return False
    return (root / rel).is_dir()


def _skip_reason(config: Config, source: dict[str, Any], source_path: str) -> str | None:
    """Why Argo CD's render of this source is not kustomize or a plain directory: Helm, or a plugin."""
    if source.get("helm") is not None or (config.root / source_path / "Chart.yaml").is_file():
        return "is a Helm chart (Helm sources are not rendered)"
    if source.get("plugin") is not None:
        return "uses a config management plugin (not rendered)"
    return None


def _app_sources(spec: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The Application's sources, and whether they come from spec.sources (Argo CD then ignores spec.source)."""
    many = [s for s in spec.get("sources") or [] if isinstance(s, dict)]
    if many:
        return many, True
    return ([spec["source"]] if isinstance(spec.get("source"), dict) else []), False


def _index(sources: list[dict[str, Any]], source: dict[str, Any]) -> int:
    """The position of this very source (not an equal one) in spec.sources."""
    return next(i for i, s in enumerate(sources) if s is source)


def _describe(source: dict[str, Any]) -> str:
    if source.get("chart"):
        return f"Helm chart {source['chart']} {source.get('targetRevision', '')} from {source.get('repoURL', '?')}"
    return f"path {source.get('path')!r} of {source.get('repoURL', 'this repository')}"


def _applications(config: Config, overlay_envs: set[str], notes: list[str], skipped: list[str],
                  refused: list[Refusal]) -> list[Target]:
    top = config.root / config.argocd_dir
    if not top.is_dir():
        return []
    root = config.root.resolve()
    # (file, name, app, its sources, whether they are spec.sources, the path sources)
    apps: list[tuple[str, str, dict[str, Any], list[dict[str, Any]], bool, list[dict[str, Any]]]] = []
    for f in _yaml_files(top, root):
        rel = repo_relative(config.root, f)
        loaded = load_file(f, rel)
        if not loaded.ok:
            continue  # the source lint reports why
        for doc in loaded.documents:
            obj = doc.data
            if not isinstance(obj, dict) or not str(obj.get("apiVersion", "")).startswith(APPLICATION_API):
                continue
            name = str((obj.get("metadata") or {}).get("name") or f"{rel}#{doc.index}")
            if obj.get("kind") == "ApplicationSet":
                notes.append(f"{rel}: ApplicationSet {name} not rendered (its generators need a cluster)")
                skipped.append(f"ApplicationSet {name}")
                continue
            if obj.get("kind") != "Application":
                continue
            spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
            sources, many = _app_sources(spec)
            paths = [s for s in sources if s.get("path") is not None and not s.get("chart")]
            if not paths:
                made = [_describe(s) for s in sources if s.get("chart") or s.get("path") is not None]
                notes.append(f"{rel}: Application {name} has no source path in this repository"
                             f"{' (it renders ' + '; '.join(made) + ')' if made else ''}; not rendered")
                skipped.append(f"Application {name}")
                continue
            apps.append((rel, name, obj, sources, many, paths))

    local, decided_by = this_repo(config, [(obj, paths) for _, _, obj, _, _, paths in apps])
    found: list[Target] = []
    for rel, name, obj, sources, many, paths in apps:
        # a source without repoURL is left to the schema check; render it from here
        here = [s for s in paths if not s.get("repoURL") or normalize_repo_url(str(s["repoURL"])) in local]
        if not here:
            urls = ", ".join(sorted({str(s["repoURL"]) for s in paths}))
            notes.append(f"{rel}: Application {name} takes its source from {urls}, not this repository "
                         f"({', '.join(sorted(local))}, from {decided_by}); not rendered. "
                         "Set repo-url in [tool.validation] if this repository has another URL")
            skipped.append(f"Application {name}")
            continue
        # Argo CD refuses the whole Application when a source path leaves the repository: so do we, unread.
        outside = next(((s, why) for s in here if (why := app_path_problem(root, str(s["path"])))), None)
        if outside:
            field_path = ("spec", "sources", sources.index(outside[0]), "path") if many else ("spec", "source", "path")
            refused.append(Refusal(rel, f"Application {name}: {outside[1]}; Argo CD refuses it, and nothing there is "
                                        "read", _environment_of(obj, "", config, overlay_envs), "Application", name,
                                   field_path))
            continue
        skips = {id(s): _skip_reason(config, s, str(s["path"]).strip("/") or ".") for s in here}
        rendered = [s for s in here if skips[id(s)] is None]
        if not rendered:
            notes.append(f"{rel}: Application {name} {skips[id(here[0])]}")
            skipped.append(f"Application {name}")
            continue
        # Argo CD renders every source that makes objects (a path, a chart; a ref-only source only lends its files
        # to the others) and syncs the union. What is not rendered here leaves the world open.
        unrendered = tuple(
            _describe(s) + (f" ({skips[id(s)]})" if skips.get(id(s)) else "")
            for s in sources if not any(s is r for r in rendered) and (s.get("chart") or s.get("path") is not None))
        if unrendered:
            notes.append(f"{rel}: Application {name}: rendered {'; '.join(_describe(s) for s in rendered)}; not "
                         f"rendered {'; '.join(unrendered)}; its world is open: the rules that need the whole rendered "
                         "set do not claim that anything is missing there")
        source_paths = [str(s["path"]).strip("/") or "." for s in rendered]
        index = [_index(sources, s) if many else None for s in rendered]
        found.append(Target(
            name=f"app/{name}",
            kind="application",
            path=safe_resolve(config.root / source_paths[0]),
            environment=next((env for p in source_paths if (env := _environment_of(obj, p, config, overlay_envs))),
                             None),
            application=obj,
            application_file=rel,
            source_index=index[0],
            more_sources=tuple((safe_resolve(config.root / p), i) for p, i in zip(source_paths[1:], index[1:],
                                                                               strict=True) if i is not None),
            unrendered=unrendered,
        ))
    return found


def discover(config: Config) -> Discovery:
    """Every overlay, every Application under argocd/, and the extra targets from config; whatever of those
    resolves outside the repository is refused instead (Argo CD refuses it too)."""
    result = Discovery()
    root = config.root.resolve()
    overlays = []
    for t in _overlays(config, result.notes):
        why = not_a_target(t.path)
        if why:
            result.notes.append(f"{repo_relative(config.root, t.path)} {why}; not a target of its own")
        else:
            overlays.append(t)
    result.targets.extend(overlays)
    apps = _applications(config, {t.name for t in overlays}, result.notes, result.skipped, result.refused)
    result.targets.extend(apps)
    argocd = config.root / config.argocd_dir
    if not apps and result.skipped and not result.refused and argocd.is_dir():  # skipped: only Applications so far
        # No Application under it renders from here (each takes its source from another repository, is a Helm
        # chart, or is generated by an ApplicationSet): what this repository deploys there is those objects.
        result.notes.append(f"{config.argocd_dir}/ checked as plain files: none of its Applications renders "
                            "from this repository")
        result.targets.append(Target(name=config.argocd_dir.strip("/"), kind="path", path=safe_resolve(argocd)))
    for extra in config.targets:  # relative to the repository root, where the config is
        full = Path(os.path.normpath(root / extra))
        real = resolves_outside(root, full) if full.is_relative_to(root) else safe_resolve(full)
        if real is not None:
            result.refused.append(Refusal("pyproject.toml", f"[tool.validation] targets: {extra!r} resolves to "
                                          f"{real}, outside the repository; not read", line=_config_line(root, extra)))
            continue
        if not full.exists():
            raise TargetError(f"[tool.validation] targets: {extra}: no such file or directory under {root}")
        t = Target(name=str(extra), kind="path", path=full.resolve())
        why = not_a_target(t.path)
        if why:
            result.notes.append(f"targets: {extra} {why}; not a target of its own")
        else:
            result.targets.append(t)
    return result


def _config_line(root: Path, value: str) -> int | None:
    """The pyproject.toml line that spells `value` in quotes, for a finding about it."""
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for n, line in enumerate(text.splitlines(), 1):
        if f'"{value}"' in line or f"'{value}'" in line:
            return n
    return None


def path_target(path: Path, root: Path) -> Target:
    """A PATH from the command line: a kustomization directory is rendered, anything else is read as it is."""
    full = path if path.is_absolute() else (Path.cwd() / path)
    if not full.exists():
        raise TargetError(f"{path}: no such file or directory")
    return Target(name=str(path), kind="path", path=full.resolve())


def select(targets: list[Target], names: list[str]) -> list[Target]:
    """Keep the targets a name selects: an environment, a target name, or an Application name without 'app/'."""
    chosen: list[Target] = []
    for name in names:
        hits = [t for t in targets if name in (t.name, t.environment, t.name.removeprefix("app/"))]
        if not hits:
            known = ", ".join(sorted({t.name for t in targets} | {t.environment for t in targets if t.environment}))
            raise TargetError(f"unknown target {name!r}; known: {known or 'none'}")
        chosen.extend(t for t in hits if t not in chosen)
    return chosen


def is_kustomization_dir(path: Path) -> bool:
    return path.is_dir() and kustomization_file(path) is not None


def _kustomization_kind(path: Path) -> str | None:
    loaded = load_file(path, path.name)
    data = loaded.documents[0].data if loaded.ok and loaded.documents else None
    return str(data.get("kind")) if isinstance(data, dict) and data.get("kind") else None


def not_a_target(path: Path) -> str | None:
    """Why a directory handed over as a target is not rendered on its own, or None. A kustomize Component is
    rendered through the overlays that list it under `components:` (kustomize refuses to build one alone); a Helm
    chart needs Helm, which the validator does not run."""
    if not path.is_dir():
        return None
    if (path / "Chart.yaml").is_file():
        return "is a Helm chart; Helm charts are not rendered"
    kfile = kustomization_file(path)
    if kfile is not None and _kustomization_kind(kfile) == "Component":
        return "is a kustomize Component, rendered through the overlays that list it under components:"
    return None
