"""evaluate-model: real metrics on the data version's test rows, Argo output files, and the accuracy gate."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import data_prep, dataset, evaluate_model, feature_eng, register_model, tracking, train_model
from pipeline.errors import DataError, GateFailed, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import embedded_settings, mlflow_client, run_cli, write_csv

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


def _expected(s: Settings, run_id: str, average: str = "binary") -> dict[str, float]:
    """The metrics computed here, independently: the logged model's predictions on the test rows, scored by sklearn."""
    import mlflow.sklearn
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    test = dataset.read_split_csv(s.test_csv)
    client = tracking.connect(s)  # also points mlflow's `models:/` lookups at this store
    model = mlflow.sklearn.load_model(client.get_run(run_id).data.tags[train_model.MODEL_URI_TAG])
    predicted = model.predict(list(test.texts))
    assert len(set(predicted)) == 2, "the tiny model must predict both classes, or the ratios say little"
    kw = {"average": average, "zero_division": 0}
    return {"accuracy": accuracy_score(test.labels, predicted), "precision": precision_score(test.labels, predicted, **kw),
            "recall": recall_score(test.labels, predicted, **kw), "f1": f1_score(test.labels, predicted, **kw)}


def _run_id(s: Settings) -> str:
    return (s.outputs / "run-id").read_text()


def _logged_like(s: Settings, run_id: str, **params: str | None) -> str:
    """A run that holds `run_id`'s model and parameters, with `params` changed (None: left out), as another tool
    (or an older train-model) might have logged it."""
    client = mlflow_client(s)
    trained = client.get_run(run_id)
    tags = {train_model.MODEL_URI_TAG: trained.data.tags[train_model.MODEL_URI_TAG]}
    new = client.create_run(trained.info.experiment_id, tags=tags).info.run_id
    for key, value in {**trained.data.params, **params}.items():
        if value is not None:
            client.log_param(new, key, value)
    client.set_terminated(new)
    return new


def test_metrics_json_the_files_argo_reads_and_the_runs_metrics_and_tags(tiny_copy: Settings) -> None:
    s = tiny_copy
    run_id = _run_id(s)
    expected = _expected(s, run_id)
    result = evaluate_model.run(s)
    test_rows = len(dataset.read_split_csv(s.test_csv))
    assert json.loads(s.metrics_json.read_text()) == {
        "run_id": run_id, **expected, "test_samples": test_rows, "min_accuracy": 0.5, "average": "binary",
        "gate": "passed"}
    assert result.as_json() == json.loads(s.metrics_json.read_text())
    # Exact text: Argo passes each file on verbatim as an output parameter.
    assert {m: (s.outputs / m).read_text() for m in evaluate_model.METRICS} == {
        m: f"{v:.6f}" for m, v in expected.items()}
    assert (s.outputs / "gate").read_text() == "passed"
    run = mlflow_client(s).get_run(run_id)
    assert {k: v for k, v in run.data.metrics.items() if k.startswith("test_")} == {
        f"test_{m}": pytest.approx(v) for m, v in expected.items()}
    assert (run.data.tags["gate"], run.data.tags["min_accuracy"]) == ("passed", "0.5")


def test_evaluates_the_runs_data_version_and_model_not_the_flags(tiny_copy: Settings) -> None:
    """--data-version and --seed name what to train next; evaluation follows the run, whatever they say now."""
    first = evaluate_model.run(tiny_copy)
    again = evaluate_model.run(replace(tiny_copy, seed=7, data_version="v9.9"))
    assert again == first


def test_only_the_test_rows_are_pulled_when_the_workdir_lacks_them(tiny_copy: Settings) -> None:
    """A fresh evaluate pod has no data: it pulls the run's test rows through DVC, and nothing it does not need."""
    s = tiny_copy
    expected = _expected(s, _run_id(s))
    for path in (s.test_csv, s.train_csv, *s.raw_dir.iterdir()):
        path.unlink()
    result = evaluate_model.run(s)
    assert {m: getattr(result, m) for m in evaluate_model.METRICS} == expected
    assert s.test_csv.is_file() and not s.train_csv.exists() and not any(s.raw_dir.iterdir())


