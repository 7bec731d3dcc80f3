"""Walk a JSON schema by its keywords, so that a field *named* like a keyword is never mistaken for one.

A schema mixes two kinds of keys: keywords (`description`, `default`, `items` ...) and property names under
`properties`. A CustomResourceDefinition's openAPIV3Schema declares a field called `description`, a PriorityClass
has one, Argo's Parameter has `default`: stripping "every key named description" removes real fields.
`rewrite()` visits only schema positions; everything else (property names, `enum`/`const`/`default` values,
`required` lists, `x-kubernetes-*` data) is passed through untouched.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

# keyword -> its value is one subschema
ONE = frozenset(
    {"additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else",
     "unevaluatedItems", "unevaluatedProperties"}
)
# keyword -> its value is a list of subschemas
MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
# keyword -> its value maps names (property, pattern or definition names) to subschemas
NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})

# Annotations: documentation, not validation. Prose keywords hold strings; example(s) hold any value.
PROSE = frozenset({"description", "title", "$comment"})
EXAMPLES = frozenset({"example", "examples"})


def rewrite(node: Any, visit: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """A copy of the schema `node` in which every schema object has been passed through `visit`, deepest first.

    `visit` receives a fresh dict whose subschemas are already rewritten, and returns the dict to use.
    """
    if not isinstance(node, dict):
        return node  # boolean schema
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in NAMED and isinstance(value, dict):
            out[key] = {name: rewrite(sub, visit) for name, sub in value.items()}
        elif key in MANY and isinstance(value, list):
            out[key] = [rewrite(sub, visit) for sub in value]
        elif key in ONE:
            out[key] = rewrite(value, visit)
        elif key == "items":  # one schema, or (draft 4) a list of them
            out[key] = [rewrite(sub, visit) for sub in value] if isinstance(value, list) else rewrite(value, visit)
        elif key == "dependencies" and isinstance(value, dict):  # draft 4: a schema or a list of property names
            out[key] = {name: rewrite(sub, visit) if isinstance(sub, dict) else sub for name, sub in value.items()}
        else:
            out[key] = value
    return visit(out)


def strip_documentation(node: dict[str, Any], also: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`visit` helper: drop annotations (and the keywords in `also`) from one schema object, in place."""
    for key in [k for k in node if (k in PROSE and isinstance(node[k], str)) or k in EXAMPLES or k in also]:
        del node[key]
    return node
