"""The check, stage by stage: discover -> render (parallel) + source lint -> schema -> rules -> suppression ->
severity overrides -> select/ignore -> source lines. Bad input becomes findings or `errors`, never an exception."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

from validation import batch_read, pool, sourcemap
from validation.boundary import out_of_bounds_symlinks
from validation.cli import UsageError
from validation.config import Config
from validation.model import (
    Finding,
    JsonPath,
    Manifest,
    RenderCause,
    RenderedTarget,
    Severity,
    Target,
    format_path,
    some_of,
)
from validation.render import (
    InputWalks,
    KustomizeEngine,
    ToolMissing,
    app_source,
    argocd_reads,
    directory_options,
    find_engine,
    folder_of,
    manifest_folders,
    manifests_from_files,
    nested_kustomizations,
    plain_files,
    render_targets,
)
from validation.rules import SUPPRESS_PREFIX, Context, catalog, info, load, matches
from validation.source_lint import LintIssue, LoadedFile, RealPaths, lint, load_file, source_files
from validation.targets import Refusal, discover, is_kustomization_dir, not_a_target, path_target, repo_relative
from validation.targets import select as select_targets

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

    from validation.provenance import Provenance
    from validation.schema_check import SchemaChecker

Progress = Callable[[str, int, int, str], None]
# Input the tool could not read or render: whatever --select/--ignore say, these are reported and counted, since
# a check that silently skipped the input would pass it (kubeconform fails in these cases too).
# Findings about a file's shape as a resource file (what a directory source would skip).
SHAPE_RULES = frozenset({"YAML-MISSING-KIND", "YAML-NOT-OBJECT", "YAML-EMPTY-DOCUMENT"})
UNREADABLE = frozenset({"YAML-PARSE", "YAML-ENCODING", "YAML-TOO-LARGE", "YAML-ALIAS-BOMB", "RENDER-FAILED",
                        "RENDER-OUTSIDE-REPO", "ENGINE-INTERNAL-ERROR"})
MAX_MESSAGE = 400  # characters: a finding says what and where; a kustomize dump of a huge object is not a message
CONFIG_SOURCE = "pyproject.toml [tool.validation]"
# Findings about a field's name rather than its value: a patch that adds the field is fixed in its pointer.
KEY_RULES = frozenset({"SCHEMA-UNKNOWN-FIELD"})


class RunResult:
    """Everything a check found and did, before it is reported."""

    __slots__ = ("findings", "rendered", "errors", "notes", "timings", "engine")

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.rendered: list[RenderedTarget] = []
        self.errors: list[str] = []  # the tool could not do its job: exit 2
        self.notes: list[str] = []  # worth saying, not a problem
        self.timings: dict[str, float] = {}  # stage -> seconds
        self.engine: str | None = None  # the kustomize command used

    def exit_code(self, fail_on: Severity = Severity.ERROR) -> int:
        if self.errors:
            return 2
        return 1 if any(f.severity >= fail_on for f in self.findings) else 0

    @property
    def rendered_names(self) -> list[str]:
        return [rt.target.name for rt in self.rendered]

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[str(f.severity)] += 1
        return out


class _Pending:
    """A finding before suppression and line lookup, still holding the object and the JSON path as a tuple."""

    __slots__ = ("rule_id", "message", "target", "manifest", "rendered", "path", "file", "line", "column", "severity",
                 "span", "cause", "broken")

    def __init__(self, rule_id: str, message: str, *, target: str | None = None, manifest: Manifest | None = None,
                 rendered: RenderedTarget | None = None, path: JsonPath = (), file: str | None = None,
                 line: int | None = None, column: int | None = None, severity: Severity | None = None,
                 span: tuple[int, int] | None = None, cause: RenderCause | None = None,
                 broken: tuple[Target, ...] = ()) -> None:
        self.rule_id = rule_id
        self.message = message
        self.target = target
        self.manifest = manifest
        self.rendered = rendered
        self.path = path
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.span = span  # a source finding's unit (a patch operation): rendered findings inside fold
        self.cause = cause  # RENDER-FAILED: why
        self.broken = broken  # RENDER-FAILED: the targets it breaks


def _label(t: Target) -> str:
    return t.environment or t.name


def check_selectors(selectors: list[str], what: str) -> None:
    ids = [r.id for r in catalog()]
    for s in selectors:
        if not any(matches(rid, [s]) for rid in ids):
            raise UsageError(f"{what}: {s!r} is not a rule ID or ID prefix; `python -m validation rules` lists them")


def check_config_rules(config: Config) -> None:
    """Rule IDs named in [tool.validation] must exist: a typo would silently select, ignore or re-rate nothing."""
    check_selectors(config.select, f"{CONFIG_SOURCE} select")
    check_selectors(config.ignore, f"{CONFIG_SOURCE} ignore")
    check_selectors(config.policy, f"{CONFIG_SOURCE} policy")
    for s in config.policy:
        if not any(r.policy and matches(r.id, [s]) for r in catalog()):
            raise UsageError(f"{CONFIG_SOURCE} policy: {s!r} names no policy rule (policy rules: "
                             f"{', '.join(r.id for r in catalog() if r.policy)})")
    known = {r.id for r in catalog()}
    for rule_id, severity in config.severity.items():
        if rule_id not in known:
            raise UsageError(f"{CONFIG_SOURCE} severity: {rule_id!r} is not a rule ID; "
                             "`python -m validation rules` lists them")
        if rule_id in UNREADABLE and severity < Severity.ERROR:
            raise UsageError(f"{CONFIG_SOURCE} severity: {rule_id} means the input could not be read or "
                             "rendered; it is always an error")


def run(config: Config, *, targets: list[str] | None = None, paths: list[Path] | None = None,
        select: list[str] | None = None, ignore: list[str] | None = None, progress: Progress | None = None,
        jobs: int | None = None, engine: KustomizeEngine | None = None) -> RunResult:
    """Check the repo's targets (or `targets` by name, or `paths` as kubeconform does) and return every finding."""
    with _HeapGuard():
        return _run(config, targets=targets, paths=paths, select=select, ignore=ignore, progress=progress,
                    jobs=jobs, engine=engine)


