"""Plain text: grouped by environment and source file, one line per finding, then one summary line."""

from __future__ import annotations

from itertools import groupby

from validation.model import Finding
from validation.report.model import Report


def finding_line(f: Finding) -> str:
    where = f.file or "-"
    if f.line:
        where += f":{f.line}:{f.column or 1}"
    obj = f" {f.object_ref}:" if f.object_ref else ""
    path = f" ({f.json_path})" if f.json_path else ""
    return f"{where}: {f.severity} {f.rule_id}{obj} {f.message}{path}"


def render(report: Report) -> str:
    lines: list[str] = []
    for error in report.errors:
        lines.append(f"error: {error}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if lines:
        lines.append("")
    ordered = sorted(report.findings, key=Finding.sort_key)
    for env, env_findings in groupby(ordered, key=lambda f: f.target or ""):
        lines.append(f"{env or 'source files'}:")
        for _, file_findings in groupby(env_findings, key=lambda f: f.file or ""):
            for f in file_findings:
                lines.append(f"  {finding_line(f)}")
        lines.append("")
    lines.append(report.summary_line())
    return "\n".join(lines) + "\n"
