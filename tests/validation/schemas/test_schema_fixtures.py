"""Every valid fixture passes untouched; every invalid fixture yields exactly the issues its `# expect:` lines list."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from validation.schema_check import SchemaChecker

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) if d is not None]


def test_fixture_sets_are_broad() -> None:
    kinds = {d["kind"] for p in VALID for d in _docs(p)}
    assert {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"} <= kinds
    assert {"Application", "AppProject", "ApplicationSet", "Deployment", "Service"} <= kinds
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_has_no_issues(checker: SchemaChecker, path: Path) -> None:
    for doc in _docs(path):
        assert checker.check(doc) == [], f"{path.name}: {doc['kind']} {doc['metadata']}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_fires_with_expected_messages(checker: SchemaChecker, path: Path) -> None:
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
