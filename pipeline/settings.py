"""The run's settings and the workspace layout every step shares (the /work volume in the cluster)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.errors import UsageError
from pipeline.s3 import bucket_name_problems, is_valid_region

DEFAULT_WORKDIR = ".pipeline"
# Used in file names and MLflow names: no path separators, no spaces.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# MLflow refuses aliases named "latest" or shaped like a version ("v3").
_ALIAS = re.compile(r"[A-Za-z0-9_-]{1,255}")


def name_problem(value: str, what: str) -> str | None:
    if not _NAME.fullmatch(value):
        return f"{what} {value!r} must start with a letter or digit and use only letters, digits, '.', '_' and '-'"
    return None


def alias_problem(value: str) -> str | None:
    if not _ALIAS.fullmatch(value) or value.lower() == "latest" or re.fullmatch(r"[vV]\d+", value):
        return f"alias {value!r} must use letters, digits, '_' or '-', and must not be 'latest' or look like 'v3'"
    return None


# Stores that hold both the runs and the model registry (mlflow.store.db.db_types.DATABASE_ENGINES, plus a server).
# Not MLflow's file store: it is retired and refuses to open by default, and a bare path would silently become one.
_DB_ENGINES = ("sqlite", "postgresql", "mysql", "mssql")
TRACKING_URI_FORMS = (
    "http(s)://host[:port] for a tracking server, sqlite:///path/mlflow.db, "
    "postgresql://, mysql:// or mssql:// (optionally +driver) for a database, or databricks[://profile]"
)


def tracking_uri_problem(uri: str, what: str = "MLflow tracking URI") -> str | None:
    """Why MLflow cannot use `uri` as tracking store and registry, or None; checked before any step runs."""
    try:
        parts = urlsplit(uri)
        host, _ = parts.hostname, parts.port  # .port raises on a non-numeric port
    except ValueError as exc:
        return f"{what} {uri!r} is malformed ({exc}); use {TRACKING_URI_FORMS}"
    scheme = parts.scheme.lower()
    engine, _, driver = scheme.partition("+")
    if re.search(r"\s", uri) and engine != "sqlite":  # a SQLite file may live under "My Projects"
        problem = "contains whitespace"
    elif scheme in ("http", "https"):
        problem = None if host else "has no host"
    elif engine in _DB_ENGINES and (not driver or re.fullmatch(r"[a-z0-9_]+", driver)) and "://" in uri:
        problem = "needs a database file" if engine == "sqlite" and parts.path in ("", "/") else None
    elif uri == "databricks" or (scheme == "databricks" and "://" in uri):
        problem = None
    else:
        problem = "is not a tracking store MLflow can use here"
    return None if problem is None else f"{what} {uri!r} {problem}; use {TRACKING_URI_FORMS}"


INPUT_FORMATS = ("auto", "csv", "jsonl", "parquet")


def input_uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be read as --input, or None: a local path, or s3://bucket/key."""
    if uri.startswith("s3://"):
        bucket, _, key = uri[5:].partition("/")
        problems = bucket_name_problems(bucket)
        if problems:
            return f"--input {uri!r}: bucket {bucket!r} " + "; ".join(problems)
        if not key or key.endswith("/"):
            return f"--input {uri!r} names no object: use s3://bucket/path/to/file.csv"
        return None
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", uri):
        return f"--input {uri!r}: only local paths and s3://bucket/key are supported"
    return None


def detect_git_commit(cwd: Path | None = None) -> str | None:
    """$GIT_COMMIT, else HEAD of the git checkout around `cwd`, else None (no git, no repository)."""
    env = os.environ.get("GIT_COMMIT", "").strip()
    if env:
        return env
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", sha) else None


