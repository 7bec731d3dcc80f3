"""Values that travel between the stages: targets, rendered manifests, findings."""

from __future__ import annotations

import enum
from pathlib import Path

from validation.records import record

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected info, warning or error)") from None

    def __str__(self) -> str:
        return self.name.lower()


@record
class Target:
    """One thing that gets rendered: an overlay, an Argo CD Application's source, or a path given on the command line."""

    name: str  # "dev", "app/ml-pipeline-dev", or the path as given
    kind: str  # "overlay" | "application" | "path"
    path: Path  # absolute directory (kustomization) or file
    environment: str | None = None  # the environment name, when known
    application: dict[str, Any] | None = None  # the Application object, for kind == "application"
    application_file: str | None = None  # repo-relative file the Application came from
    source_index: int | None = None  # which of the Application's spec.sources is rendered (None: spec.source)
    # The Application's other sources rendered with it, as (absolute path, index in spec.sources): Argo CD renders
    # every source on its own, with its own options, and syncs the union.
    more_sources: tuple[tuple[Path, int], ...] = ()
    unrendered: tuple[str, ...] = ()  # the Application's other sources that make objects, not rendered here

    @property
    def source_field(self) -> tuple[str | int, ...]:
        """Where the rendered source is in the Application: spec.source, or spec.sources[i]."""
        return ("spec", "source") if self.source_index is None else ("spec", "sources", self.source_index)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every directory (or file) this target renders from."""
        return (self.path, *(p for p, _ in self.more_sources))

    def per_source(self) -> tuple["Target", ...]:
        """One target per rendered source, each rendered as a target of its own; (self,) for a single source."""
        if not self.more_sources:
            return (self,)
        return (self._replace(more_sources=()),
                *(self._replace(path=p, source_index=i, more_sources=()) for p, i in self.more_sources))


@record
class Manifest:
    """One rendered object, with where it came from in the repository."""

    obj: dict[str, Any]
    target: str
    index: int  # position in the rendered stream
    source: str | None = None  # repo-relative source file (from kustomize's origin annotation)
    source_line: int | None = None  # 1-based first line of the object's document in source, when known

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.obj.get("apiVersion", ""))

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or self.metadata.get("generateName") or "")

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return str(ns) if ns else None

    @property
    def annotations(self) -> dict[str, str]:
        ann = self.metadata.get("annotations")
        return ann if isinstance(ann, dict) else {}

    @property
    def ref(self) -> str:
        """kind/namespace/name, the way findings name an object."""
        return "/".join(p for p in (self.kind, self.namespace, self.name) if p)


@record
class RenderCause:
    """What made a render fail, read back from kustomize's message (validation.kustomize.errors)."""

    file: str | None  # repository-relative file to edit
    line: int | None
    column: int | None
    message: str  # short, repository-relative, the same for every target the cause breaks
    located: bool  # True: the entry at fault was found; False: only its kustomization (or nothing) is known


class RenderedTarget:
    """A target's rendered objects, or why it could not be rendered."""

    __slots__ = ("target", "manifests", "render_seconds", "error", "offline", "cause", "tool_error", "open_world",
                 "shared", "sources", "_source_by_manifest")

    def __init__(self, target: Target, manifests: list[Manifest] | None = None, render_seconds: float = 0.0, *,
                 error: str | None = None, offline: str | None = None, cause: RenderCause | None = None,
                 tool_error: bool = False, open_world: str | None = None, shared: list[Manifest] | None = None,
                 sources: list["RenderedTarget"] | None = None) -> None:
        self.target = target
        self.manifests = [] if manifests is None else manifests
        self.render_seconds = render_seconds
        self.error = error  # set when the target could not be rendered
        self.offline = offline  # why it was not rendered: it needs the network (a remote base), which we do not use
        self.cause = cause  # why, when kustomize refused the input
        self.tool_error = tool_error  # the tool itself failed (timeout, crash), not the input: exit 2
        # Why the world is open although everything was rendered: files given as PATHs are not a deployment unit
        # (what they refer to may come with Argo's install or be made by hand). None for overlays, Applications,
        # kustomizations.
        self.open_world = open_world
        # With --closed-world, the objects of every plain PATH of the run: they are checked as one world.
        self.shared = shared
        # A multi-source Application: the render of each source (Target.per_source), whose union is `manifests`.
        self.sources = [] if sources is None else sources
        self._source_by_manifest: dict[int, RenderedTarget] | None = None

    @property
    def incomplete(self) -> str | None:
        """Why what was rendered is not the whole world the closed-world rules need ("X is not rendered, so it is
        missing"), or None: part of it was not rendered, or the input is not a deployment unit."""
        if self.offline:
            return self.offline
        if self.target.unrendered:
            return "not rendered: " + "; ".join(self.target.unrendered)
        return self.open_world

    def source_of(self, m: Manifest) -> "RenderedTarget":
        """The render of the source `m` came from: where its lines are looked up (itself for a single source)."""
        if not self.sources:
            return self
        if self._source_by_manifest is None:
            self._source_by_manifest = {id(x): part for part in self.sources for x in part.manifests}
        return self._source_by_manifest.get(id(m), self)

    @property
    def world(self) -> list[Manifest]:
        """The objects that exist alongside this target's: its own, or every plain PATH's under --closed-world."""
        return self.manifests if self.shared is None else self.shared


JsonPath = tuple[str | int, ...]


def some_of(names: list[str], limit: int) -> str:
    """The first `limit` names, and how many more: "a, b, c and 4 more"."""
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def format_path(path: JsonPath) -> str:
    """('spec', 'templates', 2, 'container') -> 'spec.templates[2].container'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@record
class Finding:
    """One problem, where it is: rule, severity, environment, object, JSON path, file and line."""

    rule_id: str
    severity: Severity
    message: str
    target: str | None = None  # environment or target name
    object_ref: str | None = None  # kind/namespace/name of the rendered object
    json_path: str | None = None
    file: str | None = None  # repo-relative source file
    line: int | None = None
    column: int | None = None

    def sort_key(self) -> tuple:
        return (self.target or "", self.file or "", self.line or 0, self.column or 0, self.rule_id, self.message)
