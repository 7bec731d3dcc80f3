"""RBAC family beyond the fixtures: the executor table per Argo release, agent and resource-template needs."""

from __future__ import annotations

import pytest
from rules_helpers import context, rendered, run_rule

from validation.config import Config
from validation.rules.rbac import agent_permissions, executor_permissions, parse_version

ROLE = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: wf, namespace: ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: wf, namespace: ns}
rules:
%s
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wf, namespace: ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: wf}
subjects: [{kind: ServiceAccount, name: wf, namespace: ns}]
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: t, namespace: ns}
spec:
  serviceAccountName: wf
  templates:
%s
"""
CONTAINER = '    - {name: c, container: {image: "alpine:3.20"}}'
HTTP = '    - {name: h, http: {url: "https://example.com"}}'
RESOURCE = """    - name: r
      resource:
        action: create
        manifest: |
          apiVersion: batch/v1
          kind: Job
          metadata: {generateName: j-}"""
TASKRESULTS = "  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}"


def hits(rules: str, templates: str, version: str = "3.7"):
    rt = rendered(ROLE % (rules, templates), "dev")
    return run_rule("RBAC-EXECUTOR-PERMISSIONS", context(rt, config=Config(argo_version=version)))


@pytest.mark.parametrize("version,needed", [
    ("3.3", {("", "pods", "patch")}),
    ("v3.3.9", {("", "pods", "patch")}),
    ("3.4", {("argoproj.io", "workflowtaskresults", "create"), ("argoproj.io", "workflowtaskresults", "patch")}),
    ("3.7", {("argoproj.io", "workflowtaskresults", "create"), ("argoproj.io", "workflowtaskresults", "patch")}),
    ("4.0", {("argoproj.io", "workflowtaskresults", "create"), ("argoproj.io", "workflowtaskresults", "patch")}),
])
def test_executor_table_per_release(version, needed):
    assert set(executor_permissions(version)) == needed


def test_agent_permissions_changed_in_3_3():
    assert ("argoproj.io", "workflowtasksets", "patch") in agent_permissions("3.2")
    assert ("argoproj.io", "workflowtasksets/status", "patch") in agent_permissions("3.7")


def test_bad_version_is_rejected():
    with pytest.raises(ValueError):
        parse_version("latest")


def test_the_release_decides():
    assert hits(TASKRESULTS, CONTAINER, "3.7") == []
    old = hits(TASKRESULTS, CONTAINER, "3.3")
    assert old and "patch pods" in old[0].message


def test_http_templates_need_the_agent_permissions():
    found = hits(TASKRESULTS, HTTP)
    assert found and "workflowtasksets" in found[0].message
    agent = ("  - {apiGroups: [argoproj.io], resources: [workflowtasksets], verbs: [list, watch]}\n"
             "  - {apiGroups: [argoproj.io], resources: [workflowtasksets/status], verbs: [patch]}")
    assert hits(TASKRESULTS + "\n" + agent, HTTP) == []


def test_resource_templates_need_their_action_verb():
    found = hits(TASKRESULTS, RESOURCE)
    assert found and "create jobs (batch)" in found[0].message
    assert hits(TASKRESULTS + "\n  - {apiGroups: [batch], resources: [jobs], verbs: [create]}", RESOURCE) == []


def test_resource_names_do_not_grant_create():
    limited = "  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], resourceNames: [x], verbs: [create, patch]}"
    assert hits(limited, CONTAINER)


def test_a_binding_in_another_namespace_does_not_count():
    text = (ROLE % (TASKRESULTS, CONTAINER)).replace("kind: RoleBinding\nmetadata: {name: wf, namespace: ns}",
                                                     "kind: RoleBinding\nmetadata: {name: wf, namespace: other}")
    rt = rendered(text, "dev")
    assert run_rule("RBAC-EXECUTOR-PERMISSIONS", context(rt))


def test_external_service_accounts_are_not_second_guessed():
    rt = rendered(ROLE % ("  - {apiGroups: [''], resources: [configmaps], verbs: [get]}", CONTAINER), "dev")
    cfg = Config()
    cfg.external.serviceaccounts = ["wf"]
    assert run_rule("RBAC-EXECUTOR-PERMISSIONS", context(rt, config=cfg)) == []


def test_cluster_role_binding_subjects_need_a_namespace():
    text = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: wf, namespace: ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: wf}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: wf%s}]
"""
    assert [h.path for h in run_rule("RBAC-BINDING-SUBJECT-MISSING", context(rendered(text % "", "dev")))] == ["subjects[0]"]
    assert run_rule("RBAC-BINDING-SUBJECT-MISSING", context(rendered(text % ", namespace: ns", "dev"))) == []


