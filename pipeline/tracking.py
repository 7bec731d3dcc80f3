"""MLflow set-up: a bounded reachability probe, small HTTP retry limits, and the experiment.

An unreachable server must fail fast with a clear message, not after MLflow's default of minutes of retries.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError
from pipeline.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

# MLflow's defaults are 7 retries with backoff and a 120 s timeout per request.
HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
    # A pipeline step sends nothing home.
    "MLFLOW_DISABLE_TELEMETRY": "true",
    # Progress bars are noise in Argo step logs.
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
}


def probe_timeout() -> float:
    try:
        return max(
            0.5, float(os.environ.get("MLFLOW_HTTP_REQUEST_TIMEOUT", HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"]))
        )
    except ValueError:
        return float(HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"])


def probe(uri: str) -> None:
    """Fail with a clear message when an HTTP tracking server does not answer within the request timeout."""
    if not uri.lower().startswith(("http://", "https://")):
        return
    url = uri.rstrip("/") + "/health"
    timeout = probe_timeout()
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - scheme checked above
            return
    except urllib.error.HTTPError:
        return  # it answered; auth or routing is MLflow's business, and its errors are clear
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PipelineError(
            f"MLflow tracking server {uri} is unreachable ({reason}; waited at most {timeout:g} s); "
            "check --mlflow-tracking-uri / $MLFLOW_TRACKING_URI"
        ) from exc


def connect(settings: Settings) -> MlflowClient:
    """Point MLflow at the configured store after checking it answers; returns a client."""
    for key, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    uri = settings.tracking_uri
    probe(uri)
    if settings.embedded_tracking:
        settings.workdir.mkdir(parents=True, exist_ok=True)
    import mlflow

    # MLflow sets its own logger level on import; quiet the schema-migration chatter of a new SQLite store.
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)


def experiment_id(settings: Settings, client: MlflowClient) -> str:
    """The experiment named after the model; an embedded store keeps its artifacts inside the workdir."""
    found = client.get_experiment_by_name(settings.experiment_name)
    if found is not None:
        return found.experiment_id
    location = settings.mlflow_artifacts.as_uri() if settings.embedded_tracking else None
    return client.create_experiment(settings.experiment_name, artifact_location=location)
