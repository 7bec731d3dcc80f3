"""libyaml's CSafeLoader with a faster construction step, for large rendered streams.

PyYAML's SafeConstructor builds every mapping and list through a Python generator, and resolves every plain
scalar through a regex loop. For kustomize output (plain JSON-like YAML) that is most of the load time. This
loader keeps libyaml's parser and the safe constructors for tagged scalars, and builds maps and lists directly:
- results are identical to CSafeLoader's (tested), including shared objects for aliases, so an alias bomb
  costs what it costs CSafeLoader (one object per anchor, never an expansion);
- anything unusual (merge keys `<<`, recursive aliases, unhashable keys, unknown tags) falls back to the
  standard constructor for that document, so errors and edge cases are exactly PyYAML's.

Use: `yaml.load_all(text, Loader=FastSafeLoader)` wherever `Loader=yaml.CSafeLoader` was used.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_CACHE_LIMIT = 50_000
# Plain scalar text -> tag, per loader class (a subclass may add implicit resolvers): shared by every loader of
# that class, so a directory of 10,000 small files does not resolve "TCP" and "true" 10,000 times over.
_TAG_CACHES: dict[type, dict[str, str]] = {}


class _Fallback(Exception):
    """This document needs the standard constructor."""


class FastSafeLoader(yaml.CSafeLoader):  # type: ignore[misc]
    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._tags = _TAG_CACHES.setdefault(type(self), {})
        # Mappings built shorter than their node (a repeated key): the source lint's duplicate-key signal.
        self.short_mappings = 0

    # Path resolvers are never registered for this loader; skip the two no-op calls per node.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:  # noqa: D401
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0]:
            # plain scalars repeat a lot in rendered manifests ("TCP", "true", "app"): resolve each text once
            tag = self._tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._tags) < _CACHE_LIMIT:
                    self._tags[value] = tag
            return tag
        if not self.yaml_path_resolvers:
            # What BaseResolver.resolve returns here when no path resolver is registered, without its checks: it is
            # asked for every mapping, list and quoted scalar of every document.
            if kind is MappingNode:
                return self.DEFAULT_MAPPING_TAG
            if kind is SequenceNode:
                return self.DEFAULT_SEQUENCE_TAG
            if kind is ScalarNode:
                return self.DEFAULT_SCALAR_TAG
        return super().resolve(kind, value, implicit)

    def construct_document(self, node: Any) -> Any:
        try:
            return self._fast(node)
        except _Fallback:
            return super().construct_document(node)

    def _fast(self, root: Any) -> Any:
        constructors = self.yaml_constructors
        built: dict[int, Any] = {}  # aliases are the same node object: build once, share, as PyYAML does
        active: set[int] = set()

        def build(node: Any) -> Any:
            cls = node.__class__
            if cls is ScalarNode:
                if node.tag == _STR:
                    return node.value
                constructor = constructors.get(node.tag)
                if constructor is None:
                    raise _Fallback
                return constructor(self, node)
            key = id(node)
            if key in built:
                return built[key]
            if key in active:  # recursive alias
                raise _Fallback
            active.add(key)
            if cls is MappingNode:
                if node.tag != _MAP:
                    raise _Fallback
                out: Any = {}
                for k, v in node.value:
                    if k.tag == "tag:yaml.org,2002:merge":
                        raise _Fallback
                    name = build(k)
                    try:
                        out[name] = build(v)
                    except TypeError:  # unhashable key: let PyYAML say so
                        raise _Fallback from None
                if len(out) != len(node.value):
                    self.short_mappings += 1
            elif cls is SequenceNode:
                if node.tag != _SEQ:
                    raise _Fallback
                out = [build(v) for v in node.value]
            else:
                raise _Fallback
            active.discard(key)
            built[key] = out
            return out

        try:
            return build(root)
        except RecursionError:
            raise _Fallback from None
        finally:
            # `build` refers to itself through its closure: a reference cycle holding this loader (and so the whole
            # input text and libyaml's buffers) until a cyclic collection, which a run with the GC off never makes
            build = None  # type: ignore[assignment]  # noqa: F841


def load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=FastSafeLoader)
