"""Every step command in every template is one the pipeline's own argument parser accepts, flag by flag."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from typing import Any

import pytest

from .conftest import STEPS, TEMPLATES, one, parameters, template

PLACEHOLDER = re.compile(r"\{\{\s*(workflow|inputs)\.parameters\.([A-Za-z0-9_-]+)\s*\}\}")
# An upstream task's output is only known at run time; a stand-in value still goes through the CLI's parser.
TASK_OUTPUT = re.compile(r"\{\{\s*tasks\.([A-Za-z0-9_-]+)\.outputs\.parameters\.([A-Za-z0-9_-]+)\s*\}\}")
# Templates that do not run the pipeline CLI: the DAG itself, the pip install and the git checkout.
NOT_CLI = {"pipeline", "install-deps", "fetch-code"}


def _parser() -> argparse.ArgumentParser:
    from pipeline.cli import build_parser

    return build_parser()


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("pipeline.cli.build_parser() has no subcommands")


def _resolve(value: str, workflow: dict[str, str], inputs: dict[str, str]) -> str:
    """Substitute Argo parameters the way the controller would (task arguments may name workflow parameters)."""
    for _ in range(3):
        value = PLACEHOLDER.sub(lambda m: (workflow if m.group(1) == "workflow" else inputs)[m.group(2)], value)
    return value


def cli_problems(parser: argparse.ArgumentParser, command: list[str], args: list[str]) -> list[str]:
    """What is wrong with running `command + args` against the pipeline CLI; empty when it parses."""
    if command[:3] != ["python", "-m", "pipeline"] or len(command) != 4:
        return [f"command {command} is not `python -m pipeline <step>`"]
    step = command[3]
    subcommands = _subcommands(parser)
    if step not in subcommands:
        return [f"no step {step!r} in the pipeline CLI (has {sorted(subcommands)})"]
    known = subcommands[step]._option_string_actions
    problems = []
    for arg in args:
        if arg.startswith("-"):
            flag = arg.split("=", 1)[0]
            if flag not in known:  # exact: argparse would also accept an abbreviation of a renamed flag
                problems.append(f"{step}: flag {flag} is not one of the step's options")
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parser.parse_args([step, *args])
    except SystemExit as exc:
        if exc.code:
            problems.append(f"{step}: the parser rejects {args}: {stderr.getvalue().strip()}")
    return problems


def _step_invocations(wft: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(template name, command, resolved args) for each DAG task whose template runs a container."""
    workflow = parameters(wft)
    entry = template(wft, wft["spec"]["entrypoint"])
    out = []
    for task in entry["dag"]["tasks"]:
        tmpl = template(wft, task["template"])
        inputs = {
            p["name"]: TASK_OUTPUT.sub(r"output-\2-of-\1", p.get("value", ""))
            for p in task.get("arguments", {}).get("parameters", [])
        }
        container = tmpl["container"]
        args = [_resolve(a, workflow, inputs) for a in container.get("args", [])]
        out.append((tmpl["name"], container["command"], args))
    return out


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_step_runs_a_step_of_the_pipeline_cli_with_flags_it_accepts(
    env: str, objects: list[dict[str, Any]], name: str
) -> None:
    parser = _parser()
    wft = one(objects, "WorkflowTemplate", name)
    ran = []
    for tmpl_name, command, args in _step_invocations(wft):
        if tmpl_name in NOT_CLI:
            assert command[:3] != ["python", "-m", "pipeline"]
            continue
        assert not any("{{" in a for a in args), f"{tmpl_name}: unresolved parameter in {args}"
        assert cli_problems(parser, command, args) == [], tmpl_name
        assert command[3] == tmpl_name
        ran.append(tmpl_name)
    assert ran == list(STEPS)


def test_a_renamed_or_unknown_flag_is_caught(objects: list[dict[str, Any]]) -> None:
    parser = _parser()
    wft = one(objects, "WorkflowTemplate", "ml-pipeline")
    _, command, args = next(i for i in _step_invocations(wft) if i[0] == "train-model")
    assert cli_problems(parser, command, args) == []
    renamed = [a.replace("--epochs=", "--epoch=") for a in args]  # an abbreviation argparse itself accepts
    assert renamed != args and cli_problems(parser, command, renamed)
    unknown = [*args, "--momentum=0.9"]
    assert cli_problems(parser, command, unknown)
    assert cli_problems(parser, [*command[:3], "train"], args)


def test_the_steps_pass_every_contract_flag(objects: list[dict[str, Any]]) -> None:
    wft = one(objects, "WorkflowTemplate", "ml-pipeline")
    contract = {
        "--workdir",
        "--model-name",
        "--data-version",
        "--epochs",
        "--batch-size",
        "--dvc-s3-bucket",
        "--dvc-s3-region",
        "--s3-endpoint-url",
        "--mlflow-tracking-uri",
        "--min-accuracy",
        "--environment",
        "--git-commit",
        "--seed",
        "--learning-rate",
        "--input",
        "--input-format",
        "--text-column",
        "--label-column",
    }
    for step in STEPS:
        flags = {a.split("=", 1)[0] for a in template(wft, step)["container"]["args"]}
        assert flags == contract, step
