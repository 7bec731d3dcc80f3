"""Reporters: text layout, JSON, JUnit XML, SARIF 2.1.0 structure, GitHub annotation escaping."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from validation.model import Finding, Severity
from validation.report import REPORTER_BY_NAME, Report
from validation.report.model import TargetSummary
from validation.report.sarif import fingerprint

FINDINGS = [
    Finding("SCHEMA-UNKNOWN-FIELD", Severity.ERROR, "imagePullPolicee: unknown field", target="dev",
            object_ref="WorkflowTemplate/ml-dev/ml-pipeline", json_path="spec.templates[2].container.imagePullPolicee",
            file="base/workflowtemplates/ml-pipeline.yaml", line=40, column=9),
    Finding("ARGO-IMAGE-TAG", Severity.WARNING, "image has no tag, 100%: a,b", target="prod",
            object_ref="WorkflowTemplate/ml-prod/ml-pipeline", json_path="spec.templates[0].container.image",
            file="base/steps/train.yaml", line=7, column=5),
    Finding("YAML-DUPLICATE-KEY", Severity.ERROR, "duplicate key 'kind'", file="argocd/apps/dev.yaml", line=3,
            column=1),
    Finding("RENDER-FAILED", Severity.ERROR, "no file", target="staging"),
]


def report(**kw) -> Report:
    targets = [TargetSummary("dev", "overlay", "dev", 7, 0.3, None),
               TargetSummary("prod", "overlay", "prod", 6, 0.3, None)]
    return Report(findings=list(FINDINGS), targets=targets, **kw)


def test_registry_names_every_format() -> None:
    assert set(REPORTER_BY_NAME) == {"text", "json", "junit", "sarif", "github"}


def test_text_groups_by_environment_then_file_one_line_per_finding() -> None:
    out = REPORTER_BY_NAME["text"](report())
    lines = out.splitlines()
    assert ("  base/workflowtemplates/ml-pipeline.yaml:40:9: error SCHEMA-UNKNOWN-FIELD "
            "WorkflowTemplate/ml-dev/ml-pipeline: imagePullPolicee: unknown field "
            "(spec.templates[2].container.imagePullPolicee)") in lines
    headers = [line for line in lines if line and not line.startswith(" ")]
    assert headers[:4] == ["source files:", "dev:", "prod:", "staging:"]
    assert lines[-1] == ("failed: 3 errors, 1 warning, 0 info in 13 objects; rendered: dev, prod")
    assert "  -: error RENDER-FAILED no file" in lines


def test_json_round_trips() -> None:
    data = json.loads(REPORTER_BY_NAME["json"](report(errors=["boom"])))
    assert data["exit_code"] == 2
    assert data["summary"] == {"error": 3, "warning": 1, "info": 0}
    assert data["findings"][0]["severity"] == "error" and data["findings"][0]["line"] == 40
    assert data["errors"] == ["boom"]


def test_junit_is_xml_with_a_failure_per_finding_at_or_above_fail_on() -> None:
    root = ET.fromstring(REPORTER_BY_NAME["junit"](report(errors=["kustomize missing"])))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) >= {"dev", "prod", "staging", "source files", "validation"}
    assert len(suites["dev"].findall("testcase/failure")) == 1
    assert suites["prod"].get("failures") == "0"  # a warning under --fail-on error is not a failure
    assert suites["validation"].find("testcase/error").get("message") == "kustomize missing"
    root = ET.fromstring(REPORTER_BY_NAME["junit"](report(fail_on=Severity.WARNING)))
    assert int(root.get("failures")) == 4


def test_sarif_is_structurally_valid_2_1_0() -> None:
    data = json.loads(REPORTER_BY_NAME["sarif"](report()))
    assert data["version"] == "2.1.0" and "sarif-2.1.0" in data["$schema"]
    [run] = data["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and "SCHEMA-UNKNOWN-FIELD" in ids
    for r in rules:
        assert r["shortDescription"]["text"] and r["help"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert len(results) == len(FINDINGS)
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        assert len(res["partialFingerprints"]["argoMlFinding/v1"]) == 64
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "base/workflowtemplates/ml-pipeline.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 40, "startColumn": 9}
    assert "physicalLocation" not in results[3]["locations"][0]  # no file: logical location only
    assert run["invocations"][0]["executionSuccessful"] is True
    # Nothing names one fork's URL: a repository that forks this one gets a report that is still true.
    assert "informationUri" not in run["tool"]["driver"] and "example-org" not in json.dumps(data)


def test_sarif_fingerprint_ignores_line_moves() -> None:
    moved = FINDINGS[0]._replace(line=99)
    assert fingerprint(moved) == fingerprint(FINDINGS[0])
    assert fingerprint(FINDINGS[0]) != fingerprint(FINDINGS[1])


def test_github_annotations_are_escaped() -> None:
    out = REPORTER_BY_NAME["github"](report()).splitlines()
    assert out[0].startswith("::error file=base/workflowtemplates/ml-pipeline.yaml,line=40,col=9,"
                             "title=SCHEMA-UNKNOWN-FIELD::[dev] WorkflowTemplate/ml-dev/ml-pipeline: ")
    warning = next(line for line in out if line.startswith("::warning"))
    assert "100%25: a,b" in warning  # message data escapes % only
    assert out[-1].startswith("failed:")
