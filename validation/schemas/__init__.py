"""Where schemas come from: Kubernetes (kubernetes-validate); Argo Workflows, Argo CD, Argo Events and Argo Rollouts
(vendored from their releases).

`Catalog(kubernetes_version, argo_version)` answers "which schema checks this apiVersion/kind, and where did it
come from". Vendored schemas load in milliseconds, so they are not cached on disk; built Kubernetes schemas are
(cache.py), since building one parses 1.8 MB of definitions. Argo Events' and Argo Rollouts' modules are imported,
and their releases read, only when an object of one of their kinds is looked up.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Mapping

from validation.records import record
from validation.schemas import argo, argocd, kubernetes, vendored

OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
# Every vendored kind is in this API group: other objects skip opening those files.
_VENDORED_GROUP = "argoproj.io/"
# Projects whose kinds are known by name (pinned against their payloads by the tests), so that a Workflow or an
# Application never opens their files: module -> its kinds.
_BY_KIND = {
    "argo_events": frozenset({"EventBus", "EventSource", "Sensor"}),
    "argo_rollouts": frozenset({"AnalysisRun", "AnalysisTemplate", "ClusterAnalysisTemplate", "Experiment", "Rollout"}),
}


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

    @property
    def argo_version(self) -> str:
        return self.argo.release.line

    def _object_meta(self) -> tuple[str, dict[str, Any]]:
        return self.k8s.definition(OBJECT_META)

    @property
    def k8s_source(self) -> str:
        return f"{kubernetes.PACKAGE} {kubernetes.package_version()} (Kubernetes {self.k8s.label})"

    @cached_property
    def by_kind(self) -> dict[str, vendored.Bundle]:
        """The Argo Events and Argo Rollouts bundles, by module name; built on first use."""
        import importlib

        out = {}
        for name in _BY_KIND:
            module = importlib.import_module(f"validation.schemas.{name}")
            out[name] = module.Bundle(self._object_meta, self._releases.get(module.PROJECT))
        return out

    def _vendored(self, api_version: str, kind: str) -> vendored.Bundle | None:
        if api_version.startswith(_VENDORED_GROUP):
            named = [self.by_kind[name] for name, kinds in _BY_KIND.items() if kind in kinds]
            for bundle in named or (self.argo, self.argocd):
                if bundle.has(api_version, kind):
                    return bundle
        return None

    def has(self, api_version: str, kind: str) -> bool:
        return self._vendored(api_version, kind) is not None or self.k8s.has(api_version, kind)

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        bundle = self._vendored(api_version, kind)
        return bundle.schema(api_version, kind) if bundle else self.k8s.schema(api_version, kind)

    def kinds(self) -> list[KindInfo]:
        out = [KindInfo(api, kind, self.k8s_source) for api, kind in self.k8s.kinds()]
        for bundle in (self.argo, self.argocd, *self.by_kind.values()):
            out += [KindInfo(api, kind, source) for (api, kind), source in bundle.kinds()]
        return sorted(out, key=lambda k: (k.group, k.version, k.kind))
