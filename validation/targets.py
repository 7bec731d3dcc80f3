"""Find what gets rendered: overlays/*, Argo CD Applications under argocd/, and paths from the command line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from validation.cli import UsageError
from validation.config import Config
from validation.model import Target
from validation.source_lint import KUSTOMIZATION_NAMES, YAML_SUFFIXES, load_file

APPLICATION_API = "argoproj.io/"


class TargetError(UsageError):
    """A target named on the command line does not exist."""


@dataclass
class Discovery:
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things seen and deliberately not rendered


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def repo_relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _overlays(config: Config) -> list[Target]:
    top = config.root / config.overlays_dir
    if not top.is_dir():
        return []
    found = []
    for d in sorted(p for p in top.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if kustomization_file(d):
            found.append(Target(name=d.name, kind="overlay", path=d.resolve(), environment=d.name))
    return found


def _yaml_files(top: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES):
                yield Path(dirpath) / name


def _environment_of(app: dict[str, Any], source_path: str, config: Config, overlay_envs: set[str]) -> str | None:
    labels = (app.get("metadata") or {}).get("labels") or {}
    if isinstance(labels, dict) and labels.get(config.environment_label):
        return str(labels[config.environment_label])
    parts = Path(source_path).parts
    if len(parts) >= 2 and parts[-2] == config.overlays_dir and parts[-1] in overlay_envs:
        return parts[-1]
    return None


def _applications(config: Config, overlay_envs: set[str], notes: list[str]) -> list[Target]:
    top = config.root / config.argocd_dir
    if not top.is_dir():
        return []
    found: list[Target] = []
    for f in _yaml_files(top):
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
                continue
            if obj.get("kind") != "Application":
                continue
            spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
            sources = [spec["source"]] if isinstance(spec.get("source"), dict) else []
            sources += [s for s in spec.get("sources") or [] if isinstance(s, dict)]
            paths = [s for s in sources if s.get("path") is not None and not s.get("chart")]
            if not paths:
                notes.append(f"{rel}: Application {name} has no source path in this repository; not rendered")
                continue
            source_path = str(paths[0]["path"]).strip("/") or "."
            found.append(Target(
                name=f"app/{name}",
                kind="application",
                path=(config.root / source_path).resolve(),
                environment=_environment_of(obj, source_path, config, overlay_envs),
                application=obj,
                application_file=rel,
            ))
    return found


def discover(config: Config) -> Discovery:
    """Every overlay, every Application under argocd/, and the extra targets from config."""
    result = Discovery()
    overlays = _overlays(config)
    result.targets.extend(overlays)
    result.targets.extend(_applications(config, {t.name for t in overlays}, result.notes))
    for extra in config.targets:
        result.targets.append(path_target(Path(extra), config.root))
    return result


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
