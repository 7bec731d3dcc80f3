"""Shared assertions: a rule's `fires*` fixtures produce its finding (at the stated path), `passes*` ones do not."""

from __future__ import annotations

from pathlib import Path

from rules_helpers import fixture_context, fixtures_for, load_fixture, run_rule

from validation.rules import all_rules


def family_rules(prefix: str) -> list[str]:
    return [r.id for r in all_rules() if r.check is not None and r.id.startswith(prefix + "-")]


def assert_fixture(path: Path) -> None:
    fx = load_fixture(path)
    hits = run_rule(fx.rule_id, fixture_context(fx))
    if not fx.fires:
        assert hits == [], f"{path.name}: {fx.rule_id} fired: {hits}"
        return
    assert hits, f"{path.parent.name}/{path.name}: {fx.rule_id} did not fire"
    if fx.expect_path is not None:
        assert fx.expect_path in [h.path for h in hits], f"paths: {[h.path for h in hits]}"
    if fx.expect_message is not None:
        wanted = fx.expect_message.strip("'")
        assert any(wanted in h.message for h in hits), f"messages: {[h.message for h in hits]}"


def assert_complete(prefix: str) -> None:
    """Every rule of the family has at least one fixture where it fires and one where it does not."""
    paths = fixtures_for(prefix)
    for rule_id in family_rules(prefix):
        names = [p.name for p in paths if p.parent.name == rule_id]
        assert any(n.startswith("fires") for n in names), f"{rule_id}: no fires fixture"
        assert any(n.startswith("passes") for n in names), f"{rule_id}: no passes fixture"
