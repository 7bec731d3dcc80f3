"""ARGO-PARAMETER-NO-VALUE beyond its fixtures: which parameter counts as having a value, which kinds and targets are
left alone, the templates a message names as readers, and a Workflow that runs a template without supplying it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rules_helpers import context, rendered, run_rule

RULE = "ARGO-PARAMETER-NO-VALUE"


def hits(text: str, *, kind: str = "application", others=None):
    rt = rendered(text, "dev", kind=kind)
    return run_rule(RULE, context(rt, others=others))


def found(text: str, **kw) -> list[tuple[str, str, str]]:
    return [(h.ref, h.path, h.message) for h in hits(text, **kw)]


def workflow(params: str, templates: str = "", *, kind: str = "Workflow", extra: str = "") -> str:
    """One workflow object of `kind` whose spec.arguments.parameters are `params` (a flow list)."""
    spec = f"  arguments: {{parameters: {params}}}\n{extra}  templates:\n{templates or '    - {name: main}'}\n"
    if kind == "CronWorkflow":
        spec = "  schedule: '0 * * * *'\n  workflowSpec:\n" + "".join(f"  {line}\n" for line in spec.splitlines())
    return f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: w, namespace: ns}}\nspec:\n{spec}"


def reading(*names: str, tag: str = "{{workflow.parameters.p}}") -> str:
    container = f"{{image: 'alpine:3.20', args: [{json.dumps(tag)}]}}"
    return "".join(f"    - {{name: {n}, container: {container}}}\n" for n in names)


@pytest.mark.parametrize("param", [
    "{name: p, value: x}", "{name: p, value: ''}", "{name: p, value: 0}", "{name: p, value: false}",
    "{name: p, valueFrom: {configMapKeyRef: {name: c, key: k}}}", "{name: p, default: x}",
])
def test_a_value_a_value_from_or_a_default_is_a_value(param):
    assert hits(workflow(f"[{param}]")) == []


@pytest.mark.parametrize("kind", ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"])
def test_a_null_value_is_reported_in_every_kind_at_its_value(kind):
    base = "spec.workflowSpec" if kind == "CronWorkflow" else "spec"
    assert found(workflow("[{name: a, value: x}, {name: p, value: null}]", kind=kind)) == [
        (f"{kind}/ns/w", f"{base}.arguments.parameters[1].value",
         "parameter 'p' renders as null (a `value:` with nothing after it, or a JSON6902 replace without `value`): "
         "Argo refuses to run the workflow unless every submit passes -p p=...")]


def test_a_null_value_is_reported_where_argo_cd_does_not_sync_too():
    assert [h.path for h in hits(workflow("[{name: p, value: null}]"), kind="overlay")] == [
        "spec.arguments.parameters[0].value"]


@pytest.mark.parametrize("kind,base", [("Workflow", "spec"), ("CronWorkflow", "spec.workflowSpec")])
def test_a_synced_workflow_parameter_without_value_is_reported_at_the_parameter(kind, base):
    assert found(workflow("[{name: a, value: x}, {name: p}]", kind=kind)) == [
        (f"{kind}/ns/w", f"{base}.arguments.parameters[1]",
         f"parameter 'p' has no value and no valueFrom: Argo CD applies this {kind} as it is, and Argo refuses it")]


@pytest.mark.parametrize("kind", ["WorkflowTemplate", "ClusterWorkflowTemplate"])
def test_a_template_parameter_without_value_is_supplied_at_submit(kind):
    assert hits(workflow("[{name: p}]", kind=kind)) == []


def test_a_parameter_without_value_is_left_alone_where_argo_cd_does_not_sync():
    assert hits(workflow("[{name: p}]"), kind="overlay") == []


def test_an_overlay_an_application_deploys_is_synced():
    here = Path(__file__).parent / "fixtures" / "repo" / "overlays" / "dev"
    app = rendered("", "app/ml-dev", kind="application", path=here)
    assert [h.path for h in hits(workflow("[{name: p}]"), kind="overlay", others=[app])] == [
        "spec.arguments.parameters[0]"]


@pytest.mark.parametrize("param", ["x", "null", "[p]", "{value: null}", "{name: '', value: null}", "{name: null}"])
def test_an_entry_without_a_name_is_not_a_parameter_to_report(param):
    assert hits(workflow(f"[{param}]")) == []


def test_each_parameter_is_reported_on_its_own():
    assert [h.path for h in hits(workflow("[{name: a}, {name: b, value: x}, {name: c, value: null}, {name: d}]"))] == [
        "spec.arguments.parameters[0]", "spec.arguments.parameters[2].value", "spec.arguments.parameters[3]"]


def test_a_numeric_name_is_shown_as_text():
    assert "parameter '7' renders as null" in hits(workflow("[{name: 7, value: null}]"))[0].message


@pytest.mark.parametrize("tag", [
    "{{workflow.parameters.p}}", "{{ workflow.parameters.p }}", "{{=workflow.parameters['p']}}",
    '{{=workflow.parameters["p"]}}', "{{workflow.parameters.p}}-suffix",
])
def test_the_message_names_the_template_that_reads_the_parameter(tag):
    (message,) = [h.message for h in hits(workflow("[{name: p}]", reading("main", tag=tag)))]
    assert message.endswith("and Argo refuses it; read by template main")


@pytest.mark.parametrize("tag", [
    "{{workflow.parameters.pp}}", "{{workflow.parameters.pX}}", "{{workflow.parameters.p-2}}",
    "{{workflow.parameters.p_2}}", "{{workflow.parameters.P}}", "{{inputs.parameters.p}}",
    "{{workflow.parametersXp}}", "{{workflowXparameters.p}}",
])
def test_a_template_reading_another_parameter_is_not_named(tag):
    (message,) = [h.message for h in hits(workflow("[{name: p}]", reading("main", tag=tag)))]
    assert message.endswith("and Argo refuses it")


def test_a_parameter_name_is_matched_as_text_not_as_a_pattern():
    text = workflow("[{name: a.b}]", reading("dot", tag="{{workflow.parameters.a.b}}")
                    + reading("any", tag="{{workflow.parameters.aXb}}"))
    assert [h.message[-22:] for h in hits(text)] == ["; read by template dot"]


def test_the_message_names_up_to_four_readers_then_counts_the_rest():
    one_more = hits(workflow("[{name: p}]", reading("a", "b", "c", "d", "e")))[0].message
    assert one_more.endswith("; read by templates a, b, c, d and 1 more")
    two = hits(workflow("[{name: p}]", reading("a", "b")))[0].message
    assert two.endswith("; read by templates a, b")
    four = hits(workflow("[{name: p}]", reading("a", "b", "c", "d")))[0].message
    assert four.endswith("; read by templates a, b, c, d")
    six = hits(workflow("[{name: p}]", reading("a", "b", "c", "d", "e", "f")))[0].message
    assert six.endswith("; read by templates a, b, c, d and 2 more")


def test_a_reader_without_a_name_is_shown_as_a_question_mark_and_odd_templates_are_skipped():
    templates = "    - x\n    - {container: {args: ['{{workflow.parameters.p}}']}}\n" + reading("named")
    assert hits(workflow("[{name: p, value: null}]", templates))[0].message.endswith(
        "-p p=...; read by templates ?, named")


def test_a_reader_is_found_however_deep_it_reads():
    templates = "    - name: deep\n      steps: [[{name: s, arguments: {parameters: [{name: q, value: " \
                "'{{workflow.parameters.p}}'}]}}]]\n"
    assert hits(workflow("[{name: p}]", templates))[0].message.endswith("; read by template deep")


TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: lib, namespace: ns}
spec:
  arguments:
    parameters: %s
  templates:
    - {name: main, container: {image: 'alpine:3.20', args: ['{{workflow.parameters.open}}']}}
    - {name: other, container: {image: 'alpine:3.20'}}
---
"""
RUN = """apiVersion: argoproj.io/v1alpha1
kind: %s
metadata: {name: run, namespace: ns}
spec:
  workflowTemplateRef: {name: lib}
  arguments:
    parameters: %s
"""