@dataclass(frozen=True)
class Settings:
    """Every flag of `python -m pipeline`, resolved. Paths of the shared workspace hang off `workdir`."""

    workdir: Path = field(default_factory=lambda: Path(os.environ.get("PIPELINE_WORKDIR") or DEFAULT_WORKDIR))
    model_name: str = "bert-classifier"
    data_version: str = "v1.0"
    epochs: int = 3
    batch_size: int = 16
    dvc_s3_bucket: str = ""
    dvc_s3_region: str = "us-east-1"
    s3_endpoint_url: str = ""
    mlflow_tracking_uri: str = ""
    min_accuracy: float = 0.7
    environment: str = "dev"
    seed: int = 42
    git_commit: str | None = None
    alias: str = "candidate"
    run_id: str = ""
    learning_rate: float = 0.05
    # Your own data (data-prep): a local path or s3://bucket/key; empty = the built-in sample.
    input_uri: str = ""
    input_format: str = "auto"  # auto (from the extension), csv, jsonl or parquet
    text_column: str = "text"
    label_column: str = "label"
    max_input_mb: int = 100
    # Not a flag: `data pull` works in a scratch workdir that must still use the real workdir's local remote.
    local_remote_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "workdir", Path(self.workdir).expanduser().resolve())
        problems = self.problems()
        if problems:
            raise UsageError("; ".join(problems))

    def problems(self) -> list[str]:
        """Everything wrong with these settings; checked before any file is written or uploaded."""
        out: list[str] = []
        for value, what in ((self.model_name, "model name"), (self.data_version, "data version")):
            if problem := name_problem(value, what):
                out.append(problem)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", self.environment):
            out.append(f"environment {self.environment!r} must be lowercase letters, digits and '-'")
        if self.epochs < 1:
            out.append(f"epochs must be at least 1 (got {self.epochs})")
        if self.batch_size < 1:
            out.append(f"batch size must be at least 1 (got {self.batch_size})")
        if self.seed < 0:
            out.append(f"seed must be 0 or more (got {self.seed})")
        if not 0.0 < self.learning_rate <= 10.0:
            out.append(f"learning rate must be above 0 and at most 10 (got {self.learning_rate})")
        if self.input_uri and (problem := input_uri_problem(self.input_uri)):
            out.append(problem)
        if self.input_format not in INPUT_FORMATS:
            out.append(f"input format {self.input_format!r} must be one of {', '.join(INPUT_FORMATS)}")
        for value, what in ((self.text_column, "text column"), (self.label_column, "label column")):
            if not value.strip():
                out.append(f"{what} must not be empty")
        if self.text_column == self.label_column:
            out.append(f"text and label column are both {self.text_column!r}")
        if self.max_input_mb < 1:
            out.append(f"max input size must be at least 1 MB (got {self.max_input_mb})")
        if not 0.0 <= self.min_accuracy <= 1.0:
            out.append(f"min accuracy must be between 0 and 1 (got {self.min_accuracy})")
        if self.dvc_s3_bucket:
            out.extend(f"bucket {self.dvc_s3_bucket!r} {p}" for p in bucket_name_problems(self.dvc_s3_bucket))
        if not is_valid_region(self.dvc_s3_region):
            out.append(f"region {self.dvc_s3_region!r} is not an AWS region code (e.g. us-east-1)")
        if self.s3_endpoint_url and not re.match(r"https?://[^/\s]+", self.s3_endpoint_url):
            out.append(f"S3 endpoint URL {self.s3_endpoint_url!r} must start with http:// or https://")
        if problem := alias_problem(self.alias):
            out.append(problem)
        if self.mlflow_tracking_uri:
            source = "--mlflow-tracking-uri"
        else:
            source = "$MLFLOW_TRACKING_URI" if os.environ.get("MLFLOW_TRACKING_URI") else "the embedded tracking store"
        if problem := tracking_uri_problem(self.tracking_uri, what=source):
            out.append(problem)
        return out

    # --- tracking -----------------------------------------------------------------------------------------
    @property
    def tracking_uri(self) -> str:
        """--mlflow-tracking-uri, else $MLFLOW_TRACKING_URI, else a SQLite store inside the workdir."""
        return self.mlflow_tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.mlflow_db}"

    @property
    def embedded_tracking(self) -> bool:
        return self.tracking_uri.lower().startswith("sqlite:")

    @property
    def experiment_name(self) -> str:
        return self.model_name

    # --- workspace layout ---------------------------------------------------------------------------------
    @property
    def mlflow_db(self) -> Path:
        return self.workdir / "mlflow.db"

    @property
    def mlflow_artifacts(self) -> Path:
        return self.workdir / "mlartifacts"

    @property
    def local_remote(self) -> Path:
        return Path(self.local_remote_dir) if self.local_remote_dir else self.workdir / "dvc-remote"

    @property
    def raw_dir(self) -> Path:
        """The data version's original file, under the name it came with (data-prep)."""
        return self.workdir / "data" / "raw" / self.data_version

    @property
    def version_record(self) -> Path:
        """The data version's record as data-prep found or made it in the remote (data_versions.py)."""
        return self.workdir / "data" / "versions" / f"{self.data_version}.json"

    @property
    def train_csv(self) -> Path:
        """Training rows (text, label, row in the original file), written by data-prep."""
        return self.workdir / "data" / "split" / f"train_{self.data_version}.csv"

    @property
    def test_csv(self) -> Path:
        """Held-out rows, written by data-prep; only evaluate-model reads them."""
        return self.workdir / "data" / "split" / f"test_{self.data_version}.csv"

    @property
    def features_pkl(self) -> Path:
        """TF-IDF features of the training rows (feature-eng)."""
        return self.workdir / "data" / "processed" / f"train_features_{self.data_version}.pkl"

    @property
    def labels_pkl(self) -> Path:
        """Labels of the training rows (feature-eng)."""
        return self.workdir / "data" / "processed" / f"train_labels_{self.data_version}.pkl"

    @property
    def vectorizer_pkl(self) -> Path:
        """The TF-IDF vectorizer, fit on the training rows only (feature-eng)."""
        return self.workdir / "data" / "processed" / f"vectorizer_{self.data_version}.pkl"

    @property
    def outputs(self) -> Path:
        """Small files Argo reads as output parameters."""
        return self.workdir / "outputs"

    @property
    def metrics_json(self) -> Path:
        return self.workdir / "metrics.json"
