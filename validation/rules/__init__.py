"""The one registry of rules. Each family module registers its rules with @rule or register()."""

from __future__ import annotations

from validation.rules.base import SUPPRESS_PREFIX, Check, Context, Problem, Rule

REGISTRY: dict[str, Rule] = {}


class UnknownRuleError(KeyError):
    pass


def register(rule: Rule) -> Rule:
    if rule.id in REGISTRY:
        raise ValueError(f"rule {rule.id} registered twice")
    REGISTRY[rule.id] = rule
    return rule


def get(rule_id: str) -> Rule:
    _load_families()
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise UnknownRuleError(f"unknown rule ID {rule_id!r}; `python -m validation rules` lists them") from None


def all_rules() -> list[Rule]:
    _load_families()
    return sorted(REGISTRY.values(), key=lambda r: r.id)


def matches(rule_id: str, selectors: list[str]) -> bool:
    """ruff-style selection: a selector is a rule ID or an ID prefix, case-insensitive ("schema", "ARGO-DAG")."""
    rid = rule_id.upper()
    return any(rid == s.upper() or rid.startswith(s.upper().rstrip("-") + "-") for s in selectors)


_loaded = False


def _load_families() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import pkgutil

    import validation.rules as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name != "base":
            importlib.import_module(f"validation.rules.{info.name}")


__all__ = [
    "REGISTRY",
    "SUPPRESS_PREFIX",
    "Check",
    "Context",
    "Problem",
    "Rule",
    "UnknownRuleError",
    "all_rules",
    "get",
    "matches",
    "register",
]
