"""`python -m validation update-bucket NEW-BUCKET`: repoint environments at a new S3 bucket, safely."""

from __future__ import annotations

import argparse
import copy
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from validation import buckets
from validation.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError
from validation.journal import FileChange, JournalError, Transaction, recover
from validation.repo_lock import DEFAULT_TIMEOUT, repo_lock

HELP = "Point an environment (dev unless --env says otherwise) at a new S3 bucket, then re-check it."

DVC_CONFIG = ".dvc/config"


@dataclass
class FileEdit:
    """One file's content before and after; `rel` is repo-relative, for diffs and messages."""

    path: Path
    rel: str
    old: bytes
    new: bytes


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bucket", metavar="NEW-BUCKET", help="the new S3 bucket name")
    parser.add_argument(
        "--env",
        default="dev",
        metavar="ENV",
        help="environment to change: an overlay name (dev, staging, prod) or 'all' (default: dev)",
    )
    parser.add_argument("--region", metavar="REGION", help="also set the AWS region code, e.g. eu-west-1")
    parser.add_argument("--dry-run", action="store_true", help="print the diff and write nothing")
    parser.add_argument("--allow-shared", action="store_true", help="allow a bucket another environment already uses")
    parser.add_argument("--no-check", action="store_true", help="skip rendering and checking afterwards")
    parser.add_argument(
        "--root", type=Path, default=None, metavar="DIR", help="repository root (default: found from the cwd)"
    )
    parser.add_argument(
        "--lock-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for another run holding the repository lock (default: {DEFAULT_TIMEOUT:g})",
    )


def run(args: argparse.Namespace) -> int:
    from pipeline.s3 import bucket_name_problems, is_valid_region  # one copy of the S3 rules, shared with the steps
    from validation import config as config_mod

    # Validate the values before reading or touching any file.
    problems = bucket_name_problems(args.bucket)
    if problems:
        raise UsageError(f"{args.bucket!r} is not a valid S3 bucket name: " + "; ".join(problems))
    if args.region is not None and not is_valid_region(args.region):
        raise UsageError(f"{args.region!r} is not an AWS region code (e.g. us-east-1, eu-west-1)")

    from validation.commands.check import find_root  # the same root `check` would use

    root = (args.root or find_root(Path.cwd())).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {args.root}: not a directory")
    if args.lock_timeout < 0:
        raise UsageError("--lock-timeout must be 0 or more seconds")
    try:
        cfg = config_mod.load(root)
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.dry_run:  # writes nothing, so it takes no lock (and works in a read-only checkout)
        return _update(args, root, cfg)
    # Read, check and write under one lock: a second run waits, then reads what the first one wrote.
    command = f"update-bucket {args.bucket} --env {args.env}"
    with repo_lock(root, command, timeout=args.lock_timeout):
        try:
            recover(root, locked=True)
        except JournalError as exc:
            raise UsageError(str(exc)) from None
        return _update(args, root, cfg)


