"""`python -m validation update-image IMAGE@sha256:DIGEST`: pin an environment's image by digest, safely.

The overlay's kustomization.yaml holds one `images:` entry per image it pins; this edits that entry (newName and
digest; a newTag is dropped, the digest is what pins), keeps the file's comments and layout, writes atomically,
then renders and checks the environment and puts the file back if the change brought a new error. `--from ENV`
promotes: it copies another environment's pin.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path
from typing import Any

from validation import buckets
from validation.cli import EXIT_OK, UsageError
from validation.commands.update_bucket import FileEdit, _errors, write_checked
from validation.journal import JournalError, recover
from validation.repo_lock import DEFAULT_TIMEOUT, repo_lock

HELP = "Pin an environment's image (dev unless --env says otherwise) by digest in its overlay, then re-check it."

# registry/path[:tag]@sha256:<64 hex>; the registry part may carry a port.
REFERENCE = re.compile(r"^(?P<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
                       r"(?::(?P<tag>[\w][\w.-]{0,127}))?@(?P<digest>sha256:[0-9a-f]{64})$")


class ImageFileError(ValueError):
    """An overlay's kustomization.yaml cannot be read or edited as this command needs."""


def configure(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("image", nargs="?", metavar="IMAGE@DIGEST",
                      help="e.g. ghcr.io/org/repo@sha256:<64 hex> (a :tag before the @ is allowed and dropped)")
    what.add_argument("--from", dest="source", metavar="ENV", help="copy the pin of this environment (promotion)")
    parser.add_argument("--env", default="dev", metavar="ENV",
                        help="environment to change: an overlay name (dev, staging, prod) or 'all' (default: dev)")
    parser.add_argument("--name", metavar="NAME",
                        help="the `images:` entry to change, by its name (default: the overlay's only entry)")
    parser.add_argument("--dry-run", action="store_true", help="print the diff and write nothing")
    parser.add_argument("--no-check", action="store_true", help="skip rendering and checking afterwards")
    parser.add_argument("--root", type=Path, default=None, metavar="DIR",
                        help="repository root (default: found from the cwd)")
    parser.add_argument("--lock-timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"wait this long for another run holding the repository lock (default: {DEFAULT_TIMEOUT:g})")


def parse_reference(text: str) -> tuple[str, str]:
    """(name, digest) of IMAGE@sha256:DIGEST; UsageError naming what is wrong otherwise."""
    m = REFERENCE.match(text.strip())
    if m:
        return m.group("name"), m.group("digest")
    if "@" not in text:
        raise UsageError(f"{text!r} has no digest: pin by digest, IMAGE@sha256:<64 hex> (a tag can move)")
    raise UsageError(f"{text!r} is not an image reference of the form registry/name[:tag]@sha256:<64 lower-case hex>")


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML()  # round trip: comments, flow style and key order stay as the person wrote them
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)  # the house style: list items indented under their key
    return y


def _load(path: Path) -> tuple[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImageFileError(f"{path}: {exc}") from None
    try:
        data = _yaml().load(text)
    except Exception as exc:  # ruamel raises many kinds; all mean "not YAML we can edit"
        raise ImageFileError(f"{path}: not valid YAML ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ImageFileError(f"{path}: not a kustomization (a mapping)")
    return text, data


def _entry(path: Path, data: Any, name: str | None) -> Any:
    images = data.get("images")
    if not isinstance(images, list) or not images:
        raise ImageFileError(f"{path}: no `images:` entry to pin; add one, e.g. "
                             "`images: [{name: ml-pipeline, newName: REGISTRY/NAME, digest: sha256:...}]`")
    entries = [e for e in images if isinstance(e, dict)]
    if name is None:
        if len(entries) != 1:
            names = ", ".join(str(e.get("name")) for e in entries)
            raise ImageFileError(f"{path}: {len(entries)} `images:` entries ({names}); say which with --name")
        return entries[0]
    for e in entries:
        if e.get("name") == name:
            return e
    raise ImageFileError(f"{path}: no `images:` entry named {name!r}")


def pin_of(path: Path, name: str | None) -> tuple[str, str]:
    """(name, digest) an overlay pins its image to."""
    _, data = _load(path)
    entry = _entry(path, data, name)
    digest = entry.get("digest")
    if not digest:
        raise ImageFileError(f"{path}: its image {entry.get('name')!r} is not pinned by digest")
    return str(entry.get("newName") or entry.get("name")), str(digest)


def edit_text(path: Path, name: str | None, new_name: str, digest: str) -> tuple[str, str]:
    """(old text, new text) of the kustomization with the entry pinned to new_name@digest."""
    text, data = _load(path)
    entry = _entry(path, data, name)
    current = entry.get("newName") or entry.get("name")
    if current == new_name and entry.get("digest") == digest and "newTag" not in entry:
        return text, text
    if entry.get("name") != new_name:
        entry["newName"] = new_name
    elif "newName" in entry:
        del entry["newName"]  # the entry's own name is the image: no rename needed
    entry["digest"] = digest
    if "newTag" in entry:
        del entry["newTag"]
    out = io.StringIO()
    _yaml().dump(data, out)
    return text, out.getvalue()


def run(args: argparse.Namespace) -> int:
    from validation import config as config_mod
    from validation.commands.check import find_root

    if args.image is not None:
        parse_reference(args.image)  # a bad reference is refused before any file is read
    root = (args.root or find_root(Path.cwd())).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {args.root}: not a directory")
    if args.lock_timeout < 0:
        raise UsageError("--lock-timeout must be 0 or more seconds")
    try:
        cfg = config_mod.load(root)
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.dry_run:  # writes nothing, so it takes no lock
        return _update(args, root, cfg)
    # The same lock and journal as update-bucket: one writer at a time, and a crash is rolled back by the next run.
    command = f"update-image {args.image or '--from ' + args.source} --env {args.env}"
    with repo_lock(root, command, timeout=args.lock_timeout):
        try:
            recover(root, locked=True)
        except JournalError as exc:
            raise UsageError(str(exc)) from None
        return _update(args, root, cfg, command)


def _update(args: argparse.Namespace, root: Path, cfg: Any, command: str = "") -> int:
    from validation.targets import kustomization_file

    known = buckets.environments(root, cfg.overlays_dir)
    if not known:
        from validation.commands.check import root_hint

        raise UsageError(f"no environments under {root / cfg.overlays_dir}{root_hint(root, args.root)}")
    if args.env == "all":
        selected = list(known)
    elif args.env in known:
        selected = [args.env]
    else:
        raise UsageError(f"unknown environment {args.env!r} (known: {', '.join(known)}, or all)")

    def kustomization(env: str) -> Path:
        found = kustomization_file(root / cfg.overlays_dir / env)
        if found is None:
            raise UsageError(f"{cfg.overlays_dir}/{env} has no kustomization.yaml")
        return found

    try:
        if args.source is not None:
            if args.source not in known:
                raise UsageError(f"unknown environment {args.source!r} for --from (known: {', '.join(known)})")
            selected = [e for e in selected if e != args.source]
            if not selected:
                raise UsageError(f"--from {args.source} --env {args.env}: nothing to copy the pin to")
            new_name, digest = pin_of(kustomization(args.source), args.name)
        else:
            new_name, digest = parse_reference(args.image)
        edits = []
        for env in selected:
            path = kustomization(env)
            old, new = edit_text(path, args.name, new_name, digest)
            if new == old:
                print(f"{env}: already pinned to {new_name}@{digest}")
                continue
            edits.append((env, FileEdit(path, path.relative_to(root).as_posix(), old.encode(), new.encode())))
    except ImageFileError as exc:
        raise UsageError(str(exc)) from None
    if not edits:
        return EXIT_OK

    for _, edit in edits:
        sys.stdout.write(buckets.unified_diff(edit.old.decode(), edit.new.decode(), edit.rel))
    if args.dry_run:
        print("dry run: nothing written")
        return EXIT_OK

    changed = [env for env, _ in edits]
    baseline = None if args.no_check else _errors(cfg, changed)[0]
    code = write_checked(root, cfg, [e for _, e in edits], changed, baseline, command)
    if code is not None:
        return code
    for env in changed:
        print(f"{env}: image pinned to {new_name}@{digest}")
    return EXIT_OK
