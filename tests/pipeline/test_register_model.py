"""register-model: tags and alias on a new version, only after the gate passed, never half-registered."""

from __future__ import annotations

import json
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest

from pipeline import evaluate_model, register_model, train_model
from pipeline.errors import GateFailed, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import EmbeddedRun, Servers, embedded_settings, mlflow_client, run_cli


def _versions(s: Settings) -> list:
    return mlflow_client(s).search_model_versions(f"name='{s.model_name}'")


def test_registers_with_tags_and_alias(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    client = mlflow_client(s)
    version = client.get_model_version_by_alias("bert-classifier", "candidate")
    assert str(version.version) == embedded_run.registration.version
    md5 = embedded_run.prep.record.raw.md5
    assert version.tags == {"data_version": "v1.0", "data_md5": md5, "environment": "dev", "git_commit": "0" * 40}
    assert version.run_id == embedded_run.train.run_id
    assert (s.outputs / "model-version").read_text().strip() == str(version.version)


def test_registered_model_loads_by_alias_and_predicts(embedded_run: EmbeddedRun) -> None:
    import mlflow
    import pandas as pd

    # Both: the version's source (models:/m-...) resolves through the tracking store, which other tests move.
    mlflow.set_tracking_uri(embedded_run.settings.tracking_uri)
    mlflow.set_registry_uri(embedded_run.settings.tracking_uri)
    model = mlflow.pyfunc.load_model("models:/bert-classifier@candidate")
    predictions = model.predict(pd.DataFrame({"text": ["what a wonderful film", "the meal was dreadful"]}))
    assert len(predictions) == 2 and set(predictions) <= {0, 1}


def test_refuses_when_the_gate_failed(embedded_copy: Settings) -> None:
    before = len(_versions(embedded_copy))
    (embedded_copy.outputs / "gate").write_text("failed\n")
    with pytest.raises(GateFailed, match="gate is 'failed'"):
        register_model.run(embedded_copy)
    assert len(_versions(embedded_copy)) == before


def test_refuses_without_an_evaluation(embedded_copy: Settings) -> None:
    (embedded_copy.outputs / "gate").unlink()
    with pytest.raises(PipelineError, match="run evaluate-model first"):
        register_model.run(embedded_copy)


def test_refuses_a_gate_result_from_another_run(embedded_copy: Settings) -> None:
    data = json.loads(embedded_copy.metrics_json.read_text())
    data["run_id"] = "someotherrun"
    embedded_copy.metrics_json.write_text(json.dumps(data))
    with pytest.raises(PipelineError, match="is for run someotherrun"):
        register_model.run(embedded_copy)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[1, 2]", "not a JSON object but [1, 2]"),
        ('"passed"', 'not a JSON object but "passed"'),
        ("{}", "missing run_id, gate, accuracy, precision, recall, f1"),
        ('{"run_id": "r", "gate": "passed"}', "missing accuracy, precision, recall, f1"),
        ("{not json", "is not valid JSON"),
        ("", "is not valid JSON"),
    ],
)
def test_malformed_metrics_json_is_named_with_what_is_wrong(
    embedded_copy: Settings, content: str, problem: str
) -> None:
    before = len(_versions(embedded_copy))
    embedded_copy.metrics_json.write_text(content)
    with pytest.raises(PipelineError, match="run evaluate-model again") as err:
        register_model.run(embedded_copy)
    assert str(embedded_copy.metrics_json) in str(err.value)
    assert problem in str(err.value)
    assert len(_versions(embedded_copy)) == before


def test_metrics_json_whose_gate_disagrees_is_refused(embedded_copy: Settings) -> None:
    data = json.loads(embedded_copy.metrics_json.read_text())
    embedded_copy.metrics_json.write_text(json.dumps({**data, "gate": "failed"}))
    with pytest.raises(PipelineError, match=r"its gate is 'failed' while .*outputs/gate says 'passed'"):
        register_model.run(embedded_copy)


