"""Data versions: an immutable name for exact bytes, recorded in the environment's DVC remote.

A version's record, `versions/<version>.json` next to DVC's content-addressed `files/md5/` in the remote, holds the
MD5 and size of the original file and of its training and test rows (DVC stores the bytes under those MD5s),
plus where the data came from, its columns, classes and the split's seed. The first run with a data version creates
the record; it is never rewritten. Any later run, or `python -m pipeline data pull`, gets the very same bytes back
through DVC, and a run that brings different bytes under an existing version is refused.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import files, remote_store, versioning
from pipeline.errors import DataError, PipelineError
from pipeline.settings import Settings

PREFIX = "versions"
SCHEMA = 1


@dataclass(frozen=True)
class StoredFile:
    name: str
    md5: str
    size: int


@dataclass(frozen=True)
class DataVersion:
    version: str
    raw: StoredFile  # the original file, under the name it came with
    format: str  # csv, jsonl or parquet
    text_column: str
    label_column: str
    source: str  # the --input it came from, or "sample (seed N)"
    rows: int
    classes: dict[str, int]  # label -> rows
    split_seed: int
    test_size: float
    test_rows: int
    train: StoredFile
    test: StoredFile
    created: str  # UTC, ISO 8601
    environment: str
    git_commit: str | None = None
    schema: int = SCHEMA

    def to_json(self) -> bytes:
        return (json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> DataVersion:
        try:
            raw = json.loads(data)
            fields = {f.name for f in dataclasses.fields(cls)}
            unknown = set(raw) - fields
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)} (written by a newer pipeline?)")
            for key in ("raw", "train", "test"):
                raw[key] = StoredFile(**raw[key])
            record = cls(**raw)
            if not isinstance(record.rows, int) or not isinstance(record.classes, dict):
                raise ValueError("rows or classes have the wrong type")
        except (ValueError, TypeError, KeyError) as exc:
            raise PipelineError(f"data version record {where} is malformed ({exc})") from exc
        return record

    def same_content(self, other: DataVersion) -> bool:
        """Same original bytes read the same way (the split may still differ, if made with another seed)."""
        return (self.raw.md5, self.format, self.text_column, self.label_column) == (
            other.raw.md5,
            other.format,
            other.text_column,
            other.label_column,
        )

    def describe(self) -> str:
        return f"{self.raw.name}, md5 {self.raw.md5}, {self.rows} rows, from {self.source}, created {self.created}"


def key(version: str) -> str:
    return f"{PREFIX}/{version}.json"


def lookup(settings: Settings, store: remote_store.Store | None = None) -> DataVersion | None:
    """The record of --data-version in the remote, or None if there is none yet."""
    store = store or remote_store.remote_store(settings)
    data = store.read(key(settings.data_version))
    return None if data is None else DataVersion.from_json(data, store.where(key(settings.data_version)))


def publish(settings: Settings, record: DataVersion) -> DataVersion:
    """Create the record unless the version exists; returns the record the remote holds afterwards.

    Another run may have created the version between our lookup and now: then its record wins, and the caller
    compares it with what it brought.
    """
    store = remote_store.remote_store(settings)
    if store.create(key(record.version), record.to_json()):
        return record
    existing = lookup(settings, store)
    if existing is None:  # created and deleted again in between: nothing sane to do but stop
        raise PipelineError(f"data version {record.version!r} appeared and vanished in {store.url}; run again")
    return existing


def all_versions(settings: Settings) -> list[DataVersion]:
    store = remote_store.remote_store(settings)
    found = []
    for name in store.keys(PREFIX + "/"):
        if name.endswith(".json"):
            data = store.read(name)
            if data is not None:
                found.append(DataVersion.from_json(data, store.where(name)))
    return sorted(found, key=lambda r: (r.created, r.version))


def refuse_conflict(existing: DataVersion, brought: str, settings: Settings) -> DataError:
    return DataError(
        f"data version {existing.version!r} already exists in {versioning.describe_remote(settings)} "
        f"({existing.describe()}, text column {existing.text_column!r}, label column {existing.label_column!r}), "
        f"and {brought} differs; versions are immutable: choose a new --data-version"
    )


def save_local(settings: Settings, record: DataVersion) -> None:
    """The record in the workdir, so later steps of the run need not ask the remote."""
    files.write_bytes(settings.version_record, record.to_json())


def current(settings: Settings) -> DataVersion:
    """The record of --data-version: the workdir's copy (data-prep wrote it), else the remote's."""
    path = settings.version_record
    if path.exists():
        try:
            local = DataVersion.from_json(path.read_bytes(), str(path))
        except PipelineError as exc:
            raise DataError(f"{exc}; it is written by data-prep: run data-prep again") from exc
        if local.version != settings.data_version:
            raise DataError(f"{path} is the record of {local.version!r}, not {settings.data_version!r}")
        return local
    found = lookup(settings)
    if found is None:
        raise PipelineError(
            f"data version {settings.data_version!r} not found: no record in {versioning.describe_remote(settings)} "
            f"nor in {settings.workdir}; run `python -m pipeline data-prep --data-version {settings.data_version}` first"
        )
    save_local(settings, found)
    return found


def paths(settings: Settings, record: DataVersion) -> dict[str, Path]:
    """Where a version's files live in the workdir: the original file, the training rows, the test rows."""
    return {
        "raw": settings.raw_dir / record.raw.name,
        "train": settings.train_csv,
        "test": settings.test_csv,
    }


