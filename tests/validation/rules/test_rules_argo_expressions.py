"""`check_tag`: one `{{...}}` tag judged against its scope, finding by finding and word for word."""

from __future__ import annotations

import pytest

from validation.rules.argo.expressions import Scope, check_tag

TEMPLATE = {"name": "t", "inputs": {"parameters": [{"name": "p"}]}}
IN_TEMPLATE = Scope(template=TEMPLATE)
SPEC_LEVEL = Scope(template=None, spec_level=True)
NO_GLOBALS: tuple[set[str], set[str]] = (set(), set())


def issues(tag: str, scope: Scope = IN_TEMPLATE, wf_params: set[str] | None = frozenset({"w"}),
           expression: bool = False) -> list[tuple[str, str]]:
    return [(i.rule, i.message) for i in check_tag(tag, expression, scope, wf_params, NO_GLOBALS)]


@pytest.mark.parametrize("tag", ["inputs.parameters.p", "inputs.parameters['p'] + 1", "workflow.parameters.w",
                                 "jsonpath(workflow.parameters.json, '$.a')", "sprig.upper(workflow.name)"])
def test_an_expression_reading_declared_parameters_is_clean(tag):
    assert issues(tag, expression=True) == []


def test_an_expression_is_checked_for_every_parameter_it_reads():
    assert issues("workflow.parameters.json + inputs.parameters.q + workflow.parameters['v']", expression=True) == [
        ("ARGO-VAR-UNDECLARED", "{{=workflow.parameters.json + inputs.parameters.q + workflow.parameters['v']}} reads "
                                "input parameter 'q', which the template does not declare"),
        ("ARGO-VAR-WORKFLOW-PARAMETER", "{{=workflow.parameters.json + inputs.parameters.q + workflow.parameters['v']}} "
                                        "reads workflow parameter 'v', which spec.arguments does not declare"),
    ]


def test_an_expression_s_workflow_parameters_are_not_judged_where_they_cannot_be_known():
    """A library template's workflow parameters come from its callers (wf_params None)."""
    assert issues("workflow.parameters.anything", wf_params=None, expression=True) == []


def test_an_expression_outside_a_template_is_not_asked_for_input_parameters():
    """Expressions are checked lightly: inputs outside a template are left to Argo."""
    assert issues("inputs.parameters.q", scope=SPEC_LEVEL, wf_params=set(), expression=True) == []


@pytest.mark.parametrize("tag,message", [
    ("wokflow.name", "{{wokflow.name}}: 'wokflow' is not a variable namespace Argo knows, so Argo leaves the text as "
                     "it is; a typo of workflow, inputs, outputs, steps, tasks, item or pod?"),
])
def test_an_unknown_namespace_is_named_with_the_likely_fixes(tag, message):
    assert issues(tag) == [("ARGO-VAR-UNKNOWN-PREFIX", message)]


@pytest.mark.parametrize("tag,rule,message", [
    ("workflow", "ARGO-VAR-UNKNOWN", "{{workflow}}: Argo has no workflow variable '(empty)'"),
    ("workflow.nmae.first", "ARGO-VAR-UNKNOWN", "{{workflow.nmae.first}}: Argo has no workflow variable 'nmae'"),
    ("workflow.parameters.v", "ARGO-VAR-WORKFLOW-PARAMETER",
     "{{workflow.parameters.v}}: workflow parameter 'v' is not declared in spec.arguments.parameters (declared: w)"),
    ("workflow.parameters.w.x", "ARGO-VAR-WORKFLOW-PARAMETER",
     "{{workflow.parameters.w.x}}: workflow parameter 'w.x' is not declared in spec.arguments.parameters "
     "(declared: w)"),
    ("workflow.outputs.parameters", "ARGO-VAR-UNKNOWN",
     "{{workflow.outputs.parameters}}: expected workflow.outputs.parameters.NAME or .artifacts.NAME"),
    ("workflow.outputs.results.x", "ARGO-VAR-UNKNOWN",
     "{{workflow.outputs.results.x}}: expected workflow.outputs.parameters.NAME or .artifacts.NAME"),
    ("workflow.outputs.parameters.x", "ARGO-VAR-UNDECLARED",
     "{{workflow.outputs.parameters.x}}: no template exports a global output (globalName) called 'x'"),
    ("item", "ARGO-VAR-ITEM-OUTSIDE-LOOP", "{{item}} is only defined in a step or task with withItems, withParam or "
                                           "withSequence; pass it to the template as an input parameter"),
    ("duration", "ARGO-VAR-UNKNOWN", "{{duration}} is only defined in a template's metrics"),
])
def test_each_finding_says_what_is_wrong(tag, rule, message):
    assert issues(tag) == [(rule, message)]


def test_the_declared_workflow_parameters_are_listed_or_said_to_be_none():
    assert issues("workflow.parameters.v", wf_params=set()) == [(
        "ARGO-VAR-WORKFLOW-PARAMETER",
        "{{workflow.parameters.v}}: workflow parameter 'v' is not declared in spec.arguments.parameters (declared: none)")]
    assert issues("workflow.parameters.v", wf_params={"b", "a"})[0][1].endswith("(declared: a, b)")


@pytest.mark.parametrize("field", ["name", "namespace", "uid", "serviceAccountName", "mainEntrypoint", "priority",
                                   "duration", "status", "failures", "scheduledTime"])
def test_a_simple_workflow_variable_has_no_fields(field):
    assert issues(f"workflow.{field}") == []
    assert issues(f"workflow.{field}.x") == [("ARGO-VAR-UNKNOWN", f"{{{{workflow.{field}.x}}}}: workflow.{field} has no fields")]


@pytest.mark.parametrize("tag", ["workflow.labels.team", "workflow.annotations.owner", "workflow.creationTimestamp.Y",
                                 "workflow.parameters.json"])
def test_workflow_variables_with_fields_take_them(tag):
    assert issues(tag) == []


@pytest.mark.parametrize("tag", ["request.body", "response.statusCode", "lastRetry.exitCode", "lastRetry.status",
                                 "cronworkflow.name", "cronworkflow.labels.team", "cronworkflow.lastScheduledTime"])
def test_variables_of_expression_fields_are_left_alone(tag):
    """http templates' successCondition (request, response), retryStrategy.expression (lastRetry) and a CronWorkflow's
    `when` (cronworkflow) read these; the engine does not substitute them as tags."""
    assert issues(tag) == []


@pytest.mark.parametrize("root", ["pod", "node"])
def test_pod_and_node_have_only_a_name(root):
    assert issues(f"{root}.name") == []
    for tag in (f"{root}.id", f"{root}.name.first", root):
        assert issues(tag) == [("ARGO-VAR-UNKNOWN", f"{{{{{tag}}}}}: expected {root}.name")]
