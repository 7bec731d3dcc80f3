"""Argo family internals: the `depends` grammar, quantities, image tags, variable scoping edge cases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rules_helpers import context, rendered, run_rule

from validation.rules.argo.pods import image_tag_problem
from validation.rules.argo.spec_walk import DependsSyntaxError, find_cycle, parse_depends, parse_quantity


@pytest.mark.parametrize("expr,names", [
    ("a", ["a"]),
    ("a.Succeeded", ["a"]),
    ("a && b", ["a", "b"]),
    ("(a.Succeeded || b.Skipped) && !c.Failed", ["a", "b", "c"]),
    ("task-1.AnySucceeded||task_2.AllFailed", ["task-1", "task_2"]),
    ("!(!a)", ["a"]),
    ("a.Errored || a.Omitted || a.Daemoned", ["a", "a", "a"]),
])
def test_depends_parses(expr, names):
    assert parse_depends(expr) == names


@pytest.mark.parametrize("expr", ["", "a &&", "&& a", "(a || b", "a || b)", "a.Succeded", "a | b", "a b", "a.",
                                  "!", "()"])
def test_depends_rejects(expr):
    with pytest.raises(DependsSyntaxError):
        parse_depends(expr)


def test_depends_allows_surrounding_whitespace():
    assert parse_depends("  a && b.Failed  \n") == ["a", "b"]


@pytest.mark.parametrize("expr,said", [
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("a $b", "unexpected '$b' at column 2"),
    ("a ~bcdefghijklmn", "unexpected '~bcdefghij' at column 2"),
    ("a && && b", "expected a task name at column 6, found '&&'"),
    ("a b", "unexpected 'b' at column 3"),
    ("a &&", "expression ends where a task name was expected"),
    ("b && (a || c", "missing ')' for '(' at column 6"),
    ("a.Finished", "unknown task result .Finished at column 2 (expected one of Succeeded, Failed, Errored, Skipped, "
                   "Omitted, Daemoned, AnySucceeded, AllFailed)"),
])
def test_depends_says_what_is_wrong_and_where(expr, said):
    """ARGO-DAG-DEPENDS-SYNTAX shows these words; a column counts from 1."""
    with pytest.raises(DependsSyntaxError) as exc:
        parse_depends(expr)
    assert str(exc.value) == said


def test_cycle_found_and_reported_in_order():
    tasks = {"a": {"depends": "c"}, "b": {"depends": "a"}, "c": {"dependencies": ["b"]}, "d": {}}
    cycle = find_cycle(tasks)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert find_cycle({"a": {}, "b": {"depends": "a"}}) is None


@pytest.mark.parametrize("text,value", [("500m", Decimal("0.5")), ("1", Decimal(1)), ("1Gi", Decimal(2**30)),
                                        ("512Mi", Decimal(512 * 2**20)), ("1e3", Decimal(1000)), ("1E3", Decimal(1000)), ("2k", Decimal(2000)),
                                        (2, Decimal(2)), ("0.5", Decimal("0.5"))])
def test_quantities(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["lots", "1GB", "", "1.2.3", True])
def test_not_quantities(text):
    assert parse_quantity(text) is None


@pytest.mark.parametrize("image,bad", [("python", True), ("python:latest", True), ("ghcr.io/a/b", True),
                                       ("localhost:5000/app", True), ("python:3.11.9-slim", False),
                                       ("localhost:5000/app:1.2", False), ("alpine@sha256:" + "a" * 64, False)])
def test_image_tags(image, bad):
    assert (image_tag_problem(image) is not None) is bad


WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: x-}
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - {name: a, template: t}
          - {name: b, template: t, arguments: {parameters: [{name: p, value: "%s"}]}}
    - name: t
      inputs: {parameters: [{name: p, default: x}]}
      outputs: {parameters: [{name: o, valueFrom: {path: /o}}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.p}}"]}
"""


