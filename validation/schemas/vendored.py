"""Schemas vendored from a project's release (validation/schemas/vendor/<project>/<tag>.json.gz), and their releases.

The payload format is written by vendor/regenerate.py: `source` (repository, tag, commit, files), `kinds` (each
with apiVersion, kind, and either a `definition` name in `definitions` or a CRD `openAPIV3Schema`) and
`definitions` (from a published JSON schema, documentation stripped).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path

from validation.records import record
from validation.schemas import strict, tree

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

VENDOR_DIR = Path(__file__).resolve().parent / "vendor"
_TAG_RE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


class UnsupportedReleaseError(ValueError):
    """The requested release has no vendored schemas."""


@record
class Release:
    """One vendored release of a project's schemas."""

    project: str
    tag: str  # "v4.1.2"
    path: Path

    @classmethod
    def from_file(cls, path: Path) -> "Release":
        tag = path.name[: -len(".json.gz")]
        if not _TAG_RE.match(tag):
            raise UnsupportedReleaseError(f"{path}: not a vendored release file (<vX.Y.Z>.json.gz)")
        return cls(path.parent.name, tag, path)

    @property
    def version(self) -> tuple[int, int, int]:
        match = _TAG_RE.match(self.tag)
        assert match is not None  # checked in from_file
        return int(match.group(1)), int(match.group(2)), int(match.group(3))

    @property
    def line(self) -> str:
        """The release line, "4.1" for v4.1.2: what `argo-version` names."""
        return f"{self.version[0]}.{self.version[1]}"

    def payload(self) -> "Payload":
        return _load(self.path)


@lru_cache(maxsize=None)
def _load(path: Path) -> "Payload":
    import gzip  # here: a check of Kubernetes kinds alone never opens a vendored release

    return Payload(json.loads(gzip.decompress(path.read_bytes())))


class Payload:
    def __init__(self, data: dict[str, Any]) -> None:
        self.source: dict[str, Any] = data["source"]
        self.definitions: dict[str, Any] = data.get("definitions", {})
        self._kinds: list[dict[str, Any]] = data["kinds"]

    @cached_property
    def index(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(apiVersion, kind) -> its entry."""
        return {(k["apiVersion"], k["kind"]): k for k in self._kinds}

    def describe(self, entry: dict[str, Any]) -> str:
        """Where one kind's schema came from, for `python -m validation schemas`."""
        what = "JSON schema" if "definition" in entry else "CRD"
        return f"{self.source['project']} {self.source['tag']} {what} ({self.source['commit'][:10]})"


def releases(project: str, directory: Path = VENDOR_DIR) -> list[Release]:
    """The vendored releases of a project, oldest first."""
    found = [Release.from_file(p) for p in (directory / project).glob("v*.json.gz")]
    return sorted(found, key=lambda r: r.version)


def resolve(project: str, requested: str, directory: Path = VENDOR_DIR) -> Release:
    """The vendored release for "4.1", "v4.1", "4.1.0" ...: the newest vendored patch of that release line."""
    available = releases(project, directory)
    lines = ", ".join(dict.fromkeys(r.line for r in available)) or "none"
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", str(requested).strip())
    if not match:
        raise UnsupportedReleaseError(f"{requested!r} is not a release like 4.1 (vendored: {lines})")
    wanted = (int(match.group(1)), int(match.group(2)))
    same_line = [r for r in available if r.version[:2] == wanted]
    if not same_line:
        raise UnsupportedReleaseError(
            f"{project} {requested} has no vendored schemas (vendored: {lines}); pick one of those, or vendor it "
            f"with `python -m validation.schemas.vendor.regenerate {project} GIT_DIR --tag vX.Y.Z`"
        )
    return same_line[-1]


def newest(project: str, directory: Path = VENDOR_DIR) -> Release:
    available = releases(project, directory)
    if not available:
        raise UnsupportedReleaseError(f"no vendored {project} schemas in {directory / project}")
    return available[-1]


class Bundle:
    """The strict schemas of one vendored release: kinds from a published JSON schema or from CRDs.

    Subclasses adjust definitions to what the project's unmarshaller accepts (see argo.py)."""

    def __init__(self, release: Release, object_meta: Callable[[], tuple[str, dict[str, Any]]]) -> None:
        self.release = release
        self._object_meta = object_meta  # for CRD kinds: Kubernetes' ObjectMeta (definition name, $defs)
        self._defs: dict[str, Any] | None = None

    @cached_property
    def payload(self) -> Payload:
        return self.release.payload()  # read on first use: a run without Argo objects never opens it

    def has(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self.payload.index

    def kinds(self) -> Iterator[tuple[tuple[str, str], str]]:
        """((apiVersion, kind), where its schema came from) for every kind of this release."""
        for key, entry in sorted(self.payload.index.items()):
            yield key, self.payload.describe(entry)

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        entry = self.payload.index.get((api_version, kind))
        if entry is None:
            return None
        if "definition" in entry:
            return self.adjust_document(kind, self._from_definitions(entry["definition"], api_version, kind))
        return self.adjust_document(kind, strict.crd_document(entry["openAPIV3Schema"], api_version, kind,
                                                              self._object_meta()))

    # hooks
    def hints(self, kind: str) -> dict[str, str]:
        """What to add to "unknown field" at spec.<field> of `kind`: fields another release of the project has."""
        return {}

    def adjust_document(self, kind: str, schema: dict[str, Any]) -> dict[str, Any]:
        """One kind's finished schema (a fresh copy); a subclass may amend it."""
        return schema

    def adjust_definition(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        """One definition, already strict; a subclass may replace or amend it."""
        return schema

    def adjust_definitions(self, defs: dict[str, Any]) -> None:
        """All definitions, in place, once: for what depends on where a type is used."""

    def _definitions(self) -> dict[str, Any]:
        if self._defs is None:
            defs = {name: self.adjust_definition(name, tree.rewrite(schema, _definition_node))
                    for name, schema in self.payload.definitions.items()}
            self.adjust_definitions(defs)
            self._defs = defs
        return self._defs

    def _from_definitions(self, name: str, api_version: str, kind: str) -> dict[str, Any]:
        defs = self._definitions()
        needed: dict[str, Any] = {}
        pending = [name]
        while pending:  # only the definitions this kind reaches: smaller schemas compile faster
            current = pending.pop()
            if current not in needed:
                needed[current] = defs[current]
                pending += refs(defs[current])
        import copy

        top = copy.deepcopy(needed.pop(name))
        return strict.document(top, api_version, kind, needed)



class NewestBundle(Bundle):
    """A project checked against one release: its newest vendored one, unless another is given (Argo CD, Argo Events,
    Argo Rollouts, Crossplane; Argo Workflows' release is chosen by argo-version). A subclass names the project."""

    PROJECT = ""

    def __init__(self, object_meta: Callable[[], tuple[str, dict[str, Any]]], release: Release | None = None) -> None:
        super().__init__(release or newest(self.PROJECT), object_meta)


def _definition_node(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        node["$ref"] = "#/$defs/" + ref[len("#/definitions/"):]
    for key in [k for k in node if k.startswith("x-kubernetes-")]:
        del node[key]  # list/map merge semantics and GVK: nothing to validate offline
    strict.close(node)
    return strict.nullable(node)


def refs(node: Any) -> list[str]:
    """The definition names a schema refers to."""
    found: list[str] = []

    def visit(n: dict[str, Any]) -> dict[str, Any]:
        ref = n.get("$ref")
        if isinstance(ref, str):
            found.append(ref.rsplit("/", 1)[-1])
        return n

    tree.rewrite(node, visit)
    return found
