"""`python -m pipeline <step> [flags]`: one subcommand per step, plus `run` for all five in order.

Every step accepts the same common flags, so the Argo WorkflowTemplates can pass them uniformly.
Heavy libraries (sklearn, mlflow, dvc) are imported only when a step runs: `--help` and usage errors stay instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from pipeline import files
from pipeline.errors import PipelineError
from pipeline.s3 import bucket_name_problems, is_valid_region
from pipeline.settings import (
    DEFAULT_WORKDIR,
    INPUT_FORMATS,
    Settings,
    alias_problem,
    detect_git_commit,
    input_uri_problem,
    name_problem,
    tracking_uri_problem,
)

# Step name -> module. Each module imports only light things at the top, and has HELP and
# run(settings) -> a result dataclass with summary().
STEPS: dict[str, str] = {
    "data-prep": "pipeline.data_prep",
    "feature-eng": "pipeline.feature_eng",
    "train-model": "pipeline.train_model",
    "evaluate-model": "pipeline.evaluate_model",
    "register-model": "pipeline.register_model",
}
# Flags only some steps take, on top of the common ones.
RUN_ID_STEPS = ("evaluate-model", "register-model")


def _typed(check: Callable[[str], str | None], convert: Callable[[str], Any] = str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        problem = check(text)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return convert(text)

    return parse


def _whole_number(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more (got {value})")
        return value

    return parse


positive_int = _whole_number(1)
non_negative_int = _whole_number(0)


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (got {text})")
    return value


def learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 < value <= 10.0:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 10 (got {text})")
    return value


def input_uri(text: str) -> str:
    problem = input_uri_problem(text) if text else None
    if problem:
        raise argparse.ArgumentTypeError(problem.removeprefix("--input "))
    return text


def column(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def bucket(text: str) -> str:
    problems = bucket_name_problems(text) if text else []
    if problems:
        raise argparse.ArgumentTypeError(f"invalid S3 bucket name {text!r}: " + "; ".join(problems))
    return text


def region(text: str) -> str:
    if not is_valid_region(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS region code (e.g. us-east-1, eu-west-1)")
    return text


def endpoint_url(text: str) -> str:
    if text and not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{text!r} must start with http:// or https://")
    return text


def remote_flags(group: Any) -> None:
    """Where the workdir and the DVC remote are: every step, and `data list|pull`."""
    add = group.add_argument
    add(
        "--workdir",
        default=os.environ.get("PIPELINE_WORKDIR") or DEFAULT_WORKDIR,
        metavar="DIR",
        help="shared workspace (default $PIPELINE_WORKDIR, else ./.pipeline)",
    )
    add(
        "--dvc-s3-bucket",
        default="",
        type=bucket,
        metavar="NAME",
        help="S3 bucket of the DVC remote (default: a local remote in the workdir)",
    )
    add(
        "--dvc-s3-region",
        default="us-east-1",
        type=region,
        metavar="REGION",
        help="AWS region of the bucket (default %(default)s)",
    )
    add(
        "--s3-endpoint-url",
        default="",
        type=endpoint_url,
        metavar="URL",
        help="S3-compatible endpoint, e.g. MinIO (default: AWS)",
    )


def common_flags() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("common flags (every step)")
    remote_flags(g)
    add = g.add_argument
    add(
        "--model-name",
        default="bert-classifier",
        metavar="NAME",
        type=_typed(lambda v: name_problem(v, "model name")),
        help="registered model and experiment name (default %(default)s)",
    )
    add(
        "--data-version",
        default="v1.0",
        metavar="V",
        type=_typed(lambda v: name_problem(v, "data version")),
        help="immutable: made by the first run that names it, reused later (default %(default)s)",
    )
    add(
        "--input",
        default="",
        type=input_uri,
        metavar="URI",
        help="your data, a path or s3://bucket/key (default: the existing version, else the sample)",
    )
    add(
        "--input-format",
        default="auto",
        choices=INPUT_FORMATS,
        metavar="FMT",
        help="csv, jsonl or parquet (default auto: by the extension)",
    )
    add(
        "--text-column", default="text", type=column, metavar="COL", help="text column of --input (default %(default)s)"
    )
    add(
        "--label-column",
        default="label",
        type=column,
        metavar="COL",
        help="label column of --input, whole numbers (default %(default)s)",
    )
    add(
        "--max-input-mb",
        default=100,
        type=positive_int,
        metavar="MB",
        help="refuse a larger --input (default %(default)s)",
    )
    add(
        "--epochs",
        default=3,
        type=positive_int,
        metavar="N",
        help="passes over the training rows, 1 or more (default %(default)s)",
    )
    add(
        "--batch-size",
        default=16,
        type=positive_int,
        metavar="N",
        help="rows per gradient update, 1 or more (default %(default)s)",
    )
    add(
        "--learning-rate",
        default=0.05,
        type=learning_rate,
        metavar="LR",
        help="Adam step size, 0..10 (default %(default)s)",
    )
    add(
        "--mlflow-tracking-uri",
        default=None,
        metavar="URI",
        type=_typed(lambda v: tracking_uri_problem(v) if v else None),
        help="MLflow tracking URI (default $MLFLOW_TRACKING_URI, else SQLite in the workdir)",
    )
    add("--min-accuracy", default=0.7, type=fraction, metavar="X", help="evaluation gate, 0..1 (default %(default)s)")
    add(
        "--environment",
        default="dev",
        metavar="ENV",
        help="environment tag on the run and model version (default %(default)s)",
    )
    add(
        "--seed",
        default=42,
        type=non_negative_int,
        metavar="N",
        help="seed of a new version's sample and split, and of training (default %(default)s)",
    )
    add("--git-commit", default=None, metavar="SHA", help="commit tag (default $GIT_COMMIT, else detected from git)")
    add(
        "--alias",
        default="candidate",
        metavar="NAME",
        type=_typed(alias_problem),
        help="alias for the new version (default %(default)s)",
    )
    return p


class Parser(argparse.ArgumentParser):
    """Usage errors in one line that points at --help, exit 2 (argparse would print its usage block first).

    Step parsers are made with this class too, so each reports its own errors under its own name.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:  # reported by the subcommand they were given to, so its --help is the one pointed at
            self._chosen(parsed).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def _chosen(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and getattr(parsed, action.dest, None) in action.choices:
                return action.choices[getattr(parsed, action.dest)]._chosen(parsed)
        return self


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, max_help_position=32)  # one line per flag: --help fits a screen


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m pipeline",
        formatter_class=_formatter,
        description="The ML pipeline steps. By default they run locally: MLflow on SQLite, DVC on a local remote.",
        epilog="Exit codes: 0 ok, 1 step failed (e.g. the accuracy gate), 2 usage or bad input.",
    )
    sub = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    common = common_flags()
    helps = {name: importlib.import_module(module).HELP for name, module in STEPS.items()}
    helps["run"] = "all five steps in order, stopping at the first failure"
    for name, help_text in helps.items():
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text, formatter_class=_formatter)
        if name in RUN_ID_STEPS:
            p.add_argument("--run-id", default="", help="MLflow run to use (default: <workdir>/outputs/run-id)")
    data = sub.add_parser("data", help="list the data versions in the remote, or pull one", description=DATA_HELP)
    data_sub = data.add_subparsers(dest="data_command", metavar="COMMAND", required=True)
    listing = data_sub.add_parser(
        "list", help="the data versions in the remote, oldest first", formatter_class=_formatter
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per version instead of a table")
    pull = data_sub.add_parser(
        "pull", help="a data version's original file, byte for byte, into a folder", formatter_class=_formatter
    )
    pull.add_argument("version", type=_typed(lambda v: name_problem(v, "data version")), help="e.g. v2.0")
    pull.add_argument(
        "--output", required=True, metavar="DIR", help="folder to write the file into (created if missing)"
    )
    pull.add_argument("--split", action="store_true", help="also the training and test rows (train_*.csv, test_*.csv)")
    for p in (listing, pull):
        remote_flags(p.add_argument_group("where the remote is"))
    return parser


DATA_HELP = (
    "Data versions live in the environment's DVC remote (versions/<version>.json next to DVC's files/md5/). "
    "`data list` shows them; `data pull VERSION --output DIR` writes the original file back, as it was first "
    "versioned. Point at the remote with the same flags the steps take (default: the local remote in the workdir)."
)


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings(
        workdir=args.workdir,
        model_name=args.model_name,
        data_version=args.data_version,
        epochs=args.epochs,
        batch_size=args.batch_size,
        dvc_s3_bucket=args.dvc_s3_bucket,
        dvc_s3_region=args.dvc_s3_region,
        s3_endpoint_url=args.s3_endpoint_url,
        mlflow_tracking_uri=args.mlflow_tracking_uri or "",
        min_accuracy=args.min_accuracy,
        environment=args.environment,
        seed=args.seed,
        git_commit=args.git_commit or detect_git_commit(),
        alias=args.alias,
        run_id=getattr(args, "run_id", ""),
        learning_rate=args.learning_rate,
        input_uri=args.input,
        input_format=args.input_format,
        text_column=args.text_column,
        label_column=args.label_column,
        max_input_mb=args.max_input_mb,
    )


def remote_settings_from_args(args: argparse.Namespace) -> Settings:
    """For `data list|pull`: only the workdir and the remote matter."""
    return Settings(
        workdir=args.workdir,
        dvc_s3_bucket=args.dvc_s3_bucket,
        dvc_s3_region=args.dvc_s3_region,
        s3_endpoint_url=args.s3_endpoint_url,
        data_version=getattr(args, "version", "v1.0"),
        mlflow_tracking_uri="sqlite:///unused.db",  # never opened; keeps $MLFLOW_TRACKING_URI out of it
    )


def check_workdir(settings: Settings) -> None:
    """The workdir, and what is already in it, can be written: refused in well under a second if not."""
    w = settings.workdir
    existing = [w / "outputs", w / "data", w / "data" / "raw", settings.raw_dir, settings.train_csv.parent]
    existing += [settings.features_pkl.parent, settings.version_record.parent, w / ".dvc", w / ".dvc" / "cache"]
    if settings.embedded_tracking:
        existing += [settings.mlflow_artifacts, settings.mlflow_db]
    files.ensure_writable(w, *existing)


def run_step(name: str, settings: Settings) -> Any:
    module = importlib.import_module(STEPS[name])
    started = time.perf_counter()
    result = module.run(settings)
    print(f"{name}: {result.summary()} [{time.perf_counter() - started:.1f} s]", flush=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors exit 2 here, before anything is written
    step = args.step
    try:
        if step == "data":
            step = f"data {args.data_command}"
            from pipeline import data_commands

            print(data_commands.main(args, remote_settings_from_args(args)), flush=True)
            return 0
        settings = settings_from_args(args)
        check_workdir(settings)
        if step == "run":
            from pipeline.tracking import probe

            probe(settings.tracking_uri)  # an unreachable server is refused before data is versioned
        for name in STEPS if step == "run" else [step]:
            step = name
            result = run_step(name, settings)
        if step == "register-model":
            print(result.where(), flush=True)  # where the model went, and how to load it
    except PipelineError as exc:
        print(f"pipeline {step}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"pipeline {step}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as exc:  # most often: run outside the project's venv, in a new shell
        print(
            f"pipeline {step}: error: the Python package {exc.name!r} is not installed for {sys.executable}; "
            "activate the project's venv first (`. .venv/bin/activate`), or install the project: "
            "pip install -c constraints.txt -e '.[pipeline]'",
            file=sys.stderr,
        )
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: a message, never a traceback
        if os.environ.get("PIPELINE_DEBUG"):
            raise
        print(
            f"pipeline {step}: error: {type(exc).__name__}: {exc} (set PIPELINE_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 1
    return 0
