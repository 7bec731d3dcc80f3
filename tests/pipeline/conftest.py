"""Fixtures for the pipeline tests: an embedded run shared by the session, real servers as subprocesses."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import data_prep, evaluate_model, feature_eng, register_model, train_model
from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[2]
# Fake credentials for moto, only ever in the environment of the processes the tests start.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything that could point the pipeline elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MLFLOW_", "PIPELINE_", "GIT_COMMIT"))}
    env["PYTHONPATH"] = str(REPO)
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["DVC_NO_ANALYTICS"] = "1"
    env.update(extra)
    return env


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ...` as a real subprocess, so exit codes and stderr are what a user sees."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class EmbeddedRun:
    settings: Settings
    prep: data_prep.DataPrepResult
    features: feature_eng.FeatureEngResult
    train: train_model.TrainResult
    evaluation: evaluate_model.Evaluation
    registration: register_model.Registration


def run_all(settings: Settings) -> EmbeddedRun:
    return EmbeddedRun(
        settings=settings,
        prep=data_prep.run(settings),
        features=feature_eng.run(settings),
        train=train_model.run(settings),
        evaluation=evaluate_model.run(settings),
        registration=register_model.run(settings),
    )


def embedded_settings(workdir: Path, **overrides: object) -> Settings:
    """Settings for an embedded run in `workdir`; the SQLite URI is explicit so $MLFLOW_TRACKING_URI cannot leak in."""
    values: dict[str, object] = {"mlflow_tracking_uri": f"sqlite:///{workdir / 'mlflow.db'}", "git_commit": "0" * 40}
    values.update(overrides)
    return Settings(workdir=workdir, **values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedRun:
    """All five steps once, in-process, with the embedded defaults (SQLite MLflow, local DVC remote)."""
    return run_all(embedded_settings(tmp_path_factory.mktemp("embedded") / "work"))


@pytest.fixture
def embedded_copy(embedded_run: EmbeddedRun, tmp_path: Path) -> Settings:
    """A private copy of the embedded run's workdir, for tests that change outputs or the registry."""
    target = tmp_path / "work"
    shutil.copytree(embedded_run.settings.workdir, target)
    return embedded_settings(target)


TINY_CACHE = "PIPELINE_TEST_TINY_WORKDIR"


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Steps 1 to 3 on 60 rows for one epoch: a real logged model in seconds, for the tests of evaluate-model's run
    (and its mutation run, which rebuilds this once per mutant). Tests change a copy of it: `tiny_copy`."""
    # A mutation run (tests/mutation.py) names a directory for it: built by its clean, unmutated pass, then used by
    # every mutant's tests. train-model calls evaluate_model.averaging, so a build under a mutant stays private.
    shared = os.environ.get(TINY_CACHE)
    unmutated = os.environ.get("MUTANT_UNDER_TEST", "") in ("", "stats")
    if shared and not unmutated and not (Path(shared) / "built").exists():
        shared = None
    root = Path(shared) if shared else tmp_path_factory.mktemp("tiny")
    settings = tiny_settings(root / "work", root / "reviews.csv")
    if not (root / "built").exists():
        write_reviews(root / "reviews.csv", rows=60)
        data_prep.run(settings)
        feature_eng.run(settings)
        train_model.run(settings)
        (root / "built").touch()
    return settings


def tiny_settings(workdir: Path, reviews: Path, **overrides: object) -> Settings:
    return embedded_settings(workdir, input_uri=str(reviews), epochs=1, min_accuracy=0.5, **overrides)


@pytest.fixture
def tiny_copy(tiny_trained: Settings, tmp_path: Path) -> Settings:
    """A private copy of the tiny trained workdir (its MLflow store, DVC remote and outputs)."""
    target = tmp_path / "work"
    shutil.copytree(tiny_trained.workdir, target)
    return tiny_settings(target, Path(tiny_trained.input_uri))


@dataclass(frozen=True)
class Servers:
    mlflow_uri: str
    s3_endpoint: str
    bucket: str

    def s3(self):  # -> boto3 S3 client for the moto server
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def _start(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    # Own process group, so teardown reaches the server's workers too.
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} server exited early:\n{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log.read_text(errors='replace')[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """A real `mlflow server` (SQLite, served artifacts) and moto's S3 server, on loopback and free ports."""
    root = tmp_path_factory.mktemp("servers")
    bindir = Path(sys.executable).parent
    # No background job runners (huey consumers): the tests never use them, and they slow start and teardown.
    env = clean_env(**FAKE_AWS, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    mlflow_port, moto_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    # The servers run in their own process groups, so a run killed with SIGTERM (a cancelled CI job) would leave
    # them behind: make SIGTERM end the run the way Ctrl-C does, through this teardown.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        procs.append(
            _start(
                [
                    str(bindir / "mlflow"),
                    "server",
                    "--backend-store-uri",
                    f"sqlite:///{root / 'mlflow.db'}",
                    "--artifacts-destination",
                    str(root / "artifacts"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(mlflow_port),
                    "--workers",
                    "1",
                ],
                root / "mlflow.log",
                env,
            )
        )
        procs.append(
            _start([str(bindir / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)], root / "moto.log", env)
        )
        _wait_http(f"http://127.0.0.1:{moto_port}/moto-api/", procs[1], root / "moto.log")
        _wait_http(f"http://127.0.0.1:{mlflow_port}/health", procs[0], root / "mlflow.log")
        found = Servers(f"http://127.0.0.1:{mlflow_port}", f"http://127.0.0.1:{moto_port}", "mlops-data-bucket-test")
        found.s3().create_bucket(Bucket=found.bucket)
        yield found
    finally:
        for proc in procs:
            _stop(proc)
        signal.signal(signal.SIGTERM, previous)


def mlflow_client(settings: Settings):  # -> MlflowClient on the settings' tracking store and registry
    from mlflow import MlflowClient

    # Both URIs explicit: MlflowClient otherwise takes the registry from MLflow's process-wide setting.
    return MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)


def write_reviews(path: Path, rows: int = 60, seed: int = 5) -> tuple[list[str], list[int]]:
    """A small user CSV (text,label; two classes, distinct texts) at `path`; returns its texts and labels."""
    from pipeline import sample

    records = sample.make_records(seed, n=rows)
    texts, labels = [r.text for r in records], [r.label for r in records]
    write_csv(path, ["text", "label"], zip(texts, labels, strict=True))
    return texts, labels


def write_csv(path: Path, header: list[str], rows: object) -> None:
    import csv

    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]
