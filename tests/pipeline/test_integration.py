"""The whole pipeline against a real `mlflow server` and moto's S3 server, run through the CLI as a user would."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline import dataset, files
from tests.pipeline.conftest import FAKE_AWS, Servers, clean_env, free_port, run_cli, write_csv, write_reviews

pytestmark = pytest.mark.timeout(600)  # servers that hang must not hang CI

MODEL = "integration-model"
COMMIT = "1234567890abcdef1234567890abcdef12345678"


@dataclass(frozen=True)
class RemoteRun:
    servers: Servers
    workdir: Path
    stdout: str
    run_id: str
    csv: Path  # the user's file, versioned as v2.0


def _remote(servers: Servers, bucket: str | None = None) -> list[str]:
    return [
        "--dvc-s3-bucket", bucket or servers.bucket, "--dvc-s3-region", "us-east-1",
        "--s3-endpoint-url", servers.s3_endpoint, "--mlflow-tracking-uri", servers.mlflow_uri,
    ]  # fmt: skip


def _run(servers: Servers, cwd: Path, *args: str, bucket: str | None = None):  # -> CompletedProcess
    return run_cli(*args, *_remote(servers, bucket), cwd=cwd, env=clean_env(**FAKE_AWS), timeout=300)


@pytest.fixture(scope="module")
def remote_run(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> RemoteRun:
    """A user's CSV goes in as v2.0, through the whole pipeline, against the real servers."""
    cwd = tmp_path_factory.mktemp("remote")  # neither the repository nor the workdir
    workdir = cwd / "shared-volume"
    csv = cwd / "my reviews.csv"
    write_reviews(csv, rows=600, seed=11)
    result = _run(
        servers, cwd, "run", "--workdir", str(workdir), "--input", str(csv), "--model-name", MODEL,
        "--data-version", "v2.0", "--epochs", "4", "--batch-size", "8", "--environment", "staging",
        "--git-commit", COMMIT, "--min-accuracy", "0.6",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return RemoteRun(servers, workdir, result.stdout, (workdir / "outputs" / "run-id").read_text().strip(), csv)


def _client(servers: Servers):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=servers.mlflow_uri, registry_uri=servers.mlflow_uri)


def _keys(servers: Servers, bucket: str | None = None) -> dict[str, str]:
    """Every object in the bucket: key -> ETag (changes when the bytes do)."""
    pages = servers.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket or servers.bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


def test_the_version_and_its_bytes_are_in_the_bucket(remote_run: RemoteRun) -> None:
    keys = _keys(remote_run.servers)
    record = json.loads(
        remote_run.servers.s3()
        .get_object(Bucket=remote_run.servers.bucket, Key="dvc/versions/v2.0.json")["Body"]
        .read()
    )
    assert record["raw"] == {
        "name": "my_reviews.csv",
        "md5": files.md5_of(remote_run.csv),
        "size": remote_run.csv.stat().st_size,
    }
    assert record["source"] == str(remote_run.csv) and record["rows"] == 600
    tracked = sorted(remote_run.workdir.glob("data/**/*.dvc"))
    assert len(tracked) == 6  # original file, training and test rows; features, labels, vectorizer
    for dvc_file in tracked:
        md5 = yaml.safe_load(dvc_file.read_text())["outs"][0]["md5"]
        assert f"dvc/files/md5/{md5[:2]}/{md5[2:]}" in keys, dvc_file.name
    config = (remote_run.workdir / ".dvc" / "config").read_text()
    assert f"s3://{remote_run.servers.bucket}/dvc" in config and "endpointurl" in config
    assert "testing" not in config, "credentials must never be written to the DVC config"


def test_mlflow_run_records_the_data_version_and_its_hash(remote_run: RemoteRun) -> None:
    client = _client(remote_run.servers)
    run = client.get_run(remote_run.run_id)
    params = run.data.params
    assert (params["epochs"], params["batch_size"], params["data_version"]) == ("4", "8", "v2.0")
    assert params["data_md5"] == run.data.tags["data_md5"] == files.md5_of(remote_run.csv)
    assert params["dvc_remote"] == f"s3://{remote_run.servers.bucket}/dvc"
    for metric in ("train_loss", "val_loss"):
        assert [m.step for m in client.get_metric_history(remote_run.run_id, metric)] == [1, 2, 3, 4]
    for metric in ("test_accuracy", "test_precision", "test_recall", "test_f1"):
        assert 0.0 <= run.data.metrics[metric] <= 1.0
    assert run.data.tags["gate"] == "passed"
    assert {a.path for a in client.list_artifacts(remote_run.run_id)} >= {"vectorizer"}


def test_model_version_registered_with_tags_and_alias(remote_run: RemoteRun) -> None:
    version = _client(remote_run.servers).get_model_version_by_alias(MODEL, "candidate")
    md5 = files.md5_of(remote_run.csv)
    assert version.tags == {"data_version": "v2.0", "data_md5": md5, "environment": "staging", "git_commit": COMMIT}
    assert version.run_id == remote_run.run_id
    assert (remote_run.workdir / "outputs" / "model-version").read_text().strip() == str(version.version)