def _update(args: argparse.Namespace, root: Path, cfg) -> int:
    known = buckets.environments(root, cfg.overlays_dir)
    if not known:
        from validation.commands.check import root_hint

        raise UsageError(f"no environments under {root / cfg.overlays_dir}{root_hint(root, args.root)}")
    if args.env == "all":
        selected = known
    elif args.env in known:
        selected = [args.env]
    else:
        raise UsageError(f"unknown environment {args.env!r} (known: {', '.join(known)}, or all)")

    settings: dict[str, buckets.BucketSettings] = {}
    for env in known:
        try:
            settings[env] = buckets.read_settings(root, env, cfg.overlays_dir)
        except buckets.BucketFileError as exc:
            if env in selected:
                raise UsageError(str(exc)) from None
            # Another environment's patch is unreadable: it cannot block this change; the check will report it.
            print(f"note: {env}: {exc}; not compared for a shared bucket", file=sys.stderr)

    allow_shared = args.allow_shared or cfg.allow_shared_buckets
    others = sorted(env for env, s in settings.items() if env not in selected and s.bucket == args.bucket)
    if not allow_shared:
        if others:
            raise UsageError(
                f"bucket {args.bucket!r} is already used by {', '.join(others)}; environments sharing a bucket "
                "overwrite each other's data (pass --allow-shared if that is intended)"
            )
        if len(selected) > 1:
            raise UsageError(
                f"--env all would put {', '.join(selected)} on one bucket; pass --allow-shared if that is intended"
            )

    try:
        edits, changed_envs = _plan(root, selected, settings, args.bucket, args.region)
    except buckets.BucketFileError as exc:
        raise UsageError(str(exc)) from None

    for env in selected:
        if env not in changed_envs:  # neither the overlay nor its DVC remote needs a change
            print(
                f"{env}: already set (bucket {settings[env].bucket}"
                + (f", region {settings[env].region})" if args.region else ")")
            )
    if not edits:
        return EXIT_OK

    for edit in edits:
        sys.stdout.write(buckets.unified_diff(edit.old.decode("utf-8"), edit.new.decode("utf-8"), edit.rel))
    if args.dry_run:
        print("dry run: nothing written")
        return EXIT_OK

    baseline: dict[tuple, str] | None = None  # None: --no-check, nothing is checked after the write
    if not args.no_check:
        if allow_shared and not cfg.allow_shared_buckets:
            # The user accepted sharing for this change; the check still guards against everything else.
            cfg = copy.copy(cfg)
            cfg.allow_shared_buckets = True
            if others or len(selected) > 1:
                print(
                    "note: `python -m validation check` reports ENV-BUCKET-SHARED for this until "
                    "[tool.validation] allow-shared-buckets = true",
                    file=sys.stderr,
                )
        # What is already wrong before the edit is not this change's doing; only new errors undo it.
        baseline, _ = _errors(cfg, changed_envs)

    code = write_checked(root, cfg, edits, changed_envs, baseline, f"update-bucket {args.bucket} --env {args.env}")
    if code is not None:
        return code
    for env in changed_envs:
        print(f"{env}: " + _summary(settings[env], args.bucket, args.region))
    return EXIT_OK


def write_checked(root: Path, cfg, edits: list[FileEdit], environments: list[str],
                  baseline: dict[tuple, str] | None, command: str) -> int | None:
    """Write `edits` through one journal, then check `environments` (unless `baseline` is None): an error that is not
    in `baseline` undoes every file. None when the edit stands; else the exit code, its reason printed.

    A crash at any instant is rolled back by the next command, so files edited together never disagree."""
    txn = Transaction(root, [FileChange(e.path, e.old, e.new) for e in edits], command=command)
    try:
        txn.apply()
    except OSError as exc:
        left = _undo(txn)
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        state = "every file is as it was" if not left else "; ".join(left)
        print(f"error: could not write{where}: {exc.strerror or exc}; {state}", file=sys.stderr)
        return EXIT_ERROR
    except BaseException:
        _undo(txn)  # ^C or SIGTERM between two files: do not leave them disagreeing
        raise
    if baseline is not None:
        try:
            after, rendered = _errors(cfg, environments)
        except BaseException:
            _undo(txn)  # the check itself broke (or ^C): leave the tree as it was
            raise
        new = [text for key, text in after.items() if key not in baseline]
        if new:
            left = _undo(txn)
            print("\n".join(new), file=sys.stderr)
            if left:
                print("the check failed after the change; " + "; ".join(left), file=sys.stderr)
                return EXIT_ERROR
            print("the check failed after the change, so every file was restored; nothing changed", file=sys.stderr)
            return EXIT_FINDINGS
        already = f" ({len(baseline)} already there before this change)" if baseline else ""
        print(f"checked {', '.join(rendered) or 'nothing'}: no new errors{already}")
    txn.commit()
    return None