def test_below_min_accuracy_fails_and_records_gate_failed(tiny_copy: Settings) -> None:
    s = replace(tiny_copy, min_accuracy=0.99)
    run_id = _run_id(s)
    accuracy = _expected(s, run_id)["accuracy"]
    with pytest.raises(GateFailed) as failed:
        evaluate_model.run(s)
    assert str(failed.value) == (
        f"accuracy {accuracy:.3f} is below --min-accuracy 0.99: gate failed, run {run_id} will not be registered")
    assert (s.outputs / "gate").read_text() == "failed"
    assert json.loads(s.metrics_json.read_text())["gate"] == "failed"
    run = mlflow_client(s).get_run(run_id)
    assert (run.data.tags["gate"], run.data.tags["min_accuracy"]) == ("failed", "0.99")
    assert run.data.metrics["test_accuracy"] == pytest.approx(accuracy)  # a failed gate still records the metrics


def test_accuracy_exactly_at_min_accuracy_passes_and_just_below_fails(tiny_copy: Settings) -> None:
    """The gate is `accuracy >= --min-accuracy`: a model that meets the bar exactly is registered."""
    accuracy = evaluate_model.run(tiny_copy).accuracy
    at = evaluate_model.run(replace(tiny_copy, min_accuracy=accuracy))
    assert (at.accuracy, at.gate) == (accuracy, "passed")
    assert (tiny_copy.outputs / "gate").read_text() == "passed"
    above = replace(tiny_copy, min_accuracy=math.nextafter(accuracy, 1.0))
    with pytest.raises(GateFailed, match="is below --min-accuracy"):
        evaluate_model.run(above)
    assert (tiny_copy.outputs / "gate").read_text() == "failed"


def test_the_runs_own_averaging_is_used_and_the_labels_decide_without_one(tiny_copy: Settings) -> None:
    s = tiny_copy
    macro = _logged_like(s, _run_id(s), average="macro")
    result = evaluate_model.run(replace(s, run_id=macro))
    assert (result.run_id, result.average) == (macro, "macro")
    assert {m: getattr(result, m) for m in evaluate_model.METRICS} == pytest.approx(_expected(s, macro, "macro"))
    older = _logged_like(s, _run_id(s), average=None)  # logged before train-model recorded `average`
    assert evaluate_model.run(replace(s, run_id=older)).average == "binary"


def test_an_unknown_run_id_names_it_and_the_store(tiny_copy: Settings) -> None:
    s = replace(tiny_copy, run_id="0123456789abcdef0123456789abcdef")
    with pytest.raises(PipelineError) as failed:
        evaluate_model.run(s)
    assert str(failed.value).startswith(f"training run {s.run_id} not found in {s.tracking_uri}: ")
    assert "Run with id=0123456789abcdef0123456789abcdef not found" in str(failed.value)


def test_a_run_train_model_did_not_log_is_refused(tiny_copy: Settings) -> None:
    s = tiny_copy
    other = _logged_like(s, _run_id(s), test_md5=None)
    with pytest.raises(PipelineError) as failed:
        evaluate_model.run(replace(s, run_id=other))
    assert str(failed.value) == f"run {other} has no test_md5 parameter: it was not logged by train-model"
    assert not s.metrics_json.exists()


def test_a_run_trained_on_other_test_rows_is_refused_naming_both_checksums(tiny_copy: Settings) -> None:
    s = tiny_copy
    record = json.loads(s.version_record.read_text())
    other = _logged_like(s, _run_id(s), test_md5="0" * 32)
    with pytest.raises(PipelineError) as failed:
        evaluate_model.run(replace(s, run_id=other))
    assert str(failed.value) == (
        f"run {other} was trained against test rows with md5 {'0' * 32}, but data version 'v1.0' has "
        f"{record['test']['md5']}")
    assert not s.metrics_json.exists()


def test_the_gate_compares_accuracy_to_the_bar_inclusively() -> None:
    def gate(accuracy: float, bar: float) -> str:
        return evaluate_model.Evaluation("r", accuracy, 0.0, 0.0, 0.0, 10, bar, "binary").gate

    assert [gate(0.7, 0.7), gate(1.0, 1.0), gate(0.0, 0.0), gate(0.8, 0.7)] == ["passed"] * 4
    assert [gate(math.nextafter(0.7, 0.0), 0.7), gate(0.0, math.ulp(0.0))] == ["failed"] * 2


def test_binary_averaging_only_for_the_labels_0_and_1() -> None:
    """The fallback for a run logged without `average`: labels may arrive as ints or as strings."""
    assert evaluate_model.averaging([0, 1]) == evaluate_model.averaging(["1", "0"]) == "binary"
    assert evaluate_model.averaging([0, 1, 2]) == evaluate_model.averaging([1, 2]) == "macro"
    assert evaluate_model.averaging([0]) == evaluate_model.averaging(["a", "b"]) == "macro"


