"""RBAC least privilege, and enough privilege for Argo's executor to run the workflows."""

from __future__ import annotations

import re
from typing import Any, Iterator

import yaml

from validation.model import Manifest, Severity
from validation.rules import Check, Context, Problem, Rule, register
from validation.rules.argo.spec_walk import WORKFLOW_KINDS, as_dict, as_list, templates, workflow_spec
from validation.rules.controllers import produced, with_workflow_defaults

FAMILY = "rbac"
ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
DANGEROUS_VERBS = ("escalate", "bind", "impersonate")
# Verbs resourceNames cannot restrict (the object has no name before it exists): a rule granting only these has
# nothing to name (Kubernetes RBAC docs, "Referring to resources").
UNNAMEABLE_VERBS = ("create", "deletecollection")
# ClusterRoles the platform creates; a binding to them is not dangling. Kubernetes' user-facing roles (and every
# `system:` one), and OpenShift's defaults (OpenShift GitOps is Argo CD): its documented default cluster roles and
# those of its built-in monitoring and image registry. Others (an operator's) go under [tool.validation.external].
BUILTIN_CLUSTER_ROLES = frozenset({
    "cluster-admin", "admin", "edit", "view",
    "basic-user", "cluster-reader", "cluster-status", "self-provisioner", "sudoer", "self-access-reviewer",
    "cluster-monitoring-view", "monitoring-edit", "monitoring-rules-edit", "monitoring-rules-view",
    "alert-routing-edit", "user-workload-monitoring-config-edit",
    "registry-admin", "registry-editor", "registry-viewer",
})

# What the executor in a workflow pod needs, per Argo Workflows release (docs/workflow-rbac.md):
# up to 3.3 the emissary executor reported outputs by patching its own pod; from 3.4 it writes WorkflowTaskResults.
# Keys are the first minor release the row applies to. (apiGroup, resource, verb).
Permission = tuple[str, str, str]
EXECUTOR_PERMISSIONS: dict[tuple[int, int], list[Permission]] = {
    (3, 0): [("", "pods", "patch")],
    (3, 4): [("argoproj.io", "workflowtaskresults", "create"), ("argoproj.io", "workflowtaskresults", "patch")],
}
# HTTP and plugin templates run in the agent pod, which reads and reports WorkflowTaskSets (docs/http-template.md).
AGENT_PERMISSIONS: dict[tuple[int, int], list[Permission]] = {
    (3, 0): [("argoproj.io", "workflowtasksets", "list"), ("argoproj.io", "workflowtasksets", "watch"),
             ("argoproj.io", "workflowtasksets", "patch")],
    (3, 3): [("argoproj.io", "workflowtasksets", "list"), ("argoproj.io", "workflowtasksets", "watch"),
             ("argoproj.io", "workflowtasksets/status", "patch")],
}
# A resource template's action, and the verbs kubectl needs for it (plus get for success/failure conditions).
RESOURCE_ACTION_VERBS = {"get": ["get"], "create": ["create"], "apply": ["get", "create", "patch"],
                         "delete": ["delete"], "replace": ["create", "update"], "patch": ["get", "patch"]}


def parse_version(text: str) -> tuple[int, int]:
    m = re.match(r"^v?(\d+)\.(\d+)", str(text).strip())
    if not m:
        raise ValueError(f"argo-version {text!r} is not a release like 3.7")
    return int(m.group(1)), int(m.group(2))


def _table(table: dict[tuple[int, int], list[Permission]], version: str) -> list[Permission]:
    v = parse_version(version)
    rows = [k for k in sorted(table) if k <= v]
    return table[rows[-1]] if rows else table[min(table)]


def executor_permissions(version: str) -> list[Permission]:
    return _table(EXECUTOR_PERMISSIONS, version)


def agent_permissions(version: str) -> list[Permission]:
    return _table(AGENT_PERMISSIONS, version)


