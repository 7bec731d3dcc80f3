"""A rule may grade its findings: ARGO-ARGUMENT-UNKNOWN is an error for a misspelt input and a warning for an argument
that is only dead (Argo drops both without a word). The config's severity for the rule still decides for all."""

from __future__ import annotations

from pathlib import Path

from validation import config, engine
from validation.model import Severity

from .helpers import write

WORKFLOW = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: train, namespace: ml-dev}
    spec:
      entrypoint: main
      templates:
        - name: main
          steps:
            - - name: typo
                template: train
                arguments: {parameters: [{name: epoch, value: "5"}]}
            - - name: extra
                template: train
                arguments: {parameters: [{name: epochs, value: "5"}, {name: debug, value: "true"}]}
        - name: train
          inputs:
            parameters: [{name: epochs, default: "3"}]
          container: {image: "python:3.11.9-slim", command: [python, -c, "print('{{inputs.parameters.epochs}}')"]}
    """


def _unknown(root: Path) -> list[tuple[Severity, str]]:
    result = engine.run(config.load(root), paths=[root / "workflow.yaml"], select=["ARGO-ARGUMENT-UNKNOWN"])
    return [(f.severity, f.message) for f in result.findings]


def test_a_misspelt_input_is_an_error_and_a_dead_argument_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "workflow.yaml": WORKFLOW})
    assert _unknown(tmp_path) == [
        (Severity.ERROR, "step 'typo' passes parameter 'epoch', but 'train' has no such input (did you mean "
                         "'epochs'?)"),
        (Severity.WARNING, "step 'extra' passes parameter 'debug', but 'train' has no such input (inputs: epochs); "
                           "Argo drops it without a word"),
    ]


def test_the_configured_severity_decides_for_every_finding_of_the_rule(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.validation]\nseverity = { ARGO-ARGUMENT-UNKNOWN = "error" }\n',
                     "workflow.yaml": WORKFLOW})
    assert [s for s, _ in _unknown(tmp_path)] == [Severity.ERROR, Severity.ERROR]
