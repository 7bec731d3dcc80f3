"""Crash-consistent edits of several files: all of them old, or all of them new, whatever instant the process dies.

A single file is atomic by rename (validation.atomic). Several files are not: a SIGKILL between two renames leaves
one new and one old, and `.dvc/config` pointing at another bucket than the overlay is exactly the kind of drift
that loses data. So a multi-file edit first writes a journal at the repository root, holding every file's old and
new bytes and the name of its staging file, then renames the files into place one by one, and removes the journal
only when the whole change is accepted (written, and checked when the caller checks it). Removing the journal is
the commit.

At the start of every command, a journal left behind means a change that never finished: it is rolled back (every
file gets its old bytes again, staging files are removed). Rolling back needs nothing but the journal, so a crash
during the roll-back is finished by the next start. A file whose bytes are neither the old nor the new ones was
edited by someone since; it is left as it is and named.

Everything here runs under the repository lock (validation.repo_lock): the journal of a live writer is never
touched by another process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from validation.cli import UsageError
from validation.repo_lock import DEFAULT_TIMEOUT, LOCK_NAME, repo_lock

JOURNAL_NAME = ".validation-journal.json"
STAGE_SUFFIX = ".validation-stage"  # staging files sit next to their target: same filesystem, so rename is atomic
_JOURNAL_TMP = JOURNAL_NAME + STAGE_SUFFIX


class JournalError(RuntimeError):
    """A journal that cannot be read or rolled back; the message says what is left and where."""


@dataclass(frozen=True)
class FileChange:
    path: Path  # absolute
    old: bytes | None  # None: the file did not exist
    new: bytes


def _stage_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{STAGE_SUFFIX}")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` (created or truncated) and fsync it; the caller renames it into place."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fchmod(fd, mode)  # O_CREAT's mode passes through the umask; an existing file keeps its old bits
        os.fsync(fd)
    finally:
        os.close(fd)


def _mode_of(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _replace(path: Path, data: bytes, mode: int) -> None:
    """Put `data` at `path` atomically, through its staging file."""
    stage = _stage_path(path)
    _write_durably(stage, data, mode)
    os.replace(stage, path)
    _fsync_dir(path.parent)


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class Transaction:
    """Apply several file changes so that a crash at any point is undone by the next `recover()`.

    apply() writes the journal, then each file. commit() accepts the change (removes the journal). rollback() puts
    every file back and removes the journal. Use under repo_lock.
    """

    def __init__(self, root: Path, changes: list[FileChange], *, command: str) -> None:
        self.root = root
        self.changes = changes
        self.command = command
        self.journal = root / JOURNAL_NAME
        self.modes = {c.path: _mode_of(c.path) for c in changes}

    def apply(self) -> None:
        entries = [{
            "path": os.path.relpath(c.path, self.root),
            "mode": self.modes[c.path],
            "old": None if c.old is None else base64.b64encode(c.old).decode(),
            "new": base64.b64encode(c.new).decode(),
        } for c in self.changes]
        record = json.dumps({"version": 1, "pid": os.getpid(), "command": self.command, "files": entries},
                            indent=1).encode()
        tmp = self.root / _JOURNAL_TMP
        _write_durably(tmp, record, 0o644)
        os.replace(tmp, self.journal)
        _fsync_dir(self.root)  # the journal is on disk before any file changes
        for c in self.changes:
            _replace(c.path, c.new, self.modes[c.path])

    def commit(self) -> None:
        _remove(self.journal)
        _fsync_dir(self.root)

    def rollback(self) -> list[str]:
        """Every file back to its old bytes; returns what could not be restored (empty when all was)."""
        left = _roll_back(self.root, [_Entry(c.path, self.modes[c.path], c.old, c.new) for c in self.changes])
        if not left:
            _remove(self.journal)
            _fsync_dir(self.root)
        return left


@dataclass(frozen=True)
class _Entry:
    path: Path
    mode: int
    old: bytes | None
    new: bytes


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _roll_back(root: Path, entries: list[_Entry]) -> list[str]:
    """Restore each file whose bytes are the new ones (or half-staged); a file edited since is named, not touched."""
    left: list[str] = []
    for e in reversed(entries):
        rel = os.path.relpath(e.path, root)
        current = _read(e.path)
        if current == e.old:
            pass
        elif current == e.new:
            if e.old is None:
                _remove(e.path)
                _fsync_dir(e.path.parent)
            else:
                _replace(e.path, e.old, e.mode)
        else:
            left.append(f"{rel} changed since the interrupted write (neither its old nor its new content); "
                        "left as it is")
        _remove(_stage_path(e.path))
    return left


def pending(root: Path) -> bool:
    """Is there anything for recover() to do? Two stat calls: this runs before every command."""
    return (root / JOURNAL_NAME).exists() or (root / _JOURNAL_TMP).exists()


def recover(root: Path, *, locked: bool = False, timeout: float = DEFAULT_TIMEOUT,
            say: Callable[[str], None] | None = None) -> list[str]:
    """Roll back a change a crashed command left half done; returns what was restored, in words.

    Takes the repository lock unless the caller holds it (`locked`), so a live writer's journal is left alone: we
    wait for it to finish instead. Raises JournalError when the journal cannot be read or a file cannot be restored.
    """
    say = say or (lambda text: print(text, file=sys.stderr))
    if not locked:
        if pending(root):
            with repo_lock(root, "recovering an interrupted edit", timeout=timeout, say=say):
                return recover(root, locked=True, say=say)
        if (root / LOCK_NAME).exists():
            # Only a lock file: a live holder is writing (leave it be), or a killed one left it (take it over, which
            # removes it, so no file of ours outlives the command that made it).
            try:
                with repo_lock(root, "removing a stale lock", timeout=0, say=say):
                    return recover(root, locked=True, say=say)
            except UsageError:
                return []
        return []
    journal = root / JOURNAL_NAME
    raw = _read(journal)
    _remove(root / _JOURNAL_TMP)  # a journal never completed: no file was touched yet
    if raw is None:
        return []
    try:
        data = json.loads(raw)
        entries = [_Entry(path=_inside(root, str(f["path"])), mode=int(f["mode"]),
                          old=None if f["old"] is None else base64.b64decode(f["old"]),
                          new=base64.b64decode(f["new"])) for f in data["files"]]
        who = f"{data.get('command', 'a command')} (pid {data.get('pid', '?')})"
    except (ValueError, KeyError, TypeError) as exc:
        raise JournalError(f"{journal}: cannot read the journal of an interrupted edit ({exc}); look at the files "
                           "it names, fix them by hand, then delete it") from None
    changed = [os.path.relpath(e.path, root) for e in entries if _read(e.path) not in (e.old,)]
    try:
        left = _roll_back(root, entries)
    except OSError as exc:
        raise JournalError(f"cannot roll back the interrupted edit in {journal}: {exc}; run the command again "
                           "once the file can be written") from None
    _remove(journal)
    _fsync_dir(root)
    restored = [r for r in changed if not any(line.startswith(r + " ") for line in left)]
    messages = []
    if restored:
        messages.append(f"recovered: {who} was interrupted while writing; restored {', '.join(restored)} to "
                        "their content before it")
    else:
        messages.append(f"recovered: {who} was interrupted before it changed any file; removed its journal")
    messages.extend(f"warning: {line}" for line in left)
    for m in messages:
        say(m)
    return messages


def _inside(root: Path, rel: str) -> Path:
    """A journal names files relative to the root; one that points elsewhere was not written by us."""
    path = Path(os.path.normpath(root / rel))
    if os.path.isabs(rel) or not path.is_relative_to(root):
        raise ValueError(f"path {rel!r} is outside the repository")
    return path