def test_scores_are_binary_by_default_and_macro_when_asked() -> None:
    labels, predicted = [0, 1, 1, 0], [0, 1, 0, 0]
    assert evaluate_model.score(labels, predicted) == pytest.approx(
        {"accuracy": 0.75, "precision": 1.0, "recall": 0.5, "f1": 2 / 3})
    assert evaluate_model.score(labels, predicted, "macro") == pytest.approx(
        {"accuracy": 0.75, "precision": (2 / 3 + 1.0) / 2, "recall": (1.0 + 0.5) / 2, "f1": (0.8 + 2 / 3) / 2})
    assert evaluate_model.score([0, 1], [0, 0])["precision"] == 0.0  # no positive prediction: 0, not 1
    # no positive row at all: every undefined ratio is 0, not 1
    assert evaluate_model.score([0, 0], [0, 0]) == {"accuracy": 1.0, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_the_summary_names_the_run_every_metric_the_averaging_and_the_gate() -> None:
    result = evaluate_model.Evaluation("abc123", 0.8125, 0.75, 0.5, 0.6, 800, 0.8, "macro")
    assert result.summary() == (
        "run abc123 on 800 test rows: accuracy 0.812, precision 0.750, recall 0.500, f1 0.600 (macro average); "
        "gate passed"
    )


def test_gate_failure_exits_1_with_a_message(tiny_copy: Settings, tmp_path: Path) -> None:
    result = run_cli(
        "evaluate-model",
        "--workdir",
        str(tiny_copy.workdir),
        "--min-accuracy",
        "0.99",
        "--mlflow-tracking-uri",
        tiny_copy.tracking_uri,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "pipeline evaluate-model: error: accuracy" in result.stderr
    assert "gate failed" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_without_a_training_run_it_says_so(tmp_path: Path) -> None:
    from tests.pipeline.conftest import embedded_settings

    with pytest.raises(PipelineError, match="run train-model first"):
        evaluate_model.run(embedded_settings(tmp_path / "empty"))


def test_multi_class_data_trains_evaluates_with_macro_averages_and_registers(tmp_path: Path) -> None:
    """Three classes: a softmax output, and precision/recall/F1 as the unweighted mean over the classes."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    words = {0: ("awful", "dreadful", "boring"), 1: ("great", "superb", "lovely"), 2: ("okay", "average", "fine")}
    rows = [(f"the {thing} number {i} was {words[i % 3][i % 2]}", i % 3) for i, thing in enumerate(["meal"] * 150)]
    write_csv(tmp_path / "three.csv", ["text", "label"], rows)
    s = embedded_settings(tmp_path / "w", input_uri=str(tmp_path / "three.csv"), epochs=5, min_accuracy=0.5)
    data_prep.run(s)
    feature_eng.run(s)
    trained = train_model.run(s)
    result = evaluate_model.run(s)
    assert result.average == "macro"
    run = mlflow_client(s).get_run(trained.run_id)
    assert run.data.params["average"] == "macro" and run.data.params["classes"] == "0,1,2"
    import mlflow.sklearn

    model = mlflow.sklearn.load_model(run.data.tags["model_uri"])
    assert model.named_steps["clf"].out_activation_ == "softmax"
    test = dataset.read_split_csv(s.test_csv)
    predicted = model.predict(list(test.texts))
    assert result.precision == pytest.approx(precision_score(test.labels, predicted, average="macro", zero_division=0))
    assert result.recall == pytest.approx(recall_score(test.labels, predicted, average="macro", zero_division=0))
    assert result.f1 == pytest.approx(f1_score(test.labels, predicted, average="macro", zero_division=0))
    assert register_model.run(s).version == "1"


def test_one_class_in_the_test_rows_is_refused_naming_the_file(tiny_copy: Settings) -> None:
    from unittest import mock

    s = tiny_copy
    test = dataset.read_split_csv(s.test_csv)
    one_class = dataset.Table(test.texts, tuple(1 for _ in test.labels), test.rows)
    with mock.patch.object(dataset, "read_split_csv", return_value=one_class):
        with pytest.raises(DataError, match=rf"^{s.test_csv}: the test rows have label 1 only"):
            evaluate_model.run(s)
    assert not s.metrics_json.exists(), "no verdict on a one-class test set"
