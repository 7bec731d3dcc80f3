"""DVC through its Python API: one DVC repository per workdir, one remote named "storage".

The workdir gets `dvc init --no-scm`, so it works inside a git checkout, outside one, and from any cwd.
The remote is a local directory under the workdir by default, or DVC's real S3 remote (bucket, region,
optional endpoint URL). Credentials are never written to the DVC config: s3fs reads them from the environment.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from pipeline import files
from pipeline.errors import DataError, PipelineError
from pipeline.settings import Settings

if TYPE_CHECKING:
    from dvc.repo import Repo

REMOTE = "storage"
S3_PREFIX = "dvc"


def remote_url(settings: Settings) -> str:
    if settings.dvc_s3_bucket:
        return f"s3://{settings.dvc_s3_bucket}/{S3_PREFIX}"
    return str(settings.local_remote)


def describe_remote(settings: Settings) -> str:
    url = remote_url(settings)
    return f"{url} via {settings.s3_endpoint_url}" if settings.s3_endpoint_url else url


@contextmanager
def open_repo(settings: Settings) -> Iterator[Repo]:
    """The workdir's DVC repository, created on first use, with its remote set from `settings`."""
    # No usage reports from a pipeline step; must be set before dvc is imported.
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    from dvc.repo import Repo

    # After the import: DVC sets up its logger on import. Its INFO lines ("Initialized DVC repository.") are noise.
    logging.getLogger("dvc").setLevel(logging.WARNING)

    root = settings.workdir
    root.mkdir(parents=True, exist_ok=True)
    with _site_cache_under(root):
        if not (root / ".dvc").is_dir():
            Repo.init(str(root), no_scm=True).close()
        repo = Repo(str(root))
        try:
            remote: dict[str, str] = {"url": remote_url(settings)}
            if settings.dvc_s3_bucket:
                remote["region"] = settings.dvc_s3_region
                if settings.s3_endpoint_url:
                    remote["endpointurl"] = settings.s3_endpoint_url
            else:
                settings.local_remote.mkdir(parents=True, exist_ok=True)
            with repo.config.edit("repo") as conf:
                conf["core"]["remote"] = REMOTE
                conf["core"]["analytics"] = False
                conf["remote"][REMOTE] = remote
            yield repo
        finally:
            repo.close()


@contextmanager
def _site_cache_under(root: Path) -> Iterator[None]:
    """Keep DVC's site cache in the workdir unless the user chose one.

    DVC's default is /var/tmp/dvc, which is on the read-only root filesystem of a step pod.
    """
    if os.environ.get("DVC_SITE_CACHE_DIR"):
        yield
        return
    os.environ["DVC_SITE_CACHE_DIR"] = str(root / ".dvc" / "tmp" / "site-cache")
    try:
        yield
    finally:
        os.environ.pop("DVC_SITE_CACHE_DIR", None)


def dvc_file(path: Path) -> Path:
    return path.with_name(path.name + ".dvc")


def content_md5(path: Path) -> str:
    """The content hash DVC recorded for `path` in its .dvc file."""
    return tracked(path)[0]


def tracked(path: Path) -> tuple[str, int]:
    """(md5, size) DVC recorded for `path` in its .dvc file."""
    pointer = dvc_file(path)
    try:
        out = yaml.safe_load(pointer.read_text(encoding="utf-8"))["outs"][0]
        return str(out["md5"]), int(out["size"])
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise PipelineError(f"{pointer} is not a DVC pointer file DVC wrote ({type(exc).__name__}: {exc})") from exc


def write_pointer(path: Path, md5: str, size: int) -> None:
    """A .dvc file for `path` as `dvc add` writes it, so DVC can pull the bytes with that hash from the remote."""
    pointer = {"outs": [{"md5": md5, "size": size, "hash": "md5", "path": path.name}]}
    files.write_text(dvc_file(path), yaml.safe_dump(pointer, sort_keys=False))


def _reason(exc: BaseException) -> str:
    """DVC's message, or the S3 client's, with a hint when the cause is missing credentials."""
    text = f"{exc}" if isinstance(exc, _dvc_exception()) else f"{type(exc).__name__}: {exc}"
    if "credentials" in text.lower():
        text += " (AWS credentials come only from the environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role)"
    return text


def _dvc_exception() -> type[Exception]:
    from dvc.exceptions import DvcException

    return DvcException


def add_and_push(settings: Settings, paths: Sequence[Path]) -> dict[str, str]:
    """`dvc add` then `dvc push` the files; returns {workdir-relative path: md5}."""
    targets = [str(p.relative_to(settings.workdir)) for p in paths]
    with open_repo(settings) as repo:
        cwd = os.getcwd()
        try:
            os.chdir(settings.workdir)  # DVC resolves targets against the cwd
            repo.add(targets)
            repo.push(targets=[t + ".dvc" for t in targets], remote=REMOTE)
        except Exception as exc:  # DVC and the S3 client raise many kinds; say which remote and why
            raise PipelineError(
                f"could not version {', '.join(targets)} in {describe_remote(settings)}: {_reason(exc)}"
            ) from exc
        finally:
            os.chdir(cwd)
    return {t: content_md5(p) for t, p in zip(targets, paths, strict=True)}


def ensure_local(settings: Settings, paths: Sequence[Path], what: str, hint: str) -> None:
    """Make the files present in the workdir, pulling them from the remote when they are not.

    Names exactly what could not be found or pulled, so a missing data version is obvious.
    """
    missing = [p for p in paths if not p.exists()]
    if not missing:
        return
    rel = [str(p.relative_to(settings.workdir)) for p in missing]
    untracked = [r for r, p in zip(rel, missing, strict=True) if not dvc_file(p).exists()]
    if untracked:
        raise PipelineError(
            f"{what} not found: {', '.join(untracked)} is neither in {settings.workdir} nor tracked by DVC "
            f"(no .dvc file); {hint}"
        )
    pull(settings, missing, what)


def pull(settings: Settings, paths: Sequence[Path], what: str) -> None:
    """`dvc pull` the files, whose .dvc files exist; names exactly what could not be pulled, from where, and why."""
    rel = [str(p.relative_to(settings.workdir)) for p in paths]
    with open_repo(settings) as repo:
        cwd = os.getcwd()
        try:
            os.chdir(settings.workdir)
            # force: the .dvc file is the truth; a leftover file at the path is replaced, not asked about.
            repo.pull(targets=[r + ".dvc" for r in rel], remote=REMOTE, force=True)
        except Exception as exc:  # as above: name what, where from, and why
            raise PipelineError(
                f"could not pull {what} ({', '.join(rel)}) from {describe_remote(settings)}: {_reason(exc)}"
            ) from exc
        finally:
            os.chdir(cwd)
    still = [r for r, p in zip(rel, paths, strict=True) if not p.exists()]
    if still:
        raise PipelineError(f"could not pull {what} ({', '.join(still)}) from {describe_remote(settings)}")


def check_unchanged(path: Path, written_by: str) -> None:
    """Refuse a file that no longer matches the hash DVC recorded when `written_by` wrote it (truncated, edited)."""
    if not dvc_file(path).exists():
        return
    md5, size = tracked(path)
    actual = path.stat().st_size
    if actual != size or files.md5_of(path) != md5:
        raise DataError(
            f"{path} is not what {written_by} wrote ({actual} bytes; {dvc_file(path).name} says {size} bytes, "
            f"md5 {md5}): truncated or changed since; run {written_by} again"
        )
