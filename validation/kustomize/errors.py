"""kustomize's error chain, read back to the entry a person must edit.

kustomize wraps an error once per kustomization it recursed into ("accumulating resources from '../../base': ...
recursed accumulation of path '/abs/base': ..."), and the innermost message names the entry only sometimes (a
missing generator file by its absolute path, a failed JSON6902 operation by its pointer, an unknown field by its
name). `explain()` finds the deepest kustomization named, reads the innermost message, and finds the entry it is
about in that kustomization (or in one of its patch files): a `resources:` item, a generator's `files:` item, a
`patches:` entry, the patch operation itself. Messages come out with repository-relative paths, and short.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterator

import yaml

from validation.kustomize import nodes
from validation.kustomize.nodes import FILE, Origin
from validation.model import RenderCause as Cause

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_MESSAGE = 300


_DIR = re.compile(r"(?:recursed accumulation of path|couldn't make target for path) '([^']+)': ")
_MISSING = re.compile(r"evalsymlink failure on '([^']+)' : lstat [^:]+: no such file or directory")


def explain(message: str, target_dir: Path, root: Path, *, replace: dict[str, Path] | None = None,
            extra_patches: Callable[[], Iterator[tuple[str, yaml.Node, Origin]]] | None = None) -> Cause:
    """The cause of a failed build of `target_dir`.

    `replace` maps temporary directories in the message (a working copy) to the directories they stand for;
    `extra_patches` yields (file, node, origin) of patch documents applied outside the kustomization files (an
    Argo CD Application's inline patches), searched when a failed JSON6902 operation is not found in them.
    """
    for temporary, real in (replace or {}).items():
        message = message.replace(temporary, str(real))
    message = message.strip().removeprefix("Error: ").removeprefix("error: ")
    current = target_dir
    tail = message
    for m in _DIR.finditer(message):
        current, tail = Path(m.group(1)), message[m.end():]
    reader = _Reader(root, current, extra_patches)
    cause = next((c for explainer in _EXPLAINERS if (c := explainer(tail, reader)) is not None), None)
    if cause is None:
        cause = reader.fallback(tail)
    if "is not in or below" in tail:  # kustomize's load restrictor, which Argo CD's buildOptions may lift
        cause = cause._replace(message=f"{cause.message}; {LOAD_RESTRICTOR_HINT}")
    return cause


LOAD_RESTRICTOR_HINT = ("if Argo CD builds with kustomize.buildOptions --load-restrictor LoadRestrictionsNone, "
                        "set kustomize-build-options to the same")


class _Reader:
    """The kustomization a message is about, its nodes, and how to name paths for a person."""

    def __init__(self, root: Path, directory: Path, extra_patches) -> None:
        self.root = root
        self.directory = directory
        self.file = next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)
        self.extra_patches = extra_patches
        self._root_node: yaml.Node | None = None
        self._lines: list[str] = []
        if self.file is not None:
            try:
                text = self.file.read_text(encoding="utf-8-sig")
                docs = nodes.compose_all(text)
                self._root_node = docs[0] if docs else None
                self._lines = text.splitlines(keepends=True)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                pass

    def rel(self, path: Path | str) -> str:
        p = Path(os.path.normpath(path))
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    @property
    def shown(self) -> str:
        return self.rel(self.file) if self.file else self.rel(self.directory)

    def field(self, name: str) -> yaml.Node | None:
        for k, v in nodes.pairs(self._root_node):
            if (nodes.text(k) or "").lower() == name.lower():
                return v
        return None

    def key(self, name: str) -> yaml.Node | None:
        for k, _ in nodes.pairs(self._root_node):
            if (nodes.text(k) or "").lower() == name.lower():
                return k
        return None

    def at(self, node: yaml.Node | None, message: str, file: Path | None = None, origin: Origin = FILE) -> Cause:
        shown = self.rel(file) if file is not None else self.shown
        if node is None:
            return Cause(shown, 1 if (file or self.file) else None, 1 if (file or self.file) else None,
                         self.clean(message), False)
        line, column = origin.position(node.start_mark)
        return Cause(shown, line, column, self.clean(message), True)

    def resolve(self, ref: str) -> Path:
        return Path(os.path.normpath(self.directory / ref))

    def clean(self, text: str) -> str:
        """Repository-relative paths, kustomize's symlink noise folded, and at most MAX_MESSAGE characters."""
        text = _MISSING.sub(lambda m: f"{self.rel(m.group(1))}: no such file or directory", text)
        root = str(self.root)
        text = re.sub(re.escape(root) + r"/([^'\s\"\]:]*)", lambda m: m.group(1), text)
        text = " ".join(text.split())
        return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."

    def fallback(self, tail: str) -> Cause:
        """No known shape: if the message names a file that does not exist, point at the entry that names it."""
        for path in re.findall(r"(?:evalsymlink failure on|open|lstat) '?(/[^'\s:]+)", tail):
            node = self.entry_for(Path(path))
            if node is not None:
                return self.at(node, f"{nodes.text(node)} does not exist")
        return self.at(None, f"kustomize: {tail}")

    def entry_for(self, missing: Path) -> yaml.Node | None:
        """The string in this kustomization (any field: configurations, crds, generators ...) naming `missing`."""
        stack = [self._root_node] if self._root_node is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                value = nodes.text(node)
                if value and "\n" not in value and self.resolve(value.split("=", 1)[-1]) == missing:
                    return node
            stack.extend(v for _, v in nodes.pairs(node))
            stack.extend(nodes.items(node))
        return None

    # -- patches

    def patch_documents(self) -> Iterator[tuple[Path, yaml.Node, Origin]]:
        """Every patch document this kustomization applies: files and inline text."""
        for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
            for entry in nodes.items(self.field(key)):
                ref = nodes.text(nodes.get(entry, "path")) if isinstance(entry, yaml.MappingNode) else nodes.text(entry)
                inline = nodes.get(entry, "patch") if isinstance(entry, yaml.MappingNode) else None
                if ref and "\n" not in ref and self.resolve(ref).is_file():
                    path = self.resolve(ref)
                    try:
                        for doc in nodes.compose_all(path.read_text(encoding="utf-8-sig")):
                            yield path, doc, FILE
                    except (OSError, UnicodeDecodeError, yaml.YAMLError):
                        continue
                    continue
                scalar = inline if isinstance(inline, yaml.ScalarNode) else entry if ref and "\n" in ref else None
                if isinstance(scalar, yaml.ScalarNode) and self.file is not None:
                    origin = nodes.scalar_origin(self._lines, scalar)
                    try:
                        for doc in nodes.compose_all(scalar.value):
                            yield self.file, doc, origin
                    except yaml.YAMLError:
                        continue

    def find_op(self, match: Callable[[str | None, str | None, str | None], bool]) -> tuple[Path | str, yaml.Node, Origin] | None:
        """The first JSON6902 operation for which match(op, path, from) holds, and its `path` (or `from`) node."""
        sources: list[tuple[Path | str, yaml.Node, Origin]] = list(self.patch_documents())
        if self.extra_patches is not None:
            sources.extend(self.extra_patches())
        for file, doc, origin in sources:
            for op in nodes.items(doc):
                kind = nodes.text(nodes.get(op, "op"))
                path, frm = nodes.text(nodes.get(op, "path")), nodes.text(nodes.get(op, "from"))
                if match(kind, path, frm):
                    return file, op, origin
        return None


def _resources(tail: str, r: _Reader) -> Cause | None:
    m = re.match(r"accumulating resources: accumulation err='accumulating resources from '(?P<ref>[^']*)': "
                 r"(?P<inner>.*)': must build at directory: (?P<dir>.*)$", tail, re.S)
    if m:
        ref, inner = m.group("ref"), m.group("inner")
        node = _entry(r, ("resources", "bases"), lambda v: v == ref)
        if _MISSING.search(inner) or "no such file" in inner:
            return r.at(node, f"resources: {ref} does not exist")
        if "is not in or below" in inner:
            return r.at(node, f"resources: {ref} is outside this kustomization's folder, which kustomize refuses "
                              "(make that folder a kustomization and list it instead)")
        target = r.resolve(ref)
        if target.is_file():  # the file's own content is at fault: that is where to look
            what = re.sub(r"\s*\{.*\}\s*$", "", inner)  # "missing kind in object {{...}}" -> "missing kind in object"
            return r.at(None, f"{ref}: {what}", file=target)
        return r.at(node, f"resources: {ref}: {inner}")
    m = re.match(r"accumulating resources: accumulating resources from '(?P<ref>[^']*)': (?P<inner>.*)$", tail, re.S)
    if m:
        target = r.resolve(m.group("ref"))
        line = re.search(r"yaml: line (\d+):", m.group("inner"))
        inner = re.sub(r"\s*in File: \S+$", "", m.group("inner")).removeprefix("MalformedYAMLError: ")
        cause = r.at(None, f"{m.group('ref')}: {inner}", file=target)
        if line:
            return Cause(cause.file, int(line.group(1)), 1, cause.message, True)
        return cause
    return None


def _components(tail: str, r: _Reader) -> Cause | None:
    m = re.match(r"accumulating components: (?P<inner>.*)$", tail, re.S)
    if not m:
        return None
    missing = _MISSING.search(m.group("inner"))
    if missing:
        target = Path(missing.group(1))
        node = _entry(r, ("components",), lambda v: r.resolve(v) == target)
        shown = nodes.text(node) if node is not None else r.rel(target)
        return r.at(node, f"components: {shown} does not exist")
    return r.at(r.key("components"), f"components: {m.group('inner')}")


def _plugin(tail: str, r: _Reader) -> Cause | None:
    m = re.match(r"trouble configuring builtin (?P<plugin>\w+) with config: `(?P<config>.*?)`: (?P<inner>.*)$",
                 tail, re.S)
    if not m:
        return None
    try:
        config = yaml.safe_load(m.group("config")) or {}
    except yaml.YAMLError:
        config = {}
    inner = m.group("inner")
    if m.group("plugin") == "PatchTransformer" and isinstance(config, dict):
        ref = config.get("path")
        node = _entry(r, ("patches", "patchesJson6902"), lambda v: v == ref, key="path") if ref else None
        if ref and ("failed to get the patch file" in inner or _MISSING.search(inner)):
            return r.at(node, f"patches: {ref} does not exist")
        if ref and "unable to parse SM or JSON patch" in inner:
            return r.at(None, f"{ref} is neither a strategic-merge patch (a mapping) nor a JSON6902 patch "
                              "(a list of operations)", file=r.resolve(ref))
        return r.at(node, f"patches: {ref or 'inline patch'}: {inner}")
    return r.at(None, f"{m.group('plugin')}: {inner}")


def _generators(tail: str, r: _Reader) -> Cause | None:
    m = re.match(r"loading KV pairs: (?P<what>file sources|env source files|literal sources) ?(?P<list>\[.*?\])?: "
                 r"(?P<inner>.*)$", tail, re.S)
    if not m:
        return None
    what, inner = m.group("what"), m.group("inner")
    field = {"file sources": "files", "env source files": "envs", "literal sources": "literals"}[what]
    missing = _MISSING.search(inner)
    if missing:
        target = Path(missing.group(1))
        hit = _generator_item(r, field, lambda v: r.resolve(v.split("=", 1)[-1]) == target)
        if hit is None and field == "envs":
            hit = _generator_item(r, "env", lambda v: r.resolve(v) == target)
        if hit is not None:
            gen, item = hit
            return r.at(item, f"{gen}: {field}: {nodes.text(item)} does not exist")
        return r.at(None, f"{field}: {r.rel(target)} does not exist")
    literal = re.search(r"invalid literal source (?P<lit>.*?), expected key=value", inner)
    if literal:
        hit = _generator_item(r, "literals", lambda v: v == literal.group("lit"))
        if hit is not None:
            return r.at(hit[1], f"{hit[0]}: literal {literal.group('lit')!r} is not KEY=VALUE")
    return r.at(None, f"{field}: {inner}")


_OPS = r"(?P<op>add|remove|replace|move|copy|test)"


def _json6902(tail: str, r: _Reader) -> Cause | None:
    def found(match: Callable[[str | None, str | None, str | None], bool], message: str, field: str = "path"):
        hit = r.find_op(match)
        if hit is None:
            return r.at(r.key("patches"), message)
        file, op, origin = hit
        node = nodes.get(op, field) or op
        return r.at(node, message, file=Path(file), origin=origin)

    m = re.search(_OPS + r" operation does not apply: doc is missing (?P<which>destination path|from path|path): "
                  r"\"?(?P<path>[^\"]*?)\"?: missing value", tail)
    if m:
        op, path = m.group("op"), m.group("path")
        if m.group("which") == "from path":
            return found(lambda k, p, f: k == op and f == path, f"{op} {path}: the object has no such path", "from")
        return found(lambda k, p, f: k == op and p == path,
                     f"{op} {path}: the object has no such path (kustomize's JSON6902 {op} needs the parent to exist)")
    m = re.search(r"error in " + _OPS + r" for path: '(?P<path>[^']*)': (?P<inner>[^:]*)", tail)
    if m:
        op, path, inner = m.group("op"), m.group("path"), m.group("inner")
        if op == "move":  # kustomize names only the last key of `from`
            return found(lambda k, p, f: k == op and (f or "").endswith("/" + path),
                         f"move from .../{path}: {inner.lower()}", "from")
        return found(lambda k, p, f: k == op and p == path, f"{op} {path}: {inner.lower()}")
    m = re.search(r"testing value (?P<path>\S+) failed", tail)
    if m:
        path = m.group("path")
        return found(lambda k, p, f: k == "test" and p == path,
                     f"test {path} failed: the object holds another value there (did an index move?)")
    m = re.search(r"Unexpected kind: (?P<kind>\S*)", tail)
    if m:
        kind = m.group("kind")
        return found(lambda k, p, f: (k or "unknown") == kind, f"op: {kind} is not a JSON6902 operation", "op")
    m = re.search(_OPS + r" operation failed to decode (?P<field>path|from)", tail)
    if m:
        op, field = m.group("op"), m.group("field")
        hit_field = field
        return found(lambda k, p, f: k == op and (p if hit_field == "path" else f) is None,
                     f"a {op} operation has no `{field}`", "op")
    return None


def _kustomization(tail: str, r: _Reader) -> Cause | None:
    m = re.search(r"invalid Kustomization: json: unknown field \"(?P<field>[^\"]+)\"", tail)
    if m:
        return r.at(_deep_key(r, m.group("field")), f"kustomization: unknown field {m.group('field')!r}")
    m = re.search(r"invalid Kustomization: json: cannot unmarshal (?P<have>\w+) into Go struct field "
                  r"(?P<where>[\w.]+) of type (?P<want>\S+)", tail)
    if m:
        name = m.group("where").rsplit(".", 1)[-1]
        return r.at(_deep_key(r, name), f"{m.group('where').split('.', 1)[-1]}: expected {m.group('want')}, "
                                        f"got {m.group('have')}")
    m = re.search(r"invalid Kustomization: yaml: line (?P<line>\d+): (?P<inner>.*)$", tail, re.S)
    if m:
        cause = r.at(None, f"{r.shown} does not parse: {m.group('inner')}")
        return Cause(cause.file, int(m.group("line")), 1, cause.message, True)
    m = re.search(r"Failed to read kustomization file under [^\n]*:\s*(?P<inner>.*)$", tail, re.S)
    if m:
        return r.at(r.key("kind") or r.key("apiVersion"), m.group("inner"))
    return None


def _strategic_merge(tail: str, r: _Reader) -> Cause | None:
    m = re.search(r"no resource matches strategic merge patch \"(?P<id>[^\"]+)\"", tail)
    if not m:
        return None
    kind, _, rest = m.group("id").partition(".")
    name = rest.split("/", 1)[-1].rsplit(".", 1)[0] if "/" in rest else ""
    for file, doc, origin in r.patch_documents():
        if nodes.text(nodes.get(doc, "kind")) == kind and nodes.text(nodes.get(nodes.get(doc, "metadata"), "name")) == name:
            node = nodes.get(nodes.get(doc, "metadata"), "name")
            return r.at(node, f"strategic-merge patch for {kind} {name}: no such object in this kustomization "
                              "(add a `target:` to aim it, or fix the name)", file=file, origin=origin)
    return r.at(r.key("patches"), f"no {kind} {name} for a strategic-merge patch to apply to")


def _replacements(tail: str, r: _Reader) -> Cause | None:
    m = re.search(r"fieldPath `(?P<path>[^`]+)` is missing for replacement source (?P<id>\S+)", tail)
    if m:
        node = _replacement_node(r, lambda src: nodes.text(nodes.get(src, "fieldPath")) == m.group("path"),
                                 "fieldPath")
        return r.at(node, f"replacements: the source has no {m.group('path')}")
    m = re.search(r"nothing selected by (?P<kind>[^.\s]+)\.[^/\s]*/(?P<name>[^.\s:]+)", tail)
    if m:
        node = _replacement_node(r, lambda src: nodes.text(nodes.get(src, "name")) == m.group("name"), "name")
        return r.at(node, f"replacements: no {m.group('kind')} {m.group('name')} to copy from")
    return None


def _rendered_elsewhere(tail: str, r: _Reader) -> Cause | None:
    m = re.match(r"not rendered: (?P<file>[^:]+): (?P<why>.*)$", tail, re.S)  # the engine's own precheck
    if m:
        return Cause(m.group("file"), None, None, r.clean(f"{m.group('file')}: {m.group('why')}"), False)
    return None


_EXPLAINERS = (_rendered_elsewhere, _kustomization, _resources, _components, _plugin, _generators, _json6902,
               _strategic_merge, _replacements)


# -- finding entries


def _entry(r: _Reader, fields: tuple[str, ...], match: Callable[[str], bool], key: str | None = None) -> yaml.Node | None:
    for name in fields:
        for item in nodes.items(r.field(name)):
            value = nodes.text(nodes.get(item, key)) if key else nodes.text(item)
            if value is not None and match(value):
                return nodes.get(item, key) if key else item
    return None


def _generator_item(r: _Reader, field: str, match: Callable[[str], bool]) -> tuple[str, yaml.Node] | None:
    for kind in ("configMapGenerator", "secretGenerator"):
        for gen in nodes.items(r.field(kind)):
            name = nodes.text(nodes.get(gen, "name")) or "?"
            value = nodes.get(gen, field)
            for item in nodes.items(value) if field != "env" else ([value] if value is not None else []):
                text = nodes.text(item)
                if text is not None and match(text):
                    return f"{kind} {name}", item
    return None


def _deep_key(r: _Reader, name: str) -> yaml.Node | None:
    """The first mapping key called `name` (case-insensitively, as Go decodes) anywhere in the kustomization."""
    stack = [r._root_node] if r._root_node is not None else []
    while stack:
        node = stack.pop(0)
        for k, v in nodes.pairs(node):
            if (nodes.text(k) or "").lower() == name.lower():
                return k
            stack.append(v)
        stack.extend(nodes.items(node))
    return None


def _replacement_node(r: _Reader, match: Callable[[yaml.Node], bool], field: str) -> yaml.Node | None:
    for entry in nodes.items(r.field("replacements")):
        source = nodes.get(entry, "source")
        if source is not None and match(source):
            return nodes.get(source, field) or source
    return r.key("replacements")


def application_patches(path: Path, name: str) -> Iterator[tuple[Path, yaml.Node, Origin]]:
    """The inline patches of an Argo CD Application's kustomize options, with their positions in its file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        docs = nodes.compose_all(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return
    lines = text.splitlines(keepends=True)
    for doc in docs:
        if nodes.text(nodes.get(doc, "kind")) != "Application" \
                or nodes.text(nodes.get(nodes.get(doc, "metadata"), "name")) != name:
            continue
        spec = nodes.get(doc, "spec")
        sources = [nodes.get(spec, "source"), *nodes.items(nodes.get(spec, "sources"))]
        for source in sources:
            for entry in nodes.items(nodes.get(nodes.get(source, "kustomize"), "patches")):
                patch = nodes.get(entry, "patch")
                if not isinstance(patch, yaml.ScalarNode):
                    continue
                origin = nodes.scalar_origin(lines, patch)
                try:
                    for inner in nodes.compose_all(patch.value):
                        yield path, inner, origin
                except yaml.YAMLError:
                    continue
