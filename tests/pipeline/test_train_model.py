"""train-model: mini-batch gradient descent that honours epochs and batch size, losses logged, data recorded."""

from __future__ import annotations

import math
import socket
import time
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from pipeline import data_prep, dataset, feature_eng, files, train_model, versioning
from pipeline.errors import DataError, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import REPO, EmbeddedRun, embedded_settings, mlflow_client, run_all

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


@pytest.fixture(scope="module")
def processed(embedded_run: EmbeddedRun):  # -> (features, labels) of the session run's training rows
    s = embedded_run.settings
    return files.read_pickle(s.features_pkl, "feature-eng"), files.read_pickle(s.labels_pkl, "feature-eng")


def _fit(processed, **kw):
    features, labels = processed
    args = {"epochs": 1, "batch_size": 16, "learning_rate": 0.05, "seed": 1, **kw}
    return train_model.fit(features, labels, **args)


def test_validation_rows_come_from_the_training_rows_stratified() -> None:
    labels = np.array([0, 1] * 50)
    fit_idx, val_idx = train_model.validation_split(labels, seed=3)
    assert len(val_idx) == 10 and labels[val_idx].sum() == 5
    assert not set(fit_idx) & set(val_idx) and len(fit_idx) + len(val_idx) == 100


@pytest.mark.parametrize(("epochs", "batch_size"), [(1, 16), (2, 7), (1, 500)])
def test_an_update_averages_batch_size_rows_and_an_epoch_is_one_pass(processed, epochs: int, batch_size: int) -> None:
    from sklearn.neural_network import MLPClassifier
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    batches: list[int] = []
    updates: list[int] = []
    backprop, update = MLPClassifier._backprop, AdamOptimizer.update_params

    def spy_backprop(self, X, *args, **kwargs):
        batches.append(X.shape[0])
        return backprop(self, X, *args, **kwargs)

    def spy_update(self, *args, **kwargs):
        updates.append(1)
        return update(self, *args, **kwargs)

    with (
        mock.patch.object(MLPClassifier, "_backprop", spy_backprop),
        mock.patch.object(AdamOptimizer, "update_params", spy_update),
    ):
        result = _fit(processed, epochs=epochs, batch_size=batch_size)
    per_epoch = math.ceil(result.fit_rows / batch_size)
    assert len(updates) == epochs * per_epoch == result.history[-1].updates
    assert max(batches) == batch_size and sum(batches) == epochs * result.fit_rows  # every row once per epoch
    assert [m.epoch for m in result.history] == list(range(1, epochs + 1))


def test_batch_size_changes_the_number_of_updates_and_the_model(processed) -> None:
    small, large = _fit(processed, batch_size=8), _fit(processed, batch_size=64)
    assert small.history[-1].updates == 8 * large.history[-1].updates
    assert not np.allclose(small.model.coefs_[0], large.model.coefs_[0])
    assert small.history[-1].train_loss != large.history[-1].train_loss


def test_more_epochs_lower_the_training_loss(processed) -> None:
    one, five = _fit(processed, epochs=1, seed=42), _fit(processed, epochs=5, seed=42)
    assert five.history[0] == one.history[0], "the same seed starts the same way"
    assert five.history[-1].train_loss < one.history[-1].train_loss
    assert [m.train_loss for m in five.history] == sorted((m.train_loss for m in five.history), reverse=True)


def test_the_model_is_plain_logistic_regression(processed) -> None:
    """One weight per feature (per class), no hidden layer: the logistic regression the issue asks for."""
    result = _fit(processed)
    features, _ = processed
    assert [w.shape for w in result.model.coefs_] == [(features.shape[1], 1)]
    assert result.model.out_activation_ == "logistic" and result.model.loss == "log_loss"


