"""register-model: tags and alias on a new version, only after the gate passed, never half-registered."""

from __future__ import annotations

import errno
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

pytestmark = pytest.mark.timeout(300)  # a hung registry call or rollback must fail, not hang CI


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


LINK_TAG = register_model.LINK_TAG
# Every call registration makes that changes the registry, in order, plus the read in the middle of them.
REGISTRY_CALLS = (
    "create_registered_model",
    "create_model_version",
    "get_logged_model",
    "set_logged_model_tags",
    "set_registered_model_alias",
)
EIO = OSError(errno.EIO, "Input/output error")


def _snapshot(s: Settings) -> dict[str, object]:
    """Everything registration may change: the model, its versions with tags, its aliases, the logged model's link."""
    from mlflow.exceptions import MlflowException

    client = mlflow_client(s)
    run = client.get_run((s.outputs / "run-id").read_text())
    model_id = train_model.model_uri(run).removeprefix("models:/")
    link = client.get_logged_model(model_id).tags.get(LINK_TAG)
    try:
        model = client.get_registered_model(s.model_name)
    except MlflowException as exc:
        assert exc.error_code == "RESOURCE_DOES_NOT_EXIST"
        return {"model": None, "link": link}
    versions = {str(v.version): dict(v.tags) for v in client.search_model_versions(f"name='{s.model_name}'")}
    return {"model": s.model_name, "versions": versions, "aliases": dict(model.aliases), "link": link}


def _fault(call: str, when: str, error: BaseException = EIO):  # -> a patch of MlflowClient.<call>
    """The first call fails. `when` = before: without effect. after: it takes effect, then fails (EIO after the
    write, or the server's answer lost), the case a rollback that trusts the error would miss."""
    from mlflow import MlflowClient

    real = getattr(MlflowClient, call)
    calls: list[int] = []

    def faulty(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:  # one fault: the rollback's own calls of the same method go through
            return real(self, *args, **kwargs)
        if when == "after":
            real(self, *args, **kwargs)
        raise error

    return mock.patch.object(MlflowClient, call, faulty)


CASES = [
    (call, when, existed)
    for call in REGISTRY_CALLS
    for when in ("before", "after")
    for existed in (False, True)
    if not (call == "create_registered_model" and existed) and not (call == "get_logged_model" and when == "after")
]


@pytest.mark.parametrize(("call", "when", "model_existed"), CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_a_fault_at_any_step_of_registration_leaves_the_registry_as_it_was(
    embedded_copy: Settings, call: str, when: str, model_existed: bool
) -> None:
    s = embedded_copy if model_existed else replace(embedded_copy, model_name="brand-new")
    before = _snapshot(s)
    assert (before["model"] is not None) == model_existed
    recorded = (s.outputs / "model-version").read_text()
    with _fault(call, when), pytest.raises(PipelineError) as err:
        register_model.run(s)
    message = str(err.value)
    assert "Input/output error" in message and "left behind" not in message, message
    assert _snapshot(s) == before
    assert (s.outputs / "model-version").read_text() == recorded


def test_eio_inside_the_store_while_it_writes_the_version_is_rolled_back(embedded_copy: Settings) -> None:
    """The store writes the version and its tags, then the disk reports EIO: version 2 must not stay behind."""
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    real = SqlAlchemyStore.create_model_version

    def written_then_eio(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise OSError(errno.EIO, "Input/output error")

    before = _snapshot(embedded_copy)
    with mock.patch.object(SqlAlchemyStore, "create_model_version", written_then_eio):
        with pytest.raises(PipelineError, match="version 2 was removed"):
            register_model.run(embedded_copy)
    assert _snapshot(embedded_copy) == before


def test_the_alias_moves_back_when_a_later_fault_undoes_the_version(embedded_copy: Settings) -> None:
    s = embedded_copy
    assert _snapshot(s)["aliases"] == {"candidate": 1}
    with _fault("set_registered_model_alias", "after"), pytest.raises(PipelineError) as err:
        register_model.run(s)
    assert "alias 'candidate' points at version 1 again" in str(err.value)
    assert "version 2 was removed" in str(err.value)
    assert _snapshot(s)["aliases"] == {"candidate": 1}


@pytest.mark.parametrize("model_existed", [False, True], ids=["new-model", "existing-model"])
def test_a_failed_cleanup_names_exactly_what_is_left(embedded_copy: Settings, model_existed: bool) -> None:
    s = embedded_copy if model_existed else replace(embedded_copy, model_name="left-over")
    before = _snapshot(s)
    with _fault("set_registered_model_alias", "before"), _fault("delete_model_version", "before"):
        with pytest.raises(PipelineError) as err:
            register_model.run(s)
    after = _snapshot(s)
    new_versions = sorted(set(after["versions"]) - set(before.get("versions") or {}))
    assert len(new_versions) == 1
    message = str(err.value)
    assert f"left behind: version {new_versions[0]} of '{s.model_name}'" in message
    assert ("registered model 'left-over', created by this run" in message) == (not model_existed)
    assert message.endswith("(remove by hand)")


def test_a_refused_model_creation_says_nothing_was_left_behind(embedded_copy: Settings) -> None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    refused = MlflowException("permission denied", error_code="PERMISSION_DENIED")
    with mock.patch.object(MlflowClient, "create_registered_model", side_effect=refused):
        with pytest.raises(PipelineError) as caught:
            register_model.run(replace(embedded_copy, model_name="never-created"))
    assert "permission denied" in str(caught.value)
    assert "by hand" not in str(caught.value) and "left behind" not in str(caught.value)


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


SERVER_FAILURES = {
    "version-refused": (None, "could not register run"),
    "version-answer-lost": (("create_model_version", "after"), "could not register run"),
    # The server links the version to the logged model itself; reading that link first can fail too.
    "logged-model-unreadable": (("get_logged_model", "before"), "could not read logged model"),
    "alias-refused": (("set_registered_model_alias", "before"), "could not set alias"),
    "alias-answer-lost": (("set_registered_model_alias", "after"), "could not set alias"),
}


@pytest.mark.parametrize("failure", list(SERVER_FAILURES))
@pytest.mark.parametrize("model_existed", [False, True], ids=["new-model", "existing-model"])
def test_a_failure_partway_leaves_the_servers_registry_unchanged(
    on_server: Settings, failure: str, model_existed: bool
) -> None:
    s = replace(on_server, model_name=f"half-{failure}-{'old' if model_existed else 'new'}")
    if model_existed:
        register_model.run(s)
    before = _snapshot(s)
    assert (before["model"] is not None) == model_existed
    fault, message = SERVER_FAILURES[failure]
    if fault is None:
        with pytest.raises(PipelineError, match=f"{message} .* as '{s.model_name}'"):
            register_model.run(_break_version_creation(s))
    else:
        with _fault(*fault, error=ConnectionError("connection reset")), pytest.raises(PipelineError, match=message):
            register_model.run(s)
    assert _snapshot(s) == before


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


def test_a_refused_registration_is_one_line_on_stderr(embedded_copy: Settings, tmp_path: Path) -> None:
    """What a person sees when the registry refuses the version: one line, none of MLflow's logging or tracebacks."""
    before = _snapshot(embedded_copy)
    result = run_cli(
        "register-model", "--workdir", str(embedded_copy.workdir), "--mlflow-tracking-uri", embedded_copy.tracking_uri,
        "--git-commit", "f" * 100_001, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("pipeline register-model: error: could not "
                                                                       "register run"), result.stderr
    assert "model:" not in result.stdout and _snapshot(embedded_copy) == before
