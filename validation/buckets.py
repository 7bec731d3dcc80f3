"""Where each environment keeps its S3 bucket and region, and how to change them without touching anything else.

An environment's bucket lives in one JSON6902 patch in its overlay (overlays/<env>/bucket.yaml by convention):
a `test` op pins the parameter's name, the `replace` op after it sets the value. The file is found through the
overlay's kustomization (the patch whose test op names `dvc-s3-bucket`), not by its file name alone.
"""

from __future__ import annotations

import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

BUCKET_PARAMETER = "dvc-s3-bucket"
REGION_PARAMETER = "dvc-s3-region"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BucketFileError(ValueError):
    """The bucket patch cannot be found, read or edited safely."""


@dataclass(frozen=True)
class BucketSettings:
    environment: str
    file: Path  # absolute path of the patch file holding the values
    bucket: str | None
    region: str | None


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def environments(root: Path, overlays_dir: str = "overlays") -> list[str]:
    """Every overlays/<env> directory that kustomize can build, sorted. Dot-directories are not environments
    (editors' and tools' scratch copies live there)."""
    base = root / overlays_dir
    if not base.is_dir():
        return []
    return sorted(d.name for d in base.iterdir()
                  if not d.name.startswith(".") and d.is_dir() and kustomization_file(d) is not None)


def inside(root: Path | None, path: Path, shown: str | Path) -> Path:
    """`path` with symlinks resolved, refused when that leaves the repository: nothing outside it is read or edited
    (Argo CD refuses such a repository too)."""
    real = Path(os.path.realpath(path))
    if root is not None and not real.is_relative_to(root):
        raise BucketFileError(f"{shown} resolves to {real}, outside the repository ({root}); not read or edited "
                              "through a symlink that leaves it")
    return real


def find_bucket_file(overlay: Path, root: Path | None = None) -> Path:
    """The patch file in this overlay's kustomization whose test op names the bucket parameter."""
    inside(root, overlay, overlay)
    kfile = kustomization_file(overlay)
    if kfile is None:
        raise BucketFileError(f"{overlay}: no kustomization.yaml")
    kust = _safe_load(inside(root, kfile, kfile))
    if not isinstance(kust, dict):
        raise BucketFileError(f"{kfile}: not a mapping")
    for rel in _patch_paths(kust):
        candidate = overlay / rel
        if not candidate.exists():  # kustomize reports a missing patch; a FIFO or a directory is refused below
            continue
        candidate = inside(root, candidate, candidate)
        ops = _safe_load(candidate)
        if _value_ops(ops, BUCKET_PARAMETER):
            return candidate
    raise BucketFileError(
        f"{kfile}: no patch sets {BUCKET_PARAMETER} (expected a JSON6902 patch such as bucket.yaml with a "
        f"`test` op on the parameter's name and a `replace` op on its value)"
    )


def read_settings(root: Path, environment: str, overlays_dir: str = "overlays") -> BucketSettings:
    overlay = root / overlays_dir / environment
    path = find_bucket_file(overlay, Path(os.path.realpath(root)))
    ops = _safe_load(path)
    return BucketSettings(
        environment=environment,
        file=path,
        bucket=_single_value(path, ops, BUCKET_PARAMETER),
        region=_single_value(path, ops, REGION_PARAMETER),
    )


