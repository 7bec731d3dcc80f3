"""Step 4, evaluate-model: metrics of the logged model on the data version's test rows, and the accuracy gate.

Averaging: with the labels 0 and 1, precision, recall and F1 are those of class 1 (scikit-learn's "binary").
With more classes, or two classes labelled otherwise, they are macro averages: the unweighted mean over classes,
so a rare class counts as much as a common one. The run records which one as the parameter `average`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from pipeline import data_versions, dataset, files, tracking, train_model
from pipeline.errors import GateFailed, PipelineError
from pipeline.settings import Settings

HELP = "accuracy, precision, recall, F1 on the test rows and the --min-accuracy gate"
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
    average: str

    @property
    def gate(self) -> str:
        return PASSED if self.accuracy >= self.min_accuracy else FAILED

    def summary(self) -> str:
        values = ", ".join(f"{m} {getattr(self, m):.3f}" for m in METRICS)
        return (
            f"run {self.run_id} on {self.test_samples} test rows: {values} ({self.average} average); gate {self.gate}"
        )

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


def averaging(classes: Any) -> str:
    """Binary averaging for the labels 0 and 1, else macro (see the module docstring)."""
    return "binary" if {str(c) for c in classes} == {"0", "1"} else "macro"


def score(labels: Any, predictions: Any, average: str = "binary") -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "precision": float(precision_score(labels, predictions, average=average, zero_division=0)),
        "recall": float(recall_score(labels, predictions, average=average, zero_division=0)),
        "f1": float(f1_score(labels, predictions, average=average, zero_division=0)),
    }


def run(settings: Settings) -> Evaluation:
    import mlflow
    from mlflow.exceptions import MlflowException

    run_id = read_run_id(settings)  # before connecting: no run, no need to create an embedded store
    client = tracking.connect(settings)
    try:
        trained_run = client.get_run(run_id)
    except MlflowException as exc:
        raise PipelineError(f"training run {run_id} not found in {settings.tracking_uri}: {exc.message}") from exc
    params = trained_run.data.params
    # Evaluate exactly what was trained: the run's data version and its test rows, whatever the flags say now.
    if "test_md5" not in params:
        raise PipelineError(f"run {run_id} has no test_md5 parameter: it was not logged by train-model")
    trained = dataclasses.replace(settings, data_version=params["data_version"])
    record = data_versions.current(trained)
    if record.test.md5 != params["test_md5"]:
        raise PipelineError(
            f"run {run_id} was trained against test rows with md5 {params['test_md5']}, but data version "
            f"{record.version!r} has {record.test.md5}"
        )
    data_versions.materialise(trained, record, ("test",))
    test = dataset.read_split_csv(trained.test_csv)
    dataset.check_classes(test.labels, str(trained.test_csv), "test rows")
    model = mlflow.sklearn.load_model(train_model.model_uri(trained_run))
    predictions = model.predict(list(test.texts))
    average = params.get("average") or averaging(record.classes)
    result = Evaluation(
        run_id=run_id,
        test_samples=len(test),
        min_accuracy=settings.min_accuracy,
        average=average,
        **score(list(test.labels), predictions, average),
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
