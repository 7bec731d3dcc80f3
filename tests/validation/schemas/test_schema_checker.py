"""SchemaChecker: the contract the engine calls, its error explanations, and its robustness on odd input."""

from __future__ import annotations

import datetime
import subprocess
import sys
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.schema_check import SchemaChecker, SchemaIssue, explain


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


def _cm(**extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, **extra}


def test_has_schema_covers_every_source(checker: SchemaChecker) -> None:
    assert checker.has_schema("apps/v1", "Deployment")
    assert checker.has_schema("argoproj.io/v1alpha1", "WorkflowTemplate")
    assert checker.has_schema("argoproj.io/v1alpha1", "AppProject")
    assert checker.has_schema("argoproj.io/v1alpha1", "Rollout")
    assert checker.has_schema("argoproj.io/v1alpha1", "Sensor")
    assert not checker.has_schema("argoproj.io/v1beta1", "Rollout")  # a kind of theirs, not a version they serve
    assert not checker.has_schema("argoproj.io/v1alpha1", "Notification")
    assert not checker.has_schema("apps/v1", "Deploymnet")


def test_valid_object_has_no_issues_and_validators_are_compiled_once(checker: SchemaChecker,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = []
    real = jsonschema_rs.Draft202012Validator
    monkeypatch.setattr(jsonschema_rs, "Draft202012Validator", lambda s: compiled.append(1) or real(s))
    fresh = SchemaChecker("1.37")
    for _ in range(3):
        assert fresh.check(_cm(data={"k": "v"})) == []
    assert len(compiled) == 1


@pytest.mark.parametrize(
    "doc, expected",
    [
        ([1, 2], ("SCHEMA-TYPE", (), "document: expected a mapping (object), got array")),
        ({"kind": "ConfigMap"}, ("SCHEMA-REQUIRED", (), 'missing required field "apiVersion"')),
        ({"apiVersion": "v1"}, ("SCHEMA-REQUIRED", (), 'missing required field "kind"')),
        ({"apiVersion": 1, "kind": "ConfigMap"}, ("SCHEMA-TYPE", ("apiVersion",), "apiVersion: expected string, got integer")),
    ],
)
def test_documents_without_identity_are_reported_not_crashed_on(checker: SchemaChecker, doc: Any, expected: tuple) -> None:
    issue = checker.check(doc)[0]
    assert (issue.rule_id, issue.path, issue.message) == expected


def test_yaml_timestamps_are_checked_as_strings(checker: SchemaChecker) -> None:
    doc = _cm(data={"when": datetime.datetime(2024, 1, 2, 3, 4, 5)})
    doc["metadata"]["creationTimestamp"] = datetime.date(2024, 1, 2)
    assert checker.check(doc) == []
    doc["data"]["n"] = 5
    assert [(i.rule_id, i.path) for i in checker.check(doc)] == [("SCHEMA-TYPE", ("data", "n"))]


def test_explain_descends_anyof_to_the_branch_that_fits() -> None:
    schema = {
        "type": "object",
        "properties": {
            "x": {
                "anyOf": [
                    {"type": "string"},
                    {"type": "object", "properties": {"depth": {"type": "integer"}}, "additionalProperties": False},
                ]
            }
        },
    }
    issues = explain(jsonschema_rs.Draft202012Validator(schema), schema, {"x": {"depth": "deep", "typo": 1}})
    assert issues == [
        SchemaIssue("SCHEMA-TYPE", ("x", "depth"), "x.depth: expected integer, got string"),
        SchemaIssue("SCHEMA-UNKNOWN-FIELD", ("x", "typo"), "x.typo: unknown field"),
    ]


def test_explain_lists_all_types_when_no_branch_fits() -> None:
    schema = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    (issue,) = explain(jsonschema_rs.Draft202012Validator(schema), schema, [1])
    assert issue.message == "expected string or integer, got array"


def test_other_constraints_are_schema_invalid_and_short() -> None:
    schema = {"type": "object", "properties": {"items": {"type": "array", "minItems": 2}, "name": {"pattern": "^[a-z]+$"}}}
    issues = explain(jsonschema_rs.Draft202012Validator(schema), schema, {"items": [{"big": "x" * 10000}], "name": "A"})
    assert {(i.rule_id, i.message) for i in issues} == {
        ("SCHEMA-INVALID", "items: must have at least 2 item(s)"),
        ("SCHEMA-INVALID", 'name: must match pattern ^[a-z]+$ (got "A")'),
    }


def test_issue_count_per_object_is_bounded(checker: SchemaChecker) -> None:
    doc = _cm(**{f"junk{i}": i for i in range(500)})
    assert len(checker.check(doc)) == 50


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5) | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4),
    max_leaves=20,
)
kinds = st.sampled_from(
    [("v1", "ConfigMap"), ("apps/v1", "Deployment"), ("argoproj.io/v1alpha1", "Workflow"),
     ("argoproj.io/v1alpha1", "Application"), ("x/v1", "Unknown")]
)


