"""How an Argo rule is declared, and the per-object memo that rules sharing one walk read from."""

from __future__ import annotations

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Check, Context, Rule, register
from validation.rules.argo.spec_walk import WORKFLOW_KINDS

FAMILY = "argo"


def argo_rule(id: str, name: str, severity: Severity, summary: str, remediation: str, passing: str, failing: str,
              scope: tuple[str, ...] = WORKFLOW_KINDS, closed_world: bool = False, *, check: Check) -> None:
    """Declared after its check function, which stays a plain def (mutation testing skips decorated ones)."""
    register(Rule(id=id, name=name, severity=severity, scope=scope, summary=summary, remediation=remediation,
                  passing=passing.strip("\n"), failing=failing.strip("\n"), check=check, family=FAMILY,
                  closed_world=closed_world))


# The ARGO-VAR rules share one walk per object and context; the cache holds the objects themselves,
# so an id() in a key cannot be reused while its entry lives.
_walk_cache: dict[tuple[str, int, int], tuple[Manifest, Context, list[tuple[str, str, JsonPath]]]] = {}


def cached(kind: str, fn, m: Manifest, ctx: Context) -> list[tuple[str, str, JsonPath]]:
    key = (kind, id(m), id(ctx))
    hit = _walk_cache.get(key)
    if hit is not None and hit[0] is m and hit[1] is ctx:
        return hit[2]
    if len(_walk_cache) > 4096:
        _walk_cache.clear()
    result = list(fn(m, ctx))
    _walk_cache[key] = (m, ctx, result)
    return result
