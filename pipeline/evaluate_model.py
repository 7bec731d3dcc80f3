"""Step 4, evaluate-model: metrics of the logged model on the held-out split, and the accuracy gate."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline import feature_eng, files, tracking, train_model
from pipeline.data_prep import read_csv
from pipeline.errors import GateFailed, PipelineError
from pipeline.settings import Settings

HELP = "held-out accuracy, precision, recall, F1 and the --min-accuracy gate"
METRICS = ("accuracy", "precision", "recall", "f1")
PASSED, FAILED = "passed", "failed"


@dataclass(frozen=True)
class Evaluation:
    run_id: str
    accuracy: float
    precision: float
    recall: float
    f1: float
    test_samples: int
    min_accuracy: float

    @property
    def gate(self) -> str:
        return PASSED if self.accuracy >= self.min_accuracy else FAILED

    def summary(self) -> str:
        values = ", ".join(f"{m} {getattr(self, m):.3f}" for m in METRICS)
        return f"run {self.run_id} on {self.test_samples} held-out samples: {values}; gate {self.gate}"

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "gate": self.gate}


def read_run_id(settings: Settings) -> str:
    """--run-id, else the id train-model left in <workdir>/outputs/run-id."""
    if settings.run_id:
        return settings.run_id
    path = settings.outputs / "run-id"
    if not path.exists():
        raise PipelineError(f"no training run: {path} does not exist; run train-model first or pass --run-id")
    return path.read_text(encoding="utf-8").strip()


def score(labels: Any, predictions: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "precision": float(precision_score(labels, predictions, zero_division=0)),
        "recall": float(recall_score(labels, predictions, zero_division=0)),
        "f1": float(f1_score(labels, predictions, zero_division=0)),
    }


def run(settings: Settings) -> Evaluation:
    import mlflow
    from mlflow.exceptions import MlflowException

    client = tracking.connect(settings)
    run_id = read_run_id(settings)
    try:
        trained_run = client.get_run(run_id)
    except MlflowException as exc:
        raise PipelineError(f"training run {run_id} not found in {settings.tracking_uri}: {exc.message}") from exc
    params = trained_run.data.params
    # Evaluate exactly what was trained: the run's data version, seed and split, not whatever flags were passed now.
    trained = dataclasses.replace(settings, data_version=params["data_version"], seed=int(params["seed"]))
    records = read_csv(feature_eng.ensure_raw(trained))
    labels = [r.label for r in records]
    _, test_idx = train_model.split(labels, trained.seed, float(params["test_size"]))
    model = mlflow.sklearn.load_model(train_model.model_uri(trained_run))
    truth = [labels[i] for i in test_idx]
    predictions = model.predict([records[i].text for i in test_idx])
    result = Evaluation(
        run_id=run_id, test_samples=len(test_idx), min_accuracy=settings.min_accuracy, **score(truth, predictions)
    )

    files.write_json(settings.metrics_json, result.as_json())
    for metric in METRICS:
        files.write_text(settings.outputs / metric, f"{getattr(result, metric):.6f}")
    files.write_text(settings.outputs / "gate", result.gate)
    for metric in METRICS:
        client.log_metric(run_id, f"test_{metric}", getattr(result, metric))
    client.set_tag(run_id, "gate", result.gate)
    client.set_tag(run_id, "min_accuracy", str(settings.min_accuracy))

    if result.gate != PASSED:
        raise GateFailed(
            f"accuracy {result.accuracy:.3f} is below --min-accuracy {settings.min_accuracy:g}: gate failed, "
            f"run {run_id} will not be registered"
        )
    return result
