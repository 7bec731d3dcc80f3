"""One writer at a time: an exclusive lock on the repository, held while a command reads, checks and writes it.

The lock is `flock(2)` on a file at the repository root that names its holder (pid, command, start time). The kernel
drops a flock when its holder exits, however it exits (SIGKILL included), so a lock left by a dead process is free
for the next one: the file's text only says whose it was. The holder removes the file when it is done; a waiter that
opened the old file notices (its inode is no longer the path's) and opens the new one, so two processes can never
hold "the" lock through two different files.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from validation.cli import UsageError

LOCK_NAME = ".validation.lock"
DEFAULT_TIMEOUT = 120.0
_POLL = 0.05


class LockTimeout(UsageError):
    """Another process held the lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: float | None  # time.time() when it took the lock
    host: str

    def describe(self) -> str:
        if self.pid is None:
            return "another process (it has not written its name yet)"
        started = f", since {time.strftime('%H:%M:%S', time.localtime(self.since))}" if self.since else ""
        host = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"pid {self.pid}{host} ({self.command}{started})"


def read_holder(path: Path) -> Holder | None:
    """Who wrote the lock file, or None when there is none (or it is empty)."""
    try:
        raw = path.read_bytes()[:4096]
    except OSError:
        return None
    if not raw.strip():
        return None
    try:
        data = json.loads(raw.decode("utf-8", "replace"))
        return Holder(int(data["pid"]), str(data.get("command", "?"))[:200], float(data.get("since") or 0) or None,
                      str(data.get("host", ""))[:100])
    except (ValueError, KeyError, TypeError):
        return Holder(None, "unreadable lock file", None, "")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextmanager
def repo_lock(root: Path, command: str, *, timeout: float = DEFAULT_TIMEOUT,
              say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the repository lock for the body. Waits up to `timeout` seconds for another holder, saying once who it
    is waiting for; raises LockTimeout naming the holder if it does not let go in time."""
    say = say or (lambda text: print(text, file=sys.stderr))
    path = root / LOCK_NAME
    deadline = time.monotonic() + timeout
    waited_for: Holder | None = None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise UsageError(f"cannot create the lock file {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(path)
            if time.monotonic() >= deadline:
                who = holder.describe() if holder else "another process"
                raise LockTimeout(
                    f"the repository is locked by {who}; gave up after {timeout:g} s. It is released when that "
                    f"process ends ({path}); wait for it, or stop it if it is stuck") from None
            if waited_for is None or (holder and holder.pid != waited_for.pid):
                waited_for = holder or Holder(None, "", None, "")
                say(f"waiting for the repository lock, held by {waited_for.describe()} (up to {timeout:g} s)")
            time.sleep(_POLL)
            continue
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed the file between our open and our flock: lock the new one
            os.close(fd)
            continue
        break
    try:
        previous = read_holder(path)
        if previous and previous.pid not in (None, os.getpid()) and not pid_alive(previous.pid):
            say(f"note: took over the repository lock left by {previous.describe()}, which is no longer running")
        record = json.dumps({"pid": os.getpid(), "command": command, "since": time.time(),
                             "host": socket.gethostname()}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)
        yield
    finally:
        try:
            os.unlink(path)  # still holding the flock: a waiter re-checks the inode and opens a fresh file
        except OSError:
            pass
        os.close(fd)