def edit_bucket_text(text: str, *, bucket: str | None = None, region: str | None = None) -> str:
    """Return `text` with the bucket and/or region values replaced and every other byte kept.

    ruamel.yaml round-trips the document (quotes, comments and indentation as found); the result is then
    compared line by line with the original, and only the lines holding the edited values are taken from it.
    Anything else the dumper would have changed (a dropped `...`, a trailing blank line) is refused or kept as
    it was, so the diff is exactly the value lines. Line endings are kept per line (CRLF files stay CRLF).
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.util import load_yaml_guess_indent

    lines = text.splitlines(keepends=True)
    bodies = [_strip_eol(line) for line in lines]
    normalized = "".join(b + "\n" for b in bodies)
    try:
        _, indent, block_seq_indent = load_yaml_guess_indent(normalized)
        rt = YAML(typ="rt")
        rt.preserve_quotes = True
        rt.width = 1 << 16  # never re-wrap a long line
        rt.indent(mapping=indent or 2, sequence=indent or 2, offset=block_seq_indent or 0)
        rt.explicit_start = normalized.lstrip().startswith("---")
        data = rt.load(normalized)
    except YAMLError as exc:
        raise BucketFileError(f"cannot parse: {exc}") from None

    edited_lines: set[int] = set()
    for parameter, value in ((BUCKET_PARAMETER, bucket), (REGION_PARAMETER, region)):
        if value is None:
            continue
        ops = _value_ops(data, parameter)
        if not ops:
            raise BucketFileError(f"no `replace` op sets {parameter}")
        for op in ops:
            if op["value"] == value:
                continue
            op["value"] = _scalar_like(op["value"], value)
            edited_lines.add(op.lc.value("value")[0])
    if not edited_lines:
        return text

    out = io.StringIO()
    try:
        rt.dump(data, out)
    except Exception as exc:  # ruamel's emitter fails on some comment layouts (an IndexError around flow style)
        raise BucketFileError(f"ruamel.yaml cannot write this layout back ({type(exc).__name__}: {exc}); edit the "
                              "file by hand or simplify its layout") from None
    new_bodies = out.getvalue().split("\n")  # its last, empty item is past new_head below

    # The dumper has its own idea of how a file starts and ends (blank lines dropped, a dropped `...`); keep the
    # file's own start and ending.
    start = next((i for i, b in enumerate(bodies) if b.strip()), 0)
    new_start = next((i for i, b in enumerate(new_bodies) if b.strip()), 0)
    head = 1 + max((i for i, b in enumerate(bodies) if b.strip() not in ("", "...")), default=-1)
    new_head = 1 + max((i for i, b in enumerate(new_bodies) if b.strip() not in ("", "...")), default=-1)
    result = list(lines)
    import difflib  # an edit's diff; the check that loads this module never needs it

    matcher = difflib.SequenceMatcher(a=bodies[start:head], b=new_bodies[new_start:new_head], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + start, i2 + start, j1 + new_start, j2 + new_start
        if tag == "replace" and i2 - i1 == j2 - j1 and set(range(i1, i2)) <= edited_lines:
            for offset in range(i2 - i1):
                result[i1 + offset] = new_bodies[j1 + offset] + _eol(lines[i1 + offset])
            continue
        raise BucketFileError(
            "ruamel.yaml would change more than the value lines here (lines "
            f"{i1 + 1}-{max(i1 + 1, i2)}); edit the file by hand or simplify its layout"
        )
    return "".join(result)


_SECTION = re.compile(r"""^\s*\[\s*(?P<name>.*?)\s*\]\s*$""")
_REMOTE = re.compile(r"""^['"]?remote\s+"(?P<remote>[^"]+)"['"]?$""")
_KEY = re.compile(r"""^(?P<lead>\s*)(?P<key>[A-Za-z0-9_.-]+)(?P<sep>\s*=\s*)(?P<value>.*?)(?P<trail>\s*)$""")
_S3_URL = re.compile(r"""^(?P<scheme>s3://)(?P<bucket>[^/\s]+)(?P<rest>.*)$""")


@dataclass(frozen=True)
class DvcRemote:
    name: str
    url: str
    bucket: str | None  # the bucket, when the URL is s3://
    region: str | None = None  # its `region` line, if it has one
    line: int = 0  # 1-based line of its `url`


def dvc_remotes(text: str) -> list[DvcRemote]:
    """The remotes in a .dvc/config text, in file order."""
    urls: dict[str, tuple[str, int]] = {}
    regions: dict[str, str] = {}
    for index, (name, key, value, _) in _dvc_lines(text.splitlines(keepends=True)):
        if name is not None and key == "url":
            urls.setdefault(name, (value, index + 1))
        elif name is not None and key == "region":
            regions.setdefault(name, value)
    remotes = []
    for name, (url, line) in urls.items():
        m = _S3_URL.match(url)
        remotes.append(DvcRemote(name=name, url=url, bucket=m.group("bucket") if m else None,
                                 region=regions.get(name), line=line))
    return remotes


def remotes_for_environment(
    remotes: list[DvcRemote],
    environment: str,
    old_bucket: str | None,
    old_bucket_shared: bool,
    new_bucket: str | None = None,
) -> list[str]:
    """Which remotes follow this environment's bucket.

    A remote named for the environment ("dev", "dvc-dev", "dev_s3") on the old (or already the new) bucket is the
    environment's. Failing that, an S3 remote named for it on some other bucket is the environment's too, left
    stale by an edit that missed .dvc/config: the overlay is what the pipeline uses, so the remote follows it.
    With none named so, a remote on the old bucket is taken only when no other environment uses that bucket;
    otherwise repointing it would move another environment's data as well.
    """
    named = [r for r in remotes if r.bucket is not None and environment in re.split(r"[^A-Za-z0-9]+", r.name)]
    current = [r for r in named if r.bucket in (old_bucket, new_bucket) and r.bucket is not None]
    if current or named:
        return [r.name for r in current or named]
    if old_bucket_shared:
        return []
    return [r.name for r in remotes if old_bucket is not None and r.bucket == old_bucket]


