"""Kubernetes kinds: the strict schemas shipped by the `kubernetes-validate` package, plus API lifecycle.

The package ships, per Kubernetes minor version, one JSON schema per kind (`deployment-apps-v1.json`) whose $refs
point into a shared `_definitions.json`. We inline the definitions a kind needs so that each schema is
self-contained and compiles on its own, and keep what we built in a disk cache (cache.py): parsing the 1.8 MB of
definitions is most of a short run's own time.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from validation.records import record
from validation.schemas import cache, tree

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

PACKAGE = "kubernetes-validate"
_REF_PREFIX = "/api/_definitions.json#/$defs/"
# keywords not needed to validate (besides documentation)
_NOT_NEEDED = frozenset({"x-kubernetes-group-version-kind", "$id"})
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


class UnsupportedVersionError(ValueError):
    """The requested Kubernetes version has no schema bundle in the installed package."""


@record
class ApiLifecycle:
    """One row of the deprecation guide: an API version (optionally one kind of it) and when it went away."""

    api_version: str
    kinds: tuple[str, ...]  # () = every kind in that API version
    deprecated_in: tuple[int, int]
    removed_in: tuple[int, int] | None
    replacement: str  # what to use instead ("" when there is none)

    def covers(self, api_version: str, kind: str) -> bool:
        return api_version == self.api_version and (not self.kinds or kind in self.kinds)


def _v(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


# From the Kubernetes "Deprecated API Migration Guide" (kubernetes.io/docs/reference/using-api/deprecation-guide/)
# and the release notes for deprecations that have no removal date yet.
LIFECYCLE: tuple[ApiLifecycle, ...] = tuple(
    ApiLifecycle(api, tuple(kinds), _v(dep), _v(rem) if rem else None, repl)
    for api, kinds, dep, rem, repl in [
        # v1.16
        ("extensions/v1beta1", ["Deployment", "DaemonSet", "ReplicaSet"], "1.9", "1.16", "apps/v1"),
        ("extensions/v1beta1", ["NetworkPolicy"], "1.9", "1.16", "networking.k8s.io/v1"),
        ("extensions/v1beta1", ["PodSecurityPolicy"], "1.10", "1.16", "policy/v1beta1 (itself removed in 1.25)"),
        ("apps/v1beta1", [], "1.9", "1.16", "apps/v1"),
        ("apps/v1beta2", [], "1.9", "1.16", "apps/v1"),
        # v1.22
        ("extensions/v1beta1", ["Ingress"], "1.14", "1.22", "networking.k8s.io/v1"),
        ("networking.k8s.io/v1beta1", ["Ingress", "IngressClass"], "1.19", "1.22", "networking.k8s.io/v1"),
        ("admissionregistration.k8s.io/v1beta1", [], "1.16", "1.22", "admissionregistration.k8s.io/v1"),
        ("apiextensions.k8s.io/v1beta1", [], "1.16", "1.22", "apiextensions.k8s.io/v1"),
        ("apiregistration.k8s.io/v1beta1", [], "1.19", "1.22", "apiregistration.k8s.io/v1"),
        ("authentication.k8s.io/v1beta1", [], "1.19", "1.22", "authentication.k8s.io/v1"),
        ("authorization.k8s.io/v1beta1", [], "1.19", "1.22", "authorization.k8s.io/v1"),
        ("certificates.k8s.io/v1beta1", [], "1.19", "1.22", "certificates.k8s.io/v1"),
        ("coordination.k8s.io/v1beta1", [], "1.19", "1.22", "coordination.k8s.io/v1"),
        ("rbac.authorization.k8s.io/v1beta1", [], "1.17", "1.22", "rbac.authorization.k8s.io/v1"),
        ("scheduling.k8s.io/v1beta1", [], "1.17", "1.22", "scheduling.k8s.io/v1"),
        ("storage.k8s.io/v1beta1", ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"], "1.19", "1.22",
         "storage.k8s.io/v1"),
        # v1.23 (alpha versions)
        ("rbac.authorization.k8s.io/v1alpha1", [], "1.17", "1.23", "rbac.authorization.k8s.io/v1"),
        ("scheduling.k8s.io/v1alpha1", [], "1.17", "1.23", "scheduling.k8s.io/v1"),
        # v1.25
        ("batch/v1beta1", ["CronJob"], "1.21", "1.25", "batch/v1"),
        ("discovery.k8s.io/v1beta1", ["EndpointSlice"], "1.21", "1.25", "discovery.k8s.io/v1"),
        ("events.k8s.io/v1beta1", ["Event"], "1.19", "1.25", "events.k8s.io/v1"),
        ("autoscaling/v2beta1", ["HorizontalPodAutoscaler"], "1.22", "1.25", "autoscaling/v2"),
        ("policy/v1beta1", ["PodDisruptionBudget"], "1.21", "1.25", "policy/v1"),
        ("policy/v1beta1", ["PodSecurityPolicy"], "1.21", "1.25", "Pod Security Admission (no API replacement)"),
        ("node.k8s.io/v1beta1", ["RuntimeClass"], "1.22", "1.25", "node.k8s.io/v1"),
        # v1.26
        ("flowcontrol.apiserver.k8s.io/v1beta1", ["FlowSchema", "PriorityLevelConfiguration"], "1.23", "1.26",
         "flowcontrol.apiserver.k8s.io/v1"),
        ("autoscaling/v2beta2", ["HorizontalPodAutoscaler"], "1.23", "1.26", "autoscaling/v2"),
        # v1.27
        ("storage.k8s.io/v1beta1", ["CSIStorageCapacity"], "1.24", "1.27", "storage.k8s.io/v1"),
        # v1.29
        ("flowcontrol.apiserver.k8s.io/v1beta2", ["FlowSchema", "PriorityLevelConfiguration"], "1.26", "1.29",
         "flowcontrol.apiserver.k8s.io/v1"),
        # v1.32
        ("flowcontrol.apiserver.k8s.io/v1beta3", ["FlowSchema", "PriorityLevelConfiguration"], "1.29", "1.32",
         "flowcontrol.apiserver.k8s.io/v1"),
        # deprecated, still served
        ("v1", ["ComponentStatus"], "1.19", None, "no replacement; query component health endpoints"),
        ("v1", ["Endpoints"], "1.33", None, "discovery.k8s.io/v1 EndpointSlice"),
    ]
)


_BY_API_VERSION: dict[str, list[ApiLifecycle]] = {}
for _row in LIFECYCLE:
    _BY_API_VERSION.setdefault(_row.api_version, []).append(_row)


def parse_version(text: str) -> tuple[int, int]:
    """'1.37', 'v1.37', '1.37.2' -> (1, 37); anything else is an UnsupportedVersionError."""
    match = _VERSION_RE.match(str(text).strip())
    if not match:
        raise UnsupportedVersionError(f"Kubernetes version {text!r} is not of the form 1.NN")
    return int(match.group(1)), int(match.group(2))


def lifecycle(api_version: str, kind: str, version: tuple[int, int]) -> tuple[str, ApiLifecycle] | None:
    """('removed' | 'deprecated', row) when the API version is gone or going in `version`; None when it is fine."""
    for row in _BY_API_VERSION.get(api_version, ()):
        if not row.covers(api_version, kind):
            continue
        if row.removed_in is not None and version >= row.removed_in:
            return "removed", row
        if version >= row.deprecated_in:
            return "deprecated", row
    return None


def package_version() -> str:
    from importlib import metadata  # ~5 ms to import; only a source label or an error message needs it

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a hard dependency
        return "unknown"


def installed_version() -> str:
    """kubernetes-validate's version from its version.py (importlib.metadata costs ~5 ms; a cache key needs this)."""
    try:
        text = (_schema_root().parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        return package_version()
    match = re.search(r"""__version__\s*=\s*['"]([^'"]+)['"]""", text)
    return match.group(1) if match else package_version()


@lru_cache(maxsize=1)
def _schema_root() -> Path:
    # find_spec locates the package without importing it: its __init__ pulls in jsonschema and friends (~0.15 s)
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise UnsupportedVersionError(f"{PACKAGE} is not installed; `pip install {PACKAGE}`")
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


@lru_cache(maxsize=None)
def available_versions() -> tuple[tuple[int, int], ...]:
    found = set()
    for entry in _schema_root().iterdir():
        match = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", entry.name)
        if match:
            found.add((int(match.group(1)), int(match.group(2))))
    return tuple(sorted(found))


def resolve_version(text: str) -> tuple[int, int]:
    """The bundle to use for a requested version: the newest shipped one that is not newer (as kubernetes-validate does)."""
    wanted = parse_version(text)
    versions = available_versions()
    usable = [v for v in versions if v <= wanted]
    if not versions or not usable or wanted > versions[-1]:
        shipped = ", ".join(f"{a}.{b}" for a, b in versions) or "none"
        raise UnsupportedVersionError(
            f"Kubernetes version {text} has no schemas in {PACKAGE} {package_version()} (shipped: {shipped}); "
            f"upgrade {PACKAGE} or pass a shipped --kubernetes-version"
        )
    return usable[-1]


def _file_name(api_version: str, kind: str) -> str:
    # kubernetes-validate's naming: rbac.authorization.k8s.io/v1 Role -> role-rbac-v1.json, v1 Pod -> pod-v1.json
    short = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{short}.json"


class KubernetesBundle:
    """The strict schemas of one Kubernetes minor version."""

    def __init__(self, version: tuple[int, int], use_cache: bool = True) -> None:
        self.version = version
        self._dir = _schema_root() / f"v{version[0]}.{version[1]}.0-local-strict"
        self._defs: dict[str, Any] | None = None
        self._index: dict[tuple[str, str], str] | None = None
        self._cache = cache.SchemaCache.for_bundle(self.label, installed_version(), self._dir / "_definitions.json") \
            if use_cache else None

    @property
    def label(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"

    def _definitions(self) -> dict[str, Any]:
        if self._defs is None:
            self._defs = json.loads((self._dir / "_definitions.json").read_text(encoding="utf-8"))["$defs"]
        return self._defs

    def index(self) -> dict[tuple[str, str], str]:
        """(apiVersion, kind) -> definition name, for every top-level kind in this version."""
        if self._index is None:
            cached = self._cache.get("index") if self._cache else None
            if isinstance(cached, list):
                self._index = {(api, kind): name for api, kind, name in cached}
                return self._index
            index: dict[tuple[str, str], str] = {}
            for name, schema in self._definitions().items():
                gvks = schema.get("x-kubernetes-group-version-kind") or []
                if len(gvks) != 1:  # DeleteOptions, WatchEvent: registered in every group, never applied
                    continue
                gvk = gvks[0]
                api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                index[(api_version, gvk["kind"])] = name
            self._index = index
            if self._cache:
                self._cache.put("index", [[api, kind, name] for (api, kind), name in index.items()])
        return self._index

    def has(self, api_version: str, kind: str) -> bool:
        return (api_version, kind) in self.index()

    def kinds(self) -> Iterator[tuple[str, str]]:
        return iter(sorted(self.index()))

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        """The self-contained strict schema of one kind, or None when this version does not serve it."""
        if not self.has(api_version, kind):
            return None
        return self._cached(f"kind {api_version} {kind}", lambda: self._build(api_version, kind))

    def _build(self, api_version: str, kind: str) -> dict[str, Any]:
        path = self._dir / _file_name(api_version, kind)
        try:
            top = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # naming clash in the package; the definition is the same schema
            top = dict(self._definitions()[self.index()[(api_version, kind)]])
        return self._inline(top)

    def definition(self, name: str) -> tuple[str, dict[str, Any]]:
        """One definition (e.g. ObjectMeta, for CRD-derived kinds) and the $defs it needs, itself included."""
        return name, self._cached(f"definition {name}", lambda: self._inline({"$ref": f"{_REF_PREFIX}{name}"})["$defs"])

    def _cached(self, entry: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """A fresh copy of what `build` makes, from the disk cache when it holds it (a miss builds and stores)."""
        if self._cache is None:
            return build()
        found = self._cache.get(entry)
        if isinstance(found, dict):
            return found
        built = build()
        self._cache.put(entry, built)
        return built

    def _inline(self, top: dict[str, Any]) -> dict[str, Any]:
        defs = self._definitions()
        needed: dict[str, Any] = {}

        def visit(node: dict[str, Any]) -> dict[str, Any]:
            # only schema objects come here: a field *named* description (PriorityClass, JSONSchemaProps) is kept
            tree.strip_documentation(node, also=_NOT_NEEDED)  # smaller schemas compile faster
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                node["$ref"] = f"#/$defs/{name}"
                if name not in needed:
                    needed[name] = None  # reserve first: definitions are recursive (JSONSchemaProps)
                    needed[name] = tree.rewrite(defs[name], visit)
            return node

        schema = tree.rewrite(top, visit)
        schema["$defs"] = needed
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        return schema
