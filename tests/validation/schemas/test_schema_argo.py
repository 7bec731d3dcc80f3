"""The Argo Workflows schemas are Argo's own, per vendored release, strict where Argo is and loose where Argo is."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import jsonschema_rs
import pytest

from validation.config import Config
from validation.schema_check import SchemaChecker, UnsupportedArgoVersionError
from validation.schemas import Catalog, argo, vendored

KINDS = {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "WorkflowEventBinding",
         "WorkflowTaskSet", "WorkflowTaskResult", "WorkflowArtifactGCTask"}
RELEASES = [r.line for r in argo.releases()]


def checker_for(version: str | None = None) -> SchemaChecker:
    return SchemaChecker("1.37", Config(argo_version=version) if version else None)


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return checker_for()


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _workflow(**template: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "t-"},
        "spec": {"entrypoint": "main", "templates": [{"name": "main", **template}]},
    }


def test_the_vendored_releases_include_the_newest_3x_and_4x_lines() -> None:
    assert {"3.6", "3.7", "4.0", "4.1"} <= set(RELEASES)
    assert argo.newest_version() == RELEASES[-1] == "4.1"


@pytest.mark.parametrize("version", RELEASES)
def test_every_argo_kind_has_a_valid_strict_schema_in_every_release(version: str) -> None:
    catalog = Catalog("1.37", version)
    assert {kind for (api, kind), _ in catalog.argo.kinds() if api == argo.API_VERSION} == KINDS
    for kind in KINDS:
        schema = catalog.schema(argo.API_VERSION, kind)
        assert jsonschema_rs.meta.is_valid(schema), kind  # a valid draft 2020-12 schema
        for node in _objects(schema):
            t = node.get("type")
            if isinstance(node.get("properties"), dict) and (t == "object" or isinstance(t, list) and "object" in t):
                assert "additionalProperties" in node, (kind, sorted(node["properties"])[:5])


@pytest.mark.parametrize("version", RELEASES)
def test_argo_version_selects_the_release(version: str) -> None:
    catalog = Catalog("1.37", version)
    assert catalog.argo.release.line == version
    assert catalog.argo.payload.source["tag"].startswith(f"v{version}.")
    assert Catalog("1.37", f"v{version}.0").argo.release == catalog.argo.release  # a patch names its line


def test_default_is_the_newest_vendored_release() -> None:
    assert Config().argo_version == argo.newest_version()
    assert Catalog("1.37").argo.release == vendored.newest("argo-workflows")


@pytest.mark.parametrize("bad", ["3.5", "5.0", "latest", "4"])
def test_an_argo_version_that_is_not_vendored_is_a_clear_error(bad: str) -> None:
    with pytest.raises(UnsupportedArgoVersionError, match="vendored: 3.6, 3.7, 4.0, 4.1"):
        checker_for(bad)


def test_each_release_knows_its_own_fields() -> None:
    # podPriority went in 3.7, backoff.cap came in 3.7, mutex/semaphore/schedule went in 4.0
    doc = _workflow(container={"image": "alpine:3.20"}, synchronization={"mutex": {"name": "m"}},
                    retryStrategy={"backoff": {"cap": "30s"}})
    doc["spec"]["podPriority"] = 10
    found = {v: sorted(i.message for i in checker_for(v).check(doc)) for v in RELEASES}
    # Each unknown field says the nearest release that has it: older ones first.
    assert found["3.6"] == ["spec.templates[0].retryStrategy.backoff.cap: unknown field; Argo Workflows 3.7 has it, "
                            "3.6 does not: --argo-version 3.7 checks against 3.7"]
    assert found["3.7"] == ["spec.podPriority: unknown field (did you mean priority?); Argo Workflows 3.6 has it, "
                            "3.7 does not: --argo-version 3.6 checks against 3.6"]
    for v in ("4.0", "4.1"):
        assert found[v] == [
            f"spec.podPriority: unknown field (did you mean priority?); Argo Workflows 3.6 has it, {v} does not: "
            "--argo-version 3.6 checks against 3.6",
            f"spec.templates[0].synchronization.mutex: unknown field (did you mean mutexes?); Argo Workflows 3.7 has "
            f"it, {v} does not: --argo-version 3.7 checks against 3.7",
        ]


def test_a_field_no_release_has_says_nothing_about_releases() -> None:
    doc = _workflow(container={"image": "alpine:3.20"})
    doc["spec"]["entrypointt"] = "main"
    assert [i.message for i in checker_for("4.1").check(doc)] == [
        "spec.entrypointt: unknown field (did you mean entrypoint?)"]


def test_argo_41_fields_validate_with_41_only() -> None:
    doc = _workflow(container={"image": "alpine:3.20"},
                    resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "gpu-claim"}])
    doc["spec"]["podResources"] = {"requests": {"cpu": "100m", "memory": "64Mi"}}
    doc["spec"]["executorPlugins"] = [{"metadata": {"name": "hello"}, "spec": {"sidecar": {"container": {
        "name": "hello-executor-plugin", "image": "example/hello:v1", "ports": [{"containerPort": 4355}]}}}}]
    assert checker_for("4.1").check(doc) == []
    assert sorted(i.message for i in checker_for("4.0").check(doc)) == [
        f"{field}: unknown field; Argo Workflows 4.1 has it, 4.0 does not: --argo-version 4.1 checks against 4.1"
        for field in ("spec.executorPlugins", "spec.podResources", "spec.templates[0].resourceClaims")
    ]


def test_workflow_event_binding_has_a_schema(checker: SchemaChecker) -> None:
    binding = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding", "metadata": {"name": "b"},
               "spec": {"event": {"selector": 'payload.message != ""'},
                        "submit": {"workflowTemplateRef": {"name": "t"},
                                   "arguments": {"parameters": [{"name": "m", "valueFrom": {"event": "payload.message"}}]}}}}
    assert checker.check(binding) == []
    binding["spec"]["submit"]["workflowTemplateRef"]["nmae"] = "x"
    assert [i.message for i in checker.check(binding)] == [
        "spec.submit.workflowTemplateRef.nmae: unknown field (did you mean name?)"
    ]


def test_controller_written_kinds_come_from_argos_crds(checker: SchemaChecker) -> None:
    result = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTaskResult",
              "metadata": {"name": "wf-123", "labels": {"workflows.argoproj.io/workflow": "wf"}},
              "phase": "Succeeded", "outputs": {"parameters": [{"name": "p", "value": "1"}]}}
    assert checker.check(result) == []
    result["phaze"] = "Failed"
    result["metadata"]["lables"] = {}
    assert sorted(i.message for i in checker.check(result)) == [
        "metadata.lables: unknown field (did you mean labels?)",  # metadata is Kubernetes' ObjectMeta
        "phaze: unknown field (did you mean phase?)",
    ]


def test_top_level_requires_apiversion_kind_metadata_spec(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20"})
    del doc["spec"]
    assert [(i.rule_id, i.message) for i in checker.check(doc)] == [("SCHEMA-REQUIRED", 'missing required field "spec"')]
    doc = _workflow(container={"image": "alpine:3.20"})
    doc["extra"] = 1
    assert [i.message for i in checker.check(doc)] == ["extra: unknown field"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("nodeSelector", {"any.example.com/key": "v", "other": "w"}),
        ("metadata", {"labels": {"free-form/label": "x"}, "annotations": {"a.b/c": "d"}}),
        ("steps", [[{"name": "s", "template": "main", "hooks": {"exit": {"template": "main"}, "any-name": {"expression": "true", "template": "main"}}}]]),
        ("plugin", {"my-plugin": {"anything": [1, {"x": None}]}}),
    ],
)
def test_maps_and_free_form_fields_stay_open(checker: SchemaChecker, field: str, value: Any) -> None:
    template = {"container": {"image": "alpine:3.20"}, field: value}
    if field in ("plugin", "steps"):
        template.pop("container")
    assert checker.check(_workflow(**template)) == []


@pytest.mark.parametrize("value", [3, "3", "{{workflow.parameters.n}}"])
def test_int_or_string_fields_take_both(checker: SchemaChecker, value: Any) -> None:
    doc = _workflow(container={"image": "alpine:3.20", "readinessProbe": {"httpGet": {"port": value}}},
                    retryStrategy={"limit": value}, activeDeadlineSeconds=value)
    assert checker.check(doc) == []


@pytest.mark.parametrize("value", ["text", 3, 2.5, True, None])
def test_parameter_values_take_scalars_like_argos_anystring(checker: SchemaChecker, value: Any) -> None:
    parameter = {"name": "p", "value": value, "default": value, "description": value, "enum": [value, "x"]}
    doc = _workflow(container={"image": "alpine:3.20"}, inputs={"parameters": [parameter]})
    assert checker.check(doc) == []


def test_parameter_value_rejects_a_map(checker: SchemaChecker) -> None:
    # Argo's AnyString silently drops it; Argo fixed its own example that did this (`value: []`) in 4.0
    doc = _workflow(container={"image": "alpine:3.20"}, inputs={"parameters": [{"name": "p", "value": {"a": 1}}]})
    (issue,) = checker.check(doc)
    assert issue.rule_id == "SCHEMA-TYPE"
    assert issue.path == ("spec", "templates", 0, "inputs", "parameters", 0, "value")


def test_quantities_take_numbers_and_optional_fields_take_null(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}, "args": None})
    doc["spec"]["podGC"] = None
    assert checker.check(doc) == []


def test_template_image_may_come_from_template_defaults(checker: SchemaChecker) -> None:
    doc = _workflow(container={"args": ["pwd"]})
    doc["spec"]["templates"].append({"name": "s", "script": {"image": "python:3.12"}})  # a script needs no source
    assert [i.message for i in checker.check(doc)] == ['spec.templates[0].container: missing required field "image"']
    doc["spec"]["templateDefaults"] = {"container": {"image": "alpine:3.20", "command": ["sh", "-c"]}}
    assert checker.check(doc) == []


def test_memoization_cache_needs_no_key_in_3x() -> None:
    doc = _workflow(container={"image": "alpine:3.20"},
                    memoize={"key": "k", "maxAge": "10s", "cache": {"configMap": {"name": "cache"}}})
    assert checker_for("3.7").check(doc) == []
    assert checker_for("4.1").check(doc) == []


def test_every_template_needs_a_name_but_template_defaults_does_not(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20"})
    doc["spec"]["templateDefaults"] = {"activeDeadlineSeconds": 60}
    assert checker.check(doc) == []
    del doc["spec"]["templates"][0]["name"]
    assert [i.message for i in checker.check(doc)] == ['spec.templates[0]: missing required field "name"']


def test_cron_workflow_schedule_spellings_follow_the_release() -> None:
    base = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "c"}}
    spec = {"workflowSpec": {"workflowTemplateRef": {"name": "t"}}}
    for version in ("3.6", "3.7"):
        assert checker_for(version).check({**base, "spec": {**spec, "schedule": "* * * * *"}}) == []
        assert checker_for(version).check({**base, "spec": {**spec, "schedules": ["* * * * *"]}}) == []
        assert [i.rule_id for i in checker_for(version).check({**base, "spec": spec})] == ["SCHEMA-REQUIRED"]
    # One mistake, told once: the missing `schedules` is the `schedule` to rename.
    assert [i.message for i in checker_for("4.1").check({**base, "spec": {**spec, "schedule": "* * * * *"}})] == [
        "spec.schedule: unknown field (did you mean schedules? it is required); Argo Workflows 3.7 has it, 4.1 does "
        "not: --argo-version 3.7 checks against 3.7",
    ]


def test_unknown_field_deep_in_dag_names_only_that_field(checker: SchemaChecker) -> None:
    big = {"image": "alpine:3.20", "command": ["sh", "-c", "echo " + "x" * 5000]}
    doc = _workflow(dag={"tasks": [{"name": "a", "template": "main", "dependz": "b"}]})
    doc["spec"]["templates"].append({"name": "big", "container": copy.deepcopy(big)})
    issues = checker.check(doc)
    assert [(i.rule_id, i.path) for i in issues] == [
        ("SCHEMA-UNKNOWN-FIELD", ("spec", "templates", 0, "dag", "tasks", 0, "dependz"))
    ]
    assert issues[0].message.endswith("unknown field (did you mean depends?)")
    assert all(len(i.message) < 200 for i in issues)


def test_prose_enums_are_real_but_template_expressions_pass(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20"}, retryStrategy={"retryPolicy": "{{inputs.parameters.policy}}"})
    assert checker.check(doc) == []
    doc = _workflow(container={"image": "alpine:3.20"}, retryStrategy={"retryPolicy": 5})
    (issue,) = checker.check(doc)
    assert (issue.rule_id, issue.message) == (
        "SCHEMA-ENUM",
        'spec.templates[0].retryStrategy.retryPolicy: must be one of "", "Always", "OnFailure", "OnError", '
        '"OnTransientError" (got 5)',
    )


def test_fields_named_like_schema_keywords_are_kept(checker: SchemaChecker) -> None:
    # Parameter.description/default, ValueFrom.default: dropping annotations must not drop these fields
    doc = _workflow(
        container={"image": "alpine:3.20"},
        inputs={"parameters": [{"name": "p", "description": "rows to read", "default": "10",
                                "valueFrom": {"default": "5", "path": "/tmp/p"}}]},
    )
    assert checker.check(doc) == []
    doc["spec"]["templates"][0]["inputs"]["parameters"][0]["descriptoin"] = "x"
    assert [i.message for i in checker.check(doc)] == [
        "spec.templates[0].inputs.parameters[0].descriptoin: unknown field (did you mean description?)"
    ]
