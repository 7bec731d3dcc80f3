"""kustomization.yaml against kustomize's own schema, at the line of each mistake, and its inline patches.

kustomize decodes a kustomization with Go's encoding/json and DisallowUnknownFields (types.Kustomization.Unmarshal):
an unknown field or a value of the wrong type stops the build with a message that names no line. Go matches field
names case-insensitively and accepts null for any field; so does this check, so it refuses exactly what kustomize
refuses. The schema is generated from kustomize's Go types (regen.py), at the release kubectl embeds.
"""

from __future__ import annotations

import difflib
import functools
import json
from pathlib import Path
from typing import Any, Iterator

import yaml

from validation.kustomize import nodes, patches
from validation.kustomize.nodes import FILE, Issue, Origin
from validation.model import JsonPath, format_path

SCHEMA_FILE = Path(__file__).with_name("kustomization.schema.json")
UNKNOWN_FIELD = "KUSTOMIZE-UNKNOWN-FIELD"
TYPE = "KUSTOMIZE-TYPE"
KIND = "KUSTOMIZE-KIND"
# types.Kustomization.EnforceFields
VERSIONS = {"Kustomization": "kustomize.config.k8s.io/v1beta1", "Component": "kustomize.config.k8s.io/v1alpha1"}
_ARTICLE = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "a whole number",
            "number": "a number", "boolean": "true or false", "null": "null"}


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def source() -> dict[str, Any]:
    """Where the schema came from: repository, ref, commit, license."""
    return dict(schema()["x-source"])


def check_text(text: str) -> list[Issue]:
    """Problems in a kustomization file's text (parse errors are YAML-PARSE's, reported elsewhere)."""
    try:
        docs = nodes.compose_all(text)
    except yaml.YAMLError:
        return []
    if not docs:
        return []
    lines = text.splitlines(keepends=True)
    root = docs[0]
    if not isinstance(root, yaml.MappingNode):
        line, column = FILE.position(root.start_mark)
        return [Issue(TYPE, f"a kustomization is a mapping of fields, not {_ARTICLE[nodes.kind_of(root)]}",
                      line, column)]
    out = list(_walk(root, schema(), schema(), ()))
    out.extend(_kind(root))
    out.extend(inline_patches(root, lines))
    return out


def _resolve(s: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in s:
        s = top["$defs"][s["$ref"].rsplit("/", 1)[-1]]
    return s


def _walk(node: yaml.Node, s: dict[str, Any], top: dict[str, Any], path: JsonPath) -> Iterator[Issue]:
    s = _resolve(s, top)
    want = s.get("type")
    have = nodes.kind_of(node)
    if want is None or have == "null":
        return  # any value; and Go lets null stand for any field
    where = format_path(path) or "the kustomization"
    if have != want and not (want == "number" and have == "integer"):
        line, column = FILE.position(node.start_mark)
        hint = ' (quote it: kustomize wants text)' if want == "string" and have in ("integer", "number", "boolean") \
            else ""
        yield Issue(TYPE, f"{where}: expected {_ARTICLE[want]}, got {_ARTICLE[have]}{hint}", line, column)
        return
    if want == "array":
        for i, item in enumerate(nodes.items(node)):
            yield from _walk(item, s.get("items", {}), top, (*path, i))
    elif want == "object":
        props: dict[str, Any] = s.get("properties", {})
        folded = {k.lower(): k for k in props}
        extra = s.get("additionalProperties", True)
        for key_node, value in nodes.pairs(node):
            key = nodes.text(key_node)
            if key is None:
                continue
            name = key if key in props else folded.get(key.lower())  # Go matches field names case-insensitively
            if name is not None:
                yield from _walk(value, props[name], top, (*path, name))
            elif isinstance(extra, dict):
                yield from _walk(value, extra, top, (*path, key))
            elif extra is False:
                line, column = FILE.position(key_node.start_mark)
                guess = difflib.get_close_matches(key, list(props), n=1, cutoff=0.7) or \
                    difflib.get_close_matches(key.lower(), list(folded), n=1, cutoff=0.7)
                hint = f"; did you mean `{folded.get(guess[0], guess[0])}`?" if guess else ""
                field = format_path((*path, key))
                yield Issue(UNKNOWN_FIELD, f"{field}: kustomize has no such field{hint}", line, column)


def _kind(root: yaml.MappingNode) -> Iterator[Issue]:
    fields = {(nodes.text(k) or "").lower(): v for k, v in nodes.pairs(root)}
    kind_node, version_node = fields.get("kind"), fields.get("apiversion")
    kind, version = nodes.text(kind_node), nodes.text(version_node)
    if kind and kind not in VERSIONS:
        line, column = FILE.position(kind_node.start_mark)  # type: ignore[union-attr]
        guess = difflib.get_close_matches(kind, list(VERSIONS), n=1, cutoff=0.6)
        hint = f"did you mean `{guess[0]}`? " if guess else ""
        yield Issue(KIND, f"kind: {kind}: {hint}a kustomization's kind is Kustomization or Component", line, column)
        return
    wanted = VERSIONS[kind or "Kustomization"]
    if version and version != wanted:
        line, column = FILE.position(version_node.start_mark)  # type: ignore[union-attr]
        yield Issue(KIND, f"apiVersion: {version}: a {kind or 'Kustomization'} must say {wanted}", line, column)


def inline_patches(root: yaml.MappingNode, lines: list[str]) -> Iterator[Issue]:
    """Patches written inside the kustomization (`patch: |` and inline patchesStrategicMerge entries)."""
    fields = {(nodes.text(k) or "").lower(): v for k, v in nodes.pairs(root)}
    scalars: list[yaml.ScalarNode] = []
    for key in ("patches", "patchesjson6902"):
        for entry in nodes.items(fields.get(key)):
            patch = nodes.get(entry, "patch")
            if isinstance(patch, yaml.ScalarNode) and nodes.text(patch):
                scalars.append(patch)
    for entry in nodes.items(fields.get("patchesstrategicmerge")):
        if isinstance(entry, yaml.ScalarNode) and "\n" in entry.value:
            scalars.append(entry)
    for scalar in scalars:
        yield from embedded_patch(scalar, lines)


def embedded_patch(scalar: yaml.ScalarNode, lines: list[str], base: Origin = FILE) -> Iterator[Issue]:
    """Check the patch text held in one scalar, at file positions."""
    origin = nodes.scalar_origin(lines, scalar, base)
    try:
        docs = nodes.compose_all(scalar.value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or scalar.start_mark
        line, column = origin.position(mark) if mark is not scalar.start_mark else base.position(mark)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        yield Issue(patches.SHAPE, f"inline patch does not parse: {problem}", line, column)
        return
    for doc in docs:
        yield from patches.check_node(doc, origin)
