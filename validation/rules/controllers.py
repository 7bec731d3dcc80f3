"""Objects that a controller declared in the same target creates at runtime (no rules of its own).

The closed-world rules ask "is this Secret/ServiceAccount rendered?". A tree that renders a cert-manager
Certificate never renders the Secret cert-manager writes for it, yet that Secret exists once the tree is synced:
it is not dangling. Only controllers whose output name is fixed by the object are listed here.
"""

from __future__ import annotations

from typing import Callable, Iterator

from validation.model import Manifest
from validation.rules.argo.spec_walk import as_dict

# OpenShift's service CA operator writes a serving certificate into the Secret a Service's annotation names.
SERVING_CERT_ANNOTATIONS = ("service.beta.openshift.io/serving-cert-secret-name",
                            "service.alpha.openshift.io/serving-cert-secret-name")
# The ServiceAccounts the Argo CD operator creates for an ArgoCD named N: N-argocd-<component>.
ARGOCD_OPERATOR_COMPONENTS = ("application-controller", "applicationset-controller", "dex-server",
                              "notifications-controller", "redis", "redis-ha", "repo-server", "server")

Produced = tuple[str, str, bool]  # (kind, name, whether it lives in the producer's namespace)


def _group(m: Manifest) -> str:
    return m.api_version.split("/")[0] if "/" in m.api_version else ""


def _certificate(m: Manifest) -> Iterator[Produced]:
    name = as_dict(m.obj.get("spec")).get("secretName")
    if name:
        yield "Secret", str(name), True


def _issuer(m: Manifest) -> Iterator[Produced]:
    # The ACME account key; a ClusterIssuer keeps it in cert-manager's own namespace.
    ref = as_dict(as_dict(as_dict(m.obj.get("spec")).get("acme")).get("privateKeySecretRef")).get("name")
    if ref:
        yield "Secret", str(ref), m.kind == "Issuer"


def _sealed_secret(m: Manifest) -> Iterator[Produced]:
    template = as_dict(as_dict(as_dict(m.obj.get("spec")).get("template")).get("metadata"))
    yield "Secret", str(template.get("name") or m.metadata.get("name")), True


def _external_secret(m: Manifest) -> Iterator[Produced]:
    target = as_dict(as_dict(m.obj.get("spec")).get("target"))
    yield "Secret", str(target.get("name") or m.metadata.get("name")), True


def _service(m: Manifest) -> Iterator[Produced]:
    for key in SERVING_CERT_ANNOTATIONS:
        if m.annotations.get(key):
            yield "Secret", str(m.annotations[key]), True


def _argocd(m: Manifest) -> Iterator[Produced]:
    for component in ARGOCD_OPERATOR_COMPONENTS:
        yield "ServiceAccount", f"{m.metadata.get('name')}-argocd-{component}", True


PRODUCERS: dict[tuple[str, str], Callable[[Manifest], Iterator[Produced]]] = {
    ("cert-manager.io", "Certificate"): _certificate,
    ("cert-manager.io", "Issuer"): _issuer,
    ("cert-manager.io", "ClusterIssuer"): _issuer,
    ("bitnami.com", "SealedSecret"): _sealed_secret,
    ("external-secrets.io", "ExternalSecret"): _external_secret,
    ("", "Service"): _service,
    ("argoproj.io", "ArgoCD"): _argocd,
}


def produced(manifests: list[Manifest], kind: str, name: str, namespace: str | None) -> Manifest | None:
    """The rendered object whose controller creates `kind/name` in `namespace`, or None."""
    for m in manifests:
        producer = PRODUCERS.get((_group(m), m.kind))
        if producer is None:
            continue
        for p_kind, p_name, same_namespace in producer(m):
            if p_kind == kind and p_name == name and (
                    not same_namespace or namespace is None or m.namespace in (None, namespace)):
                return m
    return None
