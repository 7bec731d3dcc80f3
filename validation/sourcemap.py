"""From (source file, object, JSON path) to a line and column in the repo.

libyaml's composer gives every node a start mark, which is all a line lookup needs, at C speed; ruamel's
round-trip loader would cost seconds on a 10,000-object file. Whole files are composed once and cached; for
a big file where the object's first line is known, only that document's text is composed.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

from validation.model import JsonPath
from validation.source_lint import KUSTOMIZATION_NAMES, MAX_FILE_BYTES

WHOLE_FILE_BYTES = 1024 * 1024  # compose files up to this size whole; bigger ones document by document


class _MarksLoader(yaml.CSafeLoader):  # type: ignore[misc]
    """libyaml's composer for structure and marks only: no tag is ever read here, so skip PyYAML's regex resolver."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return _TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int
    exact: bool  # the whole JSON path was found (not only a parent of it)


class _File:
    def __init__(self, text: str) -> None:
        self.text = text
        # Offsets where each line starts; split() keeps this in C for a 300,000-line file.
        self.line_starts = list(accumulate((len(part) + 1 for part in text.split("\n")[:-1]), initial=0))
        self._docs: list[yaml.Node] | None = None
        self._slices: dict[int, yaml.Node | None] = {}

    def documents(self) -> list[yaml.Node]:
        if self._docs is None:
            try:
                self._docs = [n for n in yaml.compose_all(self.text, Loader=_MarksLoader) if n is not None]
            except (yaml.YAMLError, RecursionError):
                self._docs = []
        return self._docs

    def document_at(self, line: int) -> tuple[yaml.Node | None, int]:
        """The document whose root node starts on `line` (1-based), and the line offset of its marks."""
        if len(self.text) <= WHOLE_FILE_BYTES:
            for node in self.documents():
                if node.start_mark.line + 1 == line:
                    return node, 0
            return None, 0
        if line not in self._slices:
            start = self.line_starts[line - 1] if 0 < line <= len(self.line_starts) else 0
            end = self.text.find("\n---", start)
            chunk = self.text[start:] if end == -1 else self.text[start:end + 1]
            try:
                self._slices[line] = yaml.compose(chunk, Loader=_MarksLoader)
            except (yaml.YAMLError, RecursionError):
                self._slices[line] = None
        return self._slices[line], line - 1


_cache: dict[tuple[str, int, int], _File] = {}
_lock = threading.Lock()