@pytest.mark.parametrize("kind, resource", [
    ("Deployment", "deployments"), ("ConfigMap", "configmaps"), ("Ingress", "ingresses"),
    ("NetworkPolicy", "networkpolicies"), ("Job", "jobs"),
])
def test_a_resource_templates_kind_is_checked_as_its_plural_resource(kind, resource):
    """The executor needs RBAC on the resource a resource template creates, named as the API names it."""
    from validation.rules.rbac import _plural

    assert _plural(kind) == resource


def test_the_finding_points_at_the_role_bound_in_the_workflows_namespace_only():
    """A missing permission is reported on the Role the account is bound to in the workflow's namespace; a
    RoleBinding elsewhere binds nothing here, so then the finding is the workflow's."""
    lacking = "  - {apiGroups: [''], resources: [configmaps], verbs: [get]}"
    elsewhere = (ROLE % (lacking, CONTAINER)).replace("kind: RoleBinding\nmetadata: {name: wf, namespace: ns}",
                                                      "kind: RoleBinding\nmetadata: {name: wf, namespace: other}")
    [hit] = run_rule("RBAC-EXECUTOR-PERMISSIONS", context(rendered(elsewhere, "dev")))
    assert hit.ref.startswith("WorkflowTemplate/") and "is bound to no rendered Role" in hit.message
    both = elsewhere + "---\n" + """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wf-here, namespace: ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: wf}
subjects: [{kind: ServiceAccount, name: wf, namespace: ns}]
"""
    [hit] = run_rule("RBAC-EXECUTOR-PERMISSIONS", context(rendered(both, "dev")))
    assert hit.ref.startswith("Role/") and "Role 'wf', bound to ServiceAccount 'wf'" in hit.message


def test_binding_role_missing_knows_cluster_roles_built_in_rendered_and_missing():

    def binding(name: str, kind: str, ref_kind: str | None, ref_name: str | None, ns: str | None = "ml-dev") -> str:
        ref = ", ".join(f"{k}: {v}" for k, v in (("kind", ref_kind), ("name", ref_name)) if v)
        meta = f"{{name: {name}" + (f", namespace: {ns}}}" if ns else "}")
        return f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nroleRef: {{{ref}}}\n---\n"

    text = (binding("view", "RoleBinding", "ClusterRole", "view")
            + binding("system", "RoleBinding", "ClusterRole", "system:aggregate-to-view")
            + binding("reader", "RoleBinding", "ClusterRole", "reader")
            + binding("nope", "ClusterRoleBinding", "ClusterRole", "nope", ns=None)
            + binding("role-from-cluster", "ClusterRoleBinding", "Role", "r", ns=None)
            + binding("no-name", "RoleBinding", "Role", None)
            + binding("elsewhere", "RoleBinding", "Role", "r", ns="ml-prod")
            + binding("here", "RoleBinding", "Role", "r")
            + "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n---\n"
            + "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: ml-dev}\n")
    hits = run_rule("RBAC-BINDING-ROLE-MISSING", context(rendered(text)))
    assert [(h.ref.split("/")[-1], h.path, h.message) for h in hits] == [
        ("nope", "roleRef.name", "roleRef names ClusterRole 'nope', which is not rendered"),
        ("role-from-cluster", "roleRef.kind", "a ClusterRoleBinding can only reference a ClusterRole"),
        ("elsewhere", "roleRef.name", "Role 'r' is in namespace 'ml-dev' but the binding is in 'ml-prod'; a "
                                      "RoleBinding only reaches Roles of its own namespace"),
    ]
