"""Patch files and inline patches, checked as what kustomize takes them for.

kustomize reads a patch as a JSON6902 operation list when its YAML is a list, and as a strategic-merge patch when it
is a mapping (api/internal/builtins/PatchTransformer.go). The JSON6902 library it uses (evanphx/json-patch) ignores
keys it does not know, so `vaule:` makes a `replace` write null and `paht:` fails with a message that names no file;
both are caught here, at their line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import yaml

from validation.kustomize import nodes
from validation.kustomize.nodes import FILE, Issue, Origin

OPS = ("add", "remove", "replace", "move", "copy", "test")
FIELDS = ("op", "path", "value", "from")
NEEDS_VALUE = ("add", "replace", "test")
NEEDS_FROM = ("move", "copy")
APPENDS = ("add", "move", "copy")  # ops whose `path` may end in `-` (the end of a list)

OP = "KUSTOMIZE-PATCH-OP"
REQUIRED = "KUSTOMIZE-PATCH-REQUIRED"
UNKNOWN_FIELD = "KUSTOMIZE-PATCH-UNKNOWN-FIELD"
POINTER = "KUSTOMIZE-PATCH-POINTER"
SHAPE = "KUSTOMIZE-PATCH-SHAPE"

_CONSEQUENCE = {
    "value": "without `value`, {op} writes null",
    "path": "kustomize refuses an operation without `path`",
    "from": "kustomize refuses a {op} without `from`",
    "op": "kustomize refuses an operation without `op`",
}


@dataclass
class _Op:
    index: int
    node: yaml.MappingNode
    origin: Origin
    issues: list[Issue] = field(default_factory=list)

    def at(self, node: yaml.Node, rule_id: str, message: str) -> None:
        line, column = self.origin.position(node.start_mark)
        self.issues.append(Issue(rule_id, message, line, column, self.span))

    @property
    def span(self) -> tuple[int, int]:
        start, _ = self.origin.position(self.node.start_mark)
        end, _ = self.origin.position(self.node.end_mark)
        if self.node.end_mark.column == 0 and end > start:
            end -= 1  # a block mapping ends at the start of the next line
        return start, end


def looks_like_json6902(data: object) -> bool:
    """A list of mappings that carry `op` or `path`: a JSON6902 patch, whoever references it (or nobody)."""
    return (isinstance(data, list) and bool(data)
            and all(isinstance(i, dict) and ("op" in i or "path" in i) for i in data))


def check_node(root: yaml.Node, origin: Origin = FILE) -> list[Issue]:
    """Problems in one patch document, at file positions."""
    if isinstance(root, yaml.SequenceNode):
        return check_operations(root, origin)
    if isinstance(root, yaml.MappingNode):
        keys = {nodes.text(k) for k, _ in nodes.pairs(root)}
        if "op" in keys and "path" in keys and not keys & {"apiVersion", "kind", "metadata"}:
            line, column = origin.position(root.start_mark)
            return [Issue(SHAPE, "one JSON6902 operation written as a mapping: a JSON6902 patch is a list of "
                                 "operations, so start it with `- `; as it is, kustomize reads it as a "
                                 "strategic-merge patch and refuses it", line, column)]
        return []
    if nodes.is_null(root):
        return []
    line, column = origin.position(root.start_mark)
    return [Issue(SHAPE, "a patch is a list of JSON6902 operations or a strategic-merge patch (a mapping), "
                         f"not a {nodes.kind_of(root)}", line, column)]


def check_operations(root: yaml.SequenceNode, origin: Origin = FILE) -> list[Issue]:
    out: list[Issue] = []
    for index, item in enumerate(root.value):
        if not isinstance(item, yaml.MappingNode):
            line, column = origin.position(item.start_mark)
            out.append(Issue(SHAPE, f"operation {index + 1} is a {nodes.kind_of(item)}, not a mapping with "
                                    "op, path and value", line, column))
            continue
        op = _Op(index, item, origin)
        _check_op(op)
        out.extend(op.issues)
    return out


def _check_op(op: _Op) -> None:
    keys: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for k, v in op.node.value:
        name = nodes.text(k)
        if name is not None:
            keys.setdefault(name, (k, v))
    op_node = keys.get("op", (None, None))[1]
    kind = nodes.text(op_node)
    label = f"operation {op.index + 1}" + (f" ({kind})" if kind in OPS else "")
    required = ["op", "path"]
    if kind in NEEDS_VALUE:
        required.append("value")
    if kind in NEEDS_FROM:
        required.append("from")
    missing = [r for r in required if r not in keys]

    for name, (key_node, _) in keys.items():
        if name in FIELDS:
            continue
        guess = _closest(name, missing) or _closest(name, list(FIELDS))
        hint = f"; did you mean `{guess}`?" if guess else ""
        why = ""
        if guess in missing:
            missing.remove(guess)
            why = f" ({_CONSEQUENCE[guess].format(op=kind or 'it')})"
        op.at(key_node, UNKNOWN_FIELD, f"{label}: `{name}` is not a JSON6902 field (op, path, value, from){hint}{why}")

    if op_node is not None and kind not in OPS:
        shown = kind if kind is not None else nodes.kind_of(op_node)
        guess = _closest(str(shown), list(OPS))
        hint = f"did you mean `{guess}`? " if guess else ""
        op.at(op_node, OP, f"{label}: `op: {shown}` is not a JSON6902 operation; {hint}"
                           f"one of {', '.join(OPS)}")
    for name in missing:
        op.at(op.node, REQUIRED, f"{label} has no `{name}`: {_CONSEQUENCE[name].format(op=kind or 'it')}")

    for name in ("path", "from"):
        if name not in keys:
            continue
        value_node = keys[name][1]
        pointer = nodes.text(value_node)
        if pointer is None or not isinstance(value_node, yaml.ScalarNode) or value_node.tag != nodes.STR:
            op.at(value_node, POINTER, f"{label}: `{name}` must be a JSON pointer string, not a "
                                       f"{nodes.kind_of(value_node)}")
            continue
        problem = pointer_problem(pointer, allow_append=name == "path" and kind in APPENDS)
        if problem:
            op.at(value_node, POINTER, f"{label}: `{name}: {pointer}` {problem}")


_ESCAPE = re.compile(r"~(?![01])")


def pointer_problem(pointer: str, allow_append: bool = True) -> str | None:
    """What is wrong with a JSON pointer (RFC 6901), as a JSON6902 `path` or `from`; None when nothing is."""
    if pointer == "":
        return None  # the whole document
    if not pointer.startswith("/"):
        return f"is not a JSON pointer: it must start with `/` (`/{pointer}`)"
    if _ESCAPE.search(pointer):
        return "has a `~` that is not `~0` (for ~) or `~1` (for /)"
    parts = pointer.split("/")[1:]
    if "-" in parts[:-1]:
        return "uses `-` (the end of a list) before its last segment"
    if parts[-1] == "-" and not allow_append:
        return "ends in `-` (the end of a list), which only add, move and copy can target"
    return None


def _closest(word: str, candidates: list[str]) -> str | None:
    match = difflib.get_close_matches(word.lower(), candidates, n=1, cutoff=0.6)
    return match[0] if match else None