def test_malformed_metrics_json_exits_1_with_one_line(embedded_copy: Settings, tmp_path: Path) -> None:
    embedded_copy.metrics_json.write_text("[1, 2]")
    result = run_cli(
        "register-model", "--workdir", str(embedded_copy.workdir),
        "--mlflow-tracking-uri", embedded_copy.tracking_uri, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("pipeline register-model: error: ")
    assert "not a JSON object" in result.stderr and "run evaluate-model again" in result.stderr
    assert "AttributeError" not in result.stderr and "Traceback" not in result.stderr


def test_alias_failure_removes_the_new_version(embedded_copy: Settings) -> None:
    from mlflow import MlflowClient

    before = {str(v.version) for v in _versions(embedded_copy)}
    with mock.patch.object(MlflowClient, "set_registered_model_alias", side_effect=RuntimeError("registry down")):
        with pytest.raises(PipelineError, match="was removed"):
            register_model.run(replace(embedded_copy, alias="staging"))
    assert {str(v.version) for v in _versions(embedded_copy)} == before


def test_a_refused_model_creation_says_nothing_was_left_behind(embedded_copy: Settings) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    refused = MlflowException("permission denied", error_code="PERMISSION_DENIED")
    with mock.patch.object(MlflowClient, "create_registered_model", side_effect=refused):
        with pytest.raises(PipelineError) as caught:
            register_model.run(replace(embedded_copy, model_name="never-created"))
    assert "permission denied" in str(caught.value)
    assert "by hand" not in str(caught.value) and "cleaning up failed" not in str(caught.value)


def test_alias_moves_to_the_newest_version(embedded_copy: Settings) -> None:
    result = register_model.run(embedded_copy)
    client = mlflow_client(embedded_copy)
    assert str(client.get_model_version_by_alias("bert-classifier", "candidate").version) == result.version == "2"


def test_unreachable_server_fails_within_the_timeout(embedded_copy: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
    # A socket that accepts connections and never answers: the worst case, a hung server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(PipelineError, match=rf"127\.0\.0\.1:{port} is unreachable"):
            register_model.run(replace(embedded_copy, mlflow_tracking_uri=f"http://127.0.0.1:{port}"))
        assert time.monotonic() - started < 5


@pytest.fixture(scope="module")
def on_server(servers: Servers, embedded_run: EmbeddedRun, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The embedded run's data, trained and evaluated (gate passed) on the real MLflow server."""
    workdir = tmp_path_factory.mktemp("on-server") / "work"
    shutil.copytree(embedded_run.settings.workdir, workdir)
    s = embedded_settings(workdir, mlflow_tracking_uri=servers.mlflow_uri, model_name="half-registered")
    train_model.run(s)
    evaluate_model.run(s)
    return s


def _break_version_creation(s: Settings) -> Settings:
    # The server refuses the version (a tag value over MLflow's 100,000 characters) after the model was created.
    return replace(s, git_commit="f" * 100_001)


def _break_alias(s: Settings):  # -> context manager: the version exists, then setting the alias fails
    from mlflow import MlflowClient

    return mock.patch.object(MlflowClient, "set_registered_model_alias", side_effect=RuntimeError("registry down"))


def _registry(s: Settings) -> dict[str, object]:
    """What the server's registry holds for the model: versions, and the alias's target; None if no such model."""
    from mlflow.exceptions import MlflowException

    client = mlflow_client(s)
    try:
        model = client.get_registered_model(s.model_name)
    except MlflowException as exc:
        assert exc.error_code == "RESOURCE_DOES_NOT_EXIST"
        return {"model": None}
    versions = sorted(str(v.version) for v in client.search_model_versions(f"name='{s.model_name}'"))
    return {"model": s.model_name, "versions": versions, "aliases": dict(model.aliases)}


@pytest.mark.parametrize("failure", ["version", "alias"])
@pytest.mark.parametrize("model_existed", [False, True], ids=["new-model", "existing-model"])
def test_a_failure_partway_leaves_the_servers_registry_unchanged(
    on_server: Settings, failure: str, model_existed: bool
) -> None:
    s = replace(on_server, model_name=f"half-{failure}-{'old' if model_existed else 'new'}")
    if model_existed:
        register_model.run(s)
    before = _registry(s)
    assert (before["model"] is not None) == model_existed
    if failure == "version":
        with pytest.raises(PipelineError, match=f"could not register run .* as '{s.model_name}'"):
            register_model.run(_break_version_creation(s))
    else:
        with _break_alias(s), pytest.raises(PipelineError, match="could not set alias .* was removed"):
            register_model.run(s)
    assert _registry(s) == before


def test_run_stops_at_a_failed_gate_and_registers_nothing(
    embedded_copy: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    before = len(_versions(embedded_copy))
    code = main(
        ["run", "--workdir", str(embedded_copy.workdir), "--mlflow-tracking-uri", embedded_copy.tracking_uri,
         "--min-accuracy", "0.99"]
    )  # fmt: skip
    assert code == 1
    out, err = capsys.readouterr()
    assert "evaluate-model: error: accuracy" in err
    assert "register-model:" not in out
    assert (embedded_copy.outputs / "gate").read_text() == "failed"
    assert len(_versions(embedded_copy)) == before
