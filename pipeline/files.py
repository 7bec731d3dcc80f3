"""Atomic file writes: a reader (or the next Argo step) never sees half a file."""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any


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


def read_pickle(path: Path) -> Any:
    # Only files this pipeline wrote and DVC checked out by hash are unpickled.
    with path.open("rb") as fh:
        return pickle.load(fh)  # noqa: S301
