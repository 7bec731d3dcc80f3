"""Step 5, register-model: a model version with its tags and alias, only after the evaluation gate passed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline import files, tracking, train_model
from pipeline.errors import GateFailed, PipelineError
from pipeline.evaluate_model import METRICS, PASSED, read_run_id
from pipeline.settings import Settings, detect_git_commit

HELP = "register the model with tags and an alias, only if the gate passed"
METRICS_KEYS = ("run_id", "gate", *METRICS)


@dataclass(frozen=True)
class Registration:
    name: str
    version: str
    alias: str
    tags: dict[str, str]

    def summary(self) -> str:
        tags = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))
        return f"registered {self.name} version {self.version} as @{self.alias} ({tags})"


def check_gate(settings: Settings, run_id: str) -> None:
    """Refuse unless evaluate-model passed the gate for this very run."""
    gate_file = settings.outputs / "gate"
    if not gate_file.exists():
        raise PipelineError(f"no evaluation result: {gate_file} does not exist; run evaluate-model first")
    gate = gate_file.read_text(encoding="utf-8").strip()
    if gate != PASSED:
        raise GateFailed(f"evaluation gate is {gate!r} ({gate_file}); run {run_id} is not registered")
    evaluated = read_metrics(settings)["run_id"]
    if evaluated != run_id:
        raise PipelineError(
            f"the gate result in {settings.metrics_json} is for run {evaluated}, not run {run_id}; "
            "run evaluate-model again"
        )


def read_metrics(settings: Settings) -> dict[str, Any]:
    """metrics.json as evaluate-model wrote it, with the gate passed; anything else is refused saying what is wrong."""
    path = settings.metrics_json
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PipelineError(f"cannot read {path}: {exc.strerror or exc}; run evaluate-model first") from exc
    except ValueError as exc:
        raise PipelineError(f"{path} is not valid JSON ({exc}); run evaluate-model again") from exc
    if not isinstance(data, dict):
        problem = f"not a JSON object but {json.dumps(data)[:60]}"
    elif missing := [key for key in METRICS_KEYS if key not in data]:
        problem = "missing " + ", ".join(missing)
    elif not isinstance(data["run_id"], str) or not data["run_id"]:
        problem = f"run_id {data['run_id']!r} is not a run id"
    elif data["gate"] != PASSED:
        problem = f"its gate is {data['gate']!r} while {settings.outputs / 'gate'} says {PASSED!r}"
    else:
        return data
    raise PipelineError(f"{path} is not a passed evaluation ({problem}); run evaluate-model again")


def run(settings: Settings) -> Registration:
    run_id = read_run_id(settings)
    check_gate(settings, run_id)  # before touching the registry at all
    client = tracking.connect(settings)
    from mlflow.exceptions import MlflowException

    try:
        trained = client.get_run(run_id)
    except MlflowException as exc:
        raise PipelineError(f"training run {run_id} not found in {settings.tracking_uri}: {exc.message}") from exc
    tags = {
        "data_version": trained.data.params.get("data_version", settings.data_version),
        "environment": settings.environment,
    }
    if "data_md5" in trained.data.params:
        tags["data_md5"] = trained.data.params["data_md5"]
    commit = settings.git_commit or trained.data.tags.get("git_commit") or detect_git_commit()
    if commit:
        tags["git_commit"] = commit
    version = _register(client, settings, train_model.model_uri(trained), run_id, tags)
    files.write_text(settings.outputs / "model-version", version)
    return Registration(name=settings.model_name, version=version, alias=settings.alias, tags=tags)


def _register(client: Any, settings: Settings, source: str, run_id: str, tags: dict[str, str]) -> str:
    """Create the version and point the alias at it, or leave the registry as it was.

    If either call fails, the new version is deleted again, and so is the registered model when this call created
    it (MLflow creates the model before the version, so a failed version would otherwise leave an empty model).
    """
    import mlflow
    from mlflow.exceptions import MlflowException

    name = settings.model_name
    existed = _model_exists(client, settings)
    try:
        version = str(mlflow.register_model(source, name, tags=tags).version)
    except Exception as exc:
        cause = exc.message if isinstance(exc, MlflowException) else str(exc)
        undone = _undo(client, name, None, existed)
        raise PipelineError(f"could not register run {run_id} as {name!r}: {cause}{undone}") from exc
    try:
        client.set_registered_model_alias(name, settings.alias, version)
    except Exception as exc:
        undone = _undo(client, name, version, existed)
        raise PipelineError(
            f"could not set alias {settings.alias!r} on {name} version {version} ({exc}){undone}"
        ) from exc
    return version


def _model_exists(client: Any, settings: Settings) -> bool:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(settings.model_name)
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return False
        raise PipelineError(
            f"cannot read registered model {settings.model_name!r} from {settings.tracking_uri}: {exc.message}"
        ) from exc
    return True


def _undo(client: Any, name: str, version: str | None, existed: bool) -> str:
    """Remove what a failed registration left; returns the end of the error message saying what happened."""
    done: list[str] = []
    try:
        if version is not None:
            client.delete_model_version(name, version)
            done.append(f"version {version} was removed")
        # Only a model this call created, and only while empty: another run may be registering into it.
        if not existed and not client.search_model_versions(f"name='{name}'"):
            client.delete_registered_model(name)
            done.append(f"the new registered model {name!r} was removed")
    except Exception as cleanup:  # noqa: BLE001 - report both, the first failure is the cause
        if getattr(cleanup, "error_code", None) == "RESOURCE_DOES_NOT_EXIST":  # never created: nothing left over
            return "; " + " and ".join(done) if done else ""
        left = f"version {version} of {name!r}" if version is not None and not done else f"registered model {name!r}"
        return f"; cleaning up failed too ({cleanup}): check {left} by hand"
    return "; " + " and ".join(done) if done else ""
