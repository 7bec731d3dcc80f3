"""evaluate-model: real metrics on the held-out split, Argo output files, and the accuracy gate."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import data_prep, evaluate_model
from pipeline.errors import GateFailed, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import REPO, EmbeddedRun, mlflow_client, run_cli


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


def test_metrics_are_those_of_the_logged_model_on_the_held_out_rows(embedded_run: EmbeddedRun) -> None:
    import mlflow.sklearn
    from sklearn.model_selection import train_test_split

    s = embedded_run.settings
    records = data_prep.read_csv(s.raw_csv)
    labels = [r.label for r in records]
    _, held_out = train_test_split(list(range(100)), test_size=0.2, stratify=labels, random_state=42)
    run = mlflow_client(s).get_run(embedded_run.train.run_id)
    model = mlflow.sklearn.load_model(run.data.tags["model_uri"])
    predicted = model.predict([records[i].text for i in held_out])
    correct = sum(int(p == labels[i]) for p, i in zip(predicted, held_out, strict=True))
    assert embedded_run.evaluation.test_samples == 20
    assert embedded_run.evaluation.accuracy == pytest.approx(correct / 20)
    assert run.data.metrics["test_accuracy"] == pytest.approx(correct / 20)
    assert run.data.tags["gate"] == "passed"


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
    # The workflows run the default seed, epochs and batch size: at least two of the 20 held-out samples to spare.
    assert embedded_run.evaluation.accuracy - max(gates.values()) >= 0.1 - 1e-9, gates


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
