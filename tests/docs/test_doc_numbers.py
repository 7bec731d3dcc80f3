"""Measured numbers (times, speed-ups, accuracy) are written once, in benchmarks/README.md; the docs link there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.doc_commands import REPO, doc_files

MEASURED = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:ms|s|sec|seconds?|min|minutes?)\b"  # a duration
    r"|\b\d+(?:\.\d+)?x\b"  # a ratio
    r"|\b0\.\d{3}\b"  # an accuracy
    r"|\bres/s\b"
)
# Numbers that are settings, not measurements: where they are written is where they are set.
SETTINGS = {
    "docs/operations.md": ["10 minutes after they finish"],  # podGC's delay in base/, not a timing
}
FILES = [*doc_files(), *sorted(REPO.glob("*/README.md"))]


def _prose(text: str) -> str:
    """The text without code: fenced blocks and inline `code` show commands and sample output, not claims."""
    text = re.sub(r"^[ \t]*```.*?^[ \t]*```", "", text, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("path", [p for p in FILES if p != REPO / "benchmarks" / "README.md"],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_measured_number_outside_benchmarks_readme(path: Path) -> None:
    prose = _prose(path.read_text(encoding="utf-8"))
    rel = str(path.relative_to(REPO))
    for allowed in SETTINGS.get(rel, []):
        assert allowed in prose, f"{rel}: the allowed setting {allowed!r} is gone; drop it from SETTINGS"
        prose = prose.replace(allowed, "")
    found = [m.group(0) for m in MEASURED.finditer(prose)]
    assert not found, f"{rel} states measured numbers {found}: move them to benchmarks/README.md and link there"


def test_the_pattern_finds_the_numbers_it_is_for() -> None:
    claims = "took 15.6 s here, 1.7x faster, 2 min overall, accuracy 0.897, 6,650 res/s, 13 ms"
    assert len(MEASURED.findall(_prose(claims))) == 6
    assert not MEASURED.findall(_prose("the summary line `passed ... (0.95s)`, default 120, a 5Gi claim, v4.1.2"))