@pytest.mark.parametrize("ref,fires", [
    ("{{steps.a.outputs.parameters.o}}", True),  # same step group: not yet run
    ("{{workflow.name}}", False),
    ("{{workflow.labels.team}}", False),
    ("{{workflow.creationTimestamp.Y}}", False),
    ("{{workflow.name.first}}", True),
    ("{{tasks.a.outputs.result}}", True),  # tasks.* inside a steps template
    ("{{=inputs.parameters['p']}}", False),
    ("{{=workflow.parameters['nope']}}", True),
    ("{{status}}", True),  # metrics only
])
def test_variable_scoping(ref, fires):
    rt = rendered(WF % ref, "dev")
    ctx = context(rt)
    hits = [h for rid in ("ARGO-VAR-OUTPUT-REF", "ARGO-VAR-UNKNOWN", "ARGO-VAR-WORKFLOW-PARAMETER")
            for h in run_rule(rid, ctx)]
    assert bool(hits) is fires, hits


def test_workflow_level_hooks_are_checked():
    text = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: x-}
spec:
  entrypoint: t
  hooks:
    exit:
      template: t
      arguments: {parameters: [{name: p, value: "%s"}]}
  templates:
    - name: t
      inputs: {parameters: [{name: p, default: x}]}
      container: {image: "alpine:3.20", command: [echo, "{{inputs.parameters.p}}"]}
"""
    ok = context(rendered(text % "{{workflow.status}}", "dev"))
    assert run_rule("ARGO-VAR-UNKNOWN", ok) == []
    bad = context(rendered(text % "{{workflow.parameters.nope}}", "dev"))
    assert [h.path for h in run_rule("ARGO-VAR-WORKFLOW-PARAMETER", bad)] == ["spec.hooks.exit.arguments.parameters[0].value"]


# Argo's variable reference (docs/variables.md): each is accepted where the docs say it is defined.
GLOBALS = ["workflow.name", "workflow.namespace", "workflow.mainEntrypoint", "workflow.serviceAccountName",
           "workflow.uid", "workflow.parameters", "workflow.parameters.json", "workflow.annotations.owner",
           "workflow.annotations.json", "workflow.labels.team", "workflow.labels.json", "workflow.creationTimestamp",
           "workflow.creationTimestamp.Y", "workflow.creationTimestamp.RFC3339", "workflow.priority",
           "workflow.duration", "workflow.scheduledTime", "workflow.status", "workflow.failures"]
IN_CONTAINER = ["pod.name", "node.name", "retries", "inputs.parameters", "inputs.parameters.p",
                "inputs.artifacts.a", "inputs.artifacts.a.path", "outputs.parameters.o.path",
                "outputs.artifacts.oa.path"]

DOC = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: x-}
spec:
  entrypoint: t
  arguments: {parameters: [{name: p, value: "1"}], artifacts: [{name: a, raw: {data: x}}]}
  templates:
    - name: t
      inputs: {parameters: [{name: p}], artifacts: [{name: a, path: /a}]}
      outputs: {parameters: [{name: o, valueFrom: {path: /o}}], artifacts: [{name: oa, path: /oa}]}
      container: {image: "alpine:3.20", command: [echo, "{{%s}}"]}
"""


@pytest.mark.parametrize("variable", GLOBALS + IN_CONTAINER)
def test_documented_variables_are_accepted(variable):
    ctx = context(rendered(DOC % variable, "dev"))
    hits = [h for rid in ("ARGO-VAR-UNKNOWN", "ARGO-VAR-UNDECLARED", "ARGO-VAR-WORKFLOW-PARAMETER",
                          "ARGO-VAR-OUTPUT-REF", "ARGO-VAR-ITEM-OUTSIDE-LOOP") for h in run_rule(rid, ctx)]
    assert hits == []


@pytest.mark.parametrize("variable", ["workflow.nam", "workflow", "pod.id", "inputs.parameter.p",
                                      "outputs.parameters.nope.path", "item", "duration", "tasks.x.outputs.result"])
def test_undocumented_variables_are_findings(variable):
    ctx = context(rendered(DOC % variable, "dev"))
    hits = [h for rid in ("ARGO-VAR-UNKNOWN", "ARGO-VAR-UNDECLARED", "ARGO-VAR-WORKFLOW-PARAMETER",
                          "ARGO-VAR-OUTPUT-REF", "ARGO-VAR-ITEM-OUTSIDE-LOOP") for h in run_rule(rid, ctx)]
    assert hits, variable