def test_registered_model_loads_and_predicts(remote_run: RemoteRun) -> None:
    import mlflow
    import pandas as pd

    mlflow.set_tracking_uri(remote_run.servers.mlflow_uri)
    mlflow.set_registry_uri(remote_run.servers.mlflow_uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL}@candidate")
    table = dataset.load(remote_run.csv, "csv", "text", "label", "csv")
    predicted = model.predict(pd.DataFrame({"text": list(table.texts)}))
    accuracy = sum(int(p == y) for p, y in zip(predicted, table.labels, strict=True)) / len(table)
    assert accuracy >= 0.7


def test_the_same_version_without_input_trains_on_the_same_bytes(remote_run: RemoteRun, tmp_path: Path) -> None:
    """A later run, on a fresh volume, with v2.0 and no --input: the very bytes of the first run, by hash."""
    servers = remote_run.servers
    before = _keys(servers)
    result = _run(
        servers, tmp_path, "run", "--workdir", str(tmp_path / "fresh"), "--model-name", MODEL,
        "--data-version", "v2.0", "--seed", "5", "--min-accuracy", "0.6",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "data version v2.0 reused" in result.stdout
    client = _client(servers)
    second = client.get_run((tmp_path / "fresh" / "outputs" / "run-id").read_text())
    first = client.get_run(remote_run.run_id)
    for param in ("data_md5", "train_md5", "test_md5", "data_file"):
        assert second.data.params[param] == first.data.params[param], param
    assert second.data.params["seed"] == "5" and second.data.params["split_seed"] == "42"
    assert (tmp_path / "fresh" / "data" / "raw" / "v2.0" / "my_reviews.csv").read_bytes() == remote_run.csv.read_bytes()
    assert {k: v for k, v in _keys(servers).items() if "/versions/" in k} == {
        k: v for k, v in before.items() if "/versions/" in k
    }, "the record was not rewritten"


def test_different_bytes_under_an_existing_version_are_refused(remote_run: RemoteRun, tmp_path: Path) -> None:
    servers = remote_run.servers
    other = tmp_path / "other.csv"
    write_reviews(other, rows=600, seed=12)
    before = _keys(servers)
    versions_before = _client(servers).search_model_versions(f"name='{MODEL}'")
    result = _run(
        servers, tmp_path, "run", "--workdir", str(tmp_path / "w"), "--input", str(other), "--model-name", MODEL,
        "--data-version", "v2.0",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "pipeline data-prep: error: data version 'v2.0' already exists in s3://" in result.stderr
    assert f"md5 {files.md5_of(other)}" in result.stderr and "choose a new --data-version" in result.stderr
    assert _keys(servers) == before, "nothing pushed"
    assert len(_client(servers).search_model_versions(f"name='{MODEL}'")) == len(versions_before)


def test_data_pull_returns_the_original_file(remote_run: RemoteRun, tmp_path: Path) -> None:
    servers = remote_run.servers
    out = tmp_path / "empty"
    out.mkdir()
    listing = run_cli(
        "data",
        "list",
        "--workdir",
        str(tmp_path / "unused"),
        *_remote(servers)[:6],
        cwd=tmp_path,
        env=clean_env(**FAKE_AWS),
    )
    assert listing.returncode == 0, listing.stderr
    assert any(line.startswith("v2.0 ") and "my_reviews.csv" in line for line in listing.stdout.splitlines())
    args = ["data", "pull", "v2.0", "--output", str(out), "--workdir", str(tmp_path / "unused")]
    result = run_cli(*args, *_remote(servers)[:6], cwd=tmp_path, env=clean_env(**FAKE_AWS))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["my_reviews.csv"]
    assert (out / "my_reviews.csv").read_bytes() == remote_run.csv.read_bytes()
    assert not (tmp_path / "unused").exists(), "pulling needs no workdir"


def test_input_from_an_s3_object(servers: Servers, tmp_path: Path) -> None:
    s3 = servers.s3()
    s3.create_bucket(Bucket="user-uploads")
    write_reviews(tmp_path / "reviews.jsonl.csv", rows=60)
    table = dataset.load(tmp_path / "reviews.jsonl.csv", "csv", "text", "label", "x")
    body = "".join(json.dumps({"review": t, "stars": y}) + "\n" for t, y in zip(table.texts, table.labels, strict=True))
    s3.put_object(Bucket="user-uploads", Key="exports/2026-11", Body=body.encode())
    bucket = "from-s3-object"
    s3.create_bucket(Bucket=bucket)
    result = _run(
        servers, tmp_path, "data-prep", "--workdir", str(tmp_path / "w"), "--input", "s3://user-uploads/exports/2026-11",
        "--input-format", "jsonl", "--text-column", "review", "--label-column", "stars", "--data-version", "v3",
        bucket=bucket,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "data version v3 created: 2026-11, 60 rows" in result.stdout
    assert (tmp_path / "w" / "data" / "raw" / "v3" / "2026-11").read_bytes() == body.encode()
    record = json.loads(s3.get_object(Bucket=bucket, Key="dvc/versions/v3.json")["Body"].read())
    assert record["source"] == "s3://user-uploads/exports/2026-11" and record["format"] == "jsonl"


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


def test_a_missing_data_version_names_what_could_not_be_pulled(remote_run: RemoteRun, tmp_path: Path) -> None:
    servers = remote_run.servers
    never = _run(servers, tmp_path, "feature-eng", "--workdir", str(remote_run.workdir), "--data-version", "v404")
    assert never.returncode == 1
    assert f"data version 'v404' not found: no record in s3://{servers.bucket}/dvc" in never.stderr
    assert "Traceback" not in never.stderr

    # A fresh volume and a bucket that has the version's record but lost the bytes: the pull itself fails.
    s3 = servers.s3()
    s3.create_bucket(Bucket="mlops-empty-remote")
    record = s3.get_object(Bucket=servers.bucket, Key="dvc/versions/v2.0.json")["Body"].read()
    s3.put_object(Bucket="mlops-empty-remote", Key="dvc/versions/v2.0.json", Body=record)
    gone = _run(
        servers, tmp_path, "feature-eng", "--workdir", str(tmp_path / "fresh"), "--data-version", "v2.0",
        bucket="mlops-empty-remote",
    )  # fmt: skip
    assert gone.returncode == 1
    assert "could not pull data version 'v2.0' (data/split/train_v2.0.csv)" in gone.stderr
    assert "s3://mlops-empty-remote/dvc" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_the_split_is_pulled_from_s3_into_a_fresh_volume(remote_run: RemoteRun, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    result = _run(remote_run.servers, tmp_path, "feature-eng", "--workdir", str(fresh), "--data-version", "v2.0")
    assert result.returncode == 0, result.stderr
    original = (remote_run.workdir / "data" / "split" / "train_v2.0.csv").read_bytes()
    assert (fresh / "data" / "split" / "train_v2.0.csv").read_bytes() == original
    assert not (fresh / "data" / "split" / "test_v2.0.csv").exists(), "feature-eng never needs the test rows"


# --- each kind of bad --input: exit 2, one line, nothing pushed, nothing trained or registered -----------------

GOOD = [(f"review {i} says the film was {'great' if i % 2 else 'awful'}", i % 2) for i in range(40)]
BAD_INPUTS = {
    "missing-columns": ("in.csv", [("review", "label")] + GOOD, [], "has no text column 'text' (its columns: review, label)"),
    "wrong-columns": ("in.csv", [("a", "b")] + GOOD, [], "has no text column 'text' and label column 'label'"),
    "empty-file": ("in.csv", None, [], "in.csv is empty"),
    "one-class": ("in.csv", [("text", "label")] + [(t, 1) for t, _ in GOOD], [], "has one class only (label 1 in all 40 rows)"),
    "too-few-per-class": ("in.csv", [("text", "label")] + GOOD[:12], [], "too few rows in 2 class(es)"),
    "null-texts": ("in.csv", [("text", "label")] + GOOD[:7] + [("", 1)] + GOOD[8:], [], "row 8 has no text"),
    "duplicate-rows": ("in.csv", [("text", "label")] + GOOD + GOOD[:2], [], "2 row(s) repeat an earlier row's text"),
    "string-labels": ("in.csv", [("text", "label")] + [(t, "pos" if y else "neg") for t, y in GOOD], [], "labels must be whole numbers"),
    "empty-vocabulary": ("in.csv", [("text", "label")] + [(chr(97 + i % 26) + "!" * (i // 26), i % 2) for i in range(40)], [], "the training rows have no words to learn from"),
    "over-size-limit": ("in.csv", [("text", "label")] + [(t + " " + "x" * 30_000, y) for t, y in GOOD], ["--max-input-mb", "1"], "over the limit of 1 MB (--max-input-mb)"),
    "no-such-file": ("missing.csv", False, [], "missing.csv: no such file"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_line_and_leaves_no_trace(servers: Servers, tmp_path: Path, case: str) -> None:
    name, rows, flags, message = BAD_INPUTS[case]
    path = tmp_path / name
    if rows is None:
        path.write_bytes(b"")
    elif rows:
        write_csv(path, list(rows[0]), rows[1:])
    bucket = f"bad-{case}"
    servers.s3().create_bucket(Bucket=bucket)
    model = f"never-{case}"
    result = _run(
        servers, tmp_path, "run", "--workdir", str(tmp_path / "w"), "--input", str(path), "--model-name", model,
        *flags, bucket=bucket,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("pipeline data-prep: error: ") and str(path) in result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert _keys(servers, bucket) == {}, "nothing pushed"
    client = _client(servers)
    assert client.search_registered_models(f"name='{model}'") == []
    assert client.get_experiment_by_name(model) is None, "nothing trained"
