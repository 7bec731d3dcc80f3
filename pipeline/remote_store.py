"""Small objects next to DVC's store in the environment's remote, and the user's --input object on S3.

The remote is the DVC remote of the environment: a local folder (embedded runs) or s3://bucket/dvc. DVC keeps its
content-addressed files under `files/md5/`; the data-version records live beside them under `versions/`.
`create` never overwrites: a local link or S3's conditional put (If-None-Match: *) makes it atomic, so two runs
racing to create one version cannot both win. Credentials come only from the environment, as for DVC.
"""

from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pipeline import versioning
from pipeline.errors import DataError, PipelineError
from pipeline.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CREDENTIALS_HINT = "AWS credentials come only from the environment: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a role"


class Store(Protocol):
    url: str

    def read(self, key: str) -> bytes | None: ...

    def create(self, key: str, data: bytes) -> bool: ...

    def keys(self, prefix: str) -> list[str]: ...

    def where(self, key: str) -> str: ...


@dataclass(frozen=True)
class LocalStore:
    root: Path

    @property
    def url(self) -> str:
        return str(self.root)

    def where(self, key: str) -> str:
        return str(self.root / key)

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PipelineError(f"cannot read {self.where(key)}: {exc.strerror or exc}") from exc

    def create(self, key: str, data: bytes) -> bool:
        """Write `data` at `key` unless something is there already; False if it was."""
        path = self.root / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.link(tmp, path)  # atomic, and fails if the name exists: never a half-written or replaced record
            finally:
                os.unlink(tmp)
        except FileExistsError:
            return False
        except OSError as exc:
            raise PipelineError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return True

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and p.name[0] != ".")


@dataclass(frozen=True)
class S3Store:
    bucket: str
    prefix: str
    client: Any  # botocore S3 client

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def where(self, key: str) -> str:
        return f"{self.url}/{key}"

    def read(self, key: str) -> bytes | None:
        return _s3(
            f"cannot read {self.where(key)}",
            lambda: self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")["Body"].read(),
        )

    def create(self, key: str, data: bytes) -> bool:
        def put() -> bool:
            try:
                self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}", Body=data, IfNoneMatch="*")
            except Exception as exc:
                # 412: the key exists; 409: a concurrent conditional write to it is in flight.
                if _error_code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                    return False
                raise
            return True

        return bool(_s3(f"cannot write {self.where(key)}", put))

    def keys(self, prefix: str) -> list[str]:
        def listing() -> list[str]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}/{prefix}"
            )
            return [o["Key"][len(self.prefix) + 1 :] for page in pages for o in page.get("Contents", [])]

        return sorted(_s3(f"cannot list {self.where(prefix)}", listing) or [])


T = TypeVar("T")
_MISSING = ("NoSuchKey", "404", "NotFound")


def _s3(doing: str, call: Callable[[], T]) -> T | None:
    """`call()`, or None when the object does not exist; any other S3 failure says what was being done and why."""
    try:
        return call()
    except PipelineError:
        raise
    except Exception as exc:  # botocore raises ClientError, EndpointConnectionError, NoCredentialsError, ...
        if _error_code(exc) in _MISSING:
            return None
        raise PipelineError(f"{doing}: {describe_s3_error(exc)}") from exc


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def describe_s3_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if "credentials" in text.lower() or _error_code(exc) in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
        text += f" ({CREDENTIALS_HINT})"
    return text


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the settings' region and endpoint, failing in seconds, not minutes."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=settings.dvc_s3_region,
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    return boto3.client("s3", endpoint_url=settings.s3_endpoint_url or None, config=config)


def remote_store(settings: Settings) -> Store:
    """The environment's DVC remote as a store: the local remote folder, or s3://bucket/dvc."""
    if settings.dvc_s3_bucket:
        return S3Store(settings.dvc_s3_bucket, versioning.S3_PREFIX, s3_client(settings))
    return LocalStore(settings.local_remote)


# --- --input ------------------------------------------------------------------------------------------------------


def fetch_input(settings: Settings, dest: Path) -> int:
    """Copy --input (a local path or s3://bucket/key) to `dest`, refusing it over --max-input-mb; returns its size.

    The size is checked before a byte is copied (stat, or S3's HEAD), and the copy is capped too, in case the
    object grows in between.
    """
    uri = settings.input_uri
    limit = settings.max_input_mb * 1024 * 1024
    dest.parent.mkdir(parents=True, exist_ok=True)
    if uri.startswith("s3://"):
        bucket, _, key = uri[5:].partition("/")
        client = s3_client(settings)
        head = _s3(f"cannot read --input {uri}", lambda: client.head_object(Bucket=bucket, Key=key))
        if head is None:
            raise DataError(f"--input {uri}: no such object in bucket {bucket!r}")
        _check_size(uri, int(head["ContentLength"]), limit, settings)

        def download() -> bool:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
            _copy_capped(uri, iter(lambda: body.read(1 << 20), b""), dest, limit, settings)
            return True

        if _s3(f"cannot read --input {uri}", download) is None:
            raise DataError(f"--input {uri}: no such object in bucket {bucket!r}")
        return dest.stat().st_size
    source = Path(uri).expanduser()
    try:
        if source.is_dir():
            raise DataError(f"--input {uri} is a directory, not a data file")
        size = source.stat().st_size
        _check_size(uri, size, limit, settings)
        with source.open("rb") as fh:
            _copy_capped(uri, iter(lambda: fh.read(1 << 20), b""), dest, limit, settings)
    except FileNotFoundError:
        raise DataError(f"--input {uri}: no such file") from None
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise DataError(f"--input {uri} cannot be read: {exc.strerror}") from exc
        raise
    return dest.stat().st_size


def _check_size(uri: str, size: int, limit: int, settings: Settings) -> None:
    if size > limit:
        raise DataError(
            f"--input {uri} is {size / 1024 / 1024:.1f} MB, over the limit of {settings.max_input_mb} MB "
            "(--max-input-mb)"
        )


def _copy_capped(uri: str, chunks: Iterator[bytes], dest: Path, limit: int, settings: Settings) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            copied = 0
            for chunk in chunks:
                copied += len(chunk)
                if copied > limit:
                    _check_size(uri, copied, limit, settings)
                out.write(chunk)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
