"""Read YAML source files safely and lint them: parse errors, duplicate keys, tabs, encoding, shape.

Everything goes through libyaml (CSafeLoader). Aliases are shared nodes, so construction costs O(document);
only data that is later walked would blow up, so a document whose alias expansion is too large is rejected
before anyone walks it. Files over MAX_FILE_BYTES are not read at all.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from validation.fastyaml import FastSafeLoader
from validation.records import record

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

    from validation.batch_read import Reading

MAX_FILE_BYTES = 40 * 1024 * 1024  # 50,000 rendered resources are ~32 MB (kubeconform reads them); 50 MB is a mistake
MAX_EXPANDED_NODES = 1_000_000  # nodes a document may have once its aliases are expanded
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml")


@record
class LintIssue:
    """A problem found in a source file's text (a tab, a parse error, a duplicate key)."""

    rule_id: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    span: tuple[int, int] | None = None  # lines of the unit it is about (a patch operation), for one report per mistake


class Document:
    """One YAML document of a file, as read."""

    __slots__ = ("index", "data", "start_line", "end_line", "found")

    def __init__(self, index: int, data: Any, start_line: int, end_line: int, found: list[Any] | None = None) -> None:
        self.index = index  # position in the file's stream, counting empty documents
        self.data = data
        self.start_line = start_line  # 1-based line of the document's root node
        self.end_line = end_line  # 1-based, inclusive
        # What a check made while the document was read found (validation.batch_read: its schema issues, each with
        # its line and column); None: not checked then.
        self.found = found


class LoadedFile:
    """A file as read: its documents, the issues found reading it, and whether it parsed to the end."""

    __slots__ = ("path", "display", "documents", "issues", "ok")

    def __init__(self, path: Path, display: str, documents: list[Document] | None = None,
                 issues: list[LintIssue] | None = None, ok: bool = True) -> None:
        self.path = path
        self.display = display  # repo-relative (or as given) name used in findings
        self.documents = [] if documents is None else documents
        self.issues = [] if issues is None else issues
        self.ok = ok  # False when the file could not be parsed to the end


