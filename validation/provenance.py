"""Which source line set a rendered value: a target's kustomize edits, replayed in build order.

kustomize builds a kustomization by accumulating its resources (each sub-kustomization built first), running its
generators, then its components, then its transformers in a fixed order (kusttarget_configplugin.go):
strategic-merge patches, patches, namespace, prefix, suffix, labels, annotations, JSON6902 patches, replicas,
images, replacements. An Argo CD Application's kustomize options come last. The edit that set a value is the last
one, in that order, that wrote the value's path (or a parent of it): a JSON6902 add/replace/copy/move, a
strategic-merge patch, a replacement, a generator's literal, file or option, a label, the namespace, an image.
So a finding about staging's bucket points at overlays/staging/bucket.yaml, even when the base holds the same
value: the overlay's patch set it last.

Each candidate says how deep into the JSON path it reaches and whether it *sets* the node there (a resource
document, a JSON6902 value and a replacement set everything they hold; a strategic-merge patch sets scalars and
lists but only merges into a mapping). The deepest candidate wins, a setter before a merge, a later edit before
an earlier one.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from validation import sourcemap
from validation.kustomize import nodes
from validation.kustomize.nodes import FILE, Origin
from validation.model import JsonPath, Manifest, Target
from validation.sourcemap import Location

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_HASH = re.compile(r"-[a-z0-9]{10}$")
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


@dataclass(frozen=True)
class _Hit:
    depth: int  # parts of the JSON path this edit reaches
    sets: bool  # it wrote the node there (not only merged into a mapping)
    seq: int  # build order
    location: Location

    @property
    def rank(self) -> tuple[int, bool, int]:
        return self.depth, self.sets, self.seq


@dataclass
class _View:
    """A rendered object, as the selectors of every kustomization level may have seen it."""

    manifest: Manifest
    names: set[str]
    namespaces: set[str | None]

    @property
    def obj(self) -> dict[str, Any]:
        return self.manifest.obj

    @property
    def kind(self) -> str:
        return self.manifest.kind

    def value(self, path: JsonPath) -> Any:
        return _value_at(self.obj, path)


def _value_at(obj: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(part, int) and isinstance(obj, list) and 0 <= part < len(obj):
            obj = obj[part]
        elif isinstance(part, str) and isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return None
    return obj


# ---- reading files once


class _Source:
    """A parsed YAML file: its documents' nodes (tags resolved) and its lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.docs: list[yaml.Node] = []
        self.lines: list[str] = []
        try:
            text = path.read_text(encoding="utf-8-sig")
            self.lines = text.splitlines(keepends=True)
            self.docs = nodes.compose_all(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
            pass


_sources: dict[tuple[str, int, int], _Source] = {}
_lock = threading.Lock()


def _source(path: Path) -> _Source:
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return _Source(path)
    with _lock:
        found = _sources.get(key)
    if found is None:
        found = _Source(path)
        with _lock:
            _sources[key] = found
    return found


# ---- selectors


@dataclass(frozen=True)
class _Selector:
    kind: str | None = None
    name: str | None = None
    namespace: str | None = None
    group: str | None = None
    version: str | None = None
    label_selector: str | None = None
    annotation_selector: str | None = None
    exact: bool = False  # a strategic-merge patch's own kind and name (no regular expressions)

    @classmethod
    def of(cls, node: yaml.Node | None) -> _Selector:
        def t(key: str) -> str | None:
            return nodes.text(nodes.get(node, key))
        return cls(t("kind"), t("name"), t("namespace"), t("group"), t("version"), t("labelSelector"),
                   t("annotationSelector"))

    def selects(self, view: _View) -> bool:
        api = view.manifest.api_version
        group, _, version = api.rpartition("/")
        checks = ((self.kind, {view.kind}), (self.name, view.names), (self.group, {group}),
                  (self.version, {version}))
        for want, have in checks:
            if want is not None and not any(_matches(want, h, self.exact) for h in have):
                return False
        if self.namespace is not None and not any(_matches(self.namespace, n or "", self.exact)
                                                  for n in view.namespaces):
            return False
        meta = view.manifest.metadata
        for sel, values in ((self.label_selector, meta.get("labels")), (self.annotation_selector,
                                                                        meta.get("annotations"))):
            if sel and not _label_selector_matches(sel, values if isinstance(values, dict) else {}):
                return False
        return True


def _matches(pattern: str, value: str, exact: bool) -> bool:
    if exact:
        return pattern == value
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return pattern == value


def _label_selector_matches(selector: str, labels: dict[str, Any]) -> bool:
    """Equality-based selectors (a=b, a!=b, a, !a) and set-based ones (a in (x,y), a notin (x)); lenient otherwise."""
    for term in re.split(r",(?![^()]*\))", selector):
        term = term.strip()
        if not term:
            continue
        m = re.fullmatch(r"([^\s!=]+)\s*(==|=|!=)\s*(\S*)", term)
        if m:
            key, op, value = m.groups()
            present = key in labels and str(labels[key]) == value
            if (op == "!=") == present:
                return False
            continue
        m = re.fullmatch(r"([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)", term)
        if m:
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            inside = key in labels and str(labels[key]) in values
            if (op == "in") != inside:
                return False
            continue
        if term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


# ---- edits


@dataclass
class _Edit:
    seq: int
    file: Path
    selector: _Selector | None  # None: every object

    def selects(self, view: _View) -> bool:
        return self.selector is None or self.selector.selects(view)

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:  # pragma: no cover - abstract
        raise NotImplementedError


def _loc(prov: Provenance, file: Path, node: yaml.Node | yaml.Mark, origin: Origin = FILE, depth: int = 0,
         exact: bool = True) -> Location:
    mark = node.start_mark if hasattr(node, "start_mark") else node  # a node, or a mark (libyaml's own type)
    line, column = origin.position(mark)
    return Location(prov.rel(file), line, column, exact, depth)


@dataclass
class _JsonOp(_Edit):
    op: yaml.MappingNode = None  # type: ignore[assignment]
    origin: Origin = FILE

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        kind = nodes.text(nodes.get(self.op, "op"))
        key = prov.about_key
        pointer = nodes.text(nodes.get(self.op, "path"))
        if kind not in ("add", "replace", "copy", "move") or pointer is None or not pointer.startswith("/"):
            return None
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        if len(parts) > len(path):
            return None
        value = nodes.get(self.op, "value")
        for i, (want, have) in enumerate(zip(parts, path, strict=False)):
            if want == str(have):
                continue
            if want == "-" and isinstance(have, int) and kind == "add" and i == len(parts) - 1 \
                    and _same_item(value, view.value(path[: i + 1])):
                continue
            return None
        if kind in ("copy", "move"):
            where = nodes.get(self.op, "from") or self.op
            return _Hit(len(path), True, self.seq, _loc(prov, self.file, where, self.origin, len(path)))
        if value is None:  # a misspelt `value`: kustomize wrote null here; the operation is what to fix
            return _Hit(len(path), True, self.seq, _loc(prov, self.file, self.op, self.origin, len(path)))
        rest = path[len(parts):]
        if not rest:  # the pointer names the field itself: its last segment is the key, `value` the value
            if key:
                node = nodes.get(self.op, "path")
                loc = _loc(prov, self.file, node, self.origin, len(path))
                if not node.style and self.origin.exact:  # a plain scalar: point at the last segment
                    loc = Location(loc.file, loc.line, loc.column + pointer.rfind("/") + 1, True, len(path))
                return _Hit(len(path), True, self.seq, loc)
            return _Hit(len(path), True, self.seq, _loc(prov, self.file, value, self.origin, len(path)))
        mark, _, _, depth = sourcemap.walk(value, rest, view.value(path[: len(parts)]))
        total = len(parts) + depth
        return _Hit(total, True, self.seq, _loc(prov, self.file, mark, self.origin, total, total == len(path)))


def _same_item(value: yaml.Node | None, rendered: Any) -> bool:
    """Whether an appended value is the rendered list item (same name, or the same scalar)."""
    if isinstance(value, yaml.MappingNode):
        name = nodes.text(nodes.get(value, "name"))
        return name is not None and isinstance(rendered, dict) and str(rendered.get("name")) == name
    if isinstance(value, yaml.ScalarNode):
        return rendered is not None and not isinstance(rendered, (dict, list)) and str(rendered) == value.value
    return False


@dataclass
class _StrategicMerge(_Edit):
    doc: yaml.MappingNode = None  # type: ignore[assignment]
    origin: Origin = FILE

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        if tuple(path[:2]) in _IDENTITY or tuple(path[:1]) in _IDENTITY:
            return None  # kind and name say which object the patch is for; they set nothing
        mark, node, exact, depth = sourcemap.walk(self.doc, path, view.obj)
        if depth == 0:
            return None
        sets = exact and not isinstance(node, yaml.MappingNode)
        return _Hit(depth, sets, self.seq, _loc(prov, self.file, mark, self.origin, depth, exact))


@dataclass
class _Field(_Edit):
    """A kustomization field that sets one path of every object it selects (namespace, labels, replicas ...)."""

    paths: tuple[JsonPath, ...] = ()
    node: yaml.Node = None  # type: ignore[assignment]
    sets: bool = True
    names: tuple[str, ...] = ()  # only objects with one of these names (replicas)

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        if self.names and not view.names & set(self.names):
            return None
        for p in self.paths:
            if tuple(path) == p:
                return _Hit(len(path), self.sets, self.seq, _loc(prov, self.file, self.node, FILE, len(path)))
        return None


@dataclass
class _Labels(_Edit):
    """labels / commonLabels / commonAnnotations: one key, on metadata and (when asked) on selectors and templates."""

    key: str = ""
    node: yaml.Node = None  # type: ignore[assignment]
    section: str = "labels"  # or "annotations"
    everywhere: bool = False  # commonLabels and includeSelectors/includeTemplates reach selectors and templates

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        if not path or path[-1] != self.key:
            return None
        parent = tuple(path[:-1])
        if parent == ("metadata", self.section) or (
                self.everywhere and len(parent) >= 2 and parent[-1] in (self.section, "matchLabels")):
            return _Hit(len(path), True, self.seq, _loc(prov, self.file, self.node, FILE, len(path)))
        return None


@dataclass
class _Image(_Edit):
    names: tuple[str, ...] = ()  # image names the entry applies to
    node: yaml.Node = None  # type: ignore[assignment]

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        if not path or path[-1] != "image":
            return None
        image = view.value(path)
        if not isinstance(image, str):
            return None
        name = image.split("@", 1)[0]
        last = name.rsplit("/", 1)[-1]
        if ":" in last:
            name = name[: len(name) - len(last)] + last.split(":", 1)[0]
        if name not in self.names:
            return None
        return _Hit(len(path), True, self.seq, _loc(prov, self.file, self.node, FILE, len(path)))


@dataclass
class _Generator(_Edit):
    entry: yaml.MappingNode = None  # type: ignore[assignment]
    kind: str = "ConfigMap"
    name: str = ""
    options: list[yaml.Node] = field(default_factory=list)  # the entry's options, then the kustomization's

    def selects(self, view: _View) -> bool:
        return view.kind == self.kind and self.name in view.names

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        path = tuple(path)
        if len(path) == 2 and path[0] in ("data", "binaryData", "stringData"):
            key = str(path[1])
            for item in nodes.items(nodes.get(self.entry, "literals")):
                if (nodes.text(item) or "").split("=", 1)[0].strip() == key:
                    return _Hit(2, True, self.seq, _loc(prov, self.file, item, FILE, 2))
            for item in nodes.items(nodes.get(self.entry, "files")):
                text = nodes.text(item) or ""
                named = text.split("=", 1)[0] if "=" in text else os.path.basename(text)
                if named == key:
                    return _Hit(2, True, self.seq, _loc(prov, self.file, item, FILE, 2))
            envs = nodes.items(nodes.get(self.entry, "envs"))
            single = nodes.get(self.entry, "env")
            for item in envs + ([single] if single is not None else []):
                ref = nodes.text(item)
                if ref:
                    found = _env_line(self.file.parent / ref, key)
                    if found is not None:
                        line, column = found
                        return _Hit(2, True, self.seq, Location(prov.rel(self.file.parent / ref), line, column, True,
                                                                2))
        if len(path) == 3 and path[:2] in (("metadata", "labels"), ("metadata", "annotations")) or path == (
                "immutable",):
            want = path[1:] if path[0] == "metadata" else ("immutable",)
            for options in self.options:
                node = nodes.get(options, want[0])
                node = nodes.get(node, str(want[1])) if len(want) == 2 else node
                if node is not None:
                    return _Hit(len(path), True, self.seq, _loc(prov, self.file, node, FILE, len(path)))
        if path == ("type",) and nodes.get(self.entry, "type") is not None:
            return _Hit(1, True, self.seq, _loc(prov, self.file, nodes.get(self.entry, "type"), FILE, 1))
        # anything else about a generated object: the generator made it
        return _Hit(0, True, self.seq, _loc(prov, self.file, nodes.get(self.entry, "name") or self.entry, FILE, 0,
                                            not path))


def _env_line(path: Path, key: str) -> tuple[int, int] | None:
    src = _source_lines(path)
    for number, line in enumerate(src, start=1):
        stripped = line.lstrip()
        if stripped.split("=", 1)[0].strip() == key and "=" in stripped:
            return number, len(line) - len(stripped) + 1
    return None


def _source_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


@dataclass
class _Replacement(_Edit):
    entry: yaml.MappingNode = None  # type: ignore[assignment]
    target: yaml.MappingNode = None  # type: ignore[assignment]
    origin: Origin = FILE

    def selects(self, view: _View) -> bool:
        if not _Selector.of(nodes.get(self.target, "select")).selects(view):
            return False
        return not any(_Selector.of(r).selects(view) for r in nodes.items(nodes.get(self.target, "reject")))

    def hit(self, view: _View, path: JsonPath, prov: Provenance) -> _Hit | None:
        for fp in nodes.items(nodes.get(self.target, "fieldPaths")):
            text = nodes.text(fp)
            if text and _field_path_matches(text, path, view.obj):
                return _Hit(len(path), True, self.seq, self._source(prov) or
                            _loc(prov, self.file, nodes.get(self.entry, "source") or self.entry, self.origin,
                                 len(path)))
        return None

    def _source(self, prov: Provenance) -> Location | None:
        """Where the copied value is written: sourceValue, or the source object's field."""
        literal = nodes.get(self.entry, "sourceValue")
        if literal is not None:
            return _loc(prov, self.file, literal, self.origin)
        source = nodes.get(self.entry, "source")
        if source is None:
            return None
        selector = _Selector.of(source)
        field_path = nodes.text(nodes.get(source, "fieldPath")) or "metadata.name"
        return prov.find_source_field(selector, field_path)


def _split_field_path(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p != ""]


def _field_path_matches(text: str, path: JsonPath, obj: Any) -> bool:
    """kustomize's fieldPath syntax (`spec.arguments.parameters.[name=repo].value`, `a.0.b`, `a.*.b`) against a
    JSON path into the rendered object."""
    parts = _split_field_path(text)
    if len(parts) != len(path):
        return False
    current = obj
    for want, have in zip(parts, path, strict=True):
        if want == "*":
            pass
        elif want.startswith("[") and want.endswith("]") and "=" in want:
            key, _, value = want[1:-1].partition("=")
            item = current[have] if isinstance(current, list) and isinstance(have, int) and have < len(current) \
                else None
            if not (isinstance(item, dict) and str(item.get(key)) == value):
                return False
        elif want != str(have):
            return False
        current = current[have] if isinstance(current, (list, dict)) and _has(current, have) else None
    return True


def _has(container: Any, key: Any) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and 0 <= key < len(container)
    return key in container


# ---- the tree


class Provenance:
    """The edits one target's build applies, in order, and the lookup from (object, path) to the line that set it."""

    def __init__(self, root: Path, target: Target, manifests: list[Manifest] | None = None) -> None:
        self.root = root.resolve()
        self.target = target
        self.manifests = manifests or []
        self.edits: list[_Edit] = []
        self.resource_files: list[Path] = []
        self.prefixes: set[str] = set()
        self.suffixes: set[str] = set()
        self._seq = 0
        self._seen: set[Path] = set()
        self._views: dict[int, _View] = {}
        self._depth = 0
        self.about_key = False  # the finding is about a field's name (an unknown field), not its value
        if target.path.is_dir():
            self._visit(target.path.resolve())
            self._application_options()

    def rel(self, path: Path | str) -> str:
        p = Path(os.path.normpath(path))
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # -- reading the tree in kustomize's order

    def _visit(self, directory: Path) -> None:
        kfile = next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)
        if kfile is None or directory in self._seen or len(self._seen) > 500:
            return
        self._seen.add(directory)
        src = _source(kfile)
        root = src.docs[0] if src.docs else None
        if not isinstance(root, yaml.MappingNode):
            return
        fields = {(nodes.text(k) or "").lower(): v for k, v in nodes.pairs(root)}
        for key in ("resources", "bases"):
            for item in nodes.items(fields.get(key)):
                ref = nodes.text(item)
                if not ref or "://" in ref or ref.startswith(("github.com/", "git@")):
                    continue
                path = Path(os.path.normpath(directory / ref))
                if path.is_dir():
                    self._visit(path)
                elif path.is_file():
                    self.resource_files.append(path)
        self._generators(kfile, fields)
        for item in nodes.items(fields.get("components")):
            ref = nodes.text(item)
            if ref and "://" not in ref:
                path = Path(os.path.normpath(directory / ref))
                if path.is_dir():
                    self._visit(path)
        self._transformers(kfile, src, fields)

    def _generators(self, kfile: Path, fields: dict[str, yaml.Node]) -> None:
        shared = fields.get("generatoroptions")
        for key, kind in (("configmapgenerator", "ConfigMap"), ("secretgenerator", "Secret")):
            for entry in nodes.items(fields.get(key)):
                name = nodes.text(nodes.get(entry, "name"))
                if not name or not isinstance(entry, yaml.MappingNode):
                    continue
                options = [o for o in (nodes.get(entry, "options"), shared) if o is not None]
                self.edits.append(_Generator(self._next(), kfile, None, entry, kind, name, options))

    def _transformers(self, kfile: Path, src: _Source, fields: dict[str, yaml.Node]) -> None:
        for entry in nodes.items(fields.get("patchesstrategicmerge")):
            self._patch(kfile, src, entry, None)
        for entry in nodes.items(fields.get("patches")):
            self._patch(kfile, src, entry, nodes.get(entry, "target"))
        namespace = fields.get("namespace")
        if nodes.text(namespace):
            self.edits.append(_Field(self._next(), kfile, None, (("metadata", "namespace"),), namespace))
        for key, bag in (("nameprefix", self.prefixes), ("namesuffix", self.suffixes)):
            node = fields.get(key)
            if nodes.text(node):
                bag.add(nodes.text(node) or "")
                self.edits.append(_Field(self._next(), kfile, None, (("metadata", "name"),), node, sets=False))
        for entry in nodes.items(fields.get("labels")):
            everywhere = any(nodes.text(nodes.get(entry, k)) == "true" for k in ("includeSelectors",
                                                                                 "includeTemplates"))
            for k, v in nodes.pairs(nodes.get(entry, "pairs")):
                self.edits.append(_Labels(self._next(), kfile, None, nodes.text(k) or "", v, "labels", everywhere))
        for k, v in nodes.pairs(fields.get("commonlabels")):
            self.edits.append(_Labels(self._next(), kfile, None, nodes.text(k) or "", v, "labels", True))
        for k, v in nodes.pairs(fields.get("commonannotations")):
            self.edits.append(_Labels(self._next(), kfile, None, nodes.text(k) or "", v, "annotations", True))
        for entry in nodes.items(fields.get("patchesjson6902")):
            self._patch(kfile, src, entry, nodes.get(entry, "target"))
        for entry in nodes.items(fields.get("replicas")):
            name, count = nodes.text(nodes.get(entry, "name")), nodes.get(entry, "count")
            if name and count is not None:
                self.edits.append(_Field(self._next(), kfile, None, (("spec", "replicas"),), count, names=(name,)))
        for entry in nodes.items(fields.get("images")):
            self._image(kfile, entry)
        for entry in nodes.items(fields.get("replacements")):
            ref = nodes.text(nodes.get(entry, "path"))
            if ref:
                other = _source(kfile.parent / ref)
                for doc in other.docs:
                    for item in (nodes.items(doc) if isinstance(doc, yaml.SequenceNode) else [doc]):
                        self._replacement(kfile.parent / ref, item, FILE)
            else:
                self._replacement(kfile, entry, FILE)

    def _image(self, file: Path, entry: yaml.Node) -> None:
        name = nodes.text(nodes.get(entry, "name"))
        if not name:
            return
        new_name = nodes.text(nodes.get(entry, "newName"))
        node = next((n for n in (nodes.get(entry, k) for k in ("newTag", "digest", "newName", "tagSuffix"))
                     if n is not None), nodes.get(entry, "name"))
        self.edits.append(_Image(self._next(), file, None, tuple(n for n in (name, new_name) if n), node))

    def _replacement(self, file: Path, entry: yaml.Node, origin: Origin) -> None:
        if not isinstance(entry, yaml.MappingNode):
            return
        for target in nodes.items(nodes.get(entry, "targets")):
            if isinstance(target, yaml.MappingNode):
                self.edits.append(_Replacement(self._next(), file, None, entry, target, origin))

    def _patch(self, kfile: Path, src: _Source, entry: yaml.Node, target: yaml.Node | None) -> None:
        selector = _Selector.of(target) if target is not None else None
        ref = nodes.text(nodes.get(entry, "path")) if isinstance(entry, yaml.MappingNode) else nodes.text(entry)
        inline = nodes.get(entry, "patch") if isinstance(entry, yaml.MappingNode) else None
        docs: list[tuple[Path, yaml.Node, Origin]] = []
        if ref and "\n" not in ref:
            path = kfile.parent / ref
            docs = [(path, d, FILE) for d in _source(path).docs]
        else:
            scalar = inline if isinstance(inline, yaml.ScalarNode) else entry if isinstance(entry, yaml.ScalarNode) \
                else None
            if scalar is not None:
                origin = nodes.scalar_origin(src.lines, scalar)
                try:
                    docs = [(kfile, d, origin) for d in nodes.compose_all(scalar.value)]
                except yaml.YAMLError:
                    docs = []
        self._patch_docs(docs, selector)

    def _patch_docs(self, docs: list[tuple[Path, yaml.Node, Origin]], selector: _Selector | None) -> None:
        for path, doc, origin in docs:
            if isinstance(doc, yaml.SequenceNode):
                for op in doc.value:
                    if isinstance(op, yaml.MappingNode):
                        self.edits.append(_JsonOp(self._next(), path, selector, op, origin))
            elif isinstance(doc, yaml.MappingNode):
                own = selector
                if own is None:
                    meta = nodes.get(doc, "metadata")
                    own = _Selector(nodes.text(nodes.get(doc, "kind")), nodes.text(nodes.get(meta, "name")),
                                    nodes.text(nodes.get(meta, "namespace")), exact=True)
                self.edits.append(_StrategicMerge(self._next(), path, own, doc, origin))

    def _application_options(self) -> None:
        """An Argo CD Application's spec.source.kustomize, applied on top of the overlay (render.apply_app_options)."""
        t = self.target
        if t.kind != "application" or not t.application_file:
            return
        file = self.root / t.application_file
        src = _source(file)
        name = str((t.application or {}).get("metadata", {}).get("name", ""))
        app = next((d for d in src.docs if nodes.text(nodes.get(d, "kind")) == "Application"
                    and nodes.text(nodes.get(nodes.get(d, "metadata"), "name")) == name), None)
        spec = nodes.get(app, "spec")
        many = nodes.items(nodes.get(spec, "sources"))
        if t.source_index is not None and t.source_index < len(many):
            source = many[t.source_index]  # the source this build renders, of a multi-source Application
        else:
            source = nodes.get(spec, "source")
            if source is None:
                source = next((s for s in many if nodes.get(s, "path") is not None), None)
        options = nodes.get(source, "kustomize")
        if options is None:
            return
        fields = {(nodes.text(k) or "").lower(): v for k, v in nodes.pairs(options)}
        for item in nodes.items(fields.get("components")):
            ref = nodes.text(item)
            if ref:
                self._visit(Path(os.path.normpath(t.path / ref)))
        for entry in nodes.items(fields.get("patches")):
            self._patch(file, src, entry, nodes.get(entry, "target"))
        for key, path in (("namespace", ("metadata", "namespace")),):
            node = fields.get(key)
            if nodes.text(node):
                self.edits.append(_Field(self._next(), file, None, (path,), node))
        for key in ("nameprefix", "namesuffix"):
            node = fields.get(key)
            if nodes.text(node):
                (self.prefixes if key == "nameprefix" else self.suffixes).add(nodes.text(node) or "")
                self.edits.append(_Field(self._next(), file, None, (("metadata", "name"),), node, sets=False))
        everywhere = nodes.text(fields.get("labelwithoutselector")) != "true"
        for k, v in nodes.pairs(fields.get("commonlabels")):
            self.edits.append(_Labels(self._next(), file, None, nodes.text(k) or "", v, "labels", everywhere))
        for k, v in nodes.pairs(fields.get("commonannotations")):
            self.edits.append(_Labels(self._next(), file, None, nodes.text(k) or "", v, "annotations", True))
        for item in nodes.items(fields.get("images")):
            text = nodes.text(item) or ""
            m = re.match(r"^(?:(?P<name>[^=]+)=)?(?P<ref>.+)$", text.strip())
            if not m:
                continue
            ref = m.group("ref").split("@", 1)[0]
            last = ref.rsplit("/", 1)[-1]
            bare = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
            self.edits.append(_Image(self._next(), file, None, tuple({m.group("name") or bare, bare}), item))
        for entry in nodes.items(fields.get("replicas")):
            name, count = nodes.text(nodes.get(entry, "name")), nodes.get(entry, "count")
            if name and count is not None:
                self.edits.append(_Field(self._next(), file, None, (("spec", "replicas"),), count, names=(name,)))

    # -- objects

    def _view(self, m: Manifest) -> _View:
        view = self._views.get(id(m.obj))
        if view is not None:
            return view
        names = {m.name}
        original = self._original(m)
        if original is not None:
            meta = nodes.get(original, "metadata")
            n = nodes.text(nodes.get(meta, "name"))
            if n:
                names.add(n)
        for n in list(names):
            stripped = _HASH.sub("", n)
            names.add(stripped)
            for prefix in self.prefixes:
                for candidate in (n, stripped):
                    if prefix and candidate.startswith(prefix):
                        names.add(candidate[len(prefix):])
        for n in list(names):
            for suffix in self.suffixes:
                if suffix and n.endswith(suffix):
                    names.add(n[: -len(suffix)])
        namespaces: set[str | None] = {m.namespace, None}
        view = _View(m, names, namespaces)
        self._views[id(m.obj)] = view
        return view

    def _original(self, m: Manifest) -> yaml.Node | None:
        if not m.source or Path(m.source).name in KUSTOMIZATION_NAMES:
            return None
        src = _source(self.root / m.source)
        return sourcemap._pick(src.docs, m.kind, m.name)  # noqa: SLF001 - one module's helper, shared

    def locate(self, m: Manifest, path: JsonPath, about_key: bool = False) -> Location | None:
        """The source line that set `path` in the rendered object `m`, or the deepest part of it that exists.
        `about_key`: the finding is about the field's name, so a JSON6902 op that adds it points at its `path`."""
        self.about_key = about_key
        view = self._view(m)
        hits: list[_Hit] = []
        if m.source and Path(m.source).name not in KUSTOMIZATION_NAMES:
            loc = sourcemap.locate(self.root, m.source, m.kind, m.name, path, rendered=m.obj)
            if loc is not None:
                hits.append(_Hit(loc.depth, True, 0, loc))
        for edit in self.edits:
            if edit.selects(view):
                hit = edit.hit(view, path, self)
                if hit is not None:
                    hits.append(hit)
        if not hits:
            return None
        best = max(hits, key=lambda h: h.rank)
        loc = best.location
        return Location(loc.file, loc.line, loc.column, best.depth == len(path), best.depth)

    def find_source_field(self, selector: _Selector, field_path: str) -> Location | None:
        """Where a replacement's source value is written: in a rendered object (followed through its own edits),
        or in a resource file of the tree (a local-config object kustomize reads but does not render)."""
        if self._depth > 3:
            return None
        parts = [int(p) if p.isdigit() else p for p in _split_field_path(field_path)]
        if any(str(p).startswith("[") for p in parts):
            return None
        exact = _Selector(selector.kind, selector.name, selector.namespace, selector.group, selector.version,
                          exact=True)
        for m in self.manifests:
            if exact.selects(self._view(m)):
                self._depth += 1
                try:
                    return self.locate(m, tuple(parts))
                finally:
                    self._depth -= 1
        for path in self.resource_files:
            for doc in _source(path).docs:
                meta = nodes.get(doc, "metadata")
                if nodes.text(nodes.get(doc, "kind")) == selector.kind and \
                        nodes.text(nodes.get(meta, "name")) == selector.name:
                    mark, _, found, depth = sourcemap.walk(doc, tuple(parts))
                    return Location(self.rel(path), mark.line + 1, mark.column + 1, found, depth)
        return None


def clear_cache() -> None:
    with _lock:
        _sources.clear()


def walk_edits(prov: Provenance) -> Iterator[tuple[int, str, str]]:
    """(order, edit type, file) for every edit, for debugging and tests."""
    for e in prov.edits:
        yield e.seq, type(e).__name__.lstrip("_"), prov.rel(e.file)
