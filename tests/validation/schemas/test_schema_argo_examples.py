"""Argo's own examples, at the release tag they come from, pass the schemas vendored for that release.

fixtures/argo-examples/<tag>/ holds the few examples (SOURCE.md records where each came from) that exercise what
the vendored schemas adjust or add: IntOrString numbers, 4.1's podResources/resourceClaims/executorPlugins,
WorkflowEventBinding, 3.x spellings and the memoization cache. The whole examples/ directory at each vendored tag
is checked by `python -m validation.schemas.vendor.regenerate argo-workflows GIT_DIR --tag T --verify-examples`
(docs/schemas.md lists the result).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validation.config import Config
from validation.schema_check import SchemaChecker

EXAMPLES = Path(__file__).parent / "fixtures" / "argo-examples"
# Examples Argo itself fixed in a later release: the finding is true for the tag they come from.
FIXED_UPSTREAM = {
    # `overwrite` was never an Artifact field; the example dropped it in 3.7
    ("v3.6.19", "webhdfs-input-output-artifacts.yaml"): ["spec.templates[0].outputs.artifacts[0].overwrite: unknown field"],
    # AnyString drops a list silently (the parameter becomes ""); the example says "[]" since 4.0 (argo-workflows#15009)
    ("v3.7.18", "workflow-event-binding/github-path-filter-workflowtemplate.yaml"): [
        "spec.arguments.parameters[0].value: expected boolean or number or string, got array"
    ],
}
CASES = sorted((p.parent.relative_to(EXAMPLES).parts[0], str(p.relative_to(EXAMPLES / p.relative_to(EXAMPLES).parts[0])))
               for p in EXAMPLES.glob("v*/**/*.yaml"))


def _line(tag: str) -> str:
    return ".".join(tag.lstrip("v").split(".")[:2])


def _messages(tag: str, path: str, version: str | None = None) -> list[str]:
    checker = SchemaChecker("1.37", Config(argo_version=version or _line(tag)))
    docs = yaml.safe_load_all((EXAMPLES / tag / path).read_text(encoding="utf-8"))
    return [i.message for doc in docs if doc for i in checker.check(doc)]


def test_examples_cover_every_vendored_release() -> None:
    from validation.schemas import argo

    assert {_line(tag) for tag, _ in CASES} == {r.line for r in argo.releases()}
    assert len(CASES) >= 20


@pytest.mark.parametrize("tag, path", CASES, ids=[f"{t}/{p}" for t, p in CASES])
def test_argo_example_has_no_schema_findings_for_its_release(tag: str, path: str) -> None:
    assert _messages(tag, path) == FIXED_UPSTREAM.get((tag, path), [])


@pytest.mark.parametrize("path", ["pod-resources.yaml", "resource-claims.yaml", "workflow-level-executor-plugin.yaml"])
def test_argo_41_examples_are_refused_by_the_40_schema(path: str) -> None:
    messages = _messages("v4.1.2", path, version="4.0")
    assert messages and all("unknown field" in m for m in messages)


def test_argo_36_spellings_are_refused_by_the_41_schema() -> None:
    assert sorted(_messages("v3.6.19", "cron-workflow.yaml", version="4.1")) == [
        "spec.schedule: unknown field (did you mean schedules? it is required); Argo Workflows 3.7 has it, 4.1 does "
        "not: --argo-version 3.7 checks against 3.7",
    ]
