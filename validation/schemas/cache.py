"""Derived schemas are built once and kept on disk, keyed by everything that could change them.

Location: $XDG_CACHE_HOME/argo-ml-gitops/schemas/<key>.json (~/.cache when XDG_CACHE_HOME is unset).
The key hashes the versions of the packages the schemas come from and of the code that derives them,
so upgrading hera or this project rebuilds; a corrupt or unreadable file is rebuilt as well.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

APP_DIR = "argo-ml-gitops"

# Bump when the code that derives schemas changes in a way that changes its output.
DERIVATION_VERSION = "1"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / APP_DIR / "schemas"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def cache_key(name: str, packages: tuple[str, ...], extra: str = "") -> str:
    """A file-name-safe key: the schema set's name plus a hash of package versions and derivation code version."""
    from validation import __version__

    parts = [name, f"argo-ml-gitops={__version__}", f"derivation={DERIVATION_VERSION}", extra]
    parts += [f"{p}={_version(p)}" for p in packages]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return f"{name}-{digest}"


def load_or_build(key: str, build: Callable[[], Any]) -> Any:
    """The cached value for key, or build() it, store it atomically and return it.

    A cache that cannot be read or written never fails the run: we fall back to building in memory.
    """
    path = cache_dir() / f"{key}.json"
    try:
        with path.open("r", encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        pass
    except (OSError, ValueError):  # corrupt or unreadable: rebuild below and overwrite it
        pass
    value = build()
    if write_atomic(path, value):
        _prune(path)
    return value


def _prune(current: Path) -> None:
    """Drop older builds of the same schema set (same name, other key): upgrades would otherwise pile them up."""
    name = current.stem.rsplit("-", 1)[0]
    for old in current.parent.glob(f"{name}-*.json"):
        if old != current and old.stem.rsplit("-", 1)[0] == name:
            try:
                old.unlink()
            except OSError:
                pass


def write_atomic(path: Path, value: Any) -> bool:
    """Write JSON to a temporary file in the same directory, then rename: readers never see half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, separators=(",", ":"))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        return False
    return True
