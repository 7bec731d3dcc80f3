"""Step 3, train-model: logistic regression by mini-batch gradient descent, tracked in MLflow.

The model is scikit-learn's `MLPClassifier` with no hidden layer: one linear layer with a logistic (two classes)
or softmax (more) output and log-loss, which is exactly (multinomial) logistic regression, trained with
`partial_fit`: one call is one pass over the training rows in mini-batches of `batch_size`, each update the
average gradient of its batch. So `--epochs` is the number of passes and `--batch-size` the rows per update.
`SGDClassifier.partial_fit`, the obvious choice, updates once per row whatever the batch size. The optimizer is
Adam: on TF-IDF columns, whose scales differ by orders of magnitude, plain SGD at its largest stable step scores
0.81 after 3 epochs and 0.87 after 10, Adam 0.90 after 3 (benchmarks/sample_accuracy.py). The served model is a
plain scikit-learn pipeline: loading it needs scikit-learn, not this package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from pipeline import data_versions, feature_eng, files, tracking, versioning
from pipeline.settings import Settings

HELP = "logistic regression by mini-batch gradient descent (Adam) for N epochs, logged to MLflow"
OPTIMIZER = "adam"
ALPHA = 1e-4  # L2 penalty
VALIDATION_SIZE = 0.1  # of the training rows, held back to report validation loss per epoch
MODEL_ARTIFACT = "model"
MODEL_URI_TAG = "model_uri"


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    updates: int  # parameter updates so far: epoch x ceil(fit rows / batch size)
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float


@dataclass(frozen=True)
class Fit:
    model: Any  # the fitted MLPClassifier
    history: list[EpochMetrics]
    fit_rows: int
    validation_rows: int
    batch_size: int  # as used: --batch-size, or all fit rows if there are fewer

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(self.fit_rows / self.batch_size)


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    history: list[EpochMetrics] = field(default_factory=list)

    def summary(self) -> str:
        last = self.history[-1]
        return (
            f"run {self.run_id}: {len(self.history)} epochs, {last.updates} updates, "
            f"train loss {last.train_loss:.4f}, validation loss {last.val_loss:.4f}, "
            f"validation accuracy {last.val_accuracy:.3f}"
        )


def validation_split(labels: Any, seed: int) -> tuple[Any, Any]:
    """Stratified (fit, validation) row indices of the training rows; at least one validation row per class."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    n_classes = len(np.unique(labels))
    n_val = max(n_classes, math.ceil(VALIDATION_SIZE * len(labels)))
    fit_idx, val_idx = train_test_split(idx, test_size=n_val, stratify=labels, random_state=seed)
    return np.sort(fit_idx), np.sort(val_idx)


def make_classifier(*, batch_size: int, learning_rate: float, seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(),  # no hidden layer: logistic regression
        solver=OPTIMIZER,
        batch_size=batch_size,
        learning_rate_init=learning_rate,
        alpha=ALPHA,
        shuffle=True,  # a new order every epoch, from random_state
        random_state=seed,
    )


def fit(features: Any, labels: Any, *, epochs: int, batch_size: int, learning_rate: float, seed: int) -> Fit:
    """`epochs` passes of mini-batch updates over the fit rows; losses on fit and validation rows after each."""
    import numpy as np
    from sklearn.metrics import accuracy_score, log_loss

    classes = np.unique(labels)
    fit_idx, val_idx = validation_split(labels, seed)
    x_fit, y_fit, x_val, y_val = features[fit_idx], labels[fit_idx], features[val_idx], labels[val_idx]
    batch = min(batch_size, len(fit_idx))
    model = make_classifier(batch_size=batch, learning_rate=learning_rate, seed=seed)
    per_epoch = math.ceil(len(fit_idx) / batch)
    history: list[EpochMetrics] = []
    for epoch in range(1, epochs + 1):
        model.partial_fit(x_fit, y_fit, classes=classes)
        history.append(
            EpochMetrics(
                epoch=epoch,
                updates=epoch * per_epoch,
                train_loss=float(log_loss(y_fit, model.predict_proba(x_fit), labels=classes)),
                train_accuracy=float(accuracy_score(y_fit, model.predict(x_fit))),
                val_loss=float(log_loss(y_val, model.predict_proba(x_val), labels=classes)),
                val_accuracy=float(accuracy_score(y_val, model.predict(x_val))),
            )
        )
    return Fit(model, history, fit_rows=len(fit_idx), validation_rows=len(val_idx), batch_size=batch)


