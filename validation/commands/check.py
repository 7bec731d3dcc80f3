"""`python -m validation check`: render every environment as Argo CD would, check it, report, exit 0/1/2."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from validation.cli import UsageError
from validation.model import Severity

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from validation.config import Config

HELP = "Render every overlay and Argo CD Application as Argo CD would, then lint, schema-check and rule-check it."
FORMATS = ("text", "json", "junit", "sarif", "github")
BY_SUFFIX = {".json": "json", ".sarif": "sarif", ".xml": "junit", ".txt": "text"}
PROGRESS_AFTER = 1.0  # seconds; short runs stay quiet


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path,
                        help="check these files or directories instead of the repo's targets "
                             "(a directory with a kustomization is rendered, other YAML is read as it is)")
    parser.add_argument("--closed-world", action=argparse.BooleanOptionalAction, default=None,
                        help="PATHs of plain files are the whole world: what they refer to must be among them "
                             "(default: open, as they are not a deployment unit; or config)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME",
                        help="only this environment or Application (repeatable)")
    parser.add_argument("--format", action="append", default=[], choices=FORMATS, dest="formats",
                        help="report format (repeatable; pairs with --output in order; default text, "
                             "github under GitHub Actions)")
    parser.add_argument("--output", action="append", default=[], metavar="FILE", type=Path, dest="outputs",
                        help="write the matching --format here instead of stdout (repeatable)")
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                        help="exit 1 when a finding is at least this severe (default: error, or config)")
    parser.add_argument("--select", action="append", default=[], metavar="IDS",
                        help="only these rule IDs or prefixes, comma-separated (e.g. schema,ARGO-DAG)")
    parser.add_argument("--ignore", action="append", default=[], metavar="IDS",
                        help="skip these rule IDs or prefixes, comma-separated")
    parser.add_argument("--kubernetes-version", metavar="V", default=None,
                        help="Kubernetes version whose schemas apply (default: 1.37, or config)")
    parser.add_argument("--argo-version", metavar="X.Y", default=None,
                        help="Argo Workflows release line whose schemas and executor permissions apply "
                             "(default: the newest vendored, or config)")
    parser.add_argument("--ignore-missing-schemas", action="store_true",
                        help="a kind with no schema is not a finding")
    parser.add_argument("--allow-remote-bases", action="store_true",
                        help="let kustomize fetch remote bases over the network (default: offline, not rendered)")
    add_build_options_argument(parser)
    parser.add_argument("--changed", nargs="*", default=None, metavar="FILE",
                        help="render only the targets these changed files can affect (for the commit hook)")
    parser.add_argument("--staged", action="store_true",
                        help="like --changed, with the files git's index changes, deletions and renames included "
                             "(or the range in PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF); adds to any --changed FILEs")
    parser.add_argument("--root", type=Path, default=None,
                        help="repository root (default: nearest directory upwards with pyproject.toml)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="parallel renders, and worker processes reading big PATH inputs (default: the cores "
                             "this process may use)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no notes")
    parser.add_argument("--verbose", action="store_true", help="list rendered targets and stage timings on stderr")


def add_build_options_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kustomize-build-options", default=None, metavar="OPTIONS",
                        help="Argo CD's kustomize.buildOptions, e.g. \"--load-restrictor LoadRestrictionsNone\"")


def load_config(root: Path, build_options: str | None) -> Config:
    """`root`'s [tool.validation], with --kustomize-build-options (when given) over its kustomize-build-options;
    a configuration that cannot be used is a UsageError (exit 2)."""
    from validation import config as config_mod

    try:
        cfg = config_mod.load(root)
        if build_options is not None:
            cfg.kustomize_build_options = config_mod.parse_build_options(build_options, "--kustomize-build-options")
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    return cfg


def find_root(start: Path) -> Path:
    here = start.resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").is_file():
            return d
    return here


def root_hint(root: Path, given: Path | None) -> str:
    """For "found nothing under ROOT": the usual cause is a command run outside the repository."""
    if given is not None:
        return ""  # the person chose the root; the message names it
    if not (root / "pyproject.toml").is_file():
        return (f"; {root} is not inside the repository (no pyproject.toml there or above): "
                "run the command from the repository, or pass --root DIR")
    return f"; if the repository is not {root}, pass --root DIR"


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def plan_outputs(formats: list[str], outputs: list[Path], github_actions: bool) -> list[tuple[str, Path | None]]:
    """(format, file or None for stdout), pairing --format i with --output i. When every report goes to a file,
    stdout gets the summary line ("summary"), or the annotations under GitHub Actions."""
    plan: list[tuple[str, Path | None]] = []
    seen: dict[str, Path] = {}
    for i, out in enumerate(outputs):
        key = os.path.realpath(out)
        if key in seen:
            raise UsageError(f"--output {out}: given twice (also as {seen[key]}); one report would overwrite the other")
        seen[key] = out
        if i < len(formats):
            plan.append((formats[i], out))
        elif out.suffix.lower() in BY_SUFFIX:
            plan.append((BY_SUFFIX[out.suffix.lower()], out))
        else:
            raise UsageError(f"--output {out}: no --format for it, and its suffix does not say which "
                             f"({', '.join(BY_SUFFIX)})")
    to_stdout = formats[len(outputs):]
    if len(to_stdout) > 1:
        raise UsageError(f"--format {' --format '.join(to_stdout)}: only one report can go to stdout; "
                         "give the others an --output (formats and outputs pair up in order)")
    plan.extend((f, None) for f in to_stdout)
    if not to_stdout:
        plan.append(("github" if github_actions else "summary" if outputs else "text", None))
    return plan


class _Progress:
    """Progress on stderr, only when it is a terminal and the run has taken a while."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int, name: str) -> None:
        if not self.enabled or time.monotonic() - self.start < PROGRESS_AFTER:
            return
        sys.stderr.write(f"\r\033[K{stage} {done}/{total}: {name}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from validation import engine
    from validation.report import REPORTER_BY_NAME, Report

    started = time.perf_counter()
    root = (args.root or find_root(Path.cwd())).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {args.root}: not a directory")
    cfg = load_config(root, args.kustomize_build_options)
    if args.kubernetes_version:
        cfg.kubernetes_version = args.kubernetes_version
    if args.argo_version:
        cfg.argo_version = args.argo_version
    if args.ignore_missing_schemas:
        cfg.ignore_missing_schemas = True
    if args.allow_remote_bases:
        cfg.allow_remote_bases = True
    if args.closed_world is not None:
        cfg.closed_world = args.closed_world
    fail_on = Severity.parse(args.fail_on) if args.fail_on else cfg.fail_on
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    plan = plan_outputs(args.formats, args.outputs, os.environ.get("GITHUB_ACTIONS") == "true")
    for _, dest in plan:
        if dest is not None and not dest.resolve().parent.is_dir():
            raise UsageError(f"--output {dest}: directory {dest.parent} does not exist")

    names: list[str] | None = list(args.env) or None
    if args.changed is not None or args.staged:
        if args.paths:
            raise UsageError(f"{'--staged' if args.staged else '--changed'} selects the repo's targets; "
                             "it cannot be combined with PATH arguments")
        from validation.scope import GitError, git_changed_files, targets_for_files

        changed = [str(f) for f in args.changed or []]
        if args.staged:
            try:
                changed += git_changed_files(root)
            except GitError as exc:
                raise UsageError(f"--staged: {exc}") from None
        affected = targets_for_files(root, changed)
        if affected is not None:
            names = [n for n in affected if names is None or n in names] if names else list(affected)

    progress = _Progress(sys.stderr.isatty() and not args.quiet)
    try:
        result = engine.run(cfg, targets=names, paths=list(args.paths) or None, select=_split(args.select) or None,
                            ignore=_split(args.ignore), progress=progress, jobs=args.jobs)
    finally:
        progress.clear()
    if args.quiet:
        result.notes.clear()
    report = Report.from_run(result, fail_on=fail_on, seconds=time.perf_counter() - started)

    if args.verbose:
        for t in report.targets:
            state = f"error: {t.error}" if t.error else f"{t.objects} objects"
            print(f"rendered {t.name} ({t.kind}) in {t.seconds:.2f}s: {state}", file=sys.stderr)
        print("stages: " + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
              + (f"; engine: {result.engine}" if result.engine else ""), file=sys.stderr)
    text_on_stdout = any(fmt == "text" and dest is None for fmt, dest in plan)
    if report.errors and not text_on_stdout:
        for error in report.errors:
            print(f"error: {error}", file=sys.stderr)
    for fmt, dest in plan:
        rendered = report.summary_line() + "\n" if fmt == "summary" else REPORTER_BY_NAME[fmt](report)
        if dest is None:
            sys.stdout.write(rendered)
        else:
            from validation.atomic import write_atomic  # only --output writes a file

            write_atomic(dest, rendered)
    sys.stdout.flush()
    return report.exit_code()