class _HeapGuard:
    """Pause the cyclic garbage collector for the run.

    A 10,000-object stream is millions of containers that live until the run ends and form no cycles, yet the
    collector keeps walking them: a third of a run with 1,000 findings went there, even with the loaded data frozen.
    The little cyclic garbage a run makes (YAML loaders) waits for the end.
    """

    def __enter__(self) -> _HeapGuard:
        self._enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            gc.enable()


def _run(config: Config, *, targets: list[str] | None, paths: list[Path] | None,
         select: list[str] | None, ignore: list[str] | None, progress: Progress | None, jobs: int | None,
         engine: KustomizeEngine | None) -> RunResult:
    result = RunResult()
    clock = time.perf_counter()
    root = config.root.resolve()
    real = RealPaths()  # each file resolved once, for its name, its role and the boundary
    walks = InputWalks()  # each build's inputs walked once, for the lint, the render and the report
    check_config_rules(config)
    check_selectors(select or [], "--select")
    check_selectors(ignore or [], "--ignore")
    selected = list(select) if select else list(config.select)
    ignored = list(config.ignore) + list(ignore or [])

    # A policy rule runs only where the repository's config turns it on; --select narrows, it does not enable.
    off_policy = {r.id for r in catalog() if r.policy and not matches(r.id, config.policy)}

    def enabled(rule_id: str) -> bool:
        return (rule_id not in off_policy and (not selected or matches(rule_id, selected))
                and not matches(rule_id, ignored))

    # -- discover
    walked: set[Path] = set()  # files found by walking a plain directory, not named on the command line
    skipped: list[str] = []  # what Argo CD (or the user) would render that is not rendered here
    refused: list[_Pending] = []  # what leaves the repository: reported, never read
    read_as_objects: set[Path] = set()  # the PATHs' files read as they are: their objects are checked as read
    path_files: dict[Path, list[Path]] = {}  # a PATH's files, walked once for the lint and the read
    siblings: list[tuple[str, list[Target]]] = []  # a PATH folder's kustomizations, which may be applied together
    if paths:
        chosen = []
        for given in paths:
            t = path_target(Path(given), root)
            why = not_a_target(t.path)
            if why:
                result.notes.append(f"{t.name} {why}; not checked")
                if "Component" not in why:
                    skipped.append(t.name)
            elif t.path.is_dir() and not is_kustomization_dir(t.path) \
                    and (nested := nested_kustomizations(t, root, walks)) is not None:
                # A folder of bases, overlays and patches: its overlays are rendered, what they read is not read
                # again as objects, the rest is.
                _skipped_charts(t, nested.charts, result.notes, skipped)
                if nested.plain:
                    chosen.append(t)
                    path_files[t.path] = nested.plain
                chosen.extend(nested.roots)
                siblings.append((t.name, ([t] if nested.plain else []) + nested.roots))
                comps = f" ({nested.components} kustomize Component(s) among them)" if nested.components else ""
                if nested.roots:
                    result.notes.append(
                        f"{t.name}: holds kustomizations: rendered the {len(nested.roots)} that no other one "
                        f"includes, as `kustomize build` would; the {nested.consumed} file(s) they read{comps} are "
                        "checked through those renders, not as objects of their own")
                else:
                    result.notes.append(
                        f"{t.name}: holds only kustomize Components ({nested.components}), which kustomize builds "
                        "only through the overlays that list them under components:; pass those overlays")
            else:
                chosen.append(t)
        lint_paths: list[Path] = []
        for t in chosen:
            if is_kustomization_dir(t.path):
                read = walks.files(t.path, _inside(t.path, root))
                lint_paths.extend(sorted(f for f in read if f.suffix in (".yaml", ".yml")))
            else:
                charts: list[Path] = []
                found_files = path_files.get(t.path) or plain_files(t.path, real=real, charts=charts)
                _skipped_charts(t, charts, result.notes, skipped)
                path_files[t.path] = found_files
                lint_paths.extend(found_files)
                read_as_objects.update(found_files)
                if t.path.is_dir():
                    walked.update(found_files)
    else:
        found = discover(config)
        result.notes.extend(found.notes)
        skipped.extend(found.skipped)
        # A name that only selects a refused target (an Application outside the repository) selects its finding.
        wanted = [n for n in targets if not _names_refused(found.refused, n) or
                  any(n in (t.name, t.environment, t.name.removeprefix("app/")) for t in found.targets)] \
            if targets is not None else None
        chosen = select_targets(found.targets, wanted) if wanted is not None else found.targets
        # The environments' and Applications' folders, whole; everything else only as far as a target reads it
        # (below), so a folder no build reads (docs, Helm values, CI config) is not held to manifest rules.
        lint_paths = source_files(root, [config.overlays_dir, config.argocd_dir])
        # The repository is a boundary: what leaves it is reported, and not opened.
        lint_paths = [f for f in lint_paths if real(f).is_relative_to(root)]
        walked.update(lint_paths)  # the tree's folders hold Helm values and tool configs as well as manifests
        refused.extend(_refused(found.refused, targets, root))
        refused.extend(_out_of_bounds(root))
    result.timings["discover"] = time.perf_counter() - clock
    if not chosen and targets is None:
        # A gate that checked nothing must not pass. (A scoped run, --env or --changed, that selects nothing is
        # different: the change touched no target, and passing is right.)
        if paths:
            what = "none of the PATHs given is rendered"
        else:
            what = (f"found no overlay under {config.overlays_dir}/, no Application under {config.argocd_dir}/ and "
                    "no `targets` in [tool.validation] to render")
        hint = "" if paths else "; pass PATHs, or set overlays-dir, argocd-dir or targets"
        result.errors.append(f"nothing to check: {what}{' (see the notes)' if result.notes else ''}{hint}")

    # -- render and lint side by side (kustomize runs in subprocesses; the lint is Python)
    clock = time.perf_counter()
    # A multi-source Application is rendered source by source (each with its own options) and then united.
    split = [(t, t.per_source()) for t in chosen]
    built = [p for _, parts in split for p in parts if is_kustomization_dir(p.path)]
    if not paths:
        # What kustomize reads as YAML is linted whatever its name (a resource called bomb.txt), inside the root.
        listed = set(lint_paths)
        for t in built:
            if t.path.is_relative_to(root):
                inputs = walks(t.path, root).files
                lint_paths.extend(sorted(f for f, role in inputs.items() if role != "data" and f not in listed))
                listed.update(inputs)
    if built and engine is None:
        try:
            engine = find_engine()
        except ToolMissing as exc:
            result.errors.append(f"cannot render: {exc}")
    if engine is not None:
        engine = engine.with_options(config.kustomize_build_options)
    result.engine = engine.description if engine else None
    display = {p: (p.as_posix() if not p.is_absolute() else _relative(root, real(p), p)) for p in lint_paths}
    schema_on = any(enabled(r.id) for r in catalog() if r.family == "schema" or r.id.startswith("SCHEMA-"))
    checker = _new_checker(config) if schema_on and read_as_objects else None
    reading = None
    if read_as_objects:
        # The PATHs' files, read once: schema-checked as they are read, over worker processes when the input is
        # big, and cut down to a skeleton once checked when no rule needs the whole object.
        keep = any(r.has_check and enabled(r.id) for r in catalog())
        reading = batch_read.Reading(
            [batch_read.FileJob(f, display[f], checker is not None and f in read_as_objects)
             for f in dict.fromkeys(lint_paths)],
            batch_read.Settings(checker, keep_objects=keep), jobs or pool.default_jobs())
    if built and engine and reading is not None and reading.parallel:
        # Workers are forked, which must not happen while render threads run: render first, then read.
        rendered = render_targets(built, root, engine, jobs=jobs, progress=progress,
                                  allow_remote=config.allow_remote_bases, walks=walks)
        issues, loaded = lint(root, lint_paths, display, real, reading)
    elif built and engine:
        from concurrent.futures import ThreadPoolExecutor  # ~10 ms to import: only when there is a render to wait on

        with ThreadPoolExecutor(max_workers=1) as threads:
            linted = threads.submit(lint, root, lint_paths, display, real, reading)
            rendered = render_targets(built, root, engine, jobs=jobs, progress=progress,
                                      allow_remote=config.allow_remote_bases, walks=walks)
            issues, loaded = linted.result()
    else:
        rendered = []
        issues, loaded = lint(root, lint_paths, display, real, reading)
    result.timings["render"] = time.perf_counter() - clock
    # A directory holds files that are not manifests (Helm values, a Chart.yaml): skipped as Argo CD skips them,
    # so their shape is nobody's business. A file named on the command line is checked whatever it holds.
    # In reading order, not the set's: consecutive files' objects sit together in memory (50,000 files: 3x faster)
    walked_files = [lf for f, lf in loaded.items() if f in walked]
    folders = manifest_folders(walked_files)
    not_manifests = {lf.display for lf in walked_files
                     if not argocd_reads(lf, folder_of(lf.path) in folders, synced=False)}
    # A tool's JSON in a folder of code (tsconfig.json with comments) is not ours to lint either.
    tools_json = {name for name in not_manifests if name.endswith(".json")}
    pending: list[_Pending] = [_from_lint(i) for i in issues
                               if not (i.rule_id in SHAPE_RULES and i.file in not_manifests or i.file in tools_json)]
    pending += refused

    kustomized = {id(p) for p in built}
    for _, parts in split:
        rendered.extend(_read_plain(p, root, loaded, pending, result.notes, real, path_files.get(p.path))
                        for p in parts if id(p) not in kustomized)
    rendered = united_sources(split, rendered, result.notes)
    order = {t.name: i for i, t in enumerate(chosen)}
    rendered.sort(key=lambda rt: order.get(rt.target.name, 0))
    result.rendered = rendered
    _submitted_workflows(rendered, result.notes)
    if paths:
        _siblings_world(rendered, siblings, config.closed_world, result.notes)
        _plain_paths_world(rendered, built, config.closed_world, result.notes)

    renders = [part for rt in rendered for part in (rt.sources or [rt])]  # each source of an Application on its own
    for part in renders:
        if part.offline:
            where = repo_relative(root, part.target.path)
            shown = part.target.name if where == part.target.name else f"{part.target.name} ({where})"
            note = (f"{shown} {part.offline}; the rules that need the whole rendered set do not claim that anything "
                    "is missing")
            if note not in result.notes:
                result.notes.append(note)
    pending.extend(_render_failures([p for p in renders if not (engine is None and id(p.target) in kustomized)], root,
                                    result))
    _label_source_findings(pending, renders, root, real, walks)

    ok = [rt for rt in rendered if rt.error is None]

    # -- schema
    clock = time.perf_counter()
    if schema_on:
        pending.extend(_schema_stage(config, ok, result, progress, checker, loaded))
    result.timings["schema"] = time.perf_counter() - clock

    # -- rules
    clock = time.perf_counter()
    failed = [rt.target.name for rt in rendered if rt.error is not None]
    pending.extend(_rules_stage(config, root, ok, enabled, result, progress, skipped + failed))
    result.timings["rules"] = time.perf_counter() - clock

    # -- suppression, severity, selection, lines
    clock = time.perf_counter()
    pending = _suppress(pending, ok)
    kept = [p for p in pending if p.rule_id in UNREADABLE or enabled(p.rule_id)]
    findings: dict[tuple, tuple[_Pending, Finding]] = {}
    provenances: dict[str, Provenance] = {}
    for p in kept:
        f = _finish(p, config, root, provenances)
        key = (f.rule_id, f.target, f.object_ref, f.json_path, f.message, f.file)
        findings.setdefault(key, (p, f))
    once = _one_report_per_mistake(list(findings.values()), root, walks)
    result.findings = sorted(_merge_same_place(once), key=Finding.sort_key)
    result.timings["locate"] = time.perf_counter() - clock
    _bound_messages(result)
    return result


