"""train-model: epochs and batch size honoured, stratified seeded split, everything logged to MLflow, determinism."""

from __future__ import annotations

import math
import socket
import time
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from pipeline import data_prep, feature_eng, files, train_model, versioning
from pipeline.errors import PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import EmbeddedRun, embedded_settings, mlflow_client, run_all


def _processed(s: Settings):
    return files.read_pickle(s.features_pkl), files.read_pickle(s.labels_pkl)


def test_split_is_stratified_and_seeded() -> None:
    labels = np.array([0, 1] * 50)
    train, test = train_model.split(labels, seed=42)
    assert len(test) == 20 and len(train) == 80
    assert labels[test].sum() == 10
    assert not set(train) & set(test)
    assert np.array_equal(test, train_model.split(labels, seed=42)[1])
    assert not np.array_equal(test, train_model.split(labels, seed=43)[1])


@pytest.mark.parametrize(("epochs", "batch_size"), [(1, 16), (4, 7), (2, 80)])
def test_fit_runs_epochs_times_ceil_n_over_batch_minibatches(
    embedded_run: EmbeddedRun, epochs: int, batch_size: int
) -> None:
    from sklearn.linear_model import SGDClassifier

    features, labels = _processed(embedded_run.settings)
    sizes: list[int] = []
    original = SGDClassifier.partial_fit

    def spy(self, X, y, *args, **kwargs):
        sizes.append(X.shape[0])
        return original(self, X, y, *args, **kwargs)

    with mock.patch.object(SGDClassifier, "partial_fit", spy):
        clf, history = train_model.fit(features, labels, epochs=epochs, batch_size=batch_size, seed=1)
    assert len(sizes) == epochs * math.ceil(100 / batch_size)
    assert max(sizes) == min(batch_size, 100)
    assert [m.epoch for m in history] == list(range(1, epochs + 1))
    assert clf.loss == "log_loss"


def test_more_epochs_lower_the_training_loss(embedded_run: EmbeddedRun) -> None:
    features, labels = _processed(embedded_run.settings)
    _, history = train_model.fit(features, labels, epochs=8, batch_size=16, seed=42)
    assert history[-1].train_loss < history[0].train_loss


def test_run_logs_params_epoch_metrics_model_and_vectorizer(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    run_id = embedded_run.train.run_id
    assert (s.outputs / "run-id").read_text() == run_id
    client = mlflow_client(s)
    run = client.get_run(run_id)
    params = run.data.params
    assert params["epochs"] == "3" and params["batch_size"] == "16" and params["seed"] == "42"
    assert params["data_version"] == "v1.0" and params["loss"] == "log_loss"
    assert params["raw_data_md5"] == embedded_run.prep.md5
    history = client.get_metric_history(run_id, "train_loss")
    assert sorted(m.step for m in history) == [1, 2, 3]
    assert run.data.tags["data_version"] == "v1.0" and run.data.tags["environment"] == "dev"
    assert [a.path for a in client.list_artifacts(run_id, "vectorizer")] == [f"vectorizer/{s.vectorizer_pkl.name}"]
    import mlflow.sklearn

    # The model URI resolves through MLflow's process-wide store, which other tests point elsewhere.
    mlflow.set_tracking_uri(s.tracking_uri)
    model = mlflow.sklearn.load_model(train_model.model_uri(run))
    assert set(model.predict(["what a wonderful film", "a dreadful boring meal"])) <= {0, 1}


def test_same_seed_same_hash_and_metrics_other_seed_differs(embedded_run: EmbeddedRun, tmp_path: Path) -> None:
    again = run_all(embedded_settings(tmp_path / "again"))
    assert again.prep.md5 == embedded_run.prep.md5
    assert (
        again.features.outputs["data/processed/features_v1.0.pkl"]
        == embedded_run.features.outputs["data/processed/features_v1.0.pkl"]
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
    assert other.md5 != embedded_run.prep.md5


def test_unreachable_tracking_server_fails_fast_before_any_work(embedded_copy: Settings) -> None:
    from dataclasses import replace

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
    features, labels = feature_eng.load_processed(s)
    assert features.shape[0] == len(labels) == 100
    assert versioning.content_md5(s.features_pkl)
