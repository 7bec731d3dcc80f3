"""The registry: `python -m validation rules`, docs/rules.md kept current, rule metadata complete."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
import yaml

from validation import rules_doc
from validation.cli import UsageError
from validation.commands import rules as rules_cmd
from validation.model import Manifest, RenderedTarget, Target
from validation.rules import SUPPRESS_PREFIX, all_rules, get

ROOT = Path(__file__).resolve().parents[3]
MY_FAMILIES = {"argo", "rbac", "argocd", "env"}


def run_cmd(argv: list[str], capsys) -> str:
    parser = argparse.ArgumentParser()
    rules_cmd.configure(parser)
    assert rules_cmd.run(parser.parse_args(argv)) == 0
    return capsys.readouterr().out


def test_docs_rules_md_is_current():
    """Regenerate with: python -m validation rules --format markdown > docs/rules.md"""
    doc = ROOT / "docs" / "rules.md"
    assert doc.is_file(), "docs/rules.md is missing"
    assert doc.read_text(encoding="utf-8") == rules_doc.render_markdown(), (
        "docs/rules.md is stale: python -m validation rules --format markdown > docs/rules.md")


def test_the_rule_index_is_current():
    """The engine chooses rules from validation/rules/index.py; regenerate with: python -m validation.rules.regen"""
    from validation.rules import regen

    assert regen.OUT.read_text(encoding="utf-8") == regen.render(), (
        "validation/rules/index.py is stale: python -m validation.rules.regen")


def test_every_check_is_a_plain_function_of_the_module_the_index_names():
    """A check that a decorator or a factory makes is one mutation testing cannot reach (mutmut mutates plain
    module-level defs): each rule's check is its module's own top-level function, under its own name."""
    import sys

    from validation.rules import MODULE, catalog, load

    checked = [r.id for r in catalog() if r.has_check]
    assert len(checked) > 40
    for rule in load(checked):
        module = sys.modules[MODULE[rule.id]]
        assert MODULE[rule.id] == rule.check.__module__, rule.id
        assert getattr(module, rule.check.__name__) is rule.check, rule.id
        assert "<locals>" not in rule.check.__qualname__, rule.id


def test_the_index_holds_what_the_rules_declare():
    from validation.rules import catalog

    by_id = {r.id: r for r in all_rules()}
    assert [i.id for i in catalog()] == sorted(by_id)
    for i in catalog():
        r = by_id[i.id]
        assert (i.family, i.severity, i.scope, i.policy, i.closed_world, i.has_check) == (
            r.family, r.severity, r.scope, r.policy, r.closed_world, r.check is not None), i.id


def test_every_rule_is_documented_with_examples():
    for rule in all_rules():
        assert re.fullmatch(r"[A-Z]+(-[A-Z0-9]+)+", rule.id), rule.id
        assert rule.summary and rule.remediation and rule.name, rule.id
        if rule.family in MY_FAMILIES:
            assert rule.check is not None and rule.passing and rule.failing, rule.id
            assert rule.id.split("-")[0] == {"argo": "ARGO", "rbac": "RBAC", "argocd": "ARGOCD", "env": "ENV"}[rule.family]


SUPPRESSION_ID = re.compile(re.escape(SUPPRESS_PREFIX) + r"([A-Za-z0-9-]+)")


def test_suppressions_in_examples_and_docs_name_registered_rules():
    """A documented example that suppresses a non-existent rule teaches a suppression that suppresses nothing."""
    known = {r.id for r in all_rules()}
    texts = [("docs header", rules_doc.HEADER.replace("<RULE-ID>", ""))]
    for rule in all_rules():
        texts.append((f"{rule.id} passing", rule.passing))
        if rule.id != "SUPPRESS-UNKNOWN-RULE":  # its failing example names an unknown rule on purpose
            texts.append((f"{rule.id} failing", rule.failing))
    unknown = [(where, rid) for where, text in texts for rid in SUPPRESSION_ID.findall(text) if rid.upper() not in known]
    assert unknown == []
    assert all(rid not in known for rid in SUPPRESSION_ID.findall(get("SUPPRESS-UNKNOWN-RULE").failing))


def _suppress_findings(snippet: str) -> list[str]:
    """The engine's suppression stage on one object whose metadata is the example snippet."""
    from validation.engine import _suppress

    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate", **yaml.safe_load(snippet)}
    obj["metadata"].setdefault("name", "example")
    rt = RenderedTarget(target=Target(name="dev", kind="overlay", path=ROOT), manifests=[Manifest(obj, "dev", 0)])
    return [p.rule_id for p in _suppress([], [rt])]


@pytest.mark.parametrize("rule_id", [r.id for r in all_rules() if r.family == "suppress"])
def test_suppress_examples_do_what_they_say(rule_id):
    rule = get(rule_id)
    assert _suppress_findings(rule.passing) == []
    assert rule_id in _suppress_findings(rule.failing)


def test_text_lists_every_rule(capsys):
    out = run_cmd([], capsys)
    for rule in all_rules():
        assert re.search(rf"^{re.escape(rule.id)}\s+{rule.severity}\s", out, re.M), rule.id
    assert out.rstrip().endswith(f"{len(all_rules())} rules")


def test_json_format_round_trips(capsys):
    data = json.loads(run_cmd(["--format", "json"], capsys))
    ids = [r["id"] for r in data["rules"]]
    assert ids == [r.id for r in all_rules()]
    dag = next(r for r in data["rules"] if r["id"] == "ARGO-DAG-CYCLE")
    assert dag["severity"] == "error" and "Workflow" in dag["scope"] and dag["failing"]


def test_select_by_prefix(capsys):
    out = run_cmd(["--format", "json", "--select", "rbac"], capsys)
    ids = [r["id"] for r in json.loads(out)["rules"]]
    assert ids and all(i.startswith("RBAC-") for i in ids)


def test_select_matching_nothing_is_a_usage_error():
    parser = argparse.ArgumentParser()
    rules_cmd.configure(parser)
    with pytest.raises(UsageError):
        rules_cmd.run(parser.parse_args(["--select", "NOPE"]))


def test_markdown_has_a_section_per_rule():
    md = rules_doc.render_markdown()
    for rule in all_rules():
        assert f"\n### {rule.id}\n" in md


def test_the_cli_lists_rules_and_rejects_bad_formats():
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "validation", "rules", "--select", "ARGO-DAG"], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "ARGO-DAG-CYCLE" in ok.stdout and "RBAC-" not in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "validation", "rules", "--format", "xml"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_closed_world_rules_are_marked_and_proven_silent_in_an_open_world():
    """A rule marked closed-world is documented as silent where the world is open; its `passes-open-world` fixture
    proves it (and a rule with such a fixture is marked, so docs/rules.md says so)."""
    fixtures = ROOT / "tests" / "validation" / "rules" / "fixtures"
    proven = {p.parent.name for p in fixtures.glob("*/passes-open-world*.yaml")}
    marked = {r.id for r in all_rules() if r.closed_world}
    assert marked == proven
    assert {"ARGO-DANGLING-REFERENCE", "RBAC-EXECUTOR-PERMISSIONS", "ARGO-SERVICE-ACCOUNT-MISSING",
            "RBAC-BINDING-SUBJECT-MISSING", "ARGO-TEMPLATEREF-UNRESOLVED", "ARGOCD-PROJECT-MISSING"} <= marked