def _load(path: Path) -> _File | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if st.st_size > MAX_FILE_BYTES:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    f = _File(text)
    with _lock:
        _cache[key] = f
    return f


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _get(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _name_of(node: yaml.Node) -> str | None:
    meta = _get(node, "metadata")
    return _scalar(_get(meta, "name")) if meta is not None else None


def _pick(docs: list[yaml.Node], kind: str, name: str) -> yaml.Node | None:
    """The source document for a rendered object: same kind, and the same name or one kustomize decorated."""
    same_kind = [d for d in docs if _scalar(_get(d, "kind")) == kind]
    for d in same_kind:
        if _name_of(d) == name:
            return d
    decorated = [d for d in same_kind if (_name_of(d) or "\0") in name]
    if decorated:
        return max(decorated, key=lambda d: len(_name_of(d) or ""))
    if len(same_kind) == 1:
        return same_kind[0]
    return None


def _generator_entry(docs: list[yaml.Node], name: str) -> yaml.Node | None:
    """A configMapGenerator/secretGenerator entry whose (pre-hash, pre-prefix) name is in the rendered name."""
    best = None
    for d in docs:
        for key in ("configMapGenerator", "secretGenerator"):
            gens = _get(d, key)
            for entry in gens.value if isinstance(gens, yaml.SequenceNode) else []:
                n = _scalar(_get(entry, "name"))
                if n and n in name and (best is None or len(n) > len(_scalar(_get(best, "name")) or "")):
                    best = entry
    return best


def walk(node: yaml.Node, path: JsonPath) -> tuple[yaml.Mark, yaml.Node, bool]:
    """The mark of the deepest node on `path` (a mapping key's own position), that node, and whether all was found."""
    mark = node.start_mark
    for part in path:
        if isinstance(part, str) and isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    mark, node = k.start_mark, v
                    break
            else:
                return mark, node, False
        elif isinstance(part, int) and isinstance(node, yaml.SequenceNode) and 0 <= part < len(node.value):
            node = node.value[part]
            mark = node.start_mark
        else:
            return mark, node, False
    return mark, node, True


def locate(root: Path, file: str, kind: str, name: str, path: JsonPath,
           source_line: int | None = None) -> Location | None:
    """Line and column (1-based) of the deepest part of `path` that exists in `file`'s copy of the object."""
    full = Path(file) if os.path.isabs(file) else root / file
    f = _load(full)
    if f is None:
        return None
    offset = 0
    doc: yaml.Node | None
    if source_line is not None:
        doc, offset = f.document_at(source_line)
    else:
        docs = f.documents()
        doc = _pick(docs, kind, name)
        if doc is None and full.name in KUSTOMIZATION_NAMES:
            entry = _generator_entry(docs, name)
            if entry is not None:
                return Location(file, entry.start_mark.line + 1, entry.start_mark.column + 1, False)
    if doc is None:
        return None
    mark, _, exact = walk(doc, path)
    return Location(file, mark.line + 1 + offset, mark.column + 1, exact)


def value_matches(root: Path, file: str, kind: str, name: str, path: JsonPath, value: Any) -> bool:
    """Whether the source holds `value` at `path` (so the rendered value came from this file, not a patch)."""
    full = root / file
    f = _load(full)
    if f is None:
        return False
    doc = _pick(f.documents(), kind, name)
    if doc is None:
        return False
    _, node, exact = walk(doc, path)
    return exact and _same(node, value)


def _same(node: yaml.Node, value: Any) -> bool:
    if isinstance(node, yaml.ScalarNode):
        if isinstance(value, bool):
            return node.value.lower() == str(value).lower()
        return node.value == ("" if value is None else str(value))
    return True  # collections: the path matched, good enough


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _added_item(op: yaml.Node, path: JsonPath, rendered: Any) -> tuple[yaml.Node, JsonPath] | None:
    """An add/replace op whose path is a prefix of `path` (`-` = any index) and whose value is the rendered part
    (same `name`, when it has one): returns the op's value node and the rest of the path inside it."""
    pointer = _scalar(_get(op, "path"))
    value = _get(op, "value")
    if _scalar(_get(op, "op")) not in ("add", "replace") or not pointer or value is None:
        return None
    parts = _pointer_parts(pointer)
    if len(parts) > len(path):
        return None
    for want, have in zip(parts, path, strict=False):
        if not (want == str(have) or (want == "-" and isinstance(have, int))):
            return None
    part = rendered(path[: len(parts)])
    op_name = _scalar(_get(value, "name"))
    if op_name is not None and not (isinstance(part, dict) and part.get("name") == op_name):
        return None
    return value, path[len(parts):]


def find_in_patches(root: Path, patches: list[str], kind: str, name: str, path: JsonPath,
                    value: Any, rendered: Any = None) -> Location | None:
    """The overlay patch that sets `value` at `path`: a JSON6902 op or a strategic-merge patch of the object.

    `rendered(prefix)` returns the rendered object's value at a path prefix; given it, an op that added a whole
    list item or subtree (`add /spec/templates/-`) is found too, and the path is followed inside its value.
    """
    pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
    best: Location | None = None
    other_name: Location | None = None
    for file in patches:
        f = _load(root / file)
        if f is None:
            continue
        for doc in f.documents():
            if isinstance(doc, yaml.SequenceNode):  # JSON6902: a list of operations
                for op in doc.value:
                    if _scalar(_get(op, "op")) in ("add", "replace") and _scalar(_get(op, "path")) == pointer:
                        v = _get(op, "value")
                        if v is not None and _same(v, value):
                            return Location(file, v.start_mark.line + 1, v.start_mark.column + 1, True)
                    found = _added_item(op, path, rendered) if rendered is not None else None
                    if found is not None:
                        mark, node, exact = walk(*found)
                        exact = exact and _same(node, value)
                        loc = Location(file, mark.line + 1, mark.column + 1, exact)
                        if exact:
                            return loc
                        best = best or loc
            elif isinstance(doc, yaml.MappingNode) and _scalar(_get(doc, "kind")) == kind:
                mark, node, exact = walk(doc, path)
                if not (exact and _same(node, value)):
                    continue
                loc = Location(file, mark.line + 1, mark.column + 1, True)
                doc_name = _name_of(doc)
                if not doc_name or doc_name in name:
                    return loc
                # another name: a patch applied through `target:` (its own name is ignored), or one for a sibling
                other_name = other_name or loc
    return best or other_name


_BLOCK_SCALAR = re.compile(r"[|>][0-9+-]*\s*(#.*)?$")


def find_in_application(root: Path, file: str, name: str, path: JsonPath, value: Any) -> Location | None:
    """Where an Application's own kustomize options (spec.source.kustomize) set `value` at `path`.

    Argo CD applies those options on top of the overlay, so a field they add exists in no overlay file. An inline
    patch that names the field's key comes first (the line inside the patch when it is a block scalar); then the
    options that set a value of their own: `images` for an image, `namespace`, and `replicas` counts.
    """
    f = _load(root / file)
    if f is None:
        return None
    app = _pick(f.documents(), "Application", name)
    options = _get(_get(_get(app, "spec"), "source"), "kustomize") if app is not None else None
    if options is None:
        return None
    key = next((p for p in reversed(path) if isinstance(p, str)), None)
    for entry in _items(_get(options, "patches")):
        patch = _get(entry, "patch")
        if key and isinstance(patch, yaml.ScalarNode) and re.search(rf"(^|[/\s{{,]){re.escape(key)}\b", patch.value):
            return _inside_scalar(f, file, patch, key)
    candidates: list[yaml.Node] = []
    if key == "image" and isinstance(value, str):
        # entries read `name=new-name:tag` or `name:tag`; the rendered image is what follows any `=`
        candidates = [n for n in _items(_get(options, "images"))
                      if isinstance(n, yaml.ScalarNode) and (n.value == value or n.value.endswith("=" + value))]
    elif tuple(path) == ("metadata", "namespace"):
        candidates = [n for n in [_get(options, "namespace")] if n is not None and _same(n, value)]
    elif key == "replicas":
        candidates = [c for c in (_get(e, "count") for e in _items(_get(options, "replicas")))
                      if c is not None and _same(c, value)]
    if candidates:
        mark = candidates[0].start_mark
        return Location(file, mark.line + 1, mark.column + 1, True)
    return None


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _inside_scalar(f: _File, file: str, node: yaml.ScalarNode, key: str) -> Location:
    """The source line in a multi-line scalar that mentions `key`; the scalar's own line unless it is a block."""
    line = node.start_mark.line  # 0-based
    text_line = f.text[f.line_starts[line]:f.line_starts[line + 1] if line + 1 < len(f.line_starts) else None]
    if not _BLOCK_SCALAR.search(text_line.rstrip("\n")):
        return Location(file, line + 1, node.start_mark.column + 1, False)
    for number in range(line + 1, min(line + 1 + node.value.count("\n") + 2, len(f.line_starts))):
        end = f.line_starts[number + 1] if number + 1 < len(f.line_starts) else len(f.text)
        column = f.text.find(key, f.line_starts[number], end)
        if column != -1:
            return Location(file, number + 1, column - f.line_starts[number] + 1, True)
    return Location(file, line + 1, node.start_mark.column + 1, False)
