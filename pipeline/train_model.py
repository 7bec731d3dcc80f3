"""Step 3, train-model: log-loss SGD (logistic regression) over mini-batches for N epochs, tracked in MLflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from pipeline import feature_eng, files, tracking, versioning
from pipeline.settings import Settings

HELP = "log-loss SGD over mini-batches for N epochs, logged to MLflow"
TEST_SIZE = 0.2
ALPHA = 1e-3
MODEL_ARTIFACT = "model"
MODEL_URI_TAG = "model_uri"


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int
    train_loss: float
    train_accuracy: float


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    history: list[EpochMetrics] = field(default_factory=list)

    def summary(self) -> str:
        last = self.history[-1]
        return (
            f"run {self.run_id}: {len(self.history)} epochs, "
            f"train loss {last.train_loss:.4f}, train accuracy {last.train_accuracy:.3f}"
        )


def split(labels: Any, seed: int, test_size: float = TEST_SIZE) -> tuple[Any, Any]:
    """Stratified train/test row indices; depends only on the labels and the seed, so evaluation can redo it."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    train_idx, test_idx = train_test_split(idx, test_size=test_size, stratify=labels, random_state=seed)
    return np.sort(train_idx), np.sort(test_idx)


def fit(features: Any, labels: Any, *, epochs: int, batch_size: int, seed: int) -> tuple[Any, list[EpochMetrics]]:
    """Mini-batch `partial_fit` for `epochs` passes, reshuffled each epoch from `seed`."""
    import numpy as np
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import accuracy_score, log_loss

    classes = np.array([0, 1])
    clf = SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=seed)
    rng = np.random.default_rng(seed)
    history: list[EpochMetrics] = []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(features.shape[0])
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            clf.partial_fit(features[batch], labels[batch], classes=classes)
        proba = clf.predict_proba(features)
        history.append(
            EpochMetrics(
                epoch=epoch,
                train_loss=float(log_loss(labels, proba, labels=classes)),
                train_accuracy=float(accuracy_score(labels, clf.predict(features))),
            )
        )
    return clf, history


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
    features, labels = feature_eng.load_processed(settings)
    vectorizer = files.read_pickle(settings.vectorizer_pkl)
    train_idx, _ = split(labels, settings.seed)
    clf, history = fit(
        features[train_idx],
        labels[train_idx],
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        seed=settings.seed,
    )
    run_id = _log(settings, client, clf, vectorizer, history, n_samples=len(labels), n_features=features.shape[1])
    # No trailing newline: Argo passes the file content on verbatim as an output parameter.
    files.write_text(settings.outputs / "run-id", run_id)
    return TrainResult(run_id=run_id, history=history)


def _log(settings: Settings, client: Any, clf: Any, vectorizer: Any, history: list[EpochMetrics], **shape: int) -> str:
    import mlflow
    import pandas as pd
    from mlflow.models import infer_signature

    model = text_model(vectorizer, clf)
    example = pd.DataFrame({"text": ["what a great movie", "the service was awful"]})
    tags = {"data_version": settings.data_version, "environment": settings.environment}
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
                "data_version": settings.data_version,
                "epochs": settings.epochs,
                "batch_size": settings.batch_size,
                "seed": settings.seed,
                "test_size": TEST_SIZE,
                "loss": "log_loss",
                "alpha": ALPHA,
                "n_samples": shape["n_samples"],
                "n_features": shape["n_features"],
                "raw_data_md5": versioning.content_md5(settings.raw_csv),
                "features_md5": versioning.content_md5(settings.features_pkl),
                "dvc_remote": versioning.remote_url(settings),
            }
        )
        for m in history:
            mlflow.log_metrics({"train_loss": m.train_loss, "train_accuracy": m.train_accuracy}, step=m.epoch)
        info = mlflow.sklearn.log_model(
            model,
            name=MODEL_ARTIFACT,
            signature=infer_signature(example, model.predict(example)),
            input_example=example,
            # skops (MLflow's safe format) refuses unknown callables; np.ravel is the one we add.
            skops_trusted_types=["numpy.ravel"],
            # Explicit requirements: inferring them re-loads the model in a subprocess, which is slow.
            # skops is in the list because the model is saved in its format.
            pip_requirements=[f"{d}=={version(d)}" for d in ("scikit-learn", "numpy", "scipy", "skops")],
        )
        mlflow.log_artifact(str(settings.vectorizer_pkl), artifact_path="vectorizer")
        # MLflow 3 keeps logged models outside the run's artifacts; later steps find the model through this tag.
        mlflow.set_tag(MODEL_URI_TAG, info.model_uri)
        return active.info.run_id
