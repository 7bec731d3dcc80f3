"""RBAC family beyond the fixtures: the executor table per Argo release, agent and resource-template needs."""

from __future__ import annotations

import json

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


# ---------------------------------------------------------------------------------------------------------------------
# What the mutation run of rbac.py (tests/README.md, [^s4]) found untested.

def rule_hits(rule_id: str, text: str, *, kind: str = "overlay", config: Config | None = None, others=None,
              skipped: tuple[str, ...] = ()):
    ctx = context(rendered(text, "dev", kind=kind), config=config, others=others)
    ctx.skipped = list(skipped)
    return [(h.ref, h.path, h.message) for h in run_rule(rule_id, ctx)]


def role(rules: str, kind: str = "Role") -> str:
    meta = "{name: r, namespace: ns}" if kind == "Role" else "{name: r}"
    return f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\nrules: {rules}\n"


def test_an_argo_version_that_is_not_a_release_says_which_and_what_is_expected():
    with pytest.raises(ValueError, match=r"^argo-version 'latest' is not a release like 3\.7$"):
        parse_version("latest")


def test_a_release_older_than_the_tables_gets_their_oldest_row():
    assert executor_permissions("2.12") == [("", "pods", "patch")]
    assert ("argoproj.io", "workflowtasksets", "patch") in agent_permissions("2.9")


def test_a_wildcard_is_reported_in_verbs_resources_and_api_groups_each_at_its_place():
    text = role('[{apiGroups: ["*"], resources: [pods, "pods/*"], verbs: [get, "*", 7]}]')
    assert rule_hits("RBAC-WILDCARD", text) == [
        ("Role/ns/r", "rules[0].verbs[1]", "rule 0 has a wildcard '*' in verbs"),
        ("Role/ns/r", "rules[0].resources[1]", "rule 0 has a wildcard 'pods/*' in resources"),
        ("Role/ns/r", "rules[0].apiGroups[0]", "rule 0 has a wildcard '*' in apiGroups"),
    ]


def test_an_escalating_verb_is_named_in_the_finding():
    assert rule_hits("RBAC-PRIVILEGE-ESCALATION", role("[x, {verbs: [get, bind]}]")) == [
        ("Role/ns/r", "rules[1].verbs[1]", "rule 1 grants 'bind', which lets the holder gain permissions it was not "
                                           "given")]


def binding(ref_kind: str, ref_name: str, subjects: str = "[]", kind: str = "RoleBinding", name: str = "b",
            ns: str | None = "ns") -> str:
    meta = f"{{name: {name}, namespace: {ns}}}" if ns else f"{{name: {name}}}"
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {meta}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {ref_kind}, name: {ref_name}}}\n"
            f"subjects: {subjects}\n---\n")


def test_only_the_cluster_role_cluster_admin_is_reported_as_cluster_admin():
    text = (binding("ClusterRole", "cluster-admin", name="a") + binding("ClusterRole", "view", name="b")
            + binding("Role", "cluster-admin", name="c"))
    assert rule_hits("RBAC-CLUSTER-ADMIN-BINDING", text) == [
        ("RoleBinding/ns/a", "roleRef.name", "binds cluster-admin: full control of the cluster")]


@pytest.mark.parametrize("rule,fires", [
    ("{resources: [secrets], verbs: [get]}", True),  # no apiGroups: the core group
    ('{apiGroups: [""], resources: [secrets], verbs: [get]}', True),
    ('{apiGroups: ["*"], resources: [secrets], verbs: [get]}', True),
    ('{apiGroups: [""], resources: ["*"], verbs: [get]}', True),
    ("{apiGroups: [argoproj.io], resources: [secrets], verbs: [get]}", False),  # not the core group's Secrets
    ('{apiGroups: [""], resources: [configmaps], verbs: [get]}', False),
])
def test_secrets_access_is_the_core_groups_secrets_or_a_wildcard(rule, fires):
    assert bool(rule_hits("RBAC-SECRETS-ACCESS", role(f"[{rule}]"))) is fires


def test_secrets_access_names_the_verbs_it_grants():
    assert rule_hits("RBAC-SECRETS-ACCESS", role('[{apiGroups: [""], resources: [secrets], verbs: [create, get, '
                                                 'list]}]')) == [
        ("Role/ns/r", "rules[0].resources", "rule 0 grants get, list on all Secrets; name them in resourceNames")]


SA = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: %s, namespace: %s}\n---\n"


