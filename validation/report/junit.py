"""JUnit XML: a test suite per environment, a failing test case per finding, an error case per tool error."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from validation.model import Finding
from validation.report.model import Report
from validation.report.text import finding_line


def render(report: Report) -> str:
    suites = ET.Element("testsuites", name="validation")
    ordered = sorted(report.findings, key=Finding.sort_key)
    by_target = {k: list(v) for k, v in groupby(ordered, key=lambda f: f.target or "source files")}
    names = [t.environment or t.name for t in report.targets]
    for name in dict.fromkeys(names + list(by_target)):
        findings = by_target.get(name, [])
        failing = [f for f in findings if f.severity >= report.fail_on]
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(max(1, len(findings))),
                              failures=str(len(failing)), errors="0", skipped="0")
        if not findings:
            ET.SubElement(suite, "testcase", name=f"{name}: no findings", classname=name)
        for f in findings:
            case = ET.SubElement(suite, "testcase", name=f"{f.rule_id} {f.object_ref or f.file or ''}".strip(),
                                 classname=f.file or name)
            if f.file:
                case.set("file", f.file)
            if f.line:
                case.set("line", str(f.line))
            tag = "failure" if f.severity >= report.fail_on else "system-out"
            el = ET.SubElement(case, tag)
            if tag == "failure":
                el.set("message", f.message)
                el.set("type", f.rule_id)
            el.text = finding_line(f)
    if report.errors:
        suite = ET.SubElement(suites, "testsuite", name="validation", tests=str(len(report.errors)), failures="0",
                              errors=str(len(report.errors)), skipped="0")
        for n, error in enumerate(report.errors, start=1):
            case = ET.SubElement(suite, "testcase", name=f"tool error {n}", classname="validation")
            ET.SubElement(case, "error", message=error, type="tool-error").text = error
    total = sum(int(s.get("tests", "0")) for s in suites)
    suites.set("tests", str(total))
    suites.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    suites.set("errors", str(len(report.errors)))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
