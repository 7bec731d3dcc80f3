"""The one registry of rules.

A rule module declares each rule with register(Rule(...)) after its check function, which stays a plain def so that
mutation testing reaches it. index.py, generated from those modules (`python -m validation.rules.regen`), says which
module declares each rule and what choosing rules needs (family, severity, scope, policy): a run imports only the
rule modules its selection and its objects' kinds call for, and `--select schema` none.
"""

from __future__ import annotations

import sys

from validation.model import Severity
from validation.records import record
from validation.rules.base import SUPPRESS_PREFIX, Check, Context, Problem, Rule
from validation.rules.index import RULES as _INDEX

REGISTRY: dict[str, Rule] = {}  # the rules whose modules are imported (and any a test registers)
MODULE: dict[str, str] = {}  # rule ID -> the module that declared it, for the index


class UnknownRuleError(KeyError):
    pass


@record
class RuleInfo:
    """What choosing a rule needs, without importing its module."""

    id: str
    family: str
    severity: Severity
    scope: tuple[str, ...]  # () means every kind
    policy: bool
    closed_world: bool
    has_check: bool  # False: the engine itself emits the rule's findings
    module: str | None

    def applies_to_any(self, kinds: set[str]) -> bool:
        return not self.scope or not kinds.isdisjoint(self.scope)


def register(rule: Rule) -> Rule:
    if rule.id in REGISTRY:
        raise ValueError(f"rule {rule.id} registered twice")
    REGISTRY[rule.id] = rule
    # a check's own module; a rule the engine emits is declared by the module calling register (or its helper)
    MODULE[rule.id] = rule.check.__module__ if rule.check is not None else sys._getframe(1).f_globals["__name__"]
    return rule


_indexed: dict[str, RuleInfo] | None = None


def _index() -> dict[str, RuleInfo]:
    global _indexed
    if _indexed is None:
        _indexed = {rid: RuleInfo(rid, family, Severity.parse(severity), scope, policy, closed_world, check, module)
                    for rid, (module, family, severity, scope, policy, closed_world, check) in _INDEX.items()}
    return _indexed


def _info(rule: Rule) -> RuleInfo:
    return RuleInfo(rule.id, rule.family, rule.severity, rule.scope, rule.policy, rule.closed_world,
                    rule.check is not None, MODULE.get(rule.id))


def catalog() -> list[RuleInfo]:
    """Every rule as data, sorted by ID: the index's, and a registered rule the index does not hold (a test's)."""
    index = _index()
    extra = [_info(r) for rid, r in REGISTRY.items() if rid not in index]
    return sorted([*index.values(), *extra]) if extra else list(index.values())


def info(rule_id: str) -> RuleInfo | None:
    found = _index().get(rule_id)
    if found is None and rule_id in REGISTRY:
        return _info(REGISTRY[rule_id])
    return found


def load(rule_ids: list[str]) -> list[Rule]:
    """The rules, in the order given, importing the modules that declare them."""
    index = _index()
    for rid in rule_ids:
        if rid not in REGISTRY and rid in index:
            __import__(index[rid].module)  # type: ignore[arg-type]
    return [REGISTRY[rid] for rid in rule_ids]


def get(rule_id: str) -> Rule:
    if rule_id not in REGISTRY and rule_id not in _index():
        raise UnknownRuleError(f"unknown rule ID {rule_id!r}; `python -m validation rules` lists them")
    return load([rule_id])[0]


def all_rules() -> list[Rule]:
    for module in dict.fromkeys(i.module for i in _index().values()):
        __import__(module)  # type: ignore[arg-type]
    return sorted(REGISTRY.values(), key=lambda r: r.id)


def matches(rule_id: str, selectors: list[str]) -> bool:
    """ruff-style selection: a selector is a rule ID or an ID prefix, case-insensitive ("schema", "ARGO-DAG")."""
    rid = rule_id.upper()
    return any(rid == s.upper() or rid.startswith(s.upper().rstrip("-") + "-") for s in selectors)


__all__ = [
    "MODULE",
    "REGISTRY",
    "SUPPRESS_PREFIX",
    "Check",
    "Context",
    "Problem",
    "Rule",
    "RuleInfo",
    "UnknownRuleError",
    "all_rules",
    "catalog",
    "get",
    "info",
    "load",
    "matches",
    "register",
]
