"""Every valid fixture passes untouched; every invalid fixture yields exactly the issues its `# expect:` lines list.

A fixture is checked with the newest vendored Argo release unless a `# argo-version: X.Y` line names another."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validation.config import Config
from validation.schema_check import SchemaChecker

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


_CHECKERS: dict[str | None, SchemaChecker] = {}


def _checker_for(path: Path) -> SchemaChecker:
    version = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# argo-version: "):
            version = line.split(":", 1)[1].strip()
    if version not in _CHECKERS:
        _CHECKERS[version] = SchemaChecker("1.37", Config(argo_version=version) if version else None)
    return _CHECKERS[version]


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d is not None]


def test_fixture_sets_are_broad() -> None:
    kinds = {d["kind"] for p in VALID for d in _docs(p)}
    assert {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"} <= kinds
    assert {"Application", "AppProject", "ApplicationSet", "Deployment", "Service"} <= kinds
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_has_no_issues(path: Path) -> None:
    checker = _checker_for(path)
    for doc in _docs(path):
        assert checker.check(doc) == [], f"{path.name}: {doc['kind']} {doc['metadata']}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_fires_with_expected_messages(path: Path) -> None:
    checker = _checker_for(path)
    text = path.read_text(encoding="utf-8")
    expected = set()
    for line in text.splitlines():
        if line.startswith("# expect: "):
            rule_id, message = line[len("# expect: "):].split(" | ", 1)
            expected.add((rule_id, message))
    assert expected, f"{path.name} declares no expectations"
    (doc,) = _docs(path)
    got = {(i.rule_id, i.message) for i in checker.check(doc)}
    assert got == expected
