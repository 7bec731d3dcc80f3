"""The shell commands README.md and docs/*.md show, as fenced blocks, and the convention that says which can run.

A block's info string says what it needs:

    ```bash            offline and quick: the docs test runs it as written, from the root of a copy of the repository
    ```bash slow       offline, but minutes long (an install, the pipeline, the test suite): checked, not run
    ```bash cluster    needs a cluster, a cloud account, Docker or the network: checked, not run
    ```console         a transcript: `$ command` lines with their output; the commands are checked, not run

"Checked" means every file and folder of the repository a command names exists, every `python -m` module imports,
and the project's own commands (`python -m validation|pipeline ...`) accept the subcommand and flags given.
A block runs with the venv active when its file says `. .venv/bin/activate` before it, as a reader would have done.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARKERS = ("slow", "cluster")
SHELLS = ("bash", "sh", "shell", "console")
ACTIVATE = ". .venv/bin/activate"
# Programs that reach a cluster, a cloud account or a container engine: only in a `cluster` block.
# (`kubectl kustomize` renders offline and is the exception.)
CLUSTER_PROGRAMS = ("kubectl", "argo", "argocd", "aws", "docker", "gh", "mc")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
OPERATORS = {"&&", "||", "|", ";", "&", "(", ")"}


@dataclass(frozen=True)
class Block:
    file: str  # repo-relative
    line: int  # of the opening fence
    lang: str
    markers: tuple[str, ...]
    body: str
    venv: bool  # the file said `. .venv/bin/activate` before this block (or this block does)

    @property
    def runs(self) -> bool:
        return self.lang != "console" and not self.markers

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


def doc_files(root: Path = REPO) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def blocks(path: Path, root: Path = REPO) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        lang, *markers = m.group("info").split() or [""]
        if lang not in SHELLS:
            continue
        body = "\n".join(line.removeprefix(m.group("indent")) for line in m.group("body").splitlines())
        before = text[: m.start()]
        found.append(Block(
            file=str(path.relative_to(root)), line=before.count("\n") + 1, lang=lang, markers=tuple(markers),
            body=body, venv=ACTIVATE in before or body.lstrip().startswith(ACTIVATE),
        ))  # fmt: skip
    return found


def all_blocks(root: Path = REPO) -> list[Block]:
    return [b for f in doc_files(root) for b in blocks(f, root)]


def command_lines(block: Block) -> list[str]:
    """The block's commands, one logical line each: continuations joined, heredoc bodies and output left out."""
    lines: list[str] = []
    heredoc_end = None
    pending = ""
    for raw in block.body.splitlines():
        if heredoc_end is not None:
            if raw.strip() == heredoc_end:
                heredoc_end = None
            continue
        line = raw
        if block.lang == "console":
            if not line.startswith("$ "):
                continue  # output
            line = line[2:]
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        line, pending = pending + line, ""
        if heredoc := re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line):
            heredoc_end = heredoc.group(1)
        if line.strip() and not line.strip().startswith("#"):
            lines.append(line)
    return lines


def simple_commands(line: str) -> list[list[str]]:
    """`a x && b y | c` -> [[a, x], [b, y], [c]]: the words of each simple command, comments and redirections out."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    tokens = list(lexer)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in OPERATORS:
            commands.append([])
        elif token in (">", ">>", "<", "2>", "<<"):
            i += 1  # the redirection's target is no argument
        elif token in ("$(", "`"):
            pass
        else:
            commands[-1].append(token)
        i += 1
    out = []
    for words in commands:
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words = words[1:]  # VAR=value before the program
        if words and words[0] not in ("do", "done", "then", "fi", "else", "while", "if", "for", "read"):
            out.append(words)
    return out


def redirection_placeholders(line: str) -> list[str]:
    """`<digest>`-style placeholders, which a shell reads as redirections: a command with one cannot run as written."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", line)
    return re.findall(r"<[A-Za-z][^<>|&;]*>", unquoted)


def repo_paths(words: list[str], root: Path = REPO) -> list[str]:
    """The words that name a file or folder of the repository (their first part is a top-level entry)."""
    top = {p.name for p in root.iterdir()}
    found = []
    for word in words:
        for candidate in re.split(r"[=:,]", word):
            candidate = candidate.strip("\"'").removeprefix("./")
            first = candidate.split("/")[0]
            if "/" in candidate and first in top and not candidate.startswith(("http", "s3")):
                found.append(candidate.rstrip("/"))
            elif first in top and "." in first and candidate == first:
                found.append(first)  # a top-level file: constraints.txt, pyproject.toml
    return found