@settings(max_examples=150, deadline=None)
@given(kind=kinds, spec=json_values, meta=json_values)
def test_random_objects_never_crash_the_checker(checker: SchemaChecker, kind: tuple, spec: Any, meta: Any) -> None:
    issues = checker.check({"apiVersion": kind[0], "kind": kind[1], "metadata": meta, "spec": spec})
    assert all(isinstance(i, SchemaIssue) and i.rule_id.startswith("SCHEMA-") for i in issues)


def test_reference_implementation_explains_when_the_fast_one_gives_no_reason(
    checker: SchemaChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import validation.schema_check as sc

    monkeypatch.setattr(sc, "explain", lambda *a: [])
    (issue,) = checker.check(_cm(data={"n": 5}))
    assert issue.rule_id == "SCHEMA-INVALID"
    assert issue.path == ("data", "n")
    assert "5 is not of type 'string'" in issue.message


def test_a_field_under_an_old_name_is_one_finding_not_an_unknown_and_a_missing_one() -> None:
    # Argo 4's CronWorkflow wants `schedules`; a 3.x manifest's `schedule` is both unknown and the missing field.
    schema = {"type": "object", "required": ["schedules", "timezone"], "additionalProperties": False,
              "properties": {"schedules": {"type": "array"}, "timezone": {"type": "string"},
                             "spec": {"type": "object", "required": ["image"], "additionalProperties": False,
                                      "properties": {"image": {"type": "string"}, "name": {"type": "string"}}}}}
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert explain(validator, schema, {"schedule": "* * * * *", "timezone": "UTC"}) == [
        SchemaIssue("SCHEMA-UNKNOWN-FIELD", ("schedule",), "schedule: unknown field (did you mean schedules? it is required)"),
    ]
    # Misspelt required fields, at the top and nested: each told once, at the misspelling.
    assert sorted(i.message for i in explain(validator, schema, {"schedules": [], "timzone": "UTC",
                                                                   "spec": {"imag": "x"}})) == [
        "spec.imag: unknown field (did you mean image? it is required)",
        "timzone: unknown field (did you mean timezone? it is required)",
    ]
    # The unknown field's nearest name is not the missing one: both are told.
    assert sorted(i.message for i in explain(validator, schema, {"schedules": [], "timezone": "UTC",
                                                                   "spec": {"nme": "x"}})) == [
        "spec.nme: unknown field (did you mean name?)",
        'spec: missing required field "image"',
    ]
    # A field in a nested object does not stand for one missing from its parent.
    assert sorted(i.message for i in explain(validator, schema, {"timezone": "UTC",
                                                                   "spec": {"image": "x", "schedules": 1}})) == [
        'missing required field "schedules"',
        "spec.schedules: unknown field",
    ]


def test_jsonschema_rs_is_imported_without_email_utils_and_leaves_the_real_one_importable() -> None:
    """The stand-ins that spare the start-up email.utils and typing are gone after the import, and jsonschema-rs
    works."""
    code = (
        "import sys\n"
        "from validation import schema_check\n"
        "assert 'email.utils' not in sys.modules, 'email.utils was loaded'\n"
        "assert 'typing' not in sys.modules, 'typing was loaded'\n"
        "import typing\n"
        "assert typing.Any is sys.modules['typing'].Any and typing.TYPE_CHECKING is False\n"
        "assert schema_check.jsonschema_rs.is_valid({'type': 'integer'}, 3)\n"
        "assert not schema_check.jsonschema_rs.Draft202012Validator({'type': 'integer'}).is_valid('3')\n"
        "import email.utils\n"
        "import email\n"
        "assert email.utils is sys.modules['email.utils']\n"
        "print(email.utils.parsedate_to_datetime('Sun, 8 Nov 2026 16:26:25 +0000').year)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2026"


def test_jsonschema_rs_is_imported_as_usual_when_email_utils_is_loaded_already() -> None:
    code = (
        "import email.utils, sys\n"
        "real = sys.modules['email.utils']\n"
        "from validation import schema_check\n"
        "assert sys.modules['email.utils'] is real\n"
        "print(type(schema_check.jsonschema_rs.jsonschema_rs.__build__['info-time']).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "datetime"


def test_a_crds_required_field_with_a_default_is_not_required_of_a_manifest() -> None:
    # the API server defaults before it validates (Crossplane's ImageConfig: a cosign key's hashAlgorithm)
    checker = SchemaChecker("1.37")
    openapi = {"type": "object", "properties": {"spec": {
        "type": "object", "required": ["hashAlgorithm", "secretRef"],
        "properties": {"hashAlgorithm": {"type": "string", "default": "sha256"}, "secretRef": {"type": "string"}}}}}
    assert checker.add_crds({("example.org/v1", "Key"): openapi}) == [("example.org/v1", "Key")]
    key = {"apiVersion": "example.org/v1", "kind": "Key", "metadata": {"name": "k"}, "spec": {"secretRef": "s"}}
    assert checker.check(key) == []
    assert [i.message for i in checker.check({**key, "spec": {"hashAlgorithm": "sha512"}})] == [
        'spec: missing required field "secretRef"']
