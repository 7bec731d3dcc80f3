"""What controllers declared in the tree do at runtime (no rules of its own): the objects they create, and the
defaults Argo's controller gives every workflow.

The closed-world rules ask "is this Secret/ServiceAccount rendered?". A tree that renders a cert-manager
Certificate never renders the Secret cert-manager writes for it, yet that Secret exists once the tree is synced:
it is not dangling. Only controllers whose output name is fixed by the object are listed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from validation.model import Manifest, RenderedTarget
from validation.rules.argo.spec_walk import as_dict

# OpenShift's service CA operator writes a serving certificate into the Secret a Service's annotation names.
SERVING_CERT_ANNOTATIONS = ("service.beta.openshift.io/serving-cert-secret-name",
                            "service.alpha.openshift.io/serving-cert-secret-name")
# The ServiceAccounts and Roles the Argo CD operator creates for an ArgoCD named N: N-argocd-<component>.
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
        yield "Role", f"{m.metadata.get('name')}-argocd-{component}", True


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


# ---------------------------------------------------------------------------------------------------------------------
# Argo's controller: its ConfigMap's workflowDefaults are merged into every workflow it runs
# (docs/default-workflow-specs.md), so a tree that configures the controller sets fields its workflows leave out.

ARGO_CONTROLLER_CONFIGMAP = "workflow-controller-configmap"
_defaults_cache: dict[int, tuple[list, dict[str, Any]]] = {}


def argo_workflow_defaults(targets: list[RenderedTarget]) -> dict[str, Any]:
    """The workflow spec the Argo controller configured in this run defaults every workflow to, or {}.

    Taken from a rendered `workflow-controller-configmap`, or from one among the local files of a target that is not
    rendered offline (the usual shape: a patch of Argo's remote install.yaml)."""
    hit = _defaults_cache.get(id(targets))
    if hit is not None and hit[0] is targets:
        return hit[1]
    found: dict[str, Any] = {}
    for rt in targets:
        candidates = [m.obj for m in rt.manifests]
        if rt.offline:
            for path in rt.target.paths:
                candidates += _local_objects(path)
        for obj in candidates:
            if obj.get("kind") == "ConfigMap" and as_dict(obj.get("metadata")).get("name") == ARGO_CONTROLLER_CONFIGMAP:
                text = as_dict(obj.get("data")).get("workflowDefaults")
                try:
                    loaded = yaml.safe_load(text) if isinstance(text, str) else None
                except yaml.YAMLError:
                    loaded = None
                spec = as_dict(as_dict(loaded).get("spec"))
                if spec:
                    found = spec
    if len(_defaults_cache) > 64:
        _defaults_cache.clear()
    _defaults_cache[id(targets)] = (targets, found)
    return found


def _local_objects(directory: Path) -> list[dict[str, Any]]:
    from validation.render import kustomization_tree
    from validation.source_lint import load_file

    out: list[dict[str, Any]] = []
    for f in sorted(kustomization_tree(directory)[0]):
        if f.suffix in (".yaml", ".yml") and f.is_file():
            lf = load_file(f, str(f))
            out += [d.data for d in lf.documents if isinstance(d.data, dict)]
    return out


def with_workflow_defaults(spec: dict[str, Any], targets: list[RenderedTarget]) -> dict[str, Any]:
    """The spec as the controller runs it: its own fields, else the controller's workflowDefaults (templateDefaults
    merged key by key)."""
    defaults = argo_workflow_defaults(targets)
    if not defaults:
        return spec
    merged = {**defaults, **spec}
    if isinstance(defaults.get("templateDefaults"), dict) or isinstance(spec.get("templateDefaults"), dict):
        merged["templateDefaults"] = {**as_dict(defaults.get("templateDefaults")), **as_dict(spec.get("templateDefaults"))}
    return merged
