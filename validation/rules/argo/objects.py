"""Objects a workflow or pod names: ServiceAccounts, ConfigMaps, Secrets and PVCs are rendered or external."""

from __future__ import annotations

import re
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import (
    POD_KINDS,
    WORKFLOW_KINDS,
    as_dict,
    as_list,
    pod_spec,
    templates,
    workflow_spec,
)
from validation.rules.controllers import produced


def _has(ctx: Context, kind: str, name: str, namespace: str | None) -> bool:
    """Rendered, or created by a controller the target renders (a cert-manager Certificate's Secret)."""
    return (ctx.find(kind, name, namespace) is not None
            or produced(ctx.target.world, kind, name, namespace) is not None)


def _external_names(ctx: Context, kind: str) -> list[str]:
    ext = ctx.config.external
    return {"Secret": ext.secrets, "ConfigMap": ext.configmaps, "ServiceAccount": ext.serviceaccounts,
            "PersistentVolumeClaim": ext.persistentvolumeclaims}[kind]


def check_service_account(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not ctx.complete:
        return  # part of this target is not rendered: the account may be there
    spec, base = workflow_spec(m)
    places: list[tuple[Any, JsonPath]] = [(spec.get("serviceAccountName"), (*base, "serviceAccountName")),
                                          (as_dict(spec.get("executor")).get("serviceAccountName"),
                                           (*base, "executor", "serviceAccountName"))]
    for ti, t in templates(spec):
        places.append((t.get("serviceAccountName"), (*base, "templates", ti, "serviceAccountName")))
        places.append((as_dict(t.get("executor")).get("serviceAccountName"),
                       (*base, "templates", ti, "executor", "serviceAccountName")))
    for name, path in places:
        if not name or "{{" in str(name) or str(name) == "default":
            continue
        if not _has(ctx, "ServiceAccount", str(name), m.namespace) and str(name) not in ctx.config.external.serviceaccounts:
            yield Problem(m, f"ServiceAccount {name!r} is neither rendered in this environment nor declared external"
                             f"{_near_miss(ctx, 'ServiceAccount', str(name))}", path)


argo_rule("ARGO-SERVICE-ACCOUNT-MISSING", "service-account-missing", Severity.ERROR,
          "A workflow's serviceAccountName (spec, template or executor level) names a ServiceAccount rendered in the "
          "same environment or declared external. `default` exists in every namespace.",
          "Render the ServiceAccount with the environment, fix the name, or declare it under "
          "[tool.validation.external] serviceaccounts.",
          """
spec:
  serviceAccountName: ml-pipeline   # a ServiceAccount ml-pipeline is rendered too
""", """
spec:
  serviceAccountName: ml-pipeline-sa   # nothing of that name is rendered or external
""", closed_world=True, check=check_service_account)


_GENERATED = re.compile(r"^(?P<base>.+)-[a-z0-9]{10}$")


def _hash_suffixed(ctx: Context, kind: str, name: str) -> str | None:
    """The rendered name of a generated object that `name` refers to without kustomize's hash suffix."""
    for o in ctx.of_kind(kind):
        g = _GENERATED.match(str(o.metadata.get("name")))
        if g and g.group("base") == name:
            return str(o.metadata.get("name"))
    return None


def _near_miss(ctx: Context, kind: str, name: str) -> str:
    """Explain the kustomize trap: a generated (hash-suffixed) or prefixed object whose reference was not rewritten."""
    generated = _hash_suffixed(ctx, kind, name)
    if generated:
        return (f"; the rendered {kind} is {generated!r}: kustomize added a hash suffix but did not rewrite this "
                f"reference inside the Argo object (add a nameReference configuration for it, or set "
                f"generatorOptions.disableNameSuffixHash)")
    names = [str(o.metadata.get("name")) for o in ctx.of_kind(kind)]
    for other in names:
        if other != name and (other.endswith(name) or other.startswith(name)):
            return (f"; a {kind} {other!r} is rendered: kustomize renamed it (prefix/suffix) but not this reference")
    return ""


def references(obj: Any, path: JsonPath) -> Iterator[tuple[str, str, JsonPath, bool]]:
    """(kind, name, path-of-the-name, optional) for every ConfigMap/Secret/PVC reference inside a pod or workflow
    spec."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            p = (*path, str(key))
            if key == "memoize":
                continue  # Argo creates the memoization cache ConfigMap itself
            if isinstance(value, dict):
                if key in ("configMapKeyRef", "configMapRef", "configMap") and value.get("name"):
                    yield "ConfigMap", str(value["name"]), (*p, "name"), bool(value.get("optional"))
                elif key in ("secretKeyRef", "secretRef", "accessKeySecret", "secretKeySecret", "sessionTokenSecret",
                             "passwordSecret", "usernameSecret", "sshPrivateKeySecret", "tokenSecret",
                             "bearerToken", "clientCertSecret", "clientKeySecret") and value.get("name"):
                    yield "Secret", str(value["name"]), (*p, "name"), bool(value.get("optional"))
                elif key == "secret" and value.get("secretName"):
                    yield "Secret", str(value["secretName"]), (*p, "secretName"), bool(value.get("optional"))
                elif key == "persistentVolumeClaim" and value.get("claimName"):
                    yield "PersistentVolumeClaim", str(value["claimName"]), (*p, "claimName"), False
                if key == "projected":
                    for si, src in enumerate(as_list(value.get("sources"))):
                        for sk in ("configMap", "secret"):
                            ref = as_dict(as_dict(src).get(sk))
                            if ref.get("name"):
                                yield ("ConfigMap" if sk == "configMap" else "Secret", str(ref["name"]),
                                       (*p, "sources", si, sk, "name"), bool(ref.get("optional")))
                    continue
            if key == "imagePullSecrets" and isinstance(value, list):
                for i, s in enumerate(value):
                    if isinstance(s, dict) and s.get("name"):
                        yield "Secret", str(s["name"]), (*p, i, "name"), False
                continue
            yield from references(value, p)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from references(v, (*path, i))


def _without_manifest(resource: Any) -> Any:
    return {k: v for k, v in resource.items() if k != "manifest"} if isinstance(resource, dict) else resource


def check_dangling(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not ctx.complete:
        return  # part of this target is not rendered: the object may be there
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        claims = {str(as_dict(v.get("metadata")).get("name")) for v in as_list(spec.get("volumeClaimTemplates"))
                  if isinstance(v, dict)}
        root: Any = {k: v for k, v in spec.items() if k != "volumeClaimTemplates"}
        # A resource template's manifest is another object's, not this pod's references; the artifact its
        # manifestFrom names is fetched here, with this workflow's credentials.
        root["templates"] = [{k: _without_manifest(v) if k == "resource" else v for k, v in t.items()}
                             if isinstance(t, dict) else t for t in as_list(spec.get("templates"))]
    else:
        ps = pod_spec(m)
        if ps is None:
            return
        root, base = ps
        claims = set()
        # serviceAccount is the deprecated alias, used when serviceAccountName is not set.
        sa_key = "serviceAccountName" if root.get("serviceAccountName") else "serviceAccount"
        sa = root.get(sa_key)
        if sa and not _has(ctx, "ServiceAccount", str(sa), m.namespace) and str(sa) not in ctx.config.external.serviceaccounts \
                and str(sa) != "default":
            yield Problem(m, f"ServiceAccount {sa!r} is neither rendered nor declared external", (*base, sa_key))
    for kind, name, path, optional in references(root, base):
        if "{{" in name:
            continue
        if kind == "PersistentVolumeClaim" and name in claims:
            continue
        if _has(ctx, kind, name, m.namespace) or name in _external_names(ctx, kind):
            continue
        if optional:
            if _hash_suffixed(ctx, kind, name):
                yield Problem(m, f"optional {kind} {name!r} is not rendered, so the pod silently runs without it"
                                 f"{_near_miss(ctx, kind, name)}", path)
            continue
        yield Problem(m, f"{kind} {name!r} is neither rendered in this environment nor declared external"
                         f"{_near_miss(ctx, kind, name)}", path)


argo_rule("ARGO-DANGLING-REFERENCE", "dangling-reference", Severity.ERROR,
          "Every ConfigMap, Secret, PersistentVolumeClaim and ServiceAccount that a workflow or pod spec refers to "
          "(volumes, envFrom, valueFrom, imagePullSecrets, artifact credentials) is rendered in the same environment or "
          "declared external. Catches a generated, hash-suffixed ConfigMap whose name kustomize did not rewrite inside "
          "an Argo template. A reference marked `optional: true` may name a missing object (the pod starts without "
          "it), unless the object is rendered under a hash-suffixed name: then the reference was meant for it. An "
          "object a controller rendered in the same target creates counts as rendered: a cert-manager Certificate's "
          "secretName, an Issuer's ACME key, a SealedSecret, an ExternalSecret's target, an OpenShift "
          "serving-cert Service annotation.",
          "Fix the name, render the object, declare it under [tool.validation.external], or teach kustomize to rewrite "
          "the reference (configurations: nameReference for the Argo kind).",
          """
volumes:
  - name: code
    configMap: {name: pipeline-code-7c9fmh2k5d}   # the generated name, as rendered
""", """
volumes:
  - name: code
    configMap: {name: pipeline-code}   # kustomize rendered pipeline-code-7c9fmh2k5d
""", scope=WORKFLOW_KINDS + POD_KINDS, closed_world=True, check=check_dangling)
