"""No false positives on real manifests: the rules issue 11 added stay silent on Argo's own examples (as vendored
under tests/validation/schemas/fixtures/argo-examples) and on the valid corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rules_helpers import context, rendered, run_rule

from validation.config import Config

HERE = Path(__file__).parent
EXAMPLES = HERE.parent / "schemas" / "fixtures" / "argo-examples"
CORPUS = HERE / "corpus"
# POD-CLI-ARGS is not here: it checks only the commands a repository configures for its own CLIs (this repository's
# steps are its real-input test: tests/gate/test_planted_mistakes.py and the tree passing `check`).
NEW_RULES = ("POD-VOLUME-UNDECLARED", "POD-ENV-KEY-MISSING", "ARGO-PARAMETER-NO-VALUE")
# The variable rules too: custom-metrics.yaml reads {{status}}, {{duration}} and outputs in metrics at both levels.
VAR_RULES = ("ARGO-VAR-UNDECLARED", "ARGO-VAR-WORKFLOW-PARAMETER", "ARGO-VAR-OUTPUT-REF", "ARGO-VAR-ITEM-OUTSIDE-LOOP",
             "ARGO-VAR-UNKNOWN", "ARGO-VAR-UNKNOWN-PREFIX")


def _sources() -> list[Path]:
    return sorted(EXAMPLES.glob("*/**/*.yaml")) + sorted(CORPUS.glob("*.yaml"))


def test_there_is_something_to_check():
    assert len(_sources()) >= 20


@pytest.mark.parametrize("rule_id", NEW_RULES + VAR_RULES)
def test_silent_on_argos_examples_and_the_corpus(rule_id: str) -> None:
    hits = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if not [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]:
            continue
        rt = rendered(text, path.stem, environment="dev")
        hits += [(path.name, h) for h in run_rule(rule_id, context(rt, config=Config(root=HERE)))]
    assert hits == [], "\n".join(f"{name}: {h.ref} {h.path}: {h.message}" for name, h in hits)