def test_each_service_account_subject_is_checked_and_the_others_are_passed_over():
    cfg = Config()
    cfg.external.serviceaccounts = ["ext"]
    subjects = ("[x, {kind: User, name: u}, {kind: ServiceAccount}, {kind: ServiceAccount, name: default}, "
                "{kind: ServiceAccount, name: ext}, {kind: ServiceAccount, name: ghost}, "
                "{kind: ServiceAccount, name: wf, namespace: other}, {kind: ServiceAccount, name: wf}]")
    text = SA % ("wf", "ns") + binding("Role", "r", subjects) + role("[]")
    assert rule_hits("RBAC-BINDING-SUBJECT-MISSING", text, config=cfg) == [
        ("RoleBinding/ns/b", "subjects[5].name", "subject ServiceAccount 'ghost' is not rendered"),
        ("RoleBinding/ns/b", "subjects[6].namespace",
         "subject ServiceAccount 'wf' is in namespace 'other' here, but rendered in ns"),
    ]


def test_a_subject_without_namespace_in_a_binding_elsewhere_names_every_namespace_it_is_rendered_in():
    text = SA % ("wf", "a") + SA % ("wf", "c") + binding("Role", "r", "[{kind: ServiceAccount, name: wf}]", ns="b")
    assert rule_hits("RBAC-BINDING-SUBJECT-MISSING", text) == [
        ("RoleBinding/b/b", "subjects[0]",
         "subject ServiceAccount 'wf' is in namespace 'b' here, but rendered in a, c")]


def test_a_cluster_role_binding_subject_without_namespace_does_not_end_the_check():
    subjects = "[{kind: ServiceAccount, name: wf}, {kind: ServiceAccount, name: ghost, namespace: ns}]"
    text = SA % ("wf", "ns") + binding("ClusterRole", "view", subjects, kind="ClusterRoleBinding", ns=None)
    assert rule_hits("RBAC-BINDING-SUBJECT-MISSING", text) == [
        ("ClusterRoleBinding/b", "subjects[0]",
         "subject ServiceAccount 'wf' has no namespace; a ClusterRoleBinding needs one"),
        ("ClusterRoleBinding/b", "subjects[1].name", "subject ServiceAccount 'ghost' is not rendered"),
    ]


def test_an_account_an_operator_creates_counts_in_the_operators_namespace_only():
    argocd = "apiVersion: argoproj.io/v1beta1\nkind: ArgoCD\nmetadata: {name: gitops, namespace: gitops}\n---\n"
    controller = "gitops-argocd-application-controller"
    subjects = (f"[{{kind: ServiceAccount, name: {controller}, namespace: gitops}}, "
                f"{{kind: ServiceAccount, name: {controller}, namespace: elsewhere}}, "
                "{kind: ServiceAccount, name: ghost, namespace: gitops}]")
    text = argocd + binding("ClusterRole", "view", subjects, kind="ClusterRoleBinding", ns=None)
    assert [(path, msg) for _, path, msg in rule_hits("RBAC-BINDING-SUBJECT-MISSING", text)] == [
        ("subjects[1].name", f"subject ServiceAccount {controller!r} is not rendered"),
        ("subjects[2].name", "subject ServiceAccount 'ghost' is not rendered"),
    ]


def test_an_account_an_operator_creates_here_is_found_though_one_of_its_name_is_rendered_elsewhere():
    argocd = "apiVersion: argoproj.io/v1beta1\nkind: ArgoCD\nmetadata: {name: gitops, namespace: gitops}\n---\n"
    controller = "gitops-argocd-application-controller"
    subjects = f"[{{kind: ServiceAccount, name: {controller}, namespace: gitops}}]"
    text = (argocd + SA % (controller, "other")
            + binding("ClusterRole", "view", subjects, kind="ClusterRoleBinding", ns=None))
    assert rule_hits("RBAC-BINDING-SUBJECT-MISSING", text) == []
    elsewhere = text.replace("namespace: gitops}]", "namespace: third}]")
    assert [path for _, path, _ in rule_hits("RBAC-BINDING-SUBJECT-MISSING", elsewhere)] == ["subjects[0].namespace"]


EXECUTOR = "  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}"
AGENT = ("  - {apiGroups: [argoproj.io], resources: [workflowtasksets], verbs: [list, watch]}\n"
         "  - {apiGroups: [argoproj.io], resources: [workflowtasksets/status], verbs: [patch]}")


def executor_hits(text: str, version: str = "3.7", **kw):
    return rule_hits("RBAC-EXECUTOR-PERMISSIONS", text, config=Config(argo_version=version), **kw)