@pytest.mark.parametrize("variable", ["pods.name", "input.parameters.p", "custom.variable"])
def test_a_namespace_argo_does_not_know_is_only_a_warning(variable):
    """Argo substitutes only its own namespaces and leaves any other tag as written (validate.go,
    checkValidWorkflowVariablePrefix): probably a typo, so a warning of its own, not an error."""
    ctx = context(rendered(DOC % variable, "dev"))
    errors = [h for rid in ("ARGO-VAR-UNKNOWN", "ARGO-VAR-UNDECLARED", "ARGO-VAR-OUTPUT-REF")
              for h in run_rule(rid, ctx)]
    warnings = run_rule("ARGO-VAR-UNKNOWN-PREFIX", ctx)
    assert (errors, len(warnings)) == ([], 1), (errors, warnings)


@pytest.mark.parametrize("variable", ["steps.name", "tasks.name"])
def test_the_name_of_the_step_or_task_is_defined_in_the_leaf_it_calls(variable):
    ctx = context(rendered(DOC % variable, "dev"))
    assert [h for rid in ("ARGO-VAR-UNKNOWN", "ARGO-VAR-OUTPUT-REF") for h in run_rule(rid, ctx)] == []


# Random `depends` expressions built from the grammar always parse, and give back their task names.
NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)


def _expr(names):
    leaf = st.tuples(names, st.sampled_from(["", ".Succeeded", ".Failed", ".AnySucceeded", ".Omitted"])).map(
        lambda t: (t[0] + t[1], [t[0]]))

    def extend(children):
        binary = st.tuples(children, st.sampled_from([" && ", " || ", "&&", "||"]), children).map(
            lambda t: (t[0][0] + t[1] + t[2][0], t[0][1] + t[2][1]))
        return st.one_of(binary, children.map(lambda c: (f"({c[0]})", c[1])), children.map(lambda c: (f"!{c[0]}", c[1])))

    return st.recursive(leaf, extend, max_leaves=8)


@given(_expr(NAMES))
def test_generated_depends_parse(case):
    text, names = case
    assert parse_depends(text) == names


@given(st.text(max_size=30))
def test_arbitrary_text_parses_or_says_why(text):
    try:
        parse_depends(text)
    except DependsSyntaxError as exc:
        assert str(exc)


def test_a_cronjobs_pod_spec_is_under_its_job_template():
    from validation.model import Manifest
    from validation.rules.argo.spec_walk import pod_spec

    pod = {"containers": [{"name": "c", "image": "alpine:3.20"}]}
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 1 * * *", "jobTemplate": {"spec": {"template": {"spec": pod}}}}}
    assert pod_spec(Manifest(obj=cron, target="dev", index=0)) == (
        pod, ("spec", "jobTemplate", "spec", "template", "spec"))
    job = {"kind": "Job", "metadata": {"name": "once"}, "spec": {"template": {"spec": pod}}}
    assert pod_spec(Manifest(obj=job, target="dev", index=0)) == (pod, ("spec", "template", "spec"))


@pytest.mark.parametrize("tag,fires", [
    ("custom", True), ("custom.x", True), ("wokflow.name", True), ("my_ns.some-thing.x", True), ("", True),
    # a shell command pasted inside a tag (pipekit's argo-workflows-ci-example): Argo leaves it as written
    ("kubectl -n argo create -f workflow.yml.parameters.dockerfile", True), ("ending", True), ("endpoint.url", True),
    (".Values.image", False), ("- end", False), ('with secret "secrets/data/argo" -', False), ("$x", False),
    ("end", False), ("if .Values.x", False), ("/* a comment */", False), ("range $i, $v := .list", False),
])
def test_an_unknown_prefix_is_reported_only_for_what_reads_as_a_variable(tag, fires):
    from validation.rules.argo.expressions import Scope, check_tag

    issues = list(check_tag(tag, False, Scope(template={}), None, (set(), set())))
    assert [i.rule for i in issues] == (["ARGO-VAR-UNKNOWN-PREFIX"] if fires else [])
