"""One result model, many reporters. Each reporter turns a Report into text; REPORTER_BY_NAME maps --format names."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from validation.report.model import Report

Reporter = Callable[[Report], str]


class _Reporters(Mapping[str, Reporter]):
    """--format name -> reporter; a reporter's module is imported when its format is used (junit's pulls in
    xml.etree, sarif's the rule registry), so a run pays only for the formats it writes."""

    _MODULES = {"text": "text", "json": "json", "junit": "junit", "sarif": "sarif", "github": "github"}

    def __getitem__(self, name: str) -> Reporter:
        module = self._MODULES[name]  # KeyError for an unknown format, as a dict gives
        return importlib.import_module(f"validation.report.{module}").render  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self._MODULES)

    def __len__(self) -> int:
        return len(self._MODULES)


REPORTER_BY_NAME: Mapping[str, Reporter] = _Reporters()

__all__ = ["REPORTER_BY_NAME", "Report", "Reporter"]