def edit_dvc_config(
    text: str, remotes: list[str], *, new_bucket: str, region: str | None = None, old_bucket: str | None = None
) -> str:
    """Point the given remotes' S3 URLs at new_bucket (and set their region, if one is given).

    With old_bucket, only a URL on that bucket is repointed. Edited as text, line by line: the config is INI-like
    and DVC's own writer would reorder and requote it. Only the `url` (and `region`) lines of the named remotes
    change; endings, comments and spacing stay. A remote with no `region` line gets none added.
    """
    lines = text.splitlines(keepends=True)
    wanted = set(remotes)
    for index, (name, key, value, match) in _dvc_lines(lines):
        if name not in wanted:
            continue
        new_value = value
        if key == "url":
            m = _S3_URL.match(value)
            if m and (old_bucket is None or m.group("bucket") == old_bucket):
                new_value = m.group("scheme") + new_bucket + m.group("rest")
        elif key == "region" and region is not None:
            new_value = region
        if new_value != value:
            raw = match.group("value")
            quote = raw[0] if raw != value else ""
            lines[index] = (
                match.group("lead")
                + match.group("key")
                + match.group("sep")
                + quote
                + new_value
                + quote
                + match.group("trail")
                + _eol(lines[index])
            )
    return "".join(lines)


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff of one file, a/ and b/ prefixed as git prints it; line endings shown as plain newlines."""
    import difflib

    diff = difflib.unified_diff(
        [_strip_eol(line) + "\n" for line in old.splitlines(keepends=True)],
        [_strip_eol(line) + "\n" for line in new.splitlines(keepends=True)],
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(diff)


# -- helpers ---------------------------------------------------------------------------------------------------


def _dvc_lines(lines: list[str]) -> Iterator[tuple[int, tuple[str | None, str, str, re.Match]]]:
    remote: str | None = None
    for index, line in enumerate(lines):
        body = _strip_eol(line)
        stripped = body.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        section = _SECTION.match(body)
        if section:
            m = _REMOTE.match(section.group("name"))
            remote = m.group("remote") if m else None
            continue
        m = _KEY.match(body)
        if m:
            value = m.group("value")
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            yield index, (remote, m.group("key"), value, m)


def _patch_paths(kust: dict[str, Any]) -> Iterator[str]:
    for key in ("patches", "patchesJson6902"):
        for entry in kust.get(key) or []:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                yield entry["path"]


def _value_ops(ops: Any, parameter: str) -> list[Any]:
    """The replace/add ops that set `parameter`'s value, as found after a `test` op on its name."""
    if not isinstance(ops, list):
        return []
    prefixes = {
        op["path"][: -len("/name")]
        for op in ops
        if isinstance(op, dict)
        and op.get("op") == "test"
        and op.get("value") == parameter
        and isinstance(op.get("path"), str)
        and op["path"].endswith("/name")
    }
    return [
        op
        for op in ops
        if isinstance(op, dict)
        and op.get("op") in ("replace", "add")
        and isinstance(op.get("path"), str)
        and op["path"].endswith("/value")
        and op["path"][: -len("/value")] in prefixes
        and "value" in op
    ]


def _scalar_like(old: Any, value: str) -> Any:
    """`value` as a scalar quoted the way `old` was; quoted anyway where a YAML 1.1 reader would not see a string.

    kubectl and kustomize read YAML 1.1 (sigs.k8s.io/yaml): a bucket named `yes`, `off` or `123` would reach
    the WorkflowTemplate as a boolean or a number unless it is quoted.
    """
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(old, str) and type(old) is not str:
        return type(old)(value)  # already quoted: keep its style
    try:
        plain_reads_as = yaml.load(value, Loader=_Loader)
    except yaml.YAMLError:
        plain_reads_as = None
    return value if plain_reads_as == value and isinstance(plain_reads_as, str) else DoubleQuotedScalarString(value)


def _single_value(path: Path, ops: Any, parameter: str) -> str | None:
    values = {str(op["value"]) for op in _value_ops(ops, parameter)}
    if len(values) > 1:
        raise BucketFileError(f"{path}: {parameter} is set to different values: {', '.join(sorted(values))}")
    return values.pop() if values else None


def read_regular(path: Path, shown: str | Path) -> bytes:
    """The bytes of a regular file; a FIFO or a device is refused instead of blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:  # closed here, not by fdopen: it raises for a directory and leaves the descriptor open
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BucketFileError(f"{shown}: not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as fh:
                return fh.read()
        finally:
            os.close(fd)
    except OSError as exc:
        raise BucketFileError(f"{shown}: {exc.strerror or exc}") from None


def decode_utf8(raw: bytes, shown: str | Path, why: str = "") -> str:
    """UTF-8 text, or an error naming the file, line and byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BucketFileError(f"{shown} line {line}: not UTF-8 (byte 0x{raw[exc.start]:02x}){why}; "
                              "re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None


def _safe_load(path: Path) -> Any:
    try:
        return yaml.load(decode_utf8(read_regular(path, path), path), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise BucketFileError(f"{path}: {exc}") from None


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _eol(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]
