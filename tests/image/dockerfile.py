"""Read the Dockerfile the way the builder does, enough for the tests to act out what it does."""

from __future__ import annotations

import fnmatch
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    args: str  # the rest of the logical line, continuations joined
    line: int  # 1-based line where it starts


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: comments and blank lines dropped, backslash continuations joined."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction is dropped by the builder too
        if not pending:
            start = number
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        pending.append(line)
        joined = " ".join(p for p in pending if p)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(keyword.upper(), args.strip(), start))
        pending = []
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return out


def env_of(instruction: Instruction) -> dict[str, str]:
    """ENV/ARG key=value pairs (the key=value form; quotes removed as the shell-like parser does)."""
    pairs = {}
    for word in shlex.split(instruction.args):
        key, sep, value = word.partition("=")
        pairs[key] = value if sep else ""
    return pairs


def copy_sources(instruction: Instruction) -> tuple[list[str], str]:
    """(source patterns, destination) of a COPY, flags such as --chown left out."""
    words = [w for w in shlex.split(instruction.args) if not w.startswith("--")]
    return words[:-1], words[-1]


def dockerignore_allows(relpath: str, patterns: list[str]) -> bool:
    """Whether the build context keeps `relpath` under .dockerignore (last matching pattern wins, ! re-includes)."""
    keep = True
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        if fnmatch.fnmatchcase(relpath, body) or any(
            fnmatch.fnmatchcase("/".join(relpath.split("/")[: i + 1]), body) for i in range(relpath.count("/"))
        ):
            keep = negate
    return keep


def dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
