"""Write a file so that a reader (or a crash) sees either the old content or the new, never half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write `data` to a temp file in the same directory, fsync it, then rename it over `path`.

    The same directory keeps the rename on one filesystem (so it is atomic), and an existing file's
    permission bits are kept: a tool that edits a file must not quietly make it world-readable or drop +x.
    """
    path = Path(path)
    raw = data.encode(encoding) if isinstance(data, str) else data
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
