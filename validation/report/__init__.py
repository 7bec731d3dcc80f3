"""One result model, many reporters. Each reporter turns a Report into text; REPORTER_BY_NAME maps --format names."""

from __future__ import annotations

from typing import Callable

from validation.report import github, junit, sarif, text
from validation.report import json as json_reporter
from validation.report.model import Report

Reporter = Callable[[Report], str]

REPORTER_BY_NAME: dict[str, Reporter] = {
    "text": text.render,
    "json": json_reporter.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "github": github.render,
}

__all__ = ["REPORTER_BY_NAME", "Report", "Reporter"]