def bounded(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut in the middle to at most about `limit` characters: the start says what, the end often says why."""
    if len(text) <= limit:
        return text
    tail = limit // 3
    head = limit - tail - 40
    return f"{text[:head]} ... ({len(text) - head - tail:,} characters cut) ... {text[-tail:]}"


def _bound_messages(result: RunResult) -> None:
    result.findings = [f if len(f.message) <= MAX_MESSAGE else f._replace(message=bounded(f.message))
                       for f in result.findings]
    result.errors = [bounded(e) for e in result.errors]
    result.notes = [bounded(n) for n in result.notes]


def _names_refused(refusals: list[Refusal], name: str) -> bool:
    return any(name in (r.environment, r.name, f"app/{r.name}") for r in refusals if r.name or r.environment)


def _refused(refusals: list[Refusal], names: list[str] | None, root: Path) -> list[_Pending]:
    """Targets that leave the repository, as findings at the field that names them (for the selected targets)."""
    out = []
    for r in refusals:
        if names is not None and not any(_names_refused([r], n) for n in names):
            continue
        line, column = r.line, None
        if r.kind and r.name and r.path:
            loc = sourcemap.locate(root, r.file, r.kind, r.name, r.path)
            if loc is not None:
                line, column = loc.line, loc.column
        out.append(_Pending("RENDER-OUTSIDE-REPO", r.message, target=r.environment, file=r.file, line=line,
                            column=column))
    return out


def _inside(path: Path, root: Path) -> Path | None:
    """The boundary for walking a target's inputs: the repository, unless the user named a PATH outside it."""
    return root if path.resolve().is_relative_to(root) else None


def _out_of_bounds(root: Path) -> list[_Pending]:
    """Symlinks Argo CD refuses (the whole repository, for every Application): one finding each, at the link."""
    return [_Pending("RENDER-OUTSIDE-REPO",
                     f"symlink to {target!r} leaves the repository; Argo CD refuses every Application of this "
                     f"repository (\"repository contains out-of-bounds symlinks. file: {rel}\"), and nothing is "
                     "read through it", file=rel)
            for rel, target in out_of_bounds_symlinks(root)]


def _one_report_per_mistake(items: list[tuple[_Pending, Finding]], root: Path,
                            walks: InputWalks | None = None) -> list[Finding]:
    """Drop what repeats a source finding in other words.

    A file with a source error (YAML-PARSE, a KUSTOMIZE-* finding) is why kustomize then refuses a build that reads
    it: that RENDER-FAILED goes. So does a finding on a rendered value that a broken patch operation produced (its
    line falls inside the operation a source finding is about).
    """
    source_errors = {f.file for p, f in items
                     if p.manifest is None and p.cause is None and f.file and f.severity >= Severity.ERROR}
    # another rule's error at the very line a render failure points at explains it better (an Application's path)
    error_lines = {(f.file, f.line) for p, f in items if p.cause is None and f.severity >= Severity.ERROR}
    spans = [(f.file, p.span) for p, f in items if p.span is not None and f.severity >= Severity.ERROR]
    # YAML-MISSING-KIND says a document has no apiVersion or kind; the schema's "missing required field" on those two
    # says it again.
    shapeless = {(f.file, f.line) for _, f in items if f.rule_id == "YAML-MISSING-KIND"}
    trees: dict[Path, set[str]] = {}
    walks = walks or InputWalks()

    def reads_broken_file(t: Target) -> bool:
        if t.path not in trees:
            trees[t.path] = {repo_relative(root, f) for f in walks(t.path, _inside(t.path, root)).files} \
                if is_kustomization_dir(t.path) else set()
        return bool(trees[t.path] & source_errors)

    out = []
    for p, f in items:
        if f.rule_id == "SCHEMA-REQUIRED" and (f.file, f.line) in shapeless and not f.json_path \
                and f.message.endswith(('field "apiVersion"', 'field "kind"')):
            continue
        if p.cause is not None:
            if p.cause.file in source_errors or (not p.cause.located and any(map(reads_broken_file, p.broken))) \
                    or (f.file, f.line) in error_lines:
                continue
        elif p.manifest is not None and f.file and f.line is not None and any(
                file == f.file and span[0] <= f.line <= span[1] for file, span in spans):
            continue
        out.append(f)
    return out


def _merge_same_place(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, line and message: a base file rendered into three environments, or a patch applied to
    two objects, is one mistake to fix. The merged finding names every environment and object it showed up in."""
    groups: dict[tuple, list[Finding]] = {}
    out: list[Finding] = []
    for f in findings:
        if f.file is None or f.line is None:
            out.append(f)
            continue
        groups.setdefault((f.rule_id, f.file, f.line, f.column, f.message), []).append(f)
    for group in groups.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        labels = sorted({label for f in group for label in (f.target or "").split(", ") if label})
        refs = list(dict.fromkeys(f.object_ref for f in group if f.object_ref))
        if len({r.split("/")[1] for r in refs if r.count("/") == 2}) > 1:  # one object, an environment each
            refs = list(dict.fromkeys(_without_namespace(r) for r in refs))
        first = group[0]
        out.append(first._replace(target=", ".join(labels) or None, object_ref=", ".join(refs) or None))
    return out


def _without_namespace(ref: str) -> str:
    parts = ref.split("/")
    return f"{parts[0]}/{parts[-1]}" if len(parts) == 3 else ref

OPEN_WORLD = "PATHs are not a deployment unit"


def united_sources(split: list[tuple[Target, tuple[Target, ...]]], rendered: list[RenderedTarget],
                   notes: list[str]) -> list[RenderedTarget]:
    """One RenderedTarget per target: a multi-source Application's renders (one per source) united as Argo CD unites
    them. An object that several sources render is the last source's (Argo CD: RepeatedResourceWarning); a source
    that fails fails the Application, and one not rendered offline leaves its world open."""
    by_part = {id(rt.target): rt for rt in rendered}
    out = []
    for t, parts in split:
        renders = [by_part[id(p)] for p in parts if id(p) in by_part]
        if len(parts) == 1:
            out.extend(renders)
            continue
        union: dict[tuple, Manifest] = {}
        for rt in renders:
            for m in rt.manifests:
                key = _identity(m)
                if key in union and key[-1]:
                    notes.append(f"{t.name}: {m.ref} is rendered by more than one source; Argo CD keeps the last "
                                 "source's (RepeatedResourceWarning)")
                union[key] = m
        out.append(RenderedTarget(
            t, list(union.values()), render_seconds=sum(rt.render_seconds for rt in renders),
            error=next((rt.error for rt in renders if rt.error is not None), None),
            offline="; ".join(rt.offline for rt in renders if rt.offline) or None, sources=renders))
    return out


_WORKFLOW_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")


def _submitted_workflows(rendered: list[RenderedTarget], notes: list[str]) -> None:
    """An Argo Events Sensor carries the Workflow it submits inside a trigger (argoWorkflow or k8s), which the Argo
    rules do not read (the Sensor's parameters rewrite it at trigger time): say so, rather than pass it over."""
    for rt in rendered:
        found = []
        for m in rt.manifests:  # every object of the run: the kind is asked first
            if m.kind != "Sensor" or not m.api_version.startswith("argoproj.io/") \
                    or not isinstance(spec := m.obj.get("spec"), dict):
                continue
            triggers = spec.get("triggers")
            for i, trigger in enumerate(triggers if isinstance(triggers, list) else []):
                template = trigger.get("template") if isinstance(trigger, dict) else None
                for how in ("argoWorkflow", "k8s"):
                    resource: Any = template
                    for key in (how, "source", "resource"):
                        resource = resource.get(key) if isinstance(resource, dict) else None
                    if isinstance(resource, dict) and resource.get("kind") in _WORKFLOW_KINDS:
                        found.append(f"{m.ref} (spec.triggers[{i}].template.{how}.source.resource)")
        if found:
            notes.append(f"{rt.target.name}: not checked: {len(found)} Argo Workflow(s) that Argo Events Sensors "
                         f"submit, written inside their triggers: {some_of(found, 3)}")


def _identity(m: Manifest) -> tuple:
    """What makes two objects one for Argo CD: group, kind, namespace and name (an unnamed object is its own)."""
    group = m.api_version.split("/")[0] if "/" in m.api_version else ""
    name = m.metadata.get("name")
    return (group, m.kind, m.namespace or "", str(name)) if name else (id(m), "")


def _siblings_world(rendered: list[RenderedTarget], siblings: list[tuple[str, list[Target]]], closed: bool,
                    notes: list[str]) -> None:
    """The kustomizations found in a PATH folder are a guess at its deployment units, and several may be applied
    together: kubeflow's cluster-scoped-resources (its ServiceAccounts) beside env/plain (the Deployments that run
    as them). So, as for plain PATHs, the closed-world rules do not claim that anything is missing; under
    --closed-world they are one world. One kustomization found alone stays its own world, as when it is given."""
    by_target = {id(rt.target): rt for rt in rendered}
    for folder, targets in siblings:
        members = [by_target[id(t)] for t in targets if id(t) in by_target]
        roots = [rt for rt in members if is_kustomization_dir(rt.target.path)]
        if len(roots) < 2:
            continue
        if closed:
            seen: set[int] = set()
            world = [m for rt in members for m in rt.manifests if id(m.obj) not in seen and not seen.add(id(m.obj))]
            for rt in members:
                rt.shared = world
            continue
        for rt in roots:
            rt.open_world = SIBLINGS_WORLD
        notes.append(f"{folder}: closed-world rules skipped for the {len(roots)} kustomizations found in it: "
                     f"{SIBLINGS_WORLD}; pass one to check it as a world of its own, or --closed-world to check them "
                     "as one")


SIBLINGS_WORLD = "they may be applied together (one renders what another refers to)"


def _plain_paths_world(rendered: list[RenderedTarget], built: list[Target], closed: bool, notes: list[str]) -> None:
    """Files and plain directories given as PATHs are not a deployment unit: what they refer to may come with Argo's
    install or be created by hand, so the closed-world rules do not claim it is missing (the world is open). Under
    --closed-world they are one world: a reference from one PATH may be satisfied by an object in another.
    A kustomization directory is a deployment unit, and stays its own closed world."""
    plain = [rt for rt in rendered if rt.target not in built and rt.error is None]
    if not plain:
        return
    if closed:
        seen: set[int] = set()
        world = [m for rt in plain for m in rt.manifests if id(m.obj) not in seen and not seen.add(id(m.obj))]
        for rt in plain:
            rt.shared = world
        return
    for rt in plain:
        rt.open_world = OPEN_WORLD
    notes.append(f"closed-world rules skipped: {OPEN_WORLD} (what they refer to may come with Argo's install or be "
                 "created by hand); --closed-world checks references among the given files")


def _from_lint(issue: LintIssue) -> _Pending:
    return _Pending(issue.rule_id, issue.message, file=issue.file, line=issue.line, column=issue.column,
                    span=issue.span)


def _under(root: Path) -> Callable[[Path], bool]:
    """path.is_relative_to(root) for absolute, normalised paths (root resolved, paths from RealPaths), as a prefix
    test on the text: relative_to parses both paths, and this runs for every file of a folder."""
    if os.sep != "/":
        return lambda path: path.is_relative_to(root)
    top = str(root)
    prefix = top if top.endswith("/") else top + "/"

    def under(path: Path) -> bool:
        text = str(path)
        return text == top or text.startswith(prefix)

    return under


def _relative(root: Path, real: Path, path: Path) -> str:
    """repo_relative(root, path), given the real path (root is resolved already). Both are absolute and
    normalised, so a prefix test on the text says what relative_to says, for a fraction of its cost."""
    if os.sep != "/":
        try:
            return real.relative_to(root).as_posix()
        except ValueError:
            return str(path)
    text, top = str(real), str(root)
    if text == top:
        return "."
    prefix = top if top.endswith("/") else top + "/"
    return text[len(prefix):] if text.startswith(prefix) else str(path)


def _skipped_charts(t: Target, charts: list[Path], notes: list[str], skipped: list[str]) -> None:
    """Says which Helm charts inside a PATH folder were passed over: otherwise a folder of charts passes silently."""
    if not charts:
        return
    names = [(Path(t.name) / c.relative_to(t.path)).as_posix() for c in sorted(charts)]
    skipped.extend(names)
    shown = some_of(names, 5)
    notes.append(f"{t.name}: skipped {len(names)} Helm chart{'s' if len(names) > 1 else ''} inside it; Helm charts "
                 f"are not rendered: {shown}")


def _read_plain(t: Target, root: Path, loaded: dict[Path, LoadedFile], pending: list[_Pending],
                notes: list[str] | None = None, real: RealPaths | None = None,
                listed: list[Path] | None = None) -> RenderedTarget:
    """A file or a directory without a kustomization: read as Argo CD's directory type reads it. `listed`: the
    files plain_files(t.path) gave earlier in the run (a PATH's), so the folder is not walked twice."""
    start = time.perf_counter()
    if not t.path.exists():
        where = repo_relative(root, t.path)
        message = f"source path {where} does not exist"
        cause = RenderCause(repo_relative(root, t.path), None, None, message, False)
        if t.kind == "application" and t.application_file:
            name = str((t.application or {}).get("metadata", {}).get("name", ""))
            loc = sourcemap.locate(root, t.application_file, "Application", name, (*t.source_field, "path"))
            cause = RenderCause(t.application_file, loc.line if loc else None, loc.column if loc else None,
                                f"Application {name}: {message}", loc is not None)
        return RenderedTarget(t, error=message, cause=cause)
    if t.kind == "application":
        opts = directory_options(t.application, t.source_index)
        files = plain_files(t.path, recurse=opts["recurse"], include=opts["include"], exclude=opts["exclude"])
    else:
        files = listed if listed is not None else plain_files(t.path)
    if t.path.is_relative_to(root):  # a file symlinked from outside is not read (the link itself is reported)
        real = real or RealPaths()
        inside = _under(root)
        files = [f for f in files if inside(real(f))]
    parsed: list[LoadedFile] = []
    skipped: list[str] = []
    read: list[LoadedFile] = []
    for f in files:
        lf = loaded.get(f)
        if lf is None:
            lf = load_file(f, repo_relative(root, f))
            pending.extend(_from_lint(i) for i in lf.issues)
        read.append(lf)
    # An Application's folder is synced as it is (Argo CD fails on a tool's JSON there); a PATH may be a whole
    # repository, whose folders of code are no deployment.
    folder = t.path.is_dir()  # asked once: the loop below runs for every file
    folders = manifest_folders(read) if t.kind == "path" and folder else None
    for lf in read:
        if folder and not argocd_reads(lf, folders is None or folder_of(lf.path) in folders,
                                       synced=t.kind == "application"):
            skipped.append(lf.display)
            continue
        parsed.append(lf)
    if skipped and notes is not None:
        shown = some_of(skipped, 5)
        notes.append(f"{t.name}: skipped {len(skipped)} file(s) that are not Kubernetes manifests (kustomization "
                     "files, YAML without a kind such as Helm values, as Argo CD's directory source does; a tool's "
                     f"JSON or YAML in a folder with no manifest; a tool's own config such as kind's Cluster): "
                     f"{shown}")
    return RenderedTarget(t, manifests_from_files(parsed, t.name), render_seconds=time.perf_counter() - start)


def _label_source_findings(pending: list[_Pending], rendered: list[RenderedTarget], root: Path,
                           real: RealPaths | None = None, walks: InputWalks | None = None) -> None:
    """A finding about a source file names the environments whose build reads that file, so the text report shows
    it under them (a typo in overlays/staging/params.yaml is staging's, one in base/ everyone's)."""
    real = real or RealPaths()
    walks = walks or InputWalks()
    readers: dict[str, set[str]] = {}
    for rt in rendered:
        t = rt.target
        if is_kustomization_dir(t.path):
            files = walks(t.path, _inside(t.path, root)).files
        else:
            # read as it is: each object's source is its file's name already, as repo_relative gives it
            for source in {m.source for m in rt.manifests if m.source}:
                readers.setdefault(source, set()).add(_label(t))
            continue
        for f in files:
            readers.setdefault(_relative(root, real(f), f), set()).add(_label(t))
    for p in pending:
        if p.target is None and p.manifest is None and p.file in readers:
            p.target = ", ".join(sorted(readers[p.file]))


def _render_failures(rendered: list[RenderedTarget], root: Path, result: RunResult) -> list[_Pending]:
    """One RENDER-FAILED per cause, at the cause, naming every target it breaks.

    A failure of the tool itself (a timeout, a crash) is not a finding about the input: it is a tool error (exit 2).
    """
    groups: dict[tuple, tuple[RenderCause, list[RenderedTarget]]] = {}
    for rt in rendered:
        if rt.error is None:
            continue
        cause = _application_cause(rt, root, rendered) or rt.cause
        if rt.tool_error or cause is None:
            result.errors.append(f"cannot render {rt.target.name} ({repo_relative(root, rt.target.path)}): {rt.error}")
            continue
        key = (cause.file, cause.line, cause.column, cause.message)
        groups.setdefault(key, (cause, []))[1].append(rt)
    out = []
    for cause, rts in groups.values():
        labels = sorted({_label(rt.target) for rt in rts})
        out.append(_Pending("RENDER-FAILED", f"{cause.message} (kustomize cannot build {', '.join(labels)})",
                            target=", ".join(labels), file=cause.file, line=cause.line, column=cause.column,
                            cause=cause, broken=tuple(rt.target for rt in rts)))
    return out


def _application_cause(rt: RenderedTarget, root: Path, rendered: list[RenderedTarget]) -> RenderCause | None:
    """An Application whose overlay renders on its own fails through its own kustomize options: point at those."""
    t = rt.target
    if t.kind != "application" or not t.application_file or (rt.cause is not None and rt.cause.located):
        return None
    if any(o.target.kind != "application" and o.target.path == t.path and o.error is not None for o in rendered):
        return None  # the overlay fails too: the cause is in the overlay's files
    name = str((t.application or {}).get("metadata", {}).get("name", ""))
    options = (*t.source_field, "kustomize" if app_source(t.application, t.source_index).get("kustomize") else "path")
    loc = sourcemap.locate(root, t.application_file, "Application", name, options)
    message = rt.cause.message if rt.cause is not None else str(rt.error)
    return RenderCause(t.application_file, loc.line if loc else None, loc.column if loc else None,
                       f"Application {name}: {message}", loc is not None)


def _unique_manifests(rendered: list[RenderedTarget]) -> list[tuple[Manifest, RenderedTarget]]:
    """Each rendered object once: an Application and the overlay it points at share the same objects."""
    seen: set[int] = set()
    out = []
    for rt in rendered:
        for m in rt.manifests:
            if id(m.obj) not in seen:
                seen.add(id(m.obj))
                out.append((m, rt))
    return out


def _new_checker(config: Config) -> SchemaChecker | None:
    """The run's schema checker; None when validation.schema_check is not installed (the schema stage says so)."""
    try:
        from validation.schema_check import SchemaChecker, UnsupportedArgoVersionError
    except ModuleNotFoundError as exc:
        if exc.name != "validation.schema_check":
            raise
        return None
    try:
        return SchemaChecker(config.kubernetes_version, config)
    except UnsupportedArgoVersionError as exc:
        raise UsageError(f"argo-version {config.argo_version}: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"--kubernetes-version {config.kubernetes_version}: {exc}") from None


def _schema_stage(config: Config, rendered: list[RenderedTarget], result: RunResult, progress: Progress | None,
                  checker: SchemaChecker | None = None,
                  loaded: dict[Path, LoadedFile] | None = None) -> list[_Pending]:
    checker = checker or _new_checker(config)
    if checker is None:
        result.notes.append("schema checks skipped: validation.schema_check is not installed")
        return []
    # Objects checked as their files were read (batch_read): their issues, each with its line when the file parsed
    # to the end (otherwise the line is looked up as for any other object, as before).
    found: dict[int, tuple[list[Any], bool]] = {}
    for lf in (loaded or {}).values():
        for doc in lf.documents:
            if doc.found is not None:
                found[id(doc.data)] = (doc.found, lf.ok)
    allowed_missing = {k.lower() for k in config.missing_schema_kinds}
    out: list[_Pending] = []
    objects = _unique_manifests(rendered)
    # A kind defined by a CRD among the checked objects (an operator's install.yaml beside its custom resources)
    # is checked against that CRD; objects checked as they were read knew no such kind and are checked again.
    from validation.schema_check import defined_kinds

    crd_kinds = set(checker.add_crds(defined_kinds(m.obj for m, _ in objects if m.kind == "CustomResourceDefinition")))
    xrds = [m.obj for m, _ in objects if m.kind == "CompositeResourceDefinition"]
    if xrds:  # Crossplane's composites and claims, checked against the CRDs it generates (imported only then)
        from validation.schemas.crossplane import generated_crds

        crd_kinds |= set(checker.add_generated_crds(generated_crds(xrds)))
    for n, (m, rt) in enumerate(objects, start=1):
        pre = found.get(id(m.obj))
        if pre is None or (crd_kinds and (m.api_version, m.kind) in crd_kinds):
            issues = [(issue, None, None) for issue in checker.check(m.obj)]
        else:
            issues = pre[0] if pre[1] else [(issue, None, None) for issue, _, _ in pre[0]]
        for issue, line, column in issues:
            if issue.rule_id == "SCHEMA-MISSING" and (config.ignore_missing_schemas
                                                       or m.kind.lower() in allowed_missing):
                continue
            out.append(_Pending(issue.rule_id, issue.message, target=_label(rt.target), manifest=m, rendered=rt,
                                path=tuple(issue.path), severity=issue.severity,
                                file=m.source if line is not None else None, line=line, column=column))
        if progress and n % 500 == 0:
            progress("schema", n, len(objects), rt.target.name)
    return out


def _rules_stage(config: Config, root: Path, rendered: list[RenderedTarget], enabled: Callable[[str], bool],
                 result: RunResult, progress: Progress | None, skipped: list[str] | None = None) -> list[_Pending]:
    out: list[_Pending] = []
    # Only the rules that can apply to these objects' kinds: their modules alone are imported.
    kinds = {m.kind for rt in rendered for m in rt.manifests}
    rules = load([r.id for r in catalog() if r.has_check and enabled(r.id) and r.applies_to_any(kinds)])
    for n, rt in enumerate(rendered, start=1):
        ctx = Context(target=rt, config=config, repo_root=root, targets=rendered, skipped=list(skipped or []))
        for rule in rules:
            for m in rt.manifests:
                if not rule.applies_to(m):
                    continue
                try:
                    problems = list(rule.check(m, ctx))  # type: ignore[misc]
                except Exception as exc:  # a rule's bug must not hide the other findings
                    message = f"rule {rule.id} crashed on this object: {type(exc).__name__}: {exc}"
                    result.errors.append(f"{rt.target.name}: {m.ref}: {message}")
                    out.append(_Pending("ENGINE-INTERNAL-ERROR", message, target=_label(rt.target), manifest=m,
                                        rendered=rt, file=m.source))
                    continue
                for p in problems:
                    out.append(_Pending(rule.id, p.message, target=_label(rt.target), manifest=p.manifest,
                                        rendered=rt, path=tuple(p.path), severity=p.severity))
        if progress:
            progress("rules", n, len(rendered), rt.target.name)
    return out


def _suppress(pending: list[_Pending], rendered: list[RenderedTarget]) -> list[_Pending]:
    """Drop findings an object suppresses with a reason; flag suppressions without one, or of unknown rules."""
    out: list[_Pending] = []
    for p in pending:
        reason = _suppression(p.manifest, p.rule_id) if p.manifest is not None else None
        if reason:  # None: no annotation; "": annotation without a reason, which does not count
            continue
        out.append(p)
    for m, rt in _unique_manifests(rendered):
        for key, value in m.annotations.items():
            if not str(key).startswith(SUPPRESS_PREFIX):
                continue
            rule_id = str(key)[len(SUPPRESS_PREFIX):]
            path = ("metadata", "annotations", str(key))
            if info(rule_id.upper()) is None:
                out.append(_Pending("SUPPRESS-UNKNOWN-RULE", f"{key}: no rule {rule_id!r}; this suppresses nothing",
                                    target=_label(rt.target), manifest=m, rendered=rt, path=path))
            elif not str(value if value is not None else "").strip():
                out.append(_Pending("SUPPRESS-NO-REASON",
                                    f"{key} gives no reason, so {rule_id.upper()} is not suppressed; say why",
                                    target=_label(rt.target), manifest=m, rendered=rt, path=path))
    return out


def _suppression(m: Manifest, rule_id: str) -> str | None:
    wanted = (SUPPRESS_PREFIX + rule_id).lower()
    for key, value in m.annotations.items():
        if str(key).lower() == wanted:
            return str(value if value is not None else "").strip()
    return None


def _finish(p: _Pending, config: Config, root: Path, provenances: dict[str, Provenance]) -> Finding:
    rule = info(p.rule_id)
    severity = config.severity.get(p.rule_id) or p.severity or (rule.severity if rule else Severity.ERROR)
    m = p.manifest
    file, line, column = p.file, p.line, p.column
    if m is not None and line is None:
        loc = None
        rt = p.rendered.source_of(m) if p.rendered is not None else None  # the build of the source it came from
        if rt is not None and m.source_line is None and is_kustomization_dir(rt.target.path):
            # rendered by kustomize: the line that set the value in this target's build, overlay edits included
            key = f"{rt.target.name}#{rt.target.source_index}"
            prov = provenances.get(key)
            if prov is None:
                from validation.provenance import Provenance  # only kustomize-rendered objects need it

                prov = provenances[key] = Provenance(root, rt.target, rt.manifests)
            loc = prov.locate(m, p.path, about_key=p.rule_id in KEY_RULES)
        if loc is None:
            file = file or m.source
            loc = sourcemap.locate(root, file, m.kind, m.name, p.path, m.source_line, m.obj) if file else None
        if loc is not None:
            file, line, column = loc.file, loc.line, loc.column
    return Finding(
        rule_id=p.rule_id,
        severity=severity,
        message=p.message,
        target=p.target,
        object_ref=m.ref if m is not None else None,
        json_path=format_path(p.path) if p.path else None,
        file=file,
        line=line,
        column=column,
    )
