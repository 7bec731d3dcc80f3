"""Plain YAML files in bulk (the PATHs given to `check`): read, and schema-checked as they are read.

Each document of a checked file is schema-checked as soon as libyaml has built it, and each issue's line comes
from the node tree still in hand, so no file is parsed a second time to place a finding. When no rule needs
whole objects, each is cut down to what the engine still reads (apiVersion, kind, names, suppression
annotations) once it is checked, so memory does not grow with the size of the objects. Many files, or one big
stream cut into runs of whole documents, are spread over worker processes (validation.pool); the files come back
in input order, the same as one process reads them: a run of documents that does not parse on its own is read
again as part of its whole file.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from validation import pool
from validation.records import record
from validation.rules.base import SUPPRESS_PREFIX
from validation.source_lint import MAX_FILE_BYTES, Document, LintIssue, LoadedFile, decode, load_file, load_text

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

    import yaml

    from validation.schema_check import SchemaChecker

    _Packed = tuple[bool, list[tuple[int, Any, int, int, "list[Any] | None"]], list[LintIssue]]

# Below this much input one process is quicker than starting workers; a single small file never pays for a pool.
POOL_MIN_BYTES = 192 * 1024
# With this many files the input is big enough for workers without adding up their sizes (a stat per file).
POOL_MIN_FILES = 256
# A worker's task: about this many bytes, and at least TASKS_PER_WORKER tasks per worker, so a worker slowed by
# other load on the machine is not left holding a big share at the end.
PIECE_MAX_BYTES = 1024 * 1024
PIECE_MIN_BYTES = 32 * 1024
TASKS_PER_WORKER = 4
# Cut a stream only where a document starts at the beginning of a line ("---" and a blank or the end); never a
# stream with directives (%YAML, %TAG belong to the next document) or with line breaks other than "\n" (libyaml
# counts "\r", NEL, LS and PS as line breaks too, and the line numbers of a cut must match the whole file's).
_UNCUTTABLE = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\n%")
_BLOCK = 1024 * 1024
_SUPPRESS = SUPPRESS_PREFIX.lower()
# Kinds that define other kinds (a CRD; a Crossplane XRD, whose composites and claims the engine checks too)
_DEFINES_KINDS = frozenset({"CustomResourceDefinition", "CompositeResourceDefinition"})


@record
class FileJob:  # a tuple: 50,000 of them are held and sent to workers
    path: Path
    display: str  # the name findings use
    check: bool  # its objects are schema-checked as they are read (a file of a plain target)


@record
class Settings:
    """What a bulk read does with each document besides reading it."""

    checker: SchemaChecker | None  # None: nothing is checked while reading
    keep_objects: bool = True  # False: keep only a skeleton of each object once it is checked


@record
class _Piece:
    """A run of whole documents cut from a big file, read by one worker."""

    job: FileJob
    start: int  # byte offsets
    end: int
    first_line: int
    last: bool  # the file's last piece


_Task = tuple["FileJob | _Piece", ...]
_settings: Settings | None = None  # the run's settings; forked workers inherit them (nothing to pickle)
_tasks: list[_Task] = []  # the run's tasks, inherited the same way: a worker is sent a task's index, not its Paths


class Reading:
    """One bulk read: planned on construction (here, or over worker processes), run by iterating results()."""

    def __init__(self, jobs: list[FileJob], settings: Settings, workers: int) -> None:
        self.jobs = jobs
        self.settings = settings
        self.workers = max(1, workers)
        self.tasks: list[_Task] = self._plan() if self.workers > 1 and pool.can_fork() else []

    @property
    def parallel(self) -> bool:
        """Whether worker processes will be forked (so the caller must have no other thread running then)."""
        return len(self.tasks) > 1

    def results(self) -> Iterator[LoadedFile]:
        """One LoadedFile per job, in job order."""
        global _settings, _tasks
        previous, _settings = _settings, self.settings
        previous_tasks, _tasks = _tasks, self.tasks
        try:
            if not self.parallel:
                for job in self.jobs:
                    yield _whole(job)
                return
            pieces: list[LoadedFile] = []
            indexes = range(len(self.tasks))
            for task, packed in zip(self.tasks, pool.ordered_map(_run_task_at, indexes, self.workers), strict=True):
                for unit, part in zip(task, map(_unpack, task, packed), strict=True):
                    if not isinstance(unit, _Piece):
                        yield part
                        continue
                    pieces.append(part)
                    if unit.last:
                        yield _join(unit.job, pieces)
                        pieces = []
        finally:
            _settings, _tasks = previous, previous_tasks

    def _plan(self) -> list[_Task]:
        sizes: list[int | None] = [None] * len(self.jobs)
        total: int | None = None
        if len(self.jobs) < POOL_MIN_FILES:
            for i, job in enumerate(self.jobs):
                try:
                    sizes[i] = os.stat(job.path).st_size
                except OSError:
                    sizes[i] = 0
            total = sum(s or 0 for s in sizes)
            if total < POOL_MIN_BYTES:
                return []
        target = PIECE_MAX_BYTES
        if total is not None:
            target = max(PIECE_MIN_BYTES, min(PIECE_MAX_BYTES, total // (self.workers * TASKS_PER_WORKER)))
        per_task = max(1, min(256, len(self.jobs) // (self.workers * TASKS_PER_WORKER)))
        tasks: list[_Task] = []
        batch: list[FileJob] = []
        batch_bytes = 0
        for job, size in zip(self.jobs, sizes, strict=True):
            if size is not None and 2 * target <= size <= MAX_FILE_BYTES:  # a bigger one is refused whole
                if batch:
                    tasks.append(tuple(batch))
                    batch, batch_bytes = [], 0
                tasks.extend((piece,) for piece in _cut(job, target))
                continue
            batch.append(job)
            batch_bytes += size or 0
            if len(batch) >= per_task or batch_bytes >= target:
                tasks.append(tuple(batch))
                batch, batch_bytes = [], 0
        if batch:
            tasks.append(tuple(batch))
        return tasks


def _cut(job: FileJob, target: int) -> list[FileJob | _Piece]:
    """A big file as runs of whole documents of about `target` bytes; the whole file when it cannot be cut.
    The file is scanned in blocks, so planning never holds all of it."""
    cuts = [(0, 1)]  # (byte offset, line) where each piece starts
    try:
        fd = os.open(job.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return [job]  # the whole-file read says what is wrong
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return [job]
        size = 0  # bytes before the current block
        lines = 1  # the line the current window starts on
        carry = b""  # the last bytes of the previous block: a marker may straddle two blocks
        at = target  # the next cut: the first document start from here on
        while block := os.read(fd, _BLOCK):
            window = carry + block
            base = size - len(carry)  # file offset of window[0]
            if any(mark in window for mark in _UNCUTTABLE) or (size == 0 and block.startswith(b"%")):
                return [job]
            counted = 0  # window[:counted] has been counted into `lines`
            search = max(at - base - 1, 0)
            while (found := window.find(b"\n---", search)) != -1 and found + 5 <= len(window):
                if window[found + 4:found + 5] in (b" ", b"\t", b"\n"):
                    lines += window.count(b"\n", counted, found + 1)
                    counted = found + 1
                    cuts.append((base + found + 1, lines))
                    at = base + found + 1 + target
                    search = max(at - base - 1, found + 1)
                else:
                    search = found + 1
            keep = min(len(window), 4)
            lines += window.count(b"\n", counted, len(window) - keep)
            carry = window[len(window) - keep:]
            size += len(block)
    except OSError:
        return [job]
    finally:
        os.close(fd)
    if len(cuts) == 1:
        return [job]
    ends = [c[0] for c in cuts[1:]] + [size]
    return [_Piece(job, start, end, line, last=end == size) for (start, line), end in zip(cuts, ends, strict=True)]


def _run_task_at(index: int) -> list[_Packed]:
    """In a worker: the task at this index of the run's (forked with the parent's memory). Pickling each task's
    Paths there and rebuilding them here cost a quarter as much as reading the files they name."""
    return _run_task(_tasks[index])


def _run_task(task: _Task) -> list[_Packed]:
    """In a worker (or here): every unit of the task, read and checked, packed for the trip back."""
    return [_pack(_piece(unit) if isinstance(unit, _Piece) else _whole(unit)) for unit in task]


def _pack(lf: LoadedFile) -> _Packed:
    """A LoadedFile as plain tuples, without its path and name (the parent has them, in the job): pickling the
    dataclasses and the Path, and rebuilding them, was most of what handing a small file back cost."""
    return lf.ok, [(d.index, d.data, d.start_line, d.end_line, d.found) for d in lf.documents], lf.issues


def _unpack(unit: FileJob | _Piece, packed: _Packed) -> LoadedFile:
    job = unit.job if isinstance(unit, _Piece) else unit
    ok, documents, issues = packed
    return LoadedFile(job.path, job.display, [Document(*d) for d in documents], issues, ok=ok)


def _whole(job: FileJob) -> LoadedFile:
    return load_file(job.path, job.display, on_document=_document_hook(job, 1))


def _piece(piece: _Piece) -> LoadedFile:
    job = piece.job
    failed = LoadedFile(job.path, job.display, ok=False)  # the whole-file read says what is wrong
    try:
        fd = os.open(job.path, os.O_RDONLY)
        try:
            raw = os.pread(fd, piece.end - piece.start, piece.start)
        finally:
            os.close(fd)
    except OSError:
        return failed
    if piece.start == 0:
        text, _ = decode(raw, job.display)
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    if text is None or len(raw) != piece.end - piece.start:
        return failed
    return load_text(text, job.display, job.path, first_line=piece.first_line,
                     on_document=_document_hook(job, piece.first_line))


def _join(job: FileJob, parts: list[LoadedFile]) -> LoadedFile:
    """The pieces of one file as if it had been read whole; read whole when a piece did not parse on its own."""
    if not all(part.ok for part in parts):
        return _whole(job)
    documents: list[Document] = []
    tabs: list[LintIssue] = []
    others: list[LintIssue] = []  # a whole read reports tabs first, then duplicate keys
    for part in parts:
        base = len(documents)
        for doc in part.documents:
            doc.index += base
            documents.append(doc)
        for issue in part.issues:
            (tabs if issue.rule_id == "YAML-TAB" else others).append(issue)
    return LoadedFile(job.path, job.display, documents, tabs + others, ok=True)


def _document_hook(job: FileJob, first_line: int) -> Callable[[Document, yaml.Node], None] | None:
    settings = _settings
    checker = settings.checker if settings is not None and job.check else None
    if checker is None:
        return None
    assert settings is not None
    from validation.render import is_kustomize_config
    from validation.sourcemap import walk

    keep = settings.keep_objects

    def hook(doc: Document, node: yaml.Node) -> None:
        data = doc.data
        if not isinstance(data, dict) or is_kustomize_config(data):
            return  # the engine never checks these: not objects, or kustomize's own
        found = []
        for issue in checker.check(data):
            mark = walk(node, issue.path, data)[0]  # as the source map walks it, the object in hand
            found.append((issue, mark.line + first_line, mark.column + 1))
        doc.found = found
        # A CRD or a Crossplane XRD, and an object of a kind that has no schema here, stay whole: a CRD or XRD among
        # the objects read may define that kind, and the engine's schema stage then checks the object against it.
        if not keep and data.get("kind") not in _DEFINES_KINDS \
                and not any(issue.rule_id == "SCHEMA-MISSING" for issue, _, _ in found):
            doc.data = skeleton(data)

    return hook


def skeleton(data: dict[str, Any]) -> dict[str, Any]:
    """What the engine reads of an object once it is checked and no rule needs the rest: its apiVersion and kind
    (the lint's shape check, Argo CD's reading of a directory, the report), its names, and the annotations that
    suppress a finding."""
    out = {key: _intern(data[key]) for key in ("apiVersion", "kind") if key in data}
    meta = data.get("metadata")
    if isinstance(meta, dict):
        kept = {key: meta[key] for key in ("name", "namespace", "generateName") if key in meta}
        if "namespace" in kept:
            kept["namespace"] = _intern(kept["namespace"])
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            suppressing = {k: v for k, v in annotations.items() if str(k).lower().startswith(_SUPPRESS)}
            if suppressing:
                kept["annotations"] = suppressing
        out["metadata"] = kept
    elif "metadata" in data:
        out["metadata"] = meta
    return out


def _intern(value: Any) -> Any:
    """One copy of each apiVersion, kind and namespace, not one per object."""
    return sys.intern(value) if type(value) is str else value
