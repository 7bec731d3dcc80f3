"""YAML nodes with file positions, including text embedded in a block scalar (an inline `patch: |`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

NULL = "tag:yaml.org,2002:null"
STR = "tag:yaml.org,2002:str"
_BLOCK_INDICATOR = re.compile(r"[|>][0-9+-]*\s*(#.*)?$")


@dataclass(frozen=True)
class Origin:
    """Where a piece of YAML text sits in its file, so marks inside it become file positions."""

    line: int = 0  # 0-based file line of the text's first line
    column: int = 0  # columns each line of the text was indented by in the file (a block scalar's indentation)
    exact: bool = True  # False: the text was a quoted or flow scalar; every position collapses onto (line, column)

    def position(self, mark: yaml.Mark) -> tuple[int, int]:
        """1-based (line, column) in the file."""
        if not self.exact:
            return self.line + 1, self.column + 1
        return self.line + mark.line + 1, self.column + mark.column + 1


FILE = Origin()


@dataclass(frozen=True)
class Issue:
    """A problem at a file position."""

    rule_id: str
    message: str
    line: int
    column: int
    span: tuple[int, int] | None = None  # the lines of the unit it is about (a patch operation), when it has one


def compose_all(text: str) -> list[yaml.Node]:
    """Every document's node, tags resolved (so a scalar's tag says int, bool, null or str). Raises YAMLError."""
    return [n for n in yaml.compose_all(text, Loader=yaml.CSafeLoader) if n is not None]


def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def pairs(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value) if isinstance(node, yaml.MappingNode) else []


def items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def text(node: yaml.Node | None) -> str | None:
    """A scalar's text, None for anything else (and for null)."""
    if isinstance(node, yaml.ScalarNode) and node.tag != NULL:
        return node.value
    return None


def is_null(node: yaml.Node | None) -> bool:
    return node is None or (isinstance(node, yaml.ScalarNode) and node.tag == NULL)


def kind_of(node: yaml.Node) -> str:
    """A node's JSON type, as kustomize (sigs.k8s.io/yaml) would convert it."""
    if isinstance(node, yaml.MappingNode):
        return "object"
    if isinstance(node, yaml.SequenceNode):
        return "array"
    return {
        "tag:yaml.org,2002:int": "integer",
        "tag:yaml.org,2002:float": "number",
        "tag:yaml.org,2002:bool": "boolean",
        NULL: "null",
    }.get(node.tag, "string")


def scalar_origin(lines: list[str], node: yaml.ScalarNode, base: Origin = FILE) -> Origin:
    """Where a scalar's *value* starts in the file: for a block scalar (`|`, `>`), the first content line and its
    indentation; for any other style, the scalar's own position (inexact)."""
    line, column = base.position(node.start_mark)  # 1-based
    if base.exact and node.style in ("|", ">") and 0 < line <= len(lines) \
            and _BLOCK_INDICATOR.search(lines[line - 1][column - 1:].rstrip("\r\n")):
        for content in lines[line:]:  # the lines after the indicator; the value's line 0 is the first of them
            if content.strip():
                return Origin(line, len(content) - len(content.lstrip(" ")), True)
    return Origin(line - 1, column - 1, False)
