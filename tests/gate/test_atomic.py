"""validation.atomic.write_atomic: all-or-nothing for regular files, and never replaces what is not one."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from validation.atomic import write_atomic


def test_a_symlink_stays_a_symlink_and_its_target_gets_the_content(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomic(link, "new\n")
    assert link.is_symlink()
    assert target.read_text() == "new\n"


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    # What `check --output /dev/null` needs: renaming over a device or pipe would replace the device itself.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, b"report\n")
    reader.join(timeout=10)
    assert received == [b"report\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_new_file_gets_the_umask_default_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt"]


def test_replacing_keeps_an_executable_bit(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    write_atomic(script, "#!/bin/sh\necho hi\n")
    assert script.stat().st_mode & 0o777 == 0o755
    assert Path(script).read_text().endswith("echo hi\n")
