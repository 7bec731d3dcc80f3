"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request's diff."""

from __future__ import annotations

from validation.model import Severity
from validation.report.model import Report

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        props = []
        if f.file:
            props.append(f"file={_prop(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
                props.append(f"col={f.column or 1}")
        props.append(f"title={_prop(f.rule_id)}")
        where = f"[{f.target}] " if f.target else ""
        obj = f"{f.object_ref}: " if f.object_ref else ""
        path = f" ({f.json_path})" if f.json_path else ""
        lines.append(f"::{COMMAND[f.severity]} {','.join(props)}::{_data(where + obj + f.message + path)}")
    for error in report.errors:
        lines.append(f"::error title=validation::{_data(error)}")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"