def _undo(txn: Transaction) -> list[str]:
    """Roll the files back; what could not be restored, in words (the journal then stays for the next run)."""
    try:
        left = txn.rollback()
    except OSError as exc:
        return [f"could not restore the files ({exc.strerror or exc}); the next `python -m validation` command "
                "rolls them back from the journal"]
    return left


def _summary(current: buckets.BucketSettings, bucket: str, region: str | None) -> str:
    """What changed for one environment, in words."""
    parts = []
    if current.bucket != bucket:
        parts.append(f"bucket {current.bucket} -> {bucket}")
    if region is not None and current.region != region:
        parts.append(f"region {current.region} -> {region}")
    if not parts:
        return f"{DVC_CONFIG} now agrees with the overlay (bucket {bucket}, region {region or current.region})"
    return ", ".join(parts)


def _plan(
    root: Path, selected: list[str], settings: dict[str, buckets.BucketSettings], bucket: str, region: str | None
) -> tuple[list[FileEdit], list[str]]:
    """Every file change, computed in memory, and the environments it changes; nothing is written here."""
    edits: list[FileEdit] = []
    touched: set[str] = set()
    for env in selected:
        current = settings[env]
        path = buckets.inside(root, current.file, _rel(root, current.file))
        old = buckets.read_regular(path, _rel(root, path))
        text = buckets.decode_utf8(old, _rel(root, path))
        try:
            new = buckets.edit_bucket_text(text, bucket=bucket, region=region)
        except buckets.BucketFileError as exc:
            raise buckets.BucketFileError(f"{current.file}: {exc}") from None
        if new != text:
            edits.append(FileEdit(path, _rel(root, path), old, new.encode("utf-8")))
            touched.add(env)

    dvc = root / DVC_CONFIG
    if os.path.lexists(dvc):  # a FIFO or a directory there is refused below, like a bucket patch, not passed over
        dvc = buckets.inside(root, dvc, DVC_CONFIG)
        old = buckets.read_regular(dvc, DVC_CONFIG)
        # DVC itself refuses a config that is not UTF-8 ("config file error"), so this is the user's to fix.
        text = new_text = buckets.decode_utf8(old, DVC_CONFIG, "; DVC cannot read it either")
        remotes = buckets.dvc_remotes(text)
        for env in selected:
            # Also when the overlay already holds the bucket (a region-only change, a second run): the remote must
            # end up on the overlay's bucket and region, whatever it said before.
            old_bucket = settings[env].bucket
            shared = any(s.bucket == old_bucket for e, s in settings.items() if e not in selected)
            names = buckets.remotes_for_environment(remotes, env, old_bucket, shared, new_bucket=bucket)
            if not names:
                print(f"note: {env}: no DVC remote in {DVC_CONFIG} follows its bucket; left as it is", file=sys.stderr)
                continue
            before = new_text
            new_text = buckets.edit_dvc_config(
                new_text, names, new_bucket=bucket, region=region or settings[env].region
            )
            if new_text != before:
                touched.add(env)
        if new_text != text:
            edits.append(FileEdit(dvc, DVC_CONFIG, old, new_text.encode("utf-8")))
    return edits, [env for env in selected if env in touched]


def _errors(cfg, environments: list[str]) -> tuple[dict[tuple, str], list[str]]:
    """Render and check the environments: their error-level findings and render errors (key -> printable line),
    and the names of the targets rendered."""
    from validation import engine
    from validation.model import Severity

    result = engine.run(cfg, targets=environments)
    rendered = [rt.target.name for rt in result.rendered]
    errors: dict[tuple, str] = {("tool", e): f"error: {e}" for e in result.errors}
    for f in sorted(result.findings, key=lambda f: f.sort_key()):
        if f.severity < Severity.ERROR:
            continue
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or f.target or "")
        obj = f" ({f.object_ref}{' ' + f.json_path if f.json_path else ''})" if f.object_ref else ""
        key = (f.rule_id, f.target, f.object_ref, f.json_path, f.file, f.line, f.message)
        errors[key] = f"{where}: {f.severity} {f.rule_id}: {f.message}{obj}"
    return errors, rendered


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
