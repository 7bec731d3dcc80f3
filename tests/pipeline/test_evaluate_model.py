"""evaluate-model: real metrics on the data version's test rows, Argo output files, and the accuracy gate."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import data_prep, dataset, evaluate_model, feature_eng, register_model, train_model
from pipeline.errors import DataError, GateFailed, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import REPO, EmbeddedRun, embedded_settings, mlflow_client, run_cli, write_csv

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


def test_metrics_json_and_one_file_per_metric(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    result = embedded_run.evaluation
    data = json.loads(s.metrics_json.read_text())
    assert data["run_id"] == embedded_run.train.run_id
    assert data["gate"] == "passed" == (s.outputs / "gate").read_text()  # exact: Argo passes it verbatim
    for metric in evaluate_model.METRICS:
        assert data[metric] == getattr(result, metric)
        assert float((s.outputs / metric).read_text()) == pytest.approx(data[metric], abs=1e-6)
        assert 0.0 <= data[metric] <= 1.0


def test_metrics_are_those_of_the_logged_model_on_the_test_rows(embedded_run: EmbeddedRun) -> None:
    import mlflow.sklearn

    s = embedded_run.settings
    test = dataset.read_split_csv(s.test_csv)
    run = mlflow_client(s).get_run(embedded_run.train.run_id)
    model = mlflow.sklearn.load_model(run.data.tags["model_uri"])
    predicted = model.predict(list(test.texts))
    correct = sum(int(p == y) for p, y in zip(predicted, test.labels, strict=True))
    assert embedded_run.evaluation.test_samples == len(test) == embedded_run.prep.record.test_rows
    assert embedded_run.evaluation.accuracy == pytest.approx(correct / len(test))
    assert run.data.metrics["test_accuracy"] == pytest.approx(correct / len(test))
    assert run.data.tags["gate"] == "passed"
    assert embedded_run.evaluation.average == "binary"


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


def test_evaluates_with_the_runs_seed_not_the_flag(embedded_copy: Settings, embedded_run: EmbeddedRun) -> None:
    again = evaluate_model.run(replace(embedded_copy, seed=7))
    assert again.accuracy == embedded_run.evaluation.accuracy


def test_below_min_accuracy_fails_and_records_gate_failed(embedded_copy: Settings) -> None:
    s = replace(embedded_copy, min_accuracy=0.99)
    with pytest.raises(GateFailed, match=r"accuracy 0\.\d+ is below --min-accuracy 0\.99"):
        evaluate_model.run(s)
    assert (s.outputs / "gate").read_text().strip() == "failed"
    assert json.loads(s.metrics_json.read_text())["gate"] == "failed"
    run_id = (s.outputs / "run-id").read_text().strip()
    assert mlflow_client(s).get_run(run_id).data.tags["gate"] == "failed"


def test_accuracy_exactly_at_min_accuracy_passes_and_just_below_fails(embedded_copy: Settings) -> None:
    """The gate is `accuracy >= --min-accuracy`: a model that meets the bar exactly is registered."""
    accuracy = evaluate_model.run(embedded_copy).accuracy
    at = evaluate_model.run(replace(embedded_copy, min_accuracy=accuracy))
    assert (at.accuracy, at.gate) == (accuracy, "passed")
    assert (embedded_copy.outputs / "gate").read_text() == "passed"
    above = replace(embedded_copy, min_accuracy=math.nextafter(accuracy, 1.0))
    with pytest.raises(GateFailed, match="is below --min-accuracy"):
        evaluate_model.run(above)
    assert (embedded_copy.outputs / "gate").read_text() == "failed"


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


def test_gate_failure_exits_1_with_a_message(embedded_copy: Settings, tmp_path: Path) -> None:
    result = run_cli(
        "evaluate-model",
        "--workdir",
        str(embedded_copy.workdir),
        "--min-accuracy",
        "0.99",
        "--mlflow-tracking-uri",
        embedded_copy.tracking_uri,
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


def test_one_class_in_the_test_rows_is_refused_naming_the_file(embedded_copy: Settings) -> None:
    from unittest import mock

    s = embedded_copy
    test = dataset.read_split_csv(s.test_csv)
    one_class = dataset.Table(test.texts, tuple(1 for _ in test.labels), test.rows)
    before = s.metrics_json.read_text()
    with mock.patch.object(dataset, "read_split_csv", return_value=one_class):
        with pytest.raises(DataError, match=rf"{s.test_csv}: the test rows have label 1 only"):
            evaluate_model.run(s)
    assert s.metrics_json.read_text() == before, "no verdict on a one-class test set"
