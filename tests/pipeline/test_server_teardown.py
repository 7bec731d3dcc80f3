"""The real servers the tests start are torn down even when the run is killed with SIGTERM (a cancelled CI job)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def test_a_run_killed_with_sigterm_stops_the_servers_it_started(tmp_path: Path) -> None:
    (tmp_path / "test_hold.py").write_text(textwrap.dedent("""\
        import time

        def test_hold(servers):
            print("URLS", servers.mlflow_uri, servers.s3_endpoint, flush=True)
            time.sleep(120)
        """))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "tests.pipeline.conftest",
         str(tmp_path / "test_hold.py")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        urls: list[str] = []
        deadline = time.monotonic() + 180
        assert run.stdout is not None
        while time.monotonic() < deadline and not urls:
            line = run.stdout.readline()
            if not line:
                break
            if line.startswith("URLS "):
                urls = line.split()[1:]
        assert urls, "the servers did not start"
        mlflow, s3 = urls
        assert _answers(f"{mlflow}/health") and _answers(f"{s3}/moto-api/")
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)
        assert not _answers(f"{mlflow}/health") and not _answers(f"{s3}/moto-api/")
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