def test_the_finding_lists_each_missing_permission_once_with_its_group_and_reason():
    templates = HTTP + "\n" + HTTP.replace("name: h", "name: h2") + "\n" + RESOURCE + """
    - name: cm
      resource:
        action: apply
        manifest: |
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: c}"""
    [(ref, path, message)] = executor_hits(ROLE % ("  - {apiGroups: [''], resources: [configmaps], verbs: [get]}",
                                                   templates), "3.3")
    assert (ref, path) == ("Role/ns/wf", "rules")
    assert message == (
        "Role 'wf', bound to ServiceAccount 'wf' that WorkflowTemplate 't' runs as, lacks: patch pods for the Argo "
        "3.3 executor; list workflowtasksets (argoproj.io) for the agent for template 'h'; watch workflowtasksets "
        "(argoproj.io) for the agent for template 'h'; patch workflowtasksets/status (argoproj.io) for the agent for "
        "template 'h'; create jobs (batch) for the resource template 'r'; create configmaps for the resource template "
        "'cm'; patch configmaps for the resource template 'cm'; pods will fail at runtime")


def test_an_account_bound_to_no_rendered_role_is_reported_on_the_workflow():
    text = (ROLE % (EXECUTOR, CONTAINER)).replace("kind: Role, name: wf}", "kind: Role, name: gone}")
    assert executor_hits(text) == [
        ("WorkflowTemplate/ns/t", "spec.serviceAccountName",
         "ServiceAccount 'wf' is bound to no rendered Role and is not declared external ([tool.validation.external] "
         "serviceaccounts, for RBAC managed elsewhere); it lacks: create workflowtaskresults (argoproj.io) for the "
         "Argo 3.7 executor; patch workflowtaskresults (argoproj.io) for the Argo 3.7 executor; pods will fail at "
         "runtime")]


def test_a_version_that_is_not_a_release_is_read_as_the_newest():
    [(_, _, message)] = executor_hits(ROLE % ("  - {apiGroups: [''], resources: [configmaps], verbs: [get]}", HTTP),
                                      "latest")
    assert "lacks: create workflowtaskresults (argoproj.io) for the Argo executor; patch workflowtaskresults " \
           "(argoproj.io) for the Argo executor; list workflowtasksets (argoproj.io) for the agent" in message
    assert "patch workflowtasksets/status (argoproj.io)" in message


def test_a_plugin_template_needs_the_agent_permissions_and_the_executor_still_its_own():
    plugin = "    - {name: p, plugin: {hello: {}}}"
    assert executor_hits(ROLE % (EXECUTOR + "\n" + AGENT, plugin)) == []
    [(_, _, message)] = executor_hits(ROLE % (EXECUTOR, plugin))
    assert "list workflowtasksets (argoproj.io) for the agent for template 'p'" in message
    [(_, _, message)] = executor_hits(ROLE % (AGENT, HTTP))
    assert "lacks: create workflowtaskresults (argoproj.io) for the Argo 3.7 executor; patch" in message


@pytest.mark.parametrize("manifest", ["just text", "[a, b]", "{metadata: {name: x}}",
                                      "{kind: '{{inputs.parameters.kind}}', apiVersion: v1}", "'{{unclosed'"])
def test_a_resource_template_whose_manifest_names_no_kind_needs_no_permission_on_it(manifest):
    template = f"    - {{name: r, resource: {{action: create, manifest: {json.dumps(manifest)}}}}}"
    assert executor_hits(ROLE % (EXECUTOR, template)) == []


def test_a_resource_template_with_an_action_kubectl_has_no_verbs_for_needs_none():
    template = "    - {name: r, resource: {action: watch, manifest: 'kind: Job'}}"
    assert executor_hits(ROLE % (EXECUTOR, template)) == []


@pytest.mark.parametrize("rules,granted", [
    ("  - {apiGroups: ['*'], resources: ['*'], verbs: ['*']}", True),
    ("  - {apiGroups: [''], resources: [workflowtaskresults], verbs: [create, patch]}", False),
    ("  - {apiGroups: [argoproj.io], resources: [workflows], verbs: [create, patch]}", False),
    ("  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create]}\n"
     "  - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [patch]}", True),
])
def test_a_permission_is_granted_by_its_group_resource_and_verb_or_a_wildcard(rules, granted):
    assert (executor_hits(ROLE % (rules, CONTAINER)) == []) is granted