def runs(template_params: str, given: str = "[]", kind: str = "Workflow", **kw):
    return hits(TEMPLATE % template_params + RUN % (kind, given), **kw)


def test_a_run_of_a_template_must_supply_what_the_template_leaves_open():
    assert [(h.ref, h.path, h.message) for h in runs("[{name: open}, {name: set, value: x}]")] == [
        ("Workflow/ns/run", "spec.workflowTemplateRef",
         "runs WorkflowTemplate 'lib', whose parameter 'open' has no value, and does not supply one: Argo refuses it "
         "when Argo CD applies it; read by template main")]


@pytest.mark.parametrize("given", [
    "[{name: open, value: x}]", "[{name: open, value: ''}]", "[{name: x}, {name: open, value: y}]",
    "[{name: open, valueFrom: {configMapKeyRef: {name: c, key: k}}}]",
])
def test_a_run_that_supplies_the_parameter_passes(given):
    assert runs("[{name: open}]", given) == []


@pytest.mark.parametrize("given", ["[]", "[{name: open}]", "[{name: open, value: null}]", "[{name: other, value: x}]",
                                   "[x, {value: open}]"])
def test_a_run_that_names_the_parameter_without_a_value_does_not_supply_it(given):
    hit = [h for h in runs("[{name: open}]", given) if h.ref == "Workflow/ns/run" and "runs" in h.message]
    assert [h.path for h in hit] == ["spec.workflowTemplateRef"]


@pytest.mark.parametrize("params", [
    "[{name: open, value: null}]", "[{name: open, value: x}]", "[{name: open, default: x}]", "[x, {value: null}]",
    "[{name: ''}]",
])
def test_what_the_template_does_not_leave_open_is_not_asked_of_the_run(params):
    """An explicit null is reported on the template itself, not again on every run of it."""
    assert [h for h in runs(params) if h.ref == "Workflow/ns/run"] == []


def test_every_open_parameter_is_asked_for_once_in_order():
    assert [h.message.split(",")[1] for h in runs("[{name: b}, {name: a}]")] == [
        " whose parameter 'b' has no value", " whose parameter 'a' has no value"]


def test_a_parameter_the_template_sets_or_the_run_supplies_does_not_end_the_search():
    assert [h.message.split(",")[1] for h in runs("[{name: set, value: x}, {name: given}, {name: open}]",
                                                  "[{name: given, value: y}]")] == [
        " whose parameter 'open' has no value"]


def test_a_run_of_a_template_is_asked_nothing_where_argo_cd_does_not_sync_it():
    assert hits(TEMPLATE % "[{name: open}]" + RUN % ("Workflow", "[]"), kind="overlay") == []


def test_a_template_referring_to_a_template_is_not_a_run():
    assert runs("[{name: open}]", kind="WorkflowTemplate") == []


def test_a_run_of_a_template_that_is_not_rendered_is_left_to_the_reference_rules():
    assert hits(RUN % ("Workflow", "[]")) == []


def test_a_run_whose_own_parameter_has_no_value_is_not_reported_twice():
    """The reference means the template's value may fill it: only the open template parameter is reported."""
    assert [h.path for h in runs("[{name: open}]", "[{name: open}, {name: mine}]")] == ["spec.workflowTemplateRef"]
