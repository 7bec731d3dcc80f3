"""Scratch space for renders: in the system temp directory, never in the repository, gone on every exit path.

A render works in temporary directories (a wrapper kustomization, an Application's edited working copy). Kept inside
the repository they became input: a SIGKILLed check left `overlays/.argo-ml-render-*` behind, and the next check
treated it as an environment. So every scratch directory lives under the system temp directory, named with the pid
of the process that made it (`argo-ml-render-pid<pid>-<random>`); it is removed by the code that made it, by the
SIGTERM/SIGINT/SIGHUP handler (which also stops the kustomize processes still running), and, after a SIGKILL, by the
next run that renders, which sweeps the directories of processes that no longer exist. A run that renders nothing
(a check of plain files) leaves the temp directory alone, and does not import subprocess, shutil or tempfile.
"""

from __future__ import annotations

import os
import signal
import time
from _thread import allocate_lock  # threading's Lock, without importing threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    import subprocess

PREFIX = "argo-ml-render-"
LEGACY_AGE = 3600.0  # seconds: a scratch directory from an older version (no pid in its name) is stale after this

_lock = allocate_lock()
_live: set[Path] = set()
_children: set[subprocess.Popen] = set()
_closing = False
_swept = False  # this process has swept what killed runs left


class Interrupted(RuntimeError):
    """The process is shutting down on a signal; no new scratch directory or child process is started."""


def _first_use() -> None:
    """Sweep once per process, before its first scratch directory or child: a SIGKILLed run's leftovers go then."""
    global _swept
    if not _swept:
        _swept = True
        sweep_stale()


def make_dir() -> Path:
    """A new scratch directory in the system temp directory, registered for removal on a signal."""
    import tempfile

    _first_use()
    with _lock:
        if _closing:
            raise Interrupted("shutting down")
        path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}pid{os.getpid()}-")).resolve()
        _live.add(path)
    return path


def remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
    with _lock:
        _live.discard(path)


def run(argv: list[str], timeout: float, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """subprocess.run(capture_output=True, text=True, env=env), with the child registered so a signal stops it too.
    Raises subprocess.TimeoutExpired (after killing the child) like subprocess.run."""
    import subprocess

    _first_use()
    with _lock:
        if _closing:
            raise Interrupted("shutting down")
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        _children.add(proc)
    try:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        return subprocess.CompletedProcess(argv, proc.returncode, out, err)
    finally:
        with _lock:
            _children.discard(proc)
        if proc.poll() is None:  # an exception (KeyboardInterrupt) while waiting: do not leave it running
            proc.kill()
            proc.wait()


def cleanup_all() -> None:
    """Stop every child and remove every scratch directory of this process; new ones are refused from now on."""
    global _closing
    with _lock:
        _closing = True
        children = list(_children)
        paths = list(_live)
    for proc in children:
        try:
            proc.kill()
        except OSError:
            pass
    if paths:
        import shutil  # loaded already (tempfile, which made them, imports it): no import work in a signal handler

        for path in paths:
            shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(directory: str | None = None) -> list[Path]:
    """Remove the scratch directories whose process is gone (a SIGKILL skips every cleanup); returns them."""
    import shutil
    import tempfile

    top = directory or tempfile.gettempdir()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(top))
    except OSError:
        return removed
    uid = os.getuid()
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or st.st_uid != uid:
            continue  # never another user's, never through a symlink
        head = entry.name[len(PREFIX):].split("-", 1)[0]
        if head.startswith("pid") and head[3:].isdigit():
            pid = int(head[3:])
            stale = pid != os.getpid() and not _pid_alive(pid)
        else:  # an older version's name, without the pid
            stale = time.time() - st.st_mtime > LEGACY_AGE
        if stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGINT", None),
                             getattr(signal, "SIGHUP", None)) if s is not None)


def _on_signal(signum: int, frame: object) -> None:
    cleanup_all()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


@contextmanager
def signals_cleaned_up() -> Iterator[None]:
    """For the body, SIGTERM/SIGINT/SIGHUP stop the children and remove the scratch directories first, then unwind
    as KeyboardInterrupt (SIGINT) or SystemExit(128 + signal), so `finally` blocks and roll-backs still run. The
    previous handlers come back afterwards. Outside the main thread this does nothing (Python only allows it
    there)."""
    global _closing
    try:
        previous = {s: signal.signal(s, _on_signal) for s in _SIGNALS}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        with _lock:
            _closing = False  # in-process callers (tests) run main() again
