"""The whole pipeline against a real `mlflow server` and moto's S3 server, run through the CLI as a user would."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.pipeline.conftest import FAKE_AWS, Servers, clean_env, free_port, run_cli

pytestmark = pytest.mark.timeout(600)  # servers that hang must not hang CI

MODEL = "integration-model"
COMMIT = "1234567890abcdef1234567890abcdef12345678"


@dataclass(frozen=True)
class RemoteRun:
    servers: Servers
    workdir: Path
    stdout: str
    run_id: str


@pytest.fixture(scope="module")
def remote_run(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> RemoteRun:
    cwd = tmp_path_factory.mktemp("remote")  # neither the repository nor the workdir
    workdir = cwd / "shared-volume"
    result = run_cli(
        "run",
        "--workdir",
        str(workdir),
        "--model-name",
        MODEL,
        "--data-version",
        "v2.0",
        "--epochs",
        "4",
        "--batch-size",
        "8",
        "--environment",
        "staging",
        "--git-commit",
        COMMIT,
        "--dvc-s3-bucket",
        servers.bucket,
        "--dvc-s3-region",
        "us-east-1",
        "--s3-endpoint-url",
        servers.s3_endpoint,
        "--mlflow-tracking-uri",
        servers.mlflow_uri,
        cwd=cwd,
        env=clean_env(**FAKE_AWS),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return RemoteRun(servers, workdir, result.stdout, (workdir / "outputs" / "run-id").read_text().strip())


def _client(servers: Servers):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=servers.mlflow_uri, registry_uri=servers.mlflow_uri)


def test_dvc_objects_are_in_the_bucket(remote_run: RemoteRun) -> None:
    keys = {o["Key"] for o in remote_run.servers.s3().list_objects_v2(Bucket=remote_run.servers.bucket)["Contents"]}
    tracked = sorted(remote_run.workdir.glob("data/**/*.dvc"))
    assert len(tracked) == 4  # raw csv, features, labels, vectorizer
    for dvc_file in tracked:
        md5 = yaml.safe_load(dvc_file.read_text())["outs"][0]["md5"]
        assert f"dvc/files/md5/{md5[:2]}/{md5[2:]}" in keys, dvc_file.name
    config = (remote_run.workdir / ".dvc" / "config").read_text()
    assert f"s3://{remote_run.servers.bucket}/dvc" in config and "endpointurl" in config
    assert "testing" not in config, "credentials must never be written to the DVC config"


def test_mlflow_run_has_params_and_metrics(remote_run: RemoteRun) -> None:
    client = _client(remote_run.servers)
    run = client.get_run(remote_run.run_id)
    params = run.data.params
    assert (params["epochs"], params["batch_size"], params["data_version"]) == ("4", "8", "v2.0")
    assert params["dvc_remote"] == f"s3://{remote_run.servers.bucket}/dvc"
    assert [m.step for m in client.get_metric_history(remote_run.run_id, "train_loss")] == [1, 2, 3, 4]
    for metric in ("test_accuracy", "test_precision", "test_recall", "test_f1"):
        assert 0.0 <= run.data.metrics[metric] <= 1.0
    assert run.data.tags["gate"] == "passed"
    assert {a.path for a in client.list_artifacts(remote_run.run_id)} >= {"vectorizer"}


def test_model_version_registered_with_tags_and_alias(remote_run: RemoteRun) -> None:
    version = _client(remote_run.servers).get_model_version_by_alias(MODEL, "candidate")
    assert version.tags == {"data_version": "v2.0", "environment": "staging", "git_commit": COMMIT}
    assert version.run_id == remote_run.run_id
    assert (remote_run.workdir / "outputs" / "model-version").read_text().strip() == str(version.version)


def test_registered_model_loads_and_predicts(remote_run: RemoteRun) -> None:
    import mlflow
    import pandas as pd

    from pipeline.data_prep import read_csv

    mlflow.set_tracking_uri(remote_run.servers.mlflow_uri)
    mlflow.set_registry_uri(remote_run.servers.mlflow_uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@candidate")
    records = read_csv(remote_run.workdir / "data" / "raw" / "sample_data_v2.0.csv")
    predicted = model.predict(pd.DataFrame({"text": [r.text for r in records]}))
    accuracy = sum(int(p == r.label) for p, r in zip(predicted, records, strict=True)) / len(records)
    assert accuracy >= 0.7


# --- bad input against the real servers ------------------------------------------------------------------


@pytest.fixture
def empty_bucket(servers: Servers, request: pytest.FixtureRequest) -> str:
    name = f"refusal-{request.node.name.lower().replace('_', '-')[:40]}".rstrip("-")
    servers.s3().create_bucket(Bucket=name)
    return name


def _objects(servers: Servers, bucket: str) -> list[str]:
    return [o["Key"] for o in servers.s3().list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.mark.parametrize(
    ("bucket_flag", "region", "message"),
    [
        ("Invalid_Bucket", "us-east-1", "invalid S3 bucket name 'Invalid_Bucket'"),
        ("sthree-bucket", "us-east-1", "reserved prefix 'sthree-'"),
        (None, "moon-base-1", "'moon-base-1' is not an AWS region code"),
    ],
)
def test_invalid_bucket_or_region_is_refused_before_any_upload(
    servers: Servers, empty_bucket: str, tmp_path: Path, bucket_flag: str | None, region: str, message: str
) -> None:
    workdir = tmp_path / "work"
    result = run_cli(
        "run",
        "--workdir",
        str(workdir),
        "--dvc-s3-bucket",
        bucket_flag or empty_bucket,
        "--dvc-s3-region",
        region,
        "--s3-endpoint-url",
        servers.s3_endpoint,
        "--mlflow-tracking-uri",
        servers.mlflow_uri,
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert _objects(servers, empty_bucket) == []
    assert not workdir.exists()


def test_unreachable_mlflow_is_refused_quickly_and_nothing_is_uploaded(
    servers: Servers, empty_bucket: str, tmp_path: Path
) -> None:
    port = free_port()
    started = time.monotonic()
    result = run_cli(
        "run",
        "--workdir",
        str(tmp_path / "work"),
        "--dvc-s3-bucket",
        empty_bucket,
        "--s3-endpoint-url",
        servers.s3_endpoint,
        "--mlflow-tracking-uri",
        f"http://127.0.0.1:{port}",
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
        timeout=60,
    )
    assert result.returncode == 1
    assert time.monotonic() - started < 30
    assert f"MLflow tracking server http://127.0.0.1:{port} is unreachable" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert _objects(servers, empty_bucket) == []


def test_hung_mlflow_fails_within_the_request_timeout(servers: Servers, tmp_path: Path) -> None:
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = run_cli(
            "train-model",
            "--workdir",
            str(tmp_path / "work"),
            "--mlflow-tracking-uri",
            f"http://127.0.0.1:{port}",
            cwd=tmp_path,
            env=clean_env(MLFLOW_HTTP_REQUEST_TIMEOUT="2"),
            timeout=60,
        )
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert elapsed < 15
    assert "is unreachable" in result.stderr and "waited at most 2 s" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_raw_data_version_names_what_could_not_be_pulled(remote_run: RemoteRun, tmp_path: Path) -> None:
    servers = remote_run.servers
    common = [
        "--dvc-s3-bucket",
        servers.bucket,
        "--s3-endpoint-url",
        servers.s3_endpoint,
        "--mlflow-tracking-uri",
        servers.mlflow_uri,
    ]
    never = run_cli(
        "feature-eng",
        "--workdir",
        str(remote_run.workdir),
        "--data-version",
        "v404",
        *common,
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
    )
    assert never.returncode == 1
    assert "raw data version 'v404' not found: data/raw/sample_data_v404.csv" in never.stderr
    assert "Traceback" not in never.stderr

    # A fresh volume that has the .dvc file but a bucket without the object: the pull itself fails.
    fresh = tmp_path / "fresh"
    (fresh / "data" / "raw").mkdir(parents=True)
    dvc_file = remote_run.workdir / "data" / "raw" / "sample_data_v2.0.csv.dvc"
    (fresh / "data" / "raw" / dvc_file.name).write_text(dvc_file.read_text())
    other = servers.s3()
    other.create_bucket(Bucket="mlops-empty-remote")
    gone = run_cli(
        "feature-eng",
        "--workdir",
        str(fresh),
        "--data-version",
        "v2.0",
        "--dvc-s3-bucket",
        "mlops-empty-remote",
        "--s3-endpoint-url",
        servers.s3_endpoint,
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
    )
    assert gone.returncode == 1
    assert "could not pull raw data version 'v2.0' (data/raw/sample_data_v2.0.csv)" in gone.stderr
    assert "s3://mlops-empty-remote/dvc" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_raw_data_is_pulled_from_s3_into_a_fresh_volume(remote_run: RemoteRun, tmp_path: Path) -> None:
    servers = remote_run.servers
    fresh = tmp_path / "fresh"
    (fresh / "data" / "raw").mkdir(parents=True)
    dvc_file = remote_run.workdir / "data" / "raw" / "sample_data_v2.0.csv.dvc"
    (fresh / "data" / "raw" / dvc_file.name).write_text(dvc_file.read_text())
    result = run_cli(
        "feature-eng",
        "--workdir",
        str(fresh),
        "--data-version",
        "v2.0",
        "--dvc-s3-bucket",
        servers.bucket,
        "--s3-endpoint-url",
        servers.s3_endpoint,
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
    )
    assert result.returncode == 0, result.stderr
    original = (remote_run.workdir / "data" / "raw" / "sample_data_v2.0.csv").read_bytes()
    assert (fresh / "data" / "raw" / "sample_data_v2.0.csv").read_bytes() == original
