"""From (source file, object, JSON path) to a line and column in the repo.

libyaml's composer gives every node a start mark, which is all a line lookup needs, at C speed; ruamel's
round-trip loader would cost seconds on a 10,000-object file. Whole files are composed once and cached; for
a big file where the object's first line is known, only that document's text is composed.
"""

from __future__ import annotations

import os
from _thread import allocate_lock  # threading's Lock, without importing threading
from itertools import accumulate
from pathlib import Path

import yaml

from validation.model import JsonPath
from validation.records import record
from validation.source_lint import KUSTOMIZATION_NAMES, MAX_FILE_BYTES

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

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


@record
class Location:
    """A place in a source file."""

    file: str
    line: int
    column: int
    exact: bool  # the whole JSON path was found (not only a parent of it)
    depth: int = 0  # how many parts of the JSON path were found


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
_lock = allocate_lock()


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


_GENERATORS = {"ConfigMap": ("configMapGenerator",), "Secret": ("secretGenerator",)}


def _generator_entry(docs: list[yaml.Node], name: str, kind: str | None = None) -> yaml.Node | None:
    """The configMapGenerator (ConfigMap) or secretGenerator (Secret) entry whose (pre-hash, pre-prefix) name is in
    the rendered name, the longest such; either generator when the kind is not known.

    kustomize puts the kustomization's own namePrefix and nameSuffix around every name it generates, so an entry
    that fits with them comes first (one merged into a base's generator may not, and is still found). Of two equally
    long names that fit alike (`app-a`, `app-b` in `app-a-app-b-5t6y`, where an overlay's prefix or suffix could be
    either), the first written wins: a guess, but always the same one."""
    best, best_key = None, (False, 0)  # every name taken is at least one character long
    for d in docs:
        around = (_scalar(_get(d, "namePrefix")) or "", _scalar(_get(d, "nameSuffix")) or "")
        for key in _GENERATORS.get(kind or "", ("configMapGenerator", "secretGenerator")):
            gens = _get(d, key)
            for entry in gens.value if isinstance(gens, yaml.SequenceNode) else []:
                n = _scalar(_get(entry, "name"))
                if n and n in name:
                    fit = (around[0] + n + around[1] in name, len(n))
                    if fit > best_key:
                        best, best_key = entry, fit
    return best


def walk(node: yaml.Node, path: JsonPath, rendered: Any = None) -> tuple[yaml.Mark, yaml.Node, bool, int]:
    """The mark of the deepest node on `path` (a mapping key's own position), that node, whether all was found, and
    how many parts were.

    With `rendered` (the rendered value at the same place as `node`), a list index is matched by the item's `name`
    when the rendered item has one: kustomize's patches insert, append and merge by name, so the source's index
    is not the rendered one.
    """
    mark = node.start_mark
    for depth, part in enumerate(path):
        if isinstance(part, str) and isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    mark, node = k.start_mark, v
                    break
            else:
                return mark, node, False, depth
            rendered = rendered.get(part) if isinstance(rendered, dict) else None
        elif isinstance(part, int) and isinstance(node, yaml.SequenceNode):
            item = rendered[part] if isinstance(rendered, list) and 0 <= part < len(rendered) else None
            at_index = node.value[part] if 0 <= part < len(node.value) else None
            if at_index is not None and isinstance(item, dict) and item.get("name") is not None \
                    and _scalar(_get(at_index, "name")) == str(item["name"]):
                chosen = at_index  # the same place and the same name (names may repeat: keep the index)
            else:
                chosen = _by_name(node, item)
            if chosen is None:
                if isinstance(item, dict) and item.get("name") is not None and _named(node):
                    return mark, node, False, depth  # named items, none of them this one
                if not 0 <= part < len(node.value):
                    return mark, node, False, depth
                chosen = node.value[part]
            node, rendered = chosen, item
            mark = node.start_mark
        else:
            return mark, node, False, depth
    return mark, node, True, len(path)


def _named(seq: yaml.SequenceNode) -> bool:
    return any(isinstance(i, yaml.MappingNode) and _get(i, "name") is not None for i in seq.value)


def _by_name(seq: yaml.SequenceNode, item: Any) -> yaml.Node | None:
    if not isinstance(item, dict) or item.get("name") is None:
        return None
    want = str(item["name"])
    for candidate in seq.value:
        if _scalar(_get(candidate, "name")) == want:
            return candidate
    return None


def locate(root: Path, file: str, kind: str, name: str, path: JsonPath,
           source_line: int | None = None, rendered: Any = None) -> Location | None:
    """Line and column (1-based) of the deepest part of `path` that exists in `file`'s copy of the object.
    `rendered` is the rendered object, to follow list items by name (see walk)."""
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
            entry = _generator_entry(docs, name, kind)
            if entry is not None:
                return Location(file, entry.start_mark.line + 1, entry.start_mark.column + 1, False)
    if doc is None:
        return None
    mark, _, exact, depth = walk(doc, path, rendered)
    return Location(file, mark.line + 1 + offset, mark.column + 1, exact, depth)