SKOPS_TRUSTED = ["numpy.ravel", "sklearn.neural_network._stochastic_optimizers.AdamOptimizer"]


def text_model(vectorizer: Any, clf: Any) -> Any:
    """The served model: raw text in (a list, or a one-column DataFrame), label out."""
    import numpy as np
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    # np.ravel turns a one-column DataFrame (what MLflow's pyfunc passes) into the 1-D array TF-IDF wants.
    flatten = FunctionTransformer(np.ravel, validate=False).fit(np.array(["x"]))
    return Pipeline([("flatten", flatten), ("tfidf", vectorizer), ("clf", clf)])


def model_uri(run: Any) -> str:
    """Where the model logged by a training run lives (an MLflow `Run`)."""
    return run.data.tags.get(MODEL_URI_TAG) or f"runs:/{run.info.run_id}/{MODEL_ARTIFACT}"


def run(settings: Settings) -> TrainResult:
    client = tracking.connect(settings)  # fail fast on an unreachable server, before any work
    record = data_versions.current(settings)
    features, labels, vectorizer = feature_eng.load_processed(settings)
    result = fit(
        features,
        labels,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        seed=settings.seed,
    )
    run_id = _log(settings, client, record, result, vectorizer, n_features=features.shape[1])
    # No trailing newline: Argo passes the file content on verbatim as an output parameter.
    files.write_text(settings.outputs / "run-id", run_id)
    return TrainResult(run_id=run_id, history=result.history)


def _log(
    settings: Settings, client: Any, record: data_versions.DataVersion, result: Fit, vectorizer: Any, n_features: int
) -> str:
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature

    from pipeline.evaluate_model import averaging

    model = text_model(vectorizer, result.model)
    example = pd.DataFrame({"text": ["what a great movie", "the service was awful"]})
    tags = {"data_version": record.version, "data_md5": record.raw.md5, "environment": settings.environment}
    if settings.git_commit:
        tags["git_commit"] = settings.git_commit
    with mlflow.start_run(
        experiment_id=tracking.experiment_id(settings, client),
        run_name=f"{settings.model_name}-{settings.data_version}-{settings.environment}",
        tags=tags,
    ) as active:
        mlflow.log_params(
            {
                "model_name": settings.model_name,
                # The data: which version, its exact bytes, where it came from, and the split.
                "data_version": record.version,
                "data_md5": record.raw.md5,
                "data_file": record.raw.name,
                "data_source": record.source[:500],
                "data_rows": record.rows,
                "classes": ",".join(record.classes),
                "average": averaging(record.classes),
                "text_column": record.text_column,
                "label_column": record.label_column,
                "split_seed": record.split_seed,
                "test_size": record.test_size,
                "train_md5": record.train.md5,
                "test_md5": record.test.md5,
                "dvc_remote": versioning.remote_url(settings),
                "features_md5": versioning.content_md5(settings.features_pkl),
                # The training.
                "model": "logistic regression (MLPClassifier, no hidden layer)",
                "optimizer": OPTIMIZER,
                "epochs": settings.epochs,
                "batch_size": settings.batch_size,
                "learning_rate": settings.learning_rate,
                "alpha": ALPHA,
                "seed": settings.seed,
                "loss": "log_loss",
                "fit_rows": result.fit_rows,
                "validation_rows": result.validation_rows,
                "updates_per_epoch": result.updates_per_epoch,
                "n_features": n_features,
            }
        )
        for m in result.history:
            mlflow.log_metrics(
                {
                    "train_loss": m.train_loss,
                    "train_accuracy": m.train_accuracy,
                    "val_loss": m.val_loss,
                    "val_accuracy": m.val_accuracy,
                },
                step=m.epoch,
            )
        info = mlflow.sklearn.log_model(
            model,
            name=MODEL_ARTIFACT,
            signature=infer_signature(example, model.predict(example)),
            input_example=example,
            # skops (MLflow's safe format) refuses types it does not know; these are the ones the model holds.
            skops_trusted_types=SKOPS_TRUSTED,
            # Explicit requirements: inferring them re-loads the model in a subprocess, which is slow.
            # skops is in the list because the model is saved in its format.
            pip_requirements=[f"{d}=={version(d)}" for d in ("scikit-learn", "numpy", "scipy", "skops")],
        )
        mlflow.log_artifact(str(settings.vectorizer_pkl), artifact_path="vectorizer")
        # MLflow 3 keeps logged models outside the run's artifacts; later steps find the model through this tag.
        mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
        return active.info.run_id
