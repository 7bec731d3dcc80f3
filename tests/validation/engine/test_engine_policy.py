"""Policy rules (a repository's own way of working) run only where [tool.validation] policy turns them on."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import config, engine
from validation.cli import UsageError
from validation.rules import all_rules

from .helpers import write

# No labels, and a literal password: ENV-LABELS is this repository's policy, ENV-CREDENTIALS a mistake anywhere.
DEPLOYMENT = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: db
    spec:
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          containers:
            - name: db
              image: mysql:8.4.2
              env:
                - {name: MYSQL_ROOT_PASSWORD, value: hunter2hunter2}
    """


def _rules(root: Path, table: str) -> set[str]:
    write(root, {"pyproject.toml": f"[tool.validation]\n{table}\n", "deploy/db.yaml": DEPLOYMENT})
    return {f.rule_id for f in engine.run(config.load(root), paths=[root / "deploy"]).findings}


def test_policy_rules_stay_off_in_a_tree_that_does_not_turn_them_on(tmp_path: Path) -> None:
    found = _rules(tmp_path, "")
    assert "ENV-CREDENTIALS" in found
    assert not {r for r in found if r.startswith("ENV-") and r != "ENV-CREDENTIALS"}


def test_policy_names_the_rules_a_repository_turns_on(tmp_path: Path) -> None:
    assert {"ENV-LABELS", "ENV-CREDENTIALS"} <= _rules(tmp_path, 'policy = ["ENV-LABELS"]')


def test_select_narrows_but_does_not_turn_a_policy_rule_on(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.validation]\n", "deploy/db.yaml": DEPLOYMENT})
    result = engine.run(config.load(tmp_path), paths=[tmp_path / "deploy"], select=["ENV"])
    assert {f.rule_id for f in result.findings} == {"ENV-CREDENTIALS"}


def test_policy_naming_no_policy_rule_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.validation]\npolicy = ["ARGO-IMAGE-TAG"]\n', "deploy/db.yaml": DEPLOYMENT})
    with pytest.raises(UsageError, match="names no policy rule"):
        engine.run(config.load(tmp_path), paths=[tmp_path / "deploy"])


def test_the_environment_rules_are_policy_except_credentials() -> None:
    env = {r.id: r.policy for r in all_rules() if r.family == "env"}
    assert {"ENV-LABELS", "ENV-BUCKET-NAME", "ENV-REGION", "ENV-BUCKET-SHARED", "ENV-BUCKET-INCONSISTENT"} <= set(env)
    assert env.pop("ENV-CREDENTIALS") is False
    assert all(env.values()), [rid for rid, policy in env.items() if not policy]
