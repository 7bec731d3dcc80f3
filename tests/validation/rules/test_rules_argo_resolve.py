"""Argo family: resolving the template a templateRef names (found, external, missing object, missing template)."""

from __future__ import annotations

import pytest
from rules_helpers import FIXTURES, context, rendered

from validation.config import Config, from_table
from validation.rules.argo.resolve import is_external, lookup_template_object, resolve_ref

LIBRARY = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ml-dev}
spec:
  templates:
    - {name: train, container: {image: "python:3.11"}}
    - {name: eval, container: {image: "python:3.11"}}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: empty, namespace: ml-dev}
spec: {}
---
apiVersion: argoproj.io/v1alpha1
kind: ClusterWorkflowTemplate
metadata: {name: shared, namespace: ml-dev}  # kustomize's namespace transformer also sets it on unknown kinds
spec:
  templates:
    - {name: notify, container: {image: "python:3.11"}}
"""


def _ctx(external: dict | None = None, unrendered: tuple[str, ...] = ()):
    cfg = from_table({"external": external or {}}, Config(root=FIXTURES / "repo"))
    return context(rendered(LIBRARY, unrendered=unrendered), config=cfg)


def test_a_template_ref_is_found_in_its_own_namespace_or_cluster_wide():
    ctx = _ctx()
    found = resolve_ref(ctx, {"name": "lib", "template": "eval"}, "ml-dev")
    assert (found.status, found.template["name"], found.owner.name) == ("ok", "eval", "lib")
    cluster = resolve_ref(ctx, {"name": "shared", "template": "notify", "clusterScope": True}, "ml-prod")
    assert (cluster.status, cluster.owner.kind) == ("ok", "ClusterWorkflowTemplate")
    # Without clusterScope the same name means a namespaced WorkflowTemplate, and there is none.
    assert resolve_ref(ctx, {"name": "shared", "template": "notify"}, "ml-dev").status == "missing-object"
    assert resolve_ref(ctx, {"name": "lib", "template": "train", "clusterScope": True}, "ml-dev").status \
        == "missing-object"


def test_a_namespaced_template_is_looked_up_in_the_callers_namespace_only():
    ctx = _ctx()
    assert resolve_ref(ctx, {"name": "lib", "template": "train"}, "ml-prod").message == \
        "templateRef names WorkflowTemplate 'lib', which is neither rendered nor declared external"
    assert lookup_template_object(ctx, "lib", False, None).name == "lib"  # no namespace known: any namespace
    assert lookup_template_object(ctx, "lib", False, "ml-dev").name == "lib"
    assert lookup_template_object(ctx, "shared", True, "ml-prod").name == "shared"
    assert lookup_template_object(ctx, "other", False, None) is None


@pytest.mark.parametrize("ref", [{"name": "lib"}, {"template": "train"}, {"name": "", "template": "train"}, "lib",
                                 None])
def test_a_template_ref_needs_both_name_and_template(ref):
    got = resolve_ref(_ctx(), ref, "ml-dev")
    assert (got.status, got.message, got.template) == ("invalid", "templateRef needs both name and template", None)


def test_a_missing_template_names_the_object_and_what_it_has():
    got = resolve_ref(_ctx(), {"name": "lib", "template": "deploy"}, "ml-dev")
    assert (got.status, got.owner.name, got.template) == ("missing-template", "lib", None)
    assert got.message == "WorkflowTemplate 'lib' has no template 'deploy' (it has: eval, train)"
    cluster = resolve_ref(_ctx(), {"name": "shared", "template": "x", "clusterScope": True}, None)
    assert cluster.message == "ClusterWorkflowTemplate 'shared' has no template 'x' (it has: notify)"
    assert resolve_ref(_ctx(), {"name": "empty", "template": "x"}, "ml-dev").message == \
        "WorkflowTemplate 'empty' has no template 'x' (it has: none)"


def test_a_missing_object_is_external_when_declared_by_name_or_name_and_template():
    ref = {"name": "other", "template": "run"}
    missing = resolve_ref(_ctx(), ref, "ml-dev")
    assert (missing.status, missing.owner, missing.template) == ("missing-object", None, None)
    assert missing.message == "templateRef names WorkflowTemplate 'other', which is neither rendered nor declared external"
    assert resolve_ref(_ctx({"workflowtemplates": ["other"]}), ref, "ml-dev").status == "external"
    assert resolve_ref(_ctx({"workflowtemplates": ["other/run"]}), ref, "ml-dev").status == "external"
    assert resolve_ref(_ctx({"workflowtemplates": ["other/build"]}), ref, "ml-dev").status == "missing-object"
    # A ClusterWorkflowTemplate is declared in its own list, not in the namespaced one.
    cref = {"name": "other", "template": "run", "clusterScope": True}
    assert resolve_ref(_ctx({"workflowtemplates": ["other"]}), cref, None).message == \
        "templateRef names ClusterWorkflowTemplate 'other', which is neither rendered nor declared external"
    assert resolve_ref(_ctx({"clusterworkflowtemplates": ["other"]}), cref, None).status == "external"
    assert resolve_ref(_ctx({"clusterworkflowtemplates": ["other"]}), ref, None).status == "missing-object"
    # Part of the target not rendered: the template may be in that part.
    assert resolve_ref(_ctx(unrendered=("remote base",)), ref, "ml-dev").status == "external"


def test_is_external_reads_the_list_of_the_scope_asked_for():
    ctx = _ctx({"workflowtemplates": ["wt", "lib2/a"], "clusterworkflowtemplates": ["cwt"]})
    assert is_external(ctx, "wt", None, False) and is_external(ctx, "wt", "any", False)
    assert is_external(ctx, "lib2", "a", False) and not is_external(ctx, "lib2", "b", False)
    assert not is_external(ctx, "lib2", None, False)
    assert is_external(ctx, "cwt", None, True) and not is_external(ctx, "cwt", None, False)
    assert not is_external(ctx, "wt", None, True)


CALLER = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: run, namespace: ml-dev}
spec:
  entrypoint: main
  arguments: {parameters: [{name: epochs, value: "3"}]}
  templates:
    - name: main
      steps: [[{name: s, templateRef: {name: lib, template: t, clusterScope: true}}]]
---
apiVersion: argoproj.io/v1alpha1
kind: KIND
metadata: {name: lib, namespace: ml-dev}
spec:
  templates: [{name: t, container: {image: "python:3.11"}}]
"""


@pytest.mark.parametrize("kind,params", [("ClusterWorkflowTemplate", {"epochs"}), ("WorkflowTemplate", None)])
def test_a_library_template_takes_the_workflow_parameters_of_callers_in_its_own_scope_only(kind, params):
    """clusterScope: true calls the ClusterWorkflowTemplate `lib`, never a namespaced WorkflowTemplate `lib`: only
    the real caller's parameters are the library's (None: unknown, a library fed by callers not rendered)."""
    from validation.rules.argo.expressions import declared_workflow_params

    ctx = context(rendered(CALLER.replace("KIND", kind)))
    lib = next(m for m in ctx.target.manifests if m.kind == kind)
    assert declared_workflow_params(ctx, lib, lib.obj["spec"]) == params
