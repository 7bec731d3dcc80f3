"""Step 5, register-model: a model version with its tags and alias, only after the evaluation gate passed."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

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
    tracking_uri: str = ""

    def summary(self) -> str:
        tags = ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))
        return f"registered {self.name} version {self.version} as @{self.alias} ({tags})"

    def where(self) -> str:
        """Where the model is and the exact line that loads it (with the store MLflow must be pointed at)."""
        uri = shown_uri(self.tracking_uri)
        model = f"models:/{self.name}@{self.alias}"
        code = (f'import mlflow, pandas as pd; m = mlflow.pyfunc.load_model("{model}"); '
                'print(m.predict(pd.DataFrame({"text": ["a truly wonderful film", "the service was rude and slow"]})))')
        return (f"model: {model} (version {self.version}) in the MLflow registry at {uri}\n"
                f"load it: MLFLOW_TRACKING_URI={shlex.quote(uri)} python -c {shlex.quote(code)}")


def shown_uri(uri: str) -> str:
    """The tracking URI without a password, fit for a log line."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


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
    version = Registrar(client, settings.model_name, run_id).register(
        train_model.model_uri(trained), tags, settings.alias
    )
    files.write_text(settings.outputs / "model-version", version)
    return Registration(name=settings.model_name, version=version, alias=settings.alias, tags=tags,
                        tracking_uri=settings.tracking_uri)


LINK_TAG = "mlflow.modelVersions"  # on the logged model: the registered versions made from it, as MLflow keeps it