def _rule(id: str, name: str, severity: Severity, scope: tuple[str, ...], summary: str, remediation: str,
          passing: str, failing: str, closed_world: bool = False, *, check: Check) -> None:
    register(Rule(id=id, name=name, severity=severity, scope=scope, summary=summary, remediation=remediation,
                  passing=passing.strip("\n"), failing=failing.strip("\n"), check=check, family=FAMILY,
                  closed_world=closed_world))


def _rules(m: Manifest) -> list[tuple[int, dict[str, Any]]]:
    return [(i, r) for i, r in enumerate(as_list(m.obj.get("rules"))) if isinstance(r, dict)]


def check_wildcard(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for i, rule in _rules(m):
        for key in ("verbs", "resources", "apiGroups"):
            for j, v in enumerate(as_list(rule.get(key))):
                if isinstance(v, str) and "*" in v:
                    yield Problem(m, f"rule {i} has a wildcard {v!r} in {key}", ("rules", i, key, j))


_rule("RBAC-WILDCARD", "wildcard", Severity.ERROR, ROLE_KINDS,
      "No `*` in a Role's verbs, resources or apiGroups: a wildcard grants what future API versions add too.",
      "List the verbs, resources and API groups the workload needs.",
      """
rules:
  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}
""", """
rules:
  - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
""", check=check_wildcard)


def check_escalation(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for i, rule in _rules(m):
        for j, v in enumerate(as_list(rule.get("verbs"))):
            if v in DANGEROUS_VERBS:
                yield Problem(m, f"rule {i} grants {v!r}, which lets the holder gain permissions it was not given",
                              ("rules", i, "verbs", j))


_rule("RBAC-PRIVILEGE-ESCALATION", "privilege-escalation", Severity.ERROR, ROLE_KINDS,
      "No Role grants escalate, bind or impersonate: each lets the holder gain permissions it was not given.",
      "Remove the verb; grant the specific permissions instead.",
      """
rules:
  - {apiGroups: [""], resources: [pods], verbs: [get, watch]}
""", """
rules:
  - {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind, escalate]}
""", check=check_escalation)


def check_secrets(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for i, rule in _rules(m):
        groups = as_list(rule.get("apiGroups")) or [""]
        if "" not in groups and "*" not in groups:
            continue
        resources = as_list(rule.get("resources"))
        nameable = [str(v) for v in as_list(rule.get("verbs")) if v not in UNNAMEABLE_VERBS]
        if ("secrets" in resources or "*" in resources) and not rule.get("resourceNames") and nameable:
            yield Problem(m, f"rule {i} grants {', '.join(nameable)} on all Secrets; "
                             "name them in resourceNames", ("rules", i, "resources"))


_rule("RBAC-SECRETS-ACCESS", "secrets-access", Severity.ERROR, ROLE_KINDS,
      "A Role reads Secrets only through resourceNames: access to every Secret in a namespace includes every "
      "token in it. A rule that only creates (or deletecollections) Secrets is fine: Kubernetes cannot restrict "
      "those verbs by name.",
      "Add resourceNames listing the Secrets the workload needs (or mount them instead of reading the API).",
      """
rules:
  - {apiGroups: [""], resources: [secrets], resourceNames: [aws-credentials], verbs: [get]}
""", """
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get, list]}
""", check=check_secrets)


def check_cluster_admin(m: Manifest, ctx: Context) -> Iterator[Problem]:
    ref = as_dict(m.obj.get("roleRef"))
    if ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
        yield Problem(m, "binds cluster-admin: full control of the cluster", ("roleRef", "name"))


_rule("RBAC-CLUSTER-ADMIN-BINDING", "cluster-admin-binding", Severity.ERROR, BINDING_KINDS,
      "Nothing is bound to cluster-admin.",
      "Bind a Role that lists what the subject needs.",
      """
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ml-pipeline-executor}
""", """
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
""", check=check_cluster_admin)


def check_binding_role(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not ctx.complete:
        return  # part of this target is not rendered: the Role may be there
    ref = as_dict(m.obj.get("roleRef"))
    kind, name = ref.get("kind"), ref.get("name")
    if not kind or not name:
        return
    if kind == "ClusterRole":
        if ctx.find("ClusterRole", str(name)) is None and str(name) not in BUILTIN_CLUSTER_ROLES \
                and not str(name).startswith("system:") and str(name) not in ctx.config.external.clusterroles:
            yield Problem(m, f"roleRef names ClusterRole {name!r}, which is not rendered", ("roleRef", "name"))
        return
    if m.kind == "ClusterRoleBinding":
        yield Problem(m, "a ClusterRoleBinding can only reference a ClusterRole", ("roleRef", "kind"))
        return
    role = ctx.find("Role", str(name))
    if role is None and produced(ctx.target.world, "Role", str(name), m.namespace) is not None:
        return  # created by an operator the target renders (an ArgoCD instance's Roles)
    if role is None:
        yield Problem(m, f"roleRef names Role {name!r}, which is not rendered", ("roleRef", "name"))
    elif role.namespace and m.namespace and role.namespace != m.namespace:
        yield Problem(m, f"Role {name!r} is in namespace {role.namespace!r} but the binding is in {m.namespace!r}; "
                         "a RoleBinding only reaches Roles of its own namespace", ("roleRef", "name"))


_rule("RBAC-BINDING-ROLE-MISSING", "binding-role-missing", Severity.ERROR, BINDING_KINDS,
      "A binding's roleRef names a Role or ClusterRole rendered in the same environment (or one the platform "
      "creates: Kubernetes' and OpenShift's default ClusterRoles, any `system:` one, or one declared external; or "
      "an operator the target renders: an ArgoCD instance's Roles); a RoleBinding's Role lives in the binding's "
      "namespace.",
      "Fix roleRef.name/kind, or render the Role with the binding; a ClusterRole an operator installs goes under "
      "[tool.validation.external] clusterroles.",
      """
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ml-pipeline-executor}   # rendered
""", """
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ml-pipeline-exec}   # no such Role
""", closed_world=True, check=check_binding_role)


def check_binding_subjects(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for i, s in enumerate(as_list(m.obj.get("subjects"))):
        if not isinstance(s, dict) or s.get("kind") != "ServiceAccount" or not s.get("name"):
            continue
        name = str(s["name"])
        ns = s.get("namespace") or m.namespace
        if m.kind == "ClusterRoleBinding" and not s.get("namespace"):
            yield Problem(m, f"subject ServiceAccount {name!r} has no namespace; a ClusterRoleBinding needs one",
                          ("subjects", i))
            continue
        if name == "default" or name in ctx.config.external.serviceaccounts or not ctx.complete:
            continue  # (an incomplete render may hold the account in its unrendered part)
        candidates = [sa for sa in ctx.of_kind("ServiceAccount") if sa.metadata.get("name") == name]
        if not any(sa.namespace in (None, ns) for sa in candidates) \
                and produced(ctx.target.world, "ServiceAccount", name, ns) is not None:
            continue  # created here by an operator the target renders (an ArgoCD instance's accounts)
        if not candidates:
            yield Problem(m, f"subject ServiceAccount {name!r} is not rendered", ("subjects", i, "name"))
        elif ns and not any(sa.namespace in (None, ns) for sa in candidates):
            where = ", ".join(sorted({str(sa.namespace) for sa in candidates}))
            path = ("subjects", i, "namespace") if s.get("namespace") else ("subjects", i)
            yield Problem(m, f"subject ServiceAccount {name!r} is in namespace {ns!r} here, but rendered in {where}",
                          path)


_rule("RBAC-BINDING-SUBJECT-MISSING", "binding-subject-missing", Severity.ERROR, BINDING_KINDS,
      "Every ServiceAccount subject of a binding is rendered in the same environment (or declared external), in "
      "the namespace the subject names, or created by an operator the target renders (an ArgoCD instance's "
      "accounts).",
      "Fix the subject's name/namespace, or render the ServiceAccount.",
      """
subjects: [{kind: ServiceAccount, name: ml-pipeline, namespace: ml-dev}]   # rendered in ml-dev
""", """
subjects: [{kind: ServiceAccount, name: ml-pipeline, namespace: ml-prod}]   # rendered in ml-dev
""", closed_world=True, check=check_binding_subjects)


# ---------------------------------------------------------------------------------------------------------------------
# Sufficiency.


def _grants(rule: dict[str, Any], perm: Permission) -> bool:
    group, resource, verb = perm
    groups = as_list(rule.get("apiGroups"))
    resources = as_list(rule.get("resources"))
    verbs = as_list(rule.get("verbs"))
    if rule.get("resourceNames"):
        return False  # create cannot be limited by name, and the executor's objects have generated names
    return (group in groups or "*" in groups) and (resource in resources or "*" in resources) \
        and (verb in verbs or "*" in verbs)


def _rbac_world(ctx: Context) -> list[Manifest]:
    """The objects whose bindings can grant this target's accounts: its own render, and for an Argo CD Application
    every Application of the run, since they sync into one cluster (RBAC often has an Application of its own)."""
    if ctx.target.target.kind != "application":
        return ctx.target.world
    seen: set[int] = set()
    out = []
    for rt in [ctx.target, *ctx.targets]:
        if rt.target.kind == "application":
            out += [m for m in rt.manifests if id(m.obj) not in seen and not seen.add(id(m.obj))]
    return out


def _find(world: list[Manifest], kind: str, name: str) -> Manifest | None:
    return next((m for m in world if m.kind == kind and m.metadata.get("name") == name), None)


def _binds(b: Manifest, sa: str, namespace: str | None) -> bool:
    """Whether binding b binds ServiceAccount sa of namespace (a RoleBinding reaches only its own namespace)."""
    if b.kind == "RoleBinding" and namespace and b.namespace not in (None, namespace):
        return False
    for s in as_list(b.obj.get("subjects")):
        if isinstance(s, dict) and s.get("kind") == "ServiceAccount" and s.get("name") == sa:
            sns = s.get("namespace") or b.namespace
            if not namespace or sns in (None, namespace):
                return True
    return False


def granted_rules(ctx: Context, sa: str, namespace: str | None) -> list[dict[str, Any]]:
    """The policy rules bound to ServiceAccount sa in namespace, from the rendered bindings."""
    out: list[dict[str, Any]] = []
    world = _rbac_world(ctx)
    for b in (m for m in world if m.kind in BINDING_KINDS):
        if not _binds(b, sa, namespace):
            continue
        ref = as_dict(b.obj.get("roleRef"))
        if ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
            out.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})  # RBAC-CLUSTER-ADMIN-BINDING says why not
            continue
        role = _find(world, str(ref.get("kind", "")), str(ref.get("name", "")))
        if role is not None:
            out += [r for r in as_list(role.obj.get("rules")) if isinstance(r, dict)]
    return out


def needed_permissions(m: Manifest, ctx: Context) -> list[tuple[Permission, str]]:
    """(permission, why) the workflow's service account needs."""
    spec, _ = workflow_spec(m)
    version = ctx.config.argo_version
    try:
        need = [(p, f"Argo {version} executor") for p in executor_permissions(version)]
    except ValueError:
        need = [(p, "Argo executor") for p in executor_permissions("99.0")]
        version = "99.0"
    for _, t in templates(spec):
        if "http" in t or "plugin" in t:
            need += [(p, f"agent for template {t.get('name')!r}") for p in agent_permissions(version)]
        res = as_dict(t.get("resource"))
        if res:
            try:
                obj = yaml.safe_load(str(res.get("manifest", ""))) if res.get("manifest") else None
            except yaml.YAMLError:
                obj = None
            if isinstance(obj, dict) and obj.get("kind") and "{{" not in str(obj.get("kind")):
                api = str(obj.get("apiVersion", "v1"))
                group = api.split("/")[0] if "/" in api else ""
                resource = _plural(str(obj["kind"]))
                for verb in RESOURCE_ACTION_VERBS.get(str(res.get("action", "")), []):
                    need.append(((group, resource, verb), f"resource template {t.get('name')!r}"))
    seen: set[Permission] = set()
    out = []
    for p, why in need:
        if p not in seen:
            seen.add(p)
            out.append((p, why))
    return out


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def workflow_service_account(spec: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The SA the executor runs as, and the path that sets it (empty: the default)."""
    ex = as_dict(spec.get("executor")).get("serviceAccountName")
    if ex:
        return str(ex), ("executor", "serviceAccountName")
    sa = spec.get("serviceAccountName")
    if sa:
        return str(sa), ("serviceAccountName",)
    return "default", ()


def check_executor(m: Manifest, ctx: Context) -> Iterator[Problem]:
    if not ctx.complete or (ctx.target.target.kind == "application" and not ctx.everything_rendered):
        return  # part of the world is not rendered: a binding there may grant what is needed
    spec, base = workflow_spec(m)
    if isinstance(spec.get("workflowTemplateRef"), dict) and not spec.get("serviceAccountName"):
        return  # the referenced template's own check covers its service account
    sa, rel = workflow_service_account(spec)
    if not rel:  # no account of its own: the controller's workflowDefaults may name one
        sa, _ = workflow_service_account(with_workflow_defaults(spec, ctx.targets))
    if sa in ctx.config.external.serviceaccounts:
        return  # managed outside this repository, with its RBAC (`default` too, e.g. by the Argo install)
    rules = granted_rules(ctx, sa, m.namespace)
    missing = [(p, why) for p, why in needed_permissions(m, ctx) if not any(_grants(r, p) for r in rules)]
    if missing:
        text = "; ".join(f"{verb} {resource}{' (' + group + ')' if group else ''} for the {why}"
                         for (group, resource, verb), why in missing)
        role = _bound_role(ctx, sa, m.namespace)
        if role is not None:
            # The fix belongs in the Role the account is already bound to: point there.
            yield Problem(role, f"{role.kind} {role.metadata.get('name')!r}, bound to ServiceAccount {sa!r} that "
                                f"{m.kind} {m.name!r} runs as, lacks: {text}; pods will fail at runtime", ("rules",))
        else:
            yield Problem(m, f"ServiceAccount {sa!r} is bound to no rendered Role and is not declared external "
                             "([tool.validation.external] serviceaccounts, for RBAC managed elsewhere); it lacks: "
                             f"{text}; pods will fail "
                             "at runtime", (*base, *rel) if rel else base)


_rule("RBAC-EXECUTOR-PERMISSIONS", "executor-permissions", Severity.ERROR, WORKFLOW_KINDS,
      "The ServiceAccount each workflow runs as (serviceAccountName, else `default`) is bound to a Role granting what "
      "Argo's executor needs for `argo-version` (3.4+: create and patch workflowtaskresults; up to 3.3: patch pods), "
      "plus the agent's workflowtasksets permissions for http/plugin templates and the verbs of resource templates.",
      "Bind the workflow's ServiceAccount to a Role with the missing permissions (the message lists them).",
      """
kind: Role
rules:
  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}
# bound by a RoleBinding to the workflow's serviceAccountName
""", """
kind: Role
rules:
  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create]}
""", closed_world=True, check=check_executor)


def _bound_role(ctx: Context, sa: str, namespace: str | None) -> Manifest | None:
    world = _rbac_world(ctx)
    for b in (m for m in world if m.kind in BINDING_KINDS):
        if _binds(b, sa, namespace):  # as granted_rules reads them: no Role of another namespace's account
            ref = as_dict(b.obj.get("roleRef"))
            role = _find(world, str(ref.get("kind", "")), str(ref.get("name", "")))
            if role is not None:
                return role
    return None
