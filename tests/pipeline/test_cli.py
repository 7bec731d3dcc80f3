"""The CLI contract: flags and defaults every step accepts, usage errors exit 2 with a message and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import STEPS, build_parser, settings_from_args
from tests.pipeline.conftest import clean_env, run_cli

ALL_STEPS = [*STEPS, "run"]
DEFAULTS = {
    "model_name": "bert-classifier",
    "data_version": "v1.0",
    "epochs": 3,
    "batch_size": 16,
    "dvc_s3_bucket": "",
    "dvc_s3_region": "us-east-1",
    "s3_endpoint_url": "",
    "min_accuracy": 0.7,
    "environment": "dev",
    "seed": 42,
    "alias": "candidate",
    "learning_rate": 0.05,
    "input": "",
    "input_format": "auto",
    "text_column": "text",
    "label_column": "label",
    "max_input_mb": 100,
}


@pytest.mark.parametrize("step", ALL_STEPS)
def test_every_step_has_the_common_flags_and_defaults(step: str) -> None:
    args = build_parser().parse_args([step])
    for name, value in DEFAULTS.items():
        assert getattr(args, name) == value, name
    assert args.mlflow_tracking_uri is None


@pytest.mark.parametrize("step", ALL_STEPS)
def test_every_step_accepts_the_workflow_template_flags(step: str) -> None:
    args = build_parser().parse_args(
        [
            step,
            "--workdir",
            "/work",
            "--model-name",
            "m",
            "--data-version",
            "v2",
            "--epochs",
            "5",
            "--batch-size",
            "8",
            "--dvc-s3-bucket",
            "mlops-data-bucket-1754148674-amaslovs",
            "--dvc-s3-region",
            "eu-west-1",
            "--s3-endpoint-url",
            "http://minio:9000",
            "--mlflow-tracking-uri",
            "http://mlflow:5000",
            "--min-accuracy",
            "0.8",
            "--environment",
            "prod",
            "--seed",
            "7",
            "--git-commit",
            "abc",
            "--alias",
            "champion",
            "--input",
            "s3://mlops-user-data/reviews/2026.parquet",
            "--input-format",
            "parquet",
            "--text-column",
            "review",
            "--label-column",
            "stars",
            "--learning-rate",
            "0.01",
        ]
    )
    assert (args.epochs, args.batch_size, args.dvc_s3_region, args.alias) == (5, 8, "eu-west-1", "champion")
    settings = settings_from_args(args)
    assert (settings.input_uri, settings.input_format) == ("s3://mlops-user-data/reviews/2026.parquet", "parquet")
    assert (settings.text_column, settings.label_column, settings.learning_rate) == ("review", "stars", 0.01)


def test_an_empty_input_flag_means_no_input() -> None:
    """The templates always pass --input=...; empty is the default: the existing version, else the sample."""
    args = build_parser().parse_args(["data-prep", "--input=", "--input-format=auto"])
    assert settings_from_args(args).input_uri == ""


def test_workdir_defaults_to_env_then_dot_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIPELINE_WORKDIR", raising=False)
    assert build_parser().parse_args(["run"]).workdir == ".pipeline"
    monkeypatch.setenv("PIPELINE_WORKDIR", "/work")
    assert build_parser().parse_args(["run"]).workdir == "/work"


def test_tracking_uri_defaults_to_env_then_sqlite_in_workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = settings_from_args(build_parser().parse_args(["run", "--workdir", str(tmp_path)]))
    assert settings.tracking_uri == f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert settings_from_args(build_parser().parse_args(["run"])).tracking_uri == "http://mlflow:5000"


def test_git_commit_comes_from_env_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_COMMIT", "f" * 40)
    assert settings_from_args(build_parser().parse_args(["run"])).git_commit == "f" * 40


def test_run_id_flag_only_on_steps_that_read_a_run() -> None:
    assert build_parser().parse_args(["evaluate-model", "--run-id", "abc"]).run_id == "abc"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["data-prep", "--run-id", "abc"])


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--epochs", "0"], "--epochs: must be 1 or more"),
        (["--epochs", "-2"], "--epochs: must be 1 or more"),
        (["--epochs", "three"], "--epochs: 'three' is not a whole number"),
        (["--batch-size", "-1"], "--batch-size: must be 1 or more"),
        (["--batch-size", "0"], "--batch-size: must be 1 or more"),
        (["--min-accuracy", "1.5"], "--min-accuracy: must be between 0 and 1"),
        (["--seed", "-1"], "--seed: must be 0 or more"),
        (["--dvc-s3-bucket", "Bad_Bucket"], "invalid S3 bucket name 'Bad_Bucket'"),
        (["--dvc-s3-bucket", "xn--bucket"], "reserved prefix 'xn--'"),
        (["--dvc-s3-region", "us-east-9"], "'us-east-9' is not an AWS region code"),
        (["--data-version", "../etc"], "data version '../etc'"),
        (["--alias", "latest"], "alias 'latest'"),
        (["--s3-endpoint-url", "minio:9000"], "must start with http:// or https://"),
        (["--mlflow-tracking-uri", "foo://bar"], "'foo://bar' is not a tracking store MLflow can use here"),
        (["--mlflow-tracking-uri", "not a uri"], "'not a uri' contains whitespace"),
        (["--mlflow-tracking-uri", "file:///tmp/mlruns"], "'file:///tmp/mlruns' is not a tracking store"),
        (["--mlflow-tracking-uri", "http://"], "'http://' has no host"),
        (["--mlflow-tracking-uri", "http://mlflow:port"], "'http://mlflow:port' is malformed"),
        (["--mlflow-tracking-uri", "sqlite://"], "'sqlite://' needs a database file"),
        (["--learning-rate", "0"], "--learning-rate: must be above 0"),
        (["--learning-rate", "fast"], "--learning-rate: 'fast' is not a number"),
        (["--input", "ftp://host/data.csv"], "only local paths and s3://bucket/key are supported"),
        (["--input", "s3://Bad_Bucket/data.csv"], "bucket 'Bad_Bucket' may contain only lowercase"),
        (["--input", "s3://bucket-only/"], "names no object"),
        (["--input-format", "xlsx"], "--input-format: invalid choice: 'xlsx'"),
        (["--text-column", " "], "--text-column: must not be empty"),
        (["--max-input-mb", "0"], "--max-input-mb: must be 1 or more"),
    ],
)
def test_bad_flags_are_usage_errors_with_a_message(flags: list[str], message: str, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    result = run_cli("run", "--workdir", str(workdir), *flags, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not workdir.exists(), "a refused run must not create anything"


def test_bad_tracking_uri_from_the_environment_is_a_usage_error(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    result = run_cli("run", "--workdir", str(workdir), cwd=tmp_path, env=clean_env(MLFLOW_TRACKING_URI="foo://bar"))
    assert result.returncode == 2, result.stderr
    assert "$MLFLOW_TRACKING_URI 'foo://bar' is not a tracking store" in result.stderr
    assert "use http(s)://host[:port]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not workdir.exists(), "data-prep must not run, nor push anything"


@pytest.mark.parametrize(
    "uri",
    [
        "http://mlflow.mlflow.svc.cluster.local:5000",
        "https://mlflow.example.com/prefix",
        "sqlite:///relative.db",
        "sqlite:////abs/mlflow.db",
        "postgresql://user:pw@db:5432/mlflow",
        "postgresql+psycopg2://db/mlflow",
        "mysql+pymysql://db/mlflow",
        "mssql://db/mlflow",
        "databricks",
        "databricks://profile",
    ],
)
def test_tracking_uris_mlflow_supports_are_accepted(uri: str, tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--workdir", str(tmp_path), "--mlflow-tracking-uri", uri])
    assert settings_from_args(args).tracking_uri == uri


def test_a_workdir_with_a_space_keeps_the_embedded_store(tmp_path: Path) -> None:
    """The default SQLite URI is built from the workdir, and "My Projects" is a fine place for one."""
    workdir = tmp_path / "My Projects" / "work"
    result = run_cli("data-prep", "--workdir", str(workdir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    args = build_parser().parse_args(["run", "--workdir", str(workdir)])
    assert settings_from_args(args).problems() == []


def test_bad_environment_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("data-prep", "--workdir", str(tmp_path / "w"), "--environment", "Prod Env", cwd=tmp_path)
    assert result.returncode == 2
    assert "environment 'Prod Env'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_step_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("deploy", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_help_lists_every_step_without_importing_heavy_libraries() -> None:
    code = (
        "import sys, pipeline, pipeline.cli; pipeline.cli.build_parser().format_help();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'sklearn','mlflow','dvc','pandas','numpy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=clean_env())
    assert out.stdout.strip() == "[]"
    help_text = build_parser().format_help()
    for step in ALL_STEPS:
        assert step in help_text


def test_unexpected_errors_become_a_message_not_a_traceback(tmp_path: Path) -> None:
    # A file where data-prep needs a folder: the step fails deep inside; the CLI boundary must still print one line.
    workdir = tmp_path / "work"
    (workdir / "data").mkdir(parents=True)
    (workdir / "data" / "incoming").write_text("x")
    result = run_cli("data-prep", "--workdir", str(workdir), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("pipeline data-prep: error:") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout


def test_a_workdir_that_is_a_file_is_refused_at_start(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("train-model", "--workdir", str(blocker), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"pipeline train-model: error: workdir {blocker} is not a directory\n"


def _namespaces_work() -> bool:
    import shutil

    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="needs unprivileged user and mount namespaces (unshare -rm)")
@pytest.mark.parametrize("step", ["train-model", "run"])
def test_an_unwritable_workdir_is_refused_in_under_a_second(tmp_path: Path, step: str) -> None:
    """Root ignores permission bits, so the workdir is made read-only the way a volume is: a read-only mount."""
    import shlex
    import time

    workdir = tmp_path / "work"
    (workdir / "outputs").mkdir(parents=True)
    argv = [sys.executable, "-m", "pipeline", step, f"--workdir={workdir}"]
    script = (
        f"mount --bind {shlex.quote(str(workdir))} {shlex.quote(str(workdir))}"
        f" && mount -o remount,bind,ro {shlex.quote(str(workdir))}"
        f" && exec {shlex.join(argv)}"
    )
    started = time.monotonic()
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"pipeline {step}: error: workdir {workdir} cannot be written (read-only file system); "
        "choose a writable --workdir\n"
    )
    assert elapsed < 5, "a generous bound for a loaded machine: the check itself takes milliseconds"
    assert list(workdir.iterdir()) == [workdir / "outputs"]


def test_an_unwritable_folder_inside_the_workdir_is_named(tmp_path: Path) -> None:
    from pipeline.cli import check_workdir
    from pipeline.errors import UsageError
    from tests.pipeline.conftest import embedded_settings

    settings = embedded_settings(tmp_path / "work")
    (settings.workdir / "outputs").mkdir(parents=True)
    real_mkstemp = __import__("tempfile").mkstemp

    def refuse_outputs(*args, **kwargs):
        if kwargs.get("dir") == settings.workdir / "outputs":
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, **kwargs)

    from unittest import mock

    with mock.patch("tempfile.mkstemp", refuse_outputs), pytest.raises(UsageError) as err:
        check_workdir(settings)
    assert str(err.value) == (
        f"workdir folder {settings.workdir / 'outputs'} cannot be written (Permission denied); choose a writable --workdir"
    )


def test_missing_aws_credentials_name_the_remote_and_where_credentials_come_from(tmp_path: Path) -> None:
    env = clean_env(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    result = run_cli(
        "data-prep", "--workdir", str(tmp_path / "w"), "--dvc-s3-bucket", "mlops-data-bucket-test",
        "--s3-endpoint-url", "http://127.0.0.1:9", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot read s3://mlops-data-bucket-test/dvc/versions/v1.0.json" in result.stderr
    assert "AWS credentials come only from the environment" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["run", "--epochs", "0"], "python -m pipeline run"),
        (["run", "--no-such-flag"], "python -m pipeline run"),
        (["data", "pull"], "python -m pipeline data pull"),
        (["data", "list", "--nope"], "python -m pipeline data list"),
        (["deploy"], "python -m pipeline"),
        ([], "python -m pipeline"),
    ],
)
def test_a_usage_error_is_one_line_that_points_at_help(argv: list[str], prog: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{prog}: error: "), err
    assert err.rstrip().endswith(f"(see `{prog} --help`)") and "usage:" not in err


def test_a_missing_package_says_to_activate_the_venv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    """A new shell without `. .venv/bin/activate`: the step's first heavy import fails; say what to do, exit 2."""
    from pipeline import cli, data_prep

    def outside_the_venv(settings):
        raise ModuleNotFoundError("No module named 'dvc'", name="dvc")

    monkeypatch.setattr(data_prep, "run", outside_the_venv)
    assert cli.main(["data-prep", "--workdir", str(tmp_path / "w")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'dvc' is not installed" in err and "`. .venv/bin/activate`" in err, err
