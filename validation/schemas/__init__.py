"""Where schemas come from: Kubernetes (kubernetes-validate); Argo Workflows, Argo CD, Argo Events, Argo Rollouts and
Crossplane (vendored from their releases).

`Catalog(kubernetes_version, argo_version)` answers "which schema checks this apiVersion/kind, and where did it
come from". Vendored schemas load in milliseconds, so they are not cached on disk; built Kubernetes schemas are
(cache.py), since building one parses 1.8 MB of definitions. Argo Events', Argo Rollouts' and Crossplane's modules are
imported, and their releases read, only when an object of one of their kinds is looked up.
"""

from __future__ import annotations

from collections.abc import Mapping

from validation.records import record
from validation.schemas import argo, argocd, kubernetes, vendored

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
# Every vendored Argo kind is in this API group: other objects skip opening those files.
_VENDORED_GROUP = "argoproj.io/"
# Crossplane's own API groups (an XRD's composites live in groups of their own, crossplane.py)
_CROSSPLANE_GROUPS = ("apiextensions.crossplane.io/", "ops.crossplane.io/", "pkg.crossplane.io/",
                      "protection.crossplane.io/")
# Projects whose kinds are known by name (pinned against their payloads by the tests), so that a Workflow or an
# Application never opens their files: module -> its kinds.
_BY_KIND = {
    "argo_events": frozenset({"EventBus", "EventSource", "Sensor"}),
    "argo_rollouts": frozenset({"AnalysisRun", "AnalysisTemplate", "ClusterAnalysisTemplate", "Experiment", "Rollout"}),
    "crossplane_crds": frozenset({
        "ClusterUsage", "CompositeResourceDefinition", "Composition", "CompositionRevision", "Configuration",
        "ConfigurationRevision", "CronOperation", "DeploymentRuntimeConfig", "EnvironmentConfig", "Function",
        "FunctionRevision", "ImageConfig", "Lock", "ManagedResourceActivationPolicy", "ManagedResourceDefinition",
        "Operation", "Provider", "ProviderRevision", "Usage", "WatchOperation"}),
}
_ARGO_BY_KIND = ("argo_events", "argo_rollouts")


@record
class KindInfo:
    """A kind that has a schema, and where that schema comes from."""

    api_version: str
    kind: str
    source: str  # "kubernetes-validate 1.37.0 (Kubernetes 1.37)", "argo-workflows v4.1.2 JSON schema (16a52d67da)"

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rsplit("/", 1)[-1]


class Catalog:
    """Raises kubernetes.UnsupportedVersionError or argo.UnsupportedArgoVersionError (both ValueErrors) early."""

    def __init__(self, kubernetes_version: str = "1.37", argo_version: str | None = None,
                 argo_release: vendored.Release | None = None,
                 vendored_releases: Mapping[str, vendored.Release] | None = None) -> None:
        self.requested = kubernetes_version
        self.k8s = kubernetes.KubernetesBundle(kubernetes.resolve_version(kubernetes_version))
        # argo_release, vendored_releases (project -> release): vendored files outside the package
        # (regenerate.py checks a release before it is vendored)
        self._releases = dict(vendored_releases or {})
        self.argo = argo.ArgoBundle(argo_release or argo.resolve(argo_version), self._object_meta)
        self.argocd = argocd.ArgoCDBundle(self._object_meta, self._releases.get(argocd.PROJECT))
        self._named: dict[str, vendored.Bundle] = {}  # module name -> its bundle, built on first use

    @property
    def argo_version(self) -> str:
        return self.argo.release.line

    def _object_meta(self) -> tuple[str, dict[str, Any]]:
        return self.k8s.definition(OBJECT_META)

    @property
    def k8s_source(self) -> str:
        return f"{kubernetes.PACKAGE} {kubernetes.package_version()} (Kubernetes {self.k8s.label})"

    def _bundle(self, name: str) -> vendored.Bundle:
        """One project's bundle by module name, its module imported on first use."""
        if name not in self._named:
            import importlib

            module = importlib.import_module(f"validation.schemas.{name}")
            self._named[name] = module.Bundle(self._object_meta, self._releases.get(module.PROJECT))
        return self._named[name]

    @property
    def by_kind(self) -> dict[str, vendored.Bundle]:
        """The Argo Events, Argo Rollouts and Crossplane bundles, by module name (all of them built)."""
        return {name: self._bundle(name) for name in _BY_KIND}

    def _vendored(self, api_version: str, kind: str) -> vendored.Bundle | None:
        if api_version.startswith(_VENDORED_GROUP):
            named = [self._bundle(name) for name in _ARGO_BY_KIND if kind in _BY_KIND[name]]
            for bundle in named or (self.argo, self.argocd):
                if bundle.has(api_version, kind):
                    return bundle
        elif api_version.startswith(_CROSSPLANE_GROUPS) and kind in _BY_KIND["crossplane_crds"]:
            bundle = self._bundle("crossplane_crds")
            if bundle.has(api_version, kind):
                return bundle
        return None

    def has(self, api_version: str, kind: str) -> bool:
        return self._vendored(api_version, kind) is not None or self.k8s.has(api_version, kind)

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        bundle = self._vendored(api_version, kind)
        return bundle.schema(api_version, kind) if bundle else self.k8s.schema(api_version, kind)

    def removed(self, api_version: str, kind: str) -> str:
        """Why a kind that a project's older releases had has no schema here ("" for any other kind)."""
        if not api_version.startswith((*_CROSSPLANE_GROUPS, "secrets.crossplane.io/")):
            return ""
        from validation.schemas.crossplane_crds import REMOVED

        return REMOVED.get((api_version, kind), "")

    def hints(self, api_version: str, kind: str) -> dict[str, str]:
        """spec.<field> -> why it is unknown here (the project's other releases have it); {} for most kinds."""
        bundle = self._vendored(api_version, kind)
        return bundle.hints(kind) if bundle else {}

    def kinds(self) -> list[KindInfo]:
        out = [KindInfo(api, kind, self.k8s_source) for api, kind in self.k8s.kinds()]
        for bundle in (self.argo, self.argocd, *self.by_kind.values()):
            out += [KindInfo(api, kind, source) for (api, kind), source in bundle.kinds()]
        return sorted(out, key=lambda k: (k.group, k.version, k.kind))