def test_run_logs_data_params_and_per_epoch_train_and_validation_loss(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    record = embedded_run.prep.record
    run_id = embedded_run.train.run_id
    assert (s.outputs / "run-id").read_text() == run_id
    client = mlflow_client(s)
    run = client.get_run(run_id)
    params = run.data.params
    assert params["epochs"] == "3" and params["batch_size"] == "16" and params["seed"] == "42"
    assert params["optimizer"] == "adam" and params["learning_rate"] == "0.05"
    assert params["data_version"] == "v1.0" and params["data_md5"] == record.raw.md5
    assert params["train_md5"] == record.train.md5 and params["test_md5"] == record.test.md5
    assert params["average"] == "binary" and params["data_source"] == "sample (seed 42)"
    assert run.data.tags["data_version"] == "v1.0" and run.data.tags["data_md5"] == record.raw.md5
    for metric in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        assert sorted(m.step for m in client.get_metric_history(run_id, metric)) == [1, 2, 3], metric
    assert [a.path for a in client.list_artifacts(run_id, "vectorizer")] == [f"vectorizer/{s.vectorizer_pkl.name}"]
    import mlflow.sklearn

    # The model URI resolves through MLflow's process-wide store, which other tests point elsewhere.
    mlflow.set_tracking_uri(s.tracking_uri)
    model = mlflow.sklearn.load_model(train_model.model_uri(run))
    assert set(model.predict(["what a wonderful film", "a dreadful boring meal"])) == {0, 1}


def test_same_seed_same_data_and_metrics_other_seed_differs(embedded_run: EmbeddedRun, tmp_path: Path) -> None:
    again = run_all(embedded_settings(tmp_path / "again"))
    assert again.prep.record.raw.md5 == embedded_run.prep.record.raw.md5
    assert again.prep.record.test.md5 == embedded_run.prep.record.test.md5
    assert (
        again.features.outputs["data/processed/train_features_v1.0.pkl"]
        == (embedded_run.features.outputs["data/processed/train_features_v1.0.pkl"])
    )
    assert again.train.history == embedded_run.train.history
    first, second = embedded_run.evaluation, again.evaluation
    assert (first.accuracy, first.precision, first.recall, first.f1) == (
        second.accuracy,
        second.precision,
        second.recall,
        second.f1,
    )
    other = data_prep.run(embedded_settings(tmp_path / "other", seed=7))
    assert other.record.raw.md5 != embedded_run.prep.record.raw.md5


def test_unreachable_tracking_server_fails_fast_before_any_work(embedded_copy: Settings) -> None:
    (embedded_copy.outputs / "run-id").unlink()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PipelineError, match="unreachable"):
        train_model.run(replace(embedded_copy, mlflow_tracking_uri=f"http://127.0.0.1:{port}"))
    assert time.monotonic() - started < 10
    assert not (embedded_copy.outputs / "run-id").exists()


def test_processed_features_are_pulled_when_not_local(embedded_copy: Settings) -> None:
    import shutil

    s = embedded_copy
    for path in (s.features_pkl, s.labels_pkl, s.vectorizer_pkl):
        path.unlink()
    shutil.rmtree(s.workdir / ".dvc" / "cache")
    features, labels, _ = feature_eng.load_processed(s)
    assert features.shape[0] == len(labels) == len(dataset.read_split_csv(s.train_csv))
    assert versioning.content_md5(s.features_pkl)


@pytest.mark.parametrize("keep_pointer", [True, False], ids=["hash-checked", "no-dvc-file"])
def test_a_truncated_pickle_names_the_file_and_the_step_that_wrote_it(
    embedded_copy: Settings, keep_pointer: bool
) -> None:
    s = embedded_copy
    s.features_pkl.write_bytes(s.features_pkl.read_bytes()[:200])
    if not keep_pointer:
        versioning.dvc_file(s.features_pkl).unlink()
    with pytest.raises(DataError) as err:
        train_model.run(s)
    message = str(err.value)
    assert str(s.features_pkl) in message and "run feature-eng again" in message
    assert ("is not what feature-eng wrote" if keep_pointer else "is damaged") in message


def test_one_class_in_the_training_labels_is_refused_naming_the_file(embedded_copy: Settings) -> None:
    s = embedded_copy
    labels = files.read_pickle(s.labels_pkl, "feature-eng")
    files.write_pickle(s.labels_pkl, np.ones_like(labels))
    versioning.dvc_file(s.labels_pkl).unlink()  # as if feature-eng itself had written it
    before = (s.outputs / "run-id").read_text()
    with pytest.raises(DataError, match=rf"{s.labels_pkl}: the training rows have label 1 only"):
        train_model.run(s)
    assert (s.outputs / "run-id").read_text() == before, "nothing trained"


def _environment_gates() -> dict[str, float]:
    """min-accuracy per overlay, from the JSON patches in overlays/<env>/params.yaml."""
    import yaml

    gates: dict[str, float] = {}
    for params in sorted((REPO / "overlays").glob("*/params.yaml")):
        ops = yaml.safe_load(params.read_text())
        (index,) = [op["path"].rsplit("/", 1)[0] for op in ops if op["op"] == "test" and op["value"] == "min-accuracy"]
        (value,) = [op["value"] for op in ops if op["op"] == "replace" and op["path"] == f"{index}/value"]
        gates[params.parent.name] = float(value)
    return gates


def test_default_parameters_clear_every_environments_gate_with_margin(embedded_run: EmbeddedRun) -> None:
    gates = _environment_gates()
    assert set(gates) >= {"dev", "staging", "prod"}
    # The workflows run the default seed, epochs and batch size. Across seeds accuracy moves by about 0.01
    # (docs/pipeline.md), so 0.05 (40 of the 800 test rows) is a wide margin.
    assert embedded_run.evaluation.accuracy - max(gates.values()) >= 0.05, gates