def materialise(settings: Settings, record: DataVersion, which: tuple[str, ...] = ("raw", "train", "test")) -> None:
    """Make the version's files present in the workdir, byte for byte, pulling what is missing through DVC.

    A file that is there but differs from the record was damaged after data-prep wrote it: it is named, not
    silently replaced, because something on this volume truncates or changes files.
    """
    where = paths(settings, record)
    stored = {"raw": record.raw, "train": record.train, "test": record.test}
    missing = []
    for part in which:
        if where[part].exists():
            _check_bytes(where[part], stored[part], record.version)
        else:
            versioning.write_pointer(where[part], stored[part].md5, stored[part].size)
            missing.append(part)
    if missing:
        versioning.pull(settings, [where[p] for p in missing], what=f"data version {record.version!r}")
        for part in missing:
            _check_bytes(where[part], stored[part], record.version)


def _check_bytes(path: Path, expected: StoredFile, version: str) -> None:
    size = path.stat().st_size
    if size != expected.size or files.md5_of(path) != expected.md5:
        raise DataError(
            f"{path} is not data version {version!r}'s file ({size} bytes, expected {expected.size} with md5 "
            f"{expected.md5}): truncated or changed since data-prep wrote it; run data-prep again, or delete the "
            "file to pull it from the remote"
        )


def pull_into(settings: Settings, record: DataVersion, output: Path, with_split: bool) -> list[Path]:
    """Copy a version's original file (and with `with_split` its training and test rows) into `output`.

    Works in a scratch DVC repository inside `output`, so nothing else on disk is touched, and refuses to
    overwrite a different file of the same name.
    """
    output.mkdir(parents=True, exist_ok=True)
    parts = ("raw", "train", "test") if with_split else ("raw",)
    scratch = Path(tempfile.mkdtemp(dir=output, prefix=".data-pull-"))
    try:
        # A scratch DVC repository that pulls from the same remote (for a local remote: the workdir's).
        temp = dataclasses.replace(settings, workdir=scratch, local_remote_dir=settings.local_remote)
        materialise(temp, record, parts)
        written = []
        for part, source in paths(temp, record).items():
            if part not in parts:
                continue
            target = output / source.name
            if target.exists() and files.md5_of(target) != files.md5_of(source):
                raise DataError(f"{target} exists and differs from data version {record.version!r}'s {source.name}")
            source.replace(target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def as_row(record: DataVersion) -> dict[str, Any]:
    return {
        "version": record.version,
        "created": record.created,
        "rows": record.rows,
        "classes": record.classes,
        "file": record.raw.name,
        "md5": record.raw.md5,
        "source": record.source,
    }