def test_the_permissions_of_every_binding_of_the_account_add_up():
    half = EXECUTOR.replace("create, patch", "create")
    text = (ROLE % (half, CONTAINER) + "---\n" + role("[{apiGroups: [argoproj.io], resources: [workflowtaskresults], "
                                                      "verbs: [patch]}]").replace("name: r,", "name: r2,")
            + "---\n" + binding("Role", "r2", "[{kind: ServiceAccount, name: wf, namespace: ns}]", name="b2"))
    assert executor_hits(text) == []


def test_a_binding_elsewhere_or_for_another_account_does_not_hide_the_one_that_grants():
    other_ns = binding("Role", "nothing", "[{kind: ServiceAccount, name: wf}]", name="x", ns="other")
    other_sa = binding("Role", "nothing", "[{kind: ServiceAccount, name: someone, namespace: ns}]", name="y")
    assert executor_hits(other_ns + other_sa + ROLE % (EXECUTOR, CONTAINER)) == []


def test_a_cluster_role_binding_of_the_same_name_in_another_namespace_binds_nothing_here():
    """The binding grants `wf` of namespace `other`: the workflow's `wf` in `ns` has no Role, so the finding is the
    workflow's; it is not the ClusterRole's, which lacks nothing."""
    workflow = ("apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: t, namespace: ns}\n"
                "spec:\n  serviceAccountName: wf\n  templates:\n" + CONTAINER + "\n")
    text = (SA % ("wf", "ns") + role(f"[{EXECUTOR.strip()[2:]}]", kind="ClusterRole") + "---\n"
            + binding("ClusterRole", "r", "[{kind: ServiceAccount, name: wf, namespace: other}]",
                      kind="ClusterRoleBinding", ns=None) + workflow)
    [(ref, path, message)] = executor_hits(text)
    assert (ref, path) == ("WorkflowTemplate/ns/t", "spec.serviceAccountName")
    assert message.startswith("ServiceAccount 'wf' is bound to no rendered Role")
    assert executor_hits(text.replace("namespace: other}", "namespace: ns}")) == []


@pytest.mark.parametrize("ref,granted", [
    ("{kind: ClusterRole, name: cluster-admin}", True),
    ("{kind: ClusterRole, name: edit}", False),  # not rendered: what it grants is unknown here
    ("{kind: Role, name: cluster-admin}", False),
])
def test_cluster_admin_grants_everything_and_only_cluster_admin_does(ref, granted):
    text = (ROLE % ("  - {apiGroups: [''], resources: [configmaps], verbs: [get]}", CONTAINER)).replace(
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: wf}", f"roleRef: {ref}")
    assert (executor_hits(text) == []) is granted


def test_the_executors_own_service_account_is_the_one_checked():
    text = (ROLE % (EXECUTOR, CONTAINER)).replace(
        "  serviceAccountName: wf\n", "  serviceAccountName: unbound\n  executor: {serviceAccountName: wf}\n")
    assert executor_hits(text) == []
    swapped = (ROLE % (EXECUTOR, CONTAINER)).replace("  serviceAccountName: wf\n",
                                                     "  serviceAccountName: wf\n  executor: {serviceAccountName: x}\n")
    [(ref, path, message)] = executor_hits(swapped)
    assert (ref, path) == ("WorkflowTemplate/ns/t", "spec.executor.serviceAccountName")
    assert message.startswith("ServiceAccount 'x' is bound to no rendered Role")


def test_a_run_of_a_template_is_checked_only_when_it_names_its_own_account():
    run = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: run, namespace: ns}\nspec:\n" \
          "  workflowTemplateRef: {name: t}\n"
    assert executor_hits(run) == []
    [(ref, path, _)] = executor_hits(run + "  serviceAccountName: nobody\n")
    assert (ref, path) == ("Workflow/ns/run", "spec.serviceAccountName")


def test_an_application_is_checked_when_everything_is_rendered_and_only_then():
    lacking = ROLE % ("  - {apiGroups: [''], resources: [configmaps], verbs: [get]}", CONTAINER)
    assert [ref for ref, _, _ in executor_hits(lacking, kind="application")] == ["Role/ns/wf"]
    assert executor_hits(lacking, kind="application", skipped=("app/other",)) == []
    # An overlay's own render is its world: what another run could not render does not matter to it.
    assert [ref for ref, _, _ in executor_hits(lacking, skipped=("app/other",))] == ["Role/ns/wf"]


def test_an_application_keeps_its_own_rbac_when_the_run_has_other_applications():
    other = rendered("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n", "app/other",
                     kind="application")
    assert executor_hits(ROLE % (EXECUTOR, CONTAINER), kind="application", others=[other]) == []
