"""JSON: the whole result, for scripts."""

from __future__ import annotations

import json

from validation import __version__
from validation.report.model import Report


def render(report: Report) -> str:
    data = {
        "version": 1,
        "tool": {"name": "argo-ml-validation", "version": __version__},
        "exit_code": report.exit_code(),
        "fail_on": str(report.fail_on),
        "summary": report.counts(),
        "findings": [{**f._asdict(), "severity": str(f.severity)} for f in report.findings],
        "targets": [t._asdict() for t in report.targets],
        "errors": report.errors,
        "notes": report.notes,
        "timings": {k: round(v, 4) for k, v in report.timings.items()},
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"
