"""What to do after the README's install: the last thing its first command prints.

The test commands and their times come from the table under "## The test suite" in benchmarks/README.md, the one
place timings are written, so this text cannot disagree with it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks" / "README.md"
HEADING = "## The test suite"


def suite_rows(text: str) -> list[tuple[str, str, str]]:
    """(command, what it covers, time) for each row of the test-suite table."""
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (command := re.fullmatch(r"`([^`]+)`", cells[0])):
            rows.append((command.group(1), cells[1], cells[2]))
    return rows


def message(text: str) -> str:
    rows = suite_rows(text)
    if not rows:
        raise ValueError(f"{BENCHMARKS.relative_to(REPO)} has no rows under {HEADING!r}")
    lines = [
        "Installed into .venv, and the check passed. Next steps:",
        "",
        "  . .venv/bin/activate     in every new shell first: pre-commit, its hooks, python -m pipeline and",
        "                           python -m validation run from the venv (without it: `No module named ...`)",
        "  pre-commit install       once per clone: the hooks check every commit (docs/gitops-gate.md)",
        "",
        "Tests (times measured on 2 cores, benchmarks/README.md):",
        *(f"  {command}\n      {what}: {time}" for command, what, time in rows),
        "",
        "Then: python -m pipeline run (the whole pipeline on this machine, docs/pipeline.md); docs/README.md for more.",
    ]
    return "\n".join(lines)


def main() -> int:
    try:
        print(message(BENCHMARKS.read_text(encoding="utf-8")))
    except (OSError, ValueError, IndexError) as exc:
        print(f"error: cannot read the test times from {BENCHMARKS}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
