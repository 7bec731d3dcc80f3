"""SARIF 2.1.0, for GitHub code scanning and other viewers: rule metadata, physical locations, fingerprints."""

from __future__ import annotations

import hashlib
import json

from validation import __version__
from validation.model import Finding, Severity
from validation.report.model import Report
from validation.rules import all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def fingerprint(f: Finding) -> str:
    """Stable across runs and line moves: what fired, where in which object, not at which line."""
    key = "\0".join([f.rule_id, f.target or "", f.object_ref or "", f.json_path or "", f.file or "", f.message])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def render(report: Report) -> str:
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors = [{
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.remediation, "markdown": _help_markdown(r)},
        "defaultConfiguration": {"level": LEVEL[r.severity]},
        "properties": {"family": r.family, "scope": list(r.scope)},
    } for r in rules]
    results = []
    for f in report.findings:
        result: dict = {
            "ruleId": f.rule_id,
            "level": LEVEL[f.severity],
            "message": {"text": f"{f.object_ref + ': ' if f.object_ref else ''}{f.message}"
                                + (f" ({f.json_path})" if f.json_path else "")},
            "partialFingerprints": {"argoMlFinding/v1": fingerprint(f)},
        }
        if f.rule_id in index:
            result["ruleIndex"] = index[f.rule_id]
        location: dict = {}
        if f.file:
            physical: dict = {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"}}
            if f.line:
                physical["region"] = {"startLine": f.line, "startColumn": f.column or 1}
            location["physicalLocation"] = physical
        logical = [x for x in (f.target, f.object_ref, f.json_path) if x]
        if logical:
            location["logicalLocations"] = [{"fullyQualifiedName": " ".join(logical), "kind": "object"}]
        if location:
            result["locations"] = [location]
        results.append(result)
    run = {
        "tool": {"driver": {
            "name": "argo-ml-validation",
            "version": __version__,
            # no informationUri: any absolute URL here would name one fork; each rule carries its help text
            "rules": descriptors,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the repository root"}}},
        "invocations": [{
            "executionSuccessful": not report.errors,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": e}} for e in report.errors]
            + [{"level": "note", "message": {"text": n}} for n in report.notes],
        }],
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _help_markdown(rule) -> str:
    out = [rule.summary, "", f"**Fix:** {rule.remediation}"]
    if rule.failing:
        out += ["", "Fires on:", "```yaml", rule.failing.rstrip(), "```"]
    if rule.passing:
        out += ["", "Passes:", "```yaml", rule.passing.rstrip(), "```"]
    return "\n".join(out)
