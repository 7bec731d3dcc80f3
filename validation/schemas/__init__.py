"""Where schemas come from: Kubernetes (kubernetes-validate), Argo Workflows (derived from hera), Argo CD (ours).

`Catalog(version)` answers "which schema checks this apiVersion/kind, and where did it come from".
Derived schema sets are built once and cached on disk (see cache.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validation.schemas import argo, argocd, cache, kubernetes


@dataclass(frozen=True)
class KindInfo:
    api_version: str
    kind: str
    source: str  # "kubernetes-validate 1.37.0 (Kubernetes 1.37)", "hera 7.1.0", "project"

    @property
    def group(self) -> str:
        return self.api_version.split("/", 1)[0] if "/" in self.api_version else ""

    @property
    def version(self) -> str:
        return self.api_version.rsplit("/", 1)[-1]


def argo_schemas() -> dict[str, dict[str, Any]]:
    # the deriving code is part of the key, so editing argo.py can never serve a stale schema
    code = hashlib.sha256(Path(argo.__file__).read_bytes()).hexdigest()
    key = cache.cache_key("argo", (argo.PACKAGE, "pydantic"), extra=code)
    return cache.load_or_build(key, argo.build)


class Catalog:
    def __init__(self, kubernetes_version: str = "1.37", argo_version: str = "3.7") -> None:
        self.requested = kubernetes_version
        self.argo_version = argo_version
        self.k8s = kubernetes.KubernetesBundle(kubernetes.resolve_version(kubernetes_version))
        self._argo: dict[str, dict[str, Any]] | None = None
        self._argo_ready: set[str] = set()
        self._argocd: dict[str, dict[str, Any]] | None = None

    @property
    def k8s_source(self) -> str:
        return f"{kubernetes.PACKAGE} {kubernetes.package_version()} (Kubernetes {self.k8s.label})"

    @staticmethod
    def _is_argo(api_version: str, kind: str) -> bool:
        return api_version == argo.API_VERSION and kind in argo.KINDS

    @staticmethod
    def _is_argocd(api_version: str, kind: str) -> bool:
        return api_version == argocd.API_VERSION and kind in argocd.KINDS

    def has(self, api_version: str, kind: str) -> bool:
        return (
            self._is_argo(api_version, kind)
            or self._is_argocd(api_version, kind)
            or self.k8s.has(api_version, kind)
        )

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        if self._is_argo(api_version, kind):
            if self._argo is None:
                self._argo = dict(argo_schemas())
            if kind not in self._argo_ready:  # adjusted for the Argo version on first use, once per kind
                self._argo[kind] = argo.for_argo_version(self._argo[kind], self.argo_version)
                self._argo_ready.add(kind)
            return self._argo[kind]
        if self._is_argocd(api_version, kind):
            if self._argocd is None:
                self._argocd = argocd.build()
            return self._argocd[kind]
        return self.k8s.schema(api_version, kind)

    def kinds(self) -> list[KindInfo]:
        out = [KindInfo(api, kind, self.k8s_source) for api, kind in self.k8s.kinds()]
        hera = f"{argo.PACKAGE} {argo.hera_version()} (derived, strict, Argo {self.argo_version})"
        out += [KindInfo(argo.API_VERSION, kind, hera) for kind in argo.KINDS]
        out += [KindInfo(argocd.API_VERSION, kind, argocd.SOURCE) for kind in argocd.KINDS]
        return sorted(out, key=lambda k: (k.group, k.version, k.kind))