class _AliasBomb(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:  # line: 0-based, as in the stream
        super().__init__(message)
        self.line, self.column = line, column


class _Loader(FastSafeLoader):  # type: ignore[misc]
    """libyaml parser and fastyaml's constructor; duplicate keys are recorded with their position.

    The fast path builds a dict per mapping node, so a duplicate shows as a dict shorter than its node: fastyaml
    counts those while it builds, and only then are the nodes scanned for positions. Documents the fast path hands
    to PyYAML (merge keys, odd tags) are checked in construct_mapping instead.
    """

    def __init__(self, stream: str, first_line: int = 1) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []
        self.first_line = first_line  # the line the stream starts on in its file (a chunk of a big file)

    def construct_document(self, node: yaml.Node) -> Any:
        before = self.short_mappings
        data = super().construct_document(node)
        if self.short_mappings != before:
            self._scan(node)
        return data

    def _scan(self, root: yaml.Node) -> None:
        seen_nodes: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen_nodes:
                continue
            seen_nodes.add(id(node))
            if isinstance(node, yaml.MappingNode):
                self._check_keys(node)
                stack.extend(v for _, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)

    def _check_keys(self, node: yaml.MappingNode) -> None:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = (key_node.tag, key_node.value)
                mark = key_node.start_mark
                if key in seen:
                    entry = (f"duplicate key {key_node.value!r} (first on line {seen[key]}); the last one silently wins",
                             mark.line + self.first_line, mark.column + 1)
                    if entry not in self.duplicates:
                        self.duplicates.append(entry)
                else:
                    seen[key] = mark.line + self.first_line

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self._check_keys(node)  # the standard constructor's path (fast path fell back)
        return super().construct_mapping(node, deep=deep)


def _untagged(loader: yaml.BaseLoader, suffix: str, node: yaml.Node) -> Any:
    """A local tag (Authentik's `!Env VAR`, CloudFormation's `!Ref`) is its application's business: the node is
    read as the value it tags, as Go's YAML libraries (kubectl, Argo CD) read it, not refused as unparsable."""
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_Loader.add_multi_constructor("!", _untagged)


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Node count with aliases expanded, memoised per node so a bomb costs O(unique nodes)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            mark = node.start_mark
            raise _AliasBomb("recursive alias: a node contains itself", mark.line, mark.column + 1)
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                total += size(item)
        active.discard(key)
        sizes[key] = min(total, limit + 1)  # saturate: the exact size of a bomb does not matter
        return sizes[key]

    try:
        return size(root)
    finally:
        size = None  # type: ignore[assignment]  # noqa: F841  # it refers to itself: a cycle the GC-off run keeps


# Constructs whose end is missing: libyaml notices at the next token (often the next line), but the line to edit
# is where the construct opens, which it gives as the context mark.
_UNCLOSED = ("while parsing a flow", "while scanning a quoted scalar")


def _mark(exc: yaml.YAMLError) -> tuple[int | None, int | None]:
    context = getattr(exc, "context", None) or ""
    mark = getattr(exc, "context_mark", None) if context.startswith(_UNCLOSED) else None
    mark = mark or getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


_CONTENT_STYLES = ("|", ">", '"', "'")  # block and quoted scalars: a tab there is text (a Makefile), not indentation


_BREAK = re.compile("(\r\n|[\r\n\x85\u2028\u2029])")  # YAML's line breaks, so line numbers match libyaml's marks


def _tab_issues(text: str, display: str, first_line: int = 1) -> list[LintIssue]:
    if "\t" not in text:  # nearly every file: one C scan instead of a Python loop over every line
        return []
    parts = _BREAK.split(text)
    lines = parts[0::2]
    candidates = []
    for number, line in enumerate(lines):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            candidates.append((number, indent.index("\t")))  # 0-based, as libyaml marks are
    if not candidates:
        return []
    structural = _structural_tabs(parts, candidates)
    return [LintIssue("YAML-TAB", "tab in indentation; YAML allows spaces only", display, line + first_line,
                      column + 1) for line, column in candidates if (line, column) in structural]


def _structural_tabs(parts: list[str], candidates: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The candidate tabs that are not inside a block or quoted scalar.

    Every candidate tab is first turned into a space (same column), so no structural tab stops the scan before the
    scalars after it: one scan decides them all. If the text still stops scanning, the tabs past that line cannot
    be judged and are left to YAML-PARSE.
    """
    parts = list(parts)
    for line in {c[0] for c in candidates}:
        row = parts[2 * line]
        body = row.lstrip(" \t")
        parts[2 * line] = row[: len(row) - len(body)].replace("\t", " ") + body
    spans, stop = _content_spans("".join(parts))
    starts = [a for a, _ in spans]  # in order and disjoint: one bisect per tab
    return {c for c in candidates
            if (stop is None or c[0] <= stop) and (not (i := bisect.bisect_right(starts, c)) or c >= spans[i - 1][1])}


def _content_spans(text: str) -> tuple[list[tuple[tuple[int, int], tuple[int, int]]], int | None]:
    """(start, end) marks of the block and quoted scalars, and the line where scanning failed (None: it did not)."""
    spans = []
    stop = None
    scanner = yaml.CSafeLoader(text)
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if isinstance(token, yaml.ScalarToken) and token.style in _CONTENT_STYLES:
                spans.append(((token.start_mark.line, token.start_mark.column),
                              (token.end_mark.line, token.end_mark.column)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        stop = mark.line if mark is not None else len(text)  # no position: every candidate is suspect
    finally:
        scanner.dispose()
    return spans, stop


GIT_CRYPT_HEADER = b"\x00GITCRYPT\x00"  # what git-crypt writes first in every file it encrypts


def decode(raw: bytes, display: str) -> tuple[str | None, LintIssue | None]:
    """UTF-8 (with or without BOM) or a finding that points at the first bad byte."""
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        if raw.startswith(GIT_CRYPT_HEADER):  # not a bad byte somewhere: the whole file is ciphertext
            return None, LintIssue("YAML-ENCODING", "encrypted by git-crypt (this checkout is locked): it cannot be "
                                   "read; `git-crypt unlock` to check it (Argo CD's repo server, too, must decrypt "
                                   "it to sync it)", display, 1, 1)
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, LintIssue("YAML-ENCODING", f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
                               display, line, column)


def load_text(text: str, display: str, path: Path | None = None, *, first_line: int = 1,
              on_document: Callable[[Document, yaml.Node], None] | None = None) -> LoadedFile:
    """Parse a YAML stream; never raises for bad input, the problems land in .issues.

    `first_line`: where `text` starts in its file, when it is a run of whole documents cut from a bigger file;
    every line reported counts from there. `on_document(document, node)` sees each document as soon as it is
    built, with its node tree (marks included) still at hand, so a caller can check it and find lines without
    parsing the text again; it may replace `document.data`.
    """
    loaded = LoadedFile(path=path or Path(display), display=display)
    if display.endswith(".json") and "\t" in text:
        # JSON allows tabs wherever it allows spaces, and none inside strings (they are escaped there): each is one
        # space to the YAML parser, so lines and columns stay where they were.
        text = text.replace("\t", " ")
    tabs = _tab_issues(text, display, first_line)
    loaded.issues.extend(tabs)
    tab_lines = {i.line for i in tabs}
    has_anchors = "&" in text
    loader = _Loader(text, first_line)
    offset = first_line - 1
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if has_anchors:
                if _expanded_size(node, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
                    mark = node.start_mark
                    raise _AliasBomb(f"aliases expand this document beyond {MAX_EXPANDED_NODES:,} nodes "
                                     "(a \"billion laughs\" alias bomb?)", mark.line, mark.column + 1)
            data = loader.construct_document(node)
            doc = Document(index, data, node.start_mark.line + first_line, node.end_mark.line + first_line)
            loaded.documents.append(doc)
            if on_document is not None:
                on_document(doc, node)
            index += 1
    except _AliasBomb as exc:
        loaded.ok = False
        loaded.issues.append(LintIssue("YAML-ALIAS-BOMB", str(exc), display, exc.line + first_line, exc.column))
    except yaml.YAMLError as exc:
        loaded.ok = False
        line, column = _mark(exc)
        line = line + offset if line is not None else None
        if line not in tab_lines:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            context = getattr(exc, "context", None)
            message = f"{context}: {problem}" if context else str(problem)
            noticed = getattr(exc, "problem_mark", None)
            if context and context.startswith(_UNCLOSED) and noticed is not None and noticed.line + 1 != line:
                message += f" (noticed on line {noticed.line + 1}: the construct opened here is not closed)"
            loaded.issues.append(LintIssue("YAML-PARSE", f"cannot parse: {message}", display, line, column))
    except RecursionError:
        loaded.ok = False
        loaded.issues.append(LintIssue("YAML-PARSE", "cannot parse: nesting too deep", display))
    finally:
        loader.dispose()
    for message, line, column in loader.duplicates:
        loaded.issues.append(LintIssue("YAML-DUPLICATE-KEY", message, display, line, column))
    return loaded


def load_file(path: Path | str, display: str, *,
              on_document: Callable[[Document, yaml.Node], None] | None = None) -> LoadedFile:
    """Read and parse one regular file within the size limit (`on_document` as for load_text)."""
    raw = read_file(path, display)
    if isinstance(raw, LoadedFile):
        return raw
    text, issue = decode(raw, display)
    del raw  # a big file: not its bytes and its text at once
    if text is None:
        assert issue is not None
        return LoadedFile(path, display, issues=[issue], ok=False)
    return load_text(text, display, path, on_document=on_document)


def read_file(path: Path | str, display: str) -> bytes | LoadedFile:
    """The bytes of one regular file within the size limit, or a LoadedFile that says why not."""

    def unreadable(why: str) -> LoadedFile:
        return LoadedFile(Path(path), display, issues=[LintIssue("YAML-PARSE", f"cannot read: {why}", display)],
                          ok=False)

    def too_large(message: str) -> LoadedFile:
        return LoadedFile(Path(path), display, ok=False, issues=[LintIssue("YAML-TOO-LARGE", message, display)])

    try:
        # Non-blocking open, then fstat: a FIFO named x.yaml must not hang the check, even if it appears late.
        # Plain os calls, no file object: a directory of 10,000 small files pays this 10,000 times.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return unreadable(f"not a regular file ({_file_type(st.st_mode)}); skipped")
            if st.st_size > MAX_FILE_BYTES:
                return too_large(f"file is {st.st_size / 2**20:.1f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB")
            parts: list[bytes] = []
            total = 0
            while total <= MAX_FILE_BYTES:  # to the end, so a file that grew after the fstat shows
                chunk = os.read(fd, min(max(st.st_size + 1 - total, 1 << 16), MAX_FILE_BYTES + 1 - total))
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return unreadable(exc.strerror or str(exc))
    raw = parts[0] if len(parts) == 1 else b"".join(parts)  # one part: no copy
    if len(raw) > MAX_FILE_BYTES:
        return too_large(f"file is over the {MAX_FILE_BYTES // 2**20} MiB limit")
    return raw


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a directory"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "unknown type"


def safe_resolve(path: Path) -> Path:
    """Path.resolve(), except that a symlink loop (RuntimeError before Python 3.13) or an unreadable directory
    gives the absolute path instead of an exception."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


class RealPaths:
    """safe_resolve for the many files of a few folders: each folder is resolved once, and then a file costs one
    lstat (is it a link itself?) instead of one per component of its path. Made per run: links may change.
    Folders are looked up by their name as text: a Path's parent is a new object, hashed anew, for every file."""

    def __init__(self) -> None:
        self._folders: dict[str, tuple[Path, bool]] = {}  # folder as text -> (resolved, whether it is itself)
        self._files: dict[Path, Path] = {}
        self._not_links: set[Path] = set()

    def not_a_link(self, path: Path) -> None:
        """A directory walk saw that `path` is no symlink (os.DirEntry knows without an lstat)."""
        self._not_links.add(path)

    def __call__(self, path: Path) -> Path:
        real = self._files.get(path)
        if real is None:
            head, name = os.path.split(str(path))
            if name in ("", ".", "..") or (path not in self._not_links and os.path.islink(path)):
                real = safe_resolve(path)
            else:
                known = self._folders.get(head)
                if known is None:
                    parent = path.parent
                    resolved = safe_resolve(parent)
                    known = self._folders[head] = (resolved, resolved == parent)
                folder, same = known
                real = path if same else folder / name  # a walked folder is real already
            self._files[path] = real
        return real


def shape_issues(loaded: LoadedFile, *, resource: bool) -> list[LintIssue]:
    """Empty documents, documents that are not objects, and (for resource files) missing kind/apiVersion."""
    return document_issues(loaded.display, loaded.documents, loaded.ok, resource=resource)


def document_issues(display: str, documents: list[Document], ok: bool, *, resource: bool) -> list[LintIssue]:
    """shape_issues, for documents read in pieces (validation.batch_read)."""
    issues = []
    if ok and not documents:
        issues.append(LintIssue("YAML-EMPTY-DOCUMENT", "file holds no YAML document", display, 1, 1))
    for doc in documents:
        if doc.data is None:
            if doc is documents[-1] and len(documents) > 1:
                continue  # a `---` closing the file, a common style: nothing after it could be lost
            issues.append(LintIssue("YAML-EMPTY-DOCUMENT", f"document {doc.index + 1} is empty", display,
                                    doc.start_line, 1))
        elif not resource:
            continue
        elif not isinstance(doc.data, dict):
            what = "a list" if isinstance(doc.data, list) else f"a scalar ({type(doc.data).__name__})"
            issues.append(LintIssue("YAML-NOT-OBJECT", f"document {doc.index + 1} is {what}, not a Kubernetes object",
                                    display, doc.start_line, 1))
        else:
            missing = [k for k in ("apiVersion", "kind") if not doc.data.get(k)]
            if missing:
                issues.append(LintIssue("YAML-MISSING-KIND",
                                        f"document {doc.index + 1} has no {' and no '.join(missing)}",
                                        display, doc.start_line, 1))
    return issues


@record
class FileRoles:
    """What kustomize does with each file: a kustomization, a patch, generator input, or a resource."""

    kustomizations: frozenset[Path]
    patches: frozenset[Path]
    generator_inputs: frozenset[Path]


def _kustomization_refs(path: Path, data: Any) -> tuple[set[Path], set[Path]]:
    patches: set[Path] = set()
    inputs: set[Path] = set()
    if not isinstance(data, dict):
        return patches, inputs
    base = path.parent

    def add(target: set[Path], value: Any) -> None:
        if isinstance(value, str) and "\n" not in value and "://" not in value:
            target.add(safe_resolve(base / value.split("=", 1)[-1]))

    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        for entry in data.get(key) or []:
            add(patches, entry.get("path") if isinstance(entry, dict) else entry)
    for entry in data.get("replacements") or []:
        if isinstance(entry, dict):
            add(inputs, entry.get("path"))
    if isinstance(data.get("openapi"), dict):
        add(inputs, data["openapi"].get("path"))
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in data.get(key) or []:
            if isinstance(gen, dict):
                for f in (gen.get("files") or []) + (gen.get("envs") or []) + [gen.get("env")]:
                    add(inputs, f)
    for key in ("generators", "transformers", "validators", "crds", "configurations"):
        for entry in data.get(key) or []:
            add(inputs, entry)
    for chart in data.get("helmCharts") or []:  # Helm's values, not resources
        if isinstance(chart, dict):
            for f in [chart.get("valuesFile")] + list(chart.get("additionalValuesFiles") or []):
                add(inputs, f)
    return patches, inputs


def classify(files: Iterable[Path], loaded: dict[Path, LoadedFile]) -> FileRoles:
    kustomizations, patches, inputs = set(), set(), set()
    for f in files:
        if os.path.basename(str(f)) in KUSTOMIZATION_NAMES:  # Path.name is rebuilt per call; this runs per file
            kustomizations.add(safe_resolve(f))
            lf = loaded.get(f)
            for doc in lf.documents if lf else []:
                p, i = _kustomization_refs(f, doc.data)
                patches |= p
                inputs |= i
    return FileRoles(frozenset(kustomizations), frozenset(patches), frozenset(inputs))


def source_files(root: Path, dirs: Iterable[str], extra: Iterable[str] = ()) -> list[Path]:
    """YAML files under the given repo directories (hidden directories skipped), plus extra files that exist."""
    found: set[Path] = set()
    for d in dirs:
        top = root / d
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            if "Chart.yaml" in filenames:
                dirnames[:] = []  # a Helm chart: its values and templates are Helm's, not manifests to lint
                continue
            dirnames[:] = sorted(n for n in dirnames if not n.startswith("."))
            for name in filenames:
                if name.endswith(YAML_SUFFIXES) or name == "Kustomization":
                    found.add(Path(dirpath) / name)
    for e in extra:
        p = root / e
        if p.is_file():
            found.add(p)
    return sorted(found)


def lint(root: Path, files: list[Path], display: dict[Path, str] | None = None, real: RealPaths | None = None,
         reading: Reading | None = None) -> tuple[list[LintIssue], dict[Path, LoadedFile]]:
    """Lint source files; returns the issues and every parsed file (so callers need not parse twice).
    `reading`: the same files (each once, in order), read in bulk by validation.batch_read."""
    display = display or {}
    real = real or RealPaths()
    loaded: dict[Path, LoadedFile] = {}
    if reading is not None:
        for lf in reading.results():
            loaded[lf.path] = lf
    else:
        for f in files:
            loaded[f] = load_file(f, display.get(f) or _rel(root, f))
    roles = classify(files, loaded)
    issues: list[LintIssue] = []
    for f, lf in loaded.items():
        issues.extend(lf.issues)
        resolved = real(f)
        if resolved in roles.generator_inputs:
            continue
        if resolved in roles.kustomizations or os.path.basename(str(f)) in KUSTOMIZATION_NAMES:
            issues.extend(kustomize_issues(lf, "kustomization"))
        elif resolved in roles.patches or (len(lf.documents) == 1 and _json6902(lf.documents[0].data)):
            # A list of operations is a JSON6902 patch even when no kustomization names it (a typo in
            # `patches:`): checked as one, never as "not a Kubernetes object".
            issues.extend(kustomize_issues(lf, "patch"))
        else:
            issues.extend(shape_issues(lf, resource=True))
            continue
        issues.extend(shape_issues(lf, resource=False))
    return issues, loaded


def _json6902(data: object) -> bool:
    if not isinstance(data, list):  # nearly every file: no need to import the patch checker to say so
        return False
    from validation.kustomize.patches import looks_like_json6902

    return looks_like_json6902(data)


def kustomize_issues(lf: LoadedFile, role: str) -> list[LintIssue]:
    """A kustomization checked against kustomize's schema, or a patch file checked as a patch."""
    from validation.kustomize import kustomization, nodes, patches  # a checked file is read without them

    if not lf.ok:
        return []  # YAML-PARSE (or a sibling) already says why
    try:
        text = lf.path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    if role == "kustomization":
        found = kustomization.check_text(text)
    else:
        try:
            found = [i for doc in nodes.compose_all(text) for i in patches.check_node(doc)]
        except Exception:  # noqa: BLE001 - it parsed a moment ago; a file changing under us is not a finding
            return []
    return [LintIssue(i.rule_id, i.message, lf.display, i.line, i.column, i.span) for i in found]


def _rel(root: Path, path: Path) -> str:
    try:
        return safe_resolve(path).relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
