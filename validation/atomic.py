"""Write a file so that a reader (or a crash) sees either the old content or the new, never half of it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write `data` to a temp file in the same directory, fsync it, then rename it over `path`.

    The same directory keeps the rename on one filesystem (so it is atomic), and an existing file's
    permission bits are kept: a tool that edits a file must not quietly make it world-readable or drop +x.
    A symlink is followed (the link stays, its target is replaced). Something that is not a regular file
    (/dev/null, /dev/stdout, a FIFO) is written in place: renaming over it would replace the device itself.
    """
    path = Path(os.path.realpath(path))
    raw = data.encode(encoding) if isinstance(data, str) else data
    try:
        st: os.stat_result | None = path.stat()
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as fh:
            fh.write(raw)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)
        else:
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
