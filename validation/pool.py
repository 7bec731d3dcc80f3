"""Work spread over worker processes, with the results in task order: what one process would give, sooner.

Workers are forked, so they start with everything the parent has loaded (modules, compiled schemas) instead of
importing it again. Fork only while no other thread runs: the caller makes sure of that.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
    R = TypeVar("R")


def default_jobs() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return hasattr(os, "fork")


def ordered_map(fn: Callable[[T], R], tasks: Sequence[T], workers: int) -> Iterator[R]:
    """fn(task) for every task, in task order: in this process when one worker (or one task) is enough,
    else in up to `workers` forked processes. An exception in a task is raised here, as in one process;
    leaving early (an exception, an interrupt, a consumer that stops) stops the workers at once."""
    workers = min(workers, len(tasks))
    if workers <= 1 or not can_fork():
        for task in tasks:
            yield fn(task)
        return
    import multiprocessing

    # A child inherits unflushed output and would write it again when it exits.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals)
    try:
        yield from pool.imap(fn, tasks, chunksize=1)
        pool.close()
        pool.join()
    finally:
        pool.terminate()


def _worker_signals() -> None:
    """The parent owns interrupts: it stops the workers (SIGTERM) and cleans up its own scratch space. Without
    this a worker would run the parent's SIGTERM/SIGINT handlers on the parent's (copied) state."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
