"""Files between steps: atomic writes (a reader, or the next Argo step, never sees half a file), reads that name
the step to rerun when a file is damaged, and the up-front check that the workdir can be written at all."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from pipeline.errors import DataError, PipelineError, UsageError


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file next to `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, value: Any) -> None:
    write_text(path, json.dumps(value, indent=2, sort_keys=True) + "\n")


def write_pickle(path: Path, value: Any) -> None:
    # Protocol fixed so the same object gives the same bytes (and the same DVC hash) on every Python 3.11+.
    write_bytes(path, pickle.dumps(value, protocol=5))


def md5_of(path: Path) -> str:
    """The file's MD5, as DVC records it (DVC 3 hashes the bytes as they are)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_pickle(path: Path, written_by: str, expected: type | tuple[type, ...] | None = None) -> Any:
    """Unpickle a file an earlier step wrote; a damaged or wrong file is named with the step that wrote it.

    Only files this pipeline wrote, and DVC checked out by hash, are unpickled.
    """
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)  # noqa: S301
    except FileNotFoundError:
        raise PipelineError(f"{path} does not exist; run {written_by} first") from None
    except OSError as exc:
        raise PipelineError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - garbage makes pickle raise almost anything; all mean "damaged"
        raise DataError(
            f"{path} is damaged ({type(exc).__name__}: {exc}; truncated or overwritten?); "
            f"it is written by {written_by}: run {written_by} again"
        ) from exc
    if expected is not None and not isinstance(value, expected):
        raise DataError(
            f"{path} holds a {type(value).__name__}, not what {written_by} writes there; run {written_by} again"
        )
    return value


def ensure_writable(directory: Path, *also: Path, what: str = "workdir", flag: str = "--workdir") -> None:
    """Refuse at once a workdir that cannot be written, instead of failing deep inside MLflow or DVC.

    Creates `directory` if needed, then creates and removes a file in it and in each existing directory of `also`;
    an existing file in `also` is opened for writing. Permission bits alone would not do: root ignores them,
    and a read-only mount refuses everyone.
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{what} {directory} is not a directory") from None
    except OSError as exc:
        raise UsageError(f"{what} {directory} cannot be created: {exc.strerror or exc}") from exc
    if not directory.is_dir():
        raise UsageError(f"{what} {directory} is not a directory")
    for target in (directory, *also):
        try:
            if target.is_dir():
                fd, probe = tempfile.mkstemp(dir=target, prefix=".write-probe-")
                os.close(fd)
                os.unlink(probe)
            elif target.exists():
                with target.open("r+b"):
                    pass
        except OSError as exc:
            reason = "read-only file system" if exc.errno == errno.EROFS else (exc.strerror or str(exc))
            kind = what if target == directory else f"{what} file" if target.is_file() else f"{what} folder"
            raise UsageError(f"{kind} {target} cannot be written ({reason}); choose a writable {flag}") from exc