class Registrar:
    """Registers one run's model as a new version with tags and an alias, or leaves the registry as it was.

    Each change is remembered as it is made, and undone in reverse order if a later one fails: the alias moved
    back, the new version deleted, the logged model's link tag restored, and the registered model deleted if this
    registration created it. A call that fails may still have been carried out (the server wrote the version, then
    the answer was lost, or storage reported EIO after writing), so a failed version creation is undone by looking
    for versions of this run that were not there before. If undoing fails too, the error names what is left.
    """

    def __init__(self, client: Any, name: str, run_id: str) -> None:
        self.client, self.name, self.run_id = client, name, run_id
        self.created_model = False
        self.versions_before: set[str] = set()
        self.version: str | None = None
        self.version_unknown = False  # creation failed: whether a version exists is found out when undoing
        self.link: tuple[str, str | None] | None = None  # (logged model id, tag value before)
        self.alias: tuple[str, str | None] | None = None  # (alias, version it pointed at before)

    def register(self, source: str, tags: dict[str, str], alias: str) -> str:
        from mlflow.exceptions import MlflowException

        model = self._existing_model()
        step = f"could not create registered model {self.name!r}"
        try:
            if model is None:
                try:
                    self.created_model = True  # set first: the call may fail after the server created it
                    self.client.create_registered_model(self.name)
                except MlflowException as exc:
                    if exc.error_code not in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
                        raise
                    self.created_model = False  # another run made it in between; it is not ours to delete
            else:
                self.versions_before = self._versions()
            aliases_before = dict(model.aliases) if model is not None else {}
            model_id = source.removeprefix("models:/") if source.startswith("models:/m-") else None
            if model_id:
                # An MLflow server links the version to the logged model itself while creating it; remember the
                # link as it was, so undoing can put it back whoever changed it.
                step = f"could not read logged model {model_id}"
                self.link = (model_id, self._link(model_id))
            step = f"could not register run {self.run_id} as {self.name!r}"
            self.version_unknown = True
            created = self.client.create_model_version(
                self.name, source, run_id=self.run_id, tags=tags, model_id=model_id
            )
            self.version, self.version_unknown = str(created.version), False
            if model_id:
                step = f"could not link {self.name} version {self.version} to logged model {model_id}"
                current = self._link(model_id)
                linked = json.loads(current) if current else []
                if not any(e.get("name") == self.name and str(e.get("version")) == self.version for e in linked):
                    # As mlflow.register_model keeps it: a JSON list of {name, version}, the version a number.
                    linked.append({"name": self.name, "version": int(self.version)})
                    self.client.set_logged_model_tags(model_id, {LINK_TAG: json.dumps(linked)})
            step = f"could not set alias {alias!r} on {self.name} version {self.version}"
            self.alias = (alias, aliases_before.get(alias))
            self.client.set_registered_model_alias(self.name, alias, self.version)
        except Exception as exc:
            cause = exc.message if isinstance(exc, MlflowException) else f"{type(exc).__name__}: {exc}"
            raise PipelineError(f"{step}: {cause}{self.undo()}") from exc
        return self.version

    def _existing_model(self) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(self.name)
        except MlflowException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise PipelineError(f"cannot read registered model {self.name!r}: {exc.message}") from exc

    def _link(self, model_id: str) -> str | None:
        return self.client.get_logged_model(model_id).tags.get(LINK_TAG)

    def _versions(self) -> set[str]:
        return {str(v.version) for v in self.client.search_model_versions(f"name='{self.name}'")}

    def _ours(self) -> list[str]:
        """Versions this registration created: the one it was told of, or this run's versions not there before."""
        if self.version is not None:
            return [self.version]
        if not self.version_unknown:
            return []
        found = self.client.search_model_versions(f"name='{self.name}' and run_id='{self.run_id}'")
        return sorted((str(v.version) for v in found if str(v.version) not in self.versions_before), key=int)

    def undo(self) -> str:
        """Reverse what was done, newest first; returns the end of the error message saying what happened."""
        from mlflow.exceptions import MlflowException

        done: list[str] = []
        left: list[str] = []

        def attempt(what_done: str, what_left: str, action: Any) -> bool:
            try:
                action()
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                    return True  # never made (or already gone): nothing left over
                left.append(f"{what_left} ({exc.message})")
                return False
            except Exception as exc:  # noqa: BLE001 - report it, keep undoing the rest
                left.append(f"{what_left} ({type(exc).__name__}: {exc})")
                return False
            if what_done:
                done.append(what_done)
            return True

        if self.alias is not None and self.version is not None:
            alias, previous = self.alias
            if previous is not None:
                attempt(
                    f"alias {alias!r} points at version {previous} again",
                    f"alias {alias!r} of {self.name!r} was not moved back to version {previous}",
                    lambda: self.client.set_registered_model_alias(self.name, alias, previous),
                )
        try:
            ours = self._ours()
        except Exception as exc:  # noqa: BLE001
            ours = []
            left.append(f"possibly a version of {self.name!r} from run {self.run_id} (could not check: {exc})")
        for version in ours:
            attempt(
                f"version {version} was removed",
                f"version {version} of {self.name!r}",
                lambda v=version: self.client.delete_model_version(self.name, v),
            )
        if self.link is not None:
            model_id, before = self.link

            def restore_link() -> None:
                if self._link(model_id) == before:
                    return
                if before is None:
                    self.client.delete_logged_model_tag(model_id, LINK_TAG)
                else:
                    self.client.set_logged_model_tags(model_id, {LINK_TAG: before})

            attempt("", f"tag {LINK_TAG} of logged model {model_id} may still list the removed version", restore_link)
        if self.created_model and not left:
            # Only a model this run created, and only while empty: another run may be registering into it.
            try:
                empty = not self._versions()
            except MlflowException as exc:
                empty = False
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    left.append(f"registered model {self.name!r}, maybe empty (could not check: {exc.message})")
            except Exception as exc:  # noqa: BLE001
                empty = False
                left.append(f"registered model {self.name!r}, maybe empty (could not check: {exc})")
            if empty:
                attempt(
                    f"the new registered model {self.name!r} was removed",
                    f"the empty registered model {self.name!r}",
                    lambda: self.client.delete_registered_model(self.name),
                )
        elif self.created_model:
            left.append(f"registered model {self.name!r}, created by this run")
        message = "; " + " and ".join(done) if done else ""
        if left:
            message += "; cleaning up failed, left behind: " + "; ".join(left) + " (remove by hand)"
        return message
