"""The Argo schemas derived from hera are strict where Argo is, and loose where Argo is."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import jsonschema
import pytest

from validation.schema_check import SchemaChecker
from validation.schemas import argo


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict[str, Any]]:
    return argo.build()


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


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


def test_every_kind_is_a_valid_draft_2020_12_schema(schemas: dict[str, Any]) -> None:
    assert set(schemas) == set(argo.KINDS)
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_object_with_declared_fields_rejects_unknown_ones(schemas: dict[str, Any]) -> None:
    for schema in schemas.values():
        for node in _objects(schema):
            if isinstance(node.get("properties"), dict) and node is not schema.get("$defs"):
                if all(isinstance(v, dict) for v in node["properties"].values()):
                    assert node.get("additionalProperties") is False, sorted(node["properties"])[:5]


def test_no_optional_anyof_left_to_blur_error_messages(schemas: dict[str, Any]) -> None:
    for kind, schema in schemas.items():
        for node in _objects(schema):
            for branch in node.get("anyOf", []):
                assert branch != {"type": "null"}, kind


def test_alias_names_are_argo_spellings(schemas: dict[str, Any]) -> None:
    defs = schemas["Workflow"]["$defs"]
    assert "from" in defs["Artifact"]["properties"]
    assert "default" in defs["Parameter"]["properties"]
    assert "from_" not in defs["Artifact"]["properties"]


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
    doc = _workflow(container={"image": "alpine:3.20"}, retryStrategy={"limit": value}, activeDeadlineSeconds=value)
    assert checker.check(doc) == []


@pytest.mark.parametrize("value", ["text", 3, 2.5, True, None])
def test_parameter_values_take_scalars_like_argos_anystring(checker: SchemaChecker, value: Any) -> None:
    doc = _workflow(container={"image": "alpine:3.20"}, inputs={"parameters": [{"name": "p", "value": value, "default": value}]})
    assert checker.check(doc) == []


def test_parameter_value_rejects_a_map(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20"}, inputs={"parameters": [{"name": "p", "value": {"a": 1}}]})
    (issue,) = checker.check(doc)
    assert issue.rule_id == "SCHEMA-TYPE"
    assert issue.path == ("spec", "templates", 0, "inputs", "parameters", 0, "value")


def test_quantities_take_numbers_and_optional_fields_take_null(checker: SchemaChecker) -> None:
    doc = _workflow(container={"image": "alpine:3.20", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}, "args": None})
    assert checker.check(doc) == []


def test_cron_workflow_accepts_either_schedule_spelling(checker: SchemaChecker) -> None:
    base = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "c"}}
    spec = {"workflowSpec": {"workflowTemplateRef": {"name": "t"}}}
    assert checker.check({**base, "spec": {**spec, "schedule": "* * * * *"}}) == []
    assert checker.check({**base, "spec": {**spec, "schedules": ["* * * * *"]}}) == []


def test_unknown_field_deep_in_dag_names_only_that_field(checker: SchemaChecker) -> None:
    big = {"image": "alpine:3.20", "command": ["sh", "-c", "echo " + "x" * 5000]}
    doc = _workflow(dag={"tasks": [{"name": "a", "template": "main", "dependz": "b"}]})
    doc["spec"]["templates"].append({"name": "big", "container": copy.deepcopy(big)})
    issues = checker.check(doc)
    assert [(i.rule_id, i.path) for i in issues] == [
        ("SCHEMA-UNKNOWN-FIELD", ("spec", "templates", 0, "dag", "tasks", 0, "dependz"))
    ]
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


def test_argo_3_spellings_removed_in_argo_4_follow_the_configured_version() -> None:
    from validation.config import Config

    doc = _workflow(container={"image": "alpine:3.20"}, synchronization={"mutex": {"name": "m"},
                                                                         "semaphore": {"configMapKeyRef": {"name": "c", "key": "k"}}})
    doc["spec"]["podPriority"] = 10
    cron = {"apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "workflowSpec": {"workflowTemplateRef": {"name": "t"}}}}
    v3 = SchemaChecker("1.37", Config(argo_version="3.7"))
    assert v3.check(doc) == [] and v3.check(cron) == []
    v4 = SchemaChecker("1.37", Config(argo_version="4.0"))
    assert sorted(i.message for i in v4.check(doc)) == [
        "spec.podPriority: unknown field (did you mean priority?)",
        "spec.templates[0].synchronization.mutex: unknown field (did you mean mutexes?)",
        "spec.templates[0].synchronization.semaphore: unknown field (did you mean semaphores?)",
    ]
    assert sorted(i.message for i in v4.check(cron)) == [
        "spec.schedule: unknown field (did you mean schedules?)",
        'spec: missing required field "schedules"',
    ]


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
