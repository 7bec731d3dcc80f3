"""A disk cache of built Kubernetes schemas, so that a short run does not parse 1.8 MB of definitions.

Building one kind's self-contained strict schema means reading kubernetes-validate's `_definitions.json` (about
two thirds of a 5-resource run's own time) and inlining what the kind needs. The result depends only on that
package's files and on the code that builds it, so it is kept, per kind, as JSON in the user's cache directory:
`$VALIDATION_CACHE_DIR`, else `$XDG_CACHE_HOME/argo-ml-validation`, else `~/.cache/argo-ml-validation`.
`VALIDATION_CACHE=0` turns it off.

The key names everything the content comes from: the Kubernetes version's bundle, the kubernetes-validate
version, the size and modification time of its definitions file, and a checksum of the modules that build the
schemas (this one included); a different key is a different folder, so a stale entry is never read. Entries are
written atomically and read defensively: a missing, corrupt or foreign entry is a miss (rebuilt and rewritten), and
a cache that cannot be written to is skipped without a word. The cache never changes a result, only its cost.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import Any

ENV_DIR = "VALIDATION_CACHE_DIR"
ENV_SWITCH = "VALIDATION_CACHE"  # "0", "off", "no" or "false": no cache
APP_DIR = "argo-ml-validation"
FORMAT = 1  # bump when the entry layout changes
# The modules whose code decides what a cached schema holds: kubernetes.py builds, tree.py walks, this file stores.
_BUILDERS = ("kubernetes.py", "tree.py", "cache.py")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in ("0", "off", "no", "false")


def cache_root() -> Path | None:
    """Where caches live, or None when caching is off or no absolute location is known."""
    if not enabled():
        return None
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and is ignored
        return Path(xdg) / APP_DIR
    home = os.path.expanduser("~")
    return Path(home) / ".cache" / APP_DIR if os.path.isabs(home) else None


def code_checksum() -> str:
    """A checksum of the builder modules' source: a change to how schemas are built is a new key."""
    here = Path(__file__).parent
    crc = FORMAT
    for name in _BUILDERS:
        try:
            crc = zlib.crc32((here / name).read_bytes(), crc)
        except OSError:  # an installation without sources (zipapp): key on what there is
            crc = zlib.crc32(name.encode(), crc)
    return f"{crc:08x}"


class SchemaCache:
    """Named JSON entries under one key's folder. Every method swallows OSErrors: the cache is only a shortcut."""

    def __init__(self, root: Path, key: str) -> None:
        self.key = key
        self.folder = root / _UNSAFE.sub("_", key)

    @classmethod
    def for_bundle(cls, label: str, package_version: str, definitions: Path) -> SchemaCache | None:
        """The cache of one Kubernetes bundle, or None when caching is off or the definitions cannot be read."""
        root = cache_root()
        if root is None:
            return None
        try:
            st = definitions.stat()
        except OSError:
            return None
        key = f"k8s-{label}-strict-kv{package_version}-{st.st_size}-{st.st_mtime_ns}-{code_checksum()}"
        return cls(root, key)

    def _file(self, entry: str) -> Path:
        return self.folder / f"{_UNSAFE.sub('_', entry)}-{zlib.crc32(entry.encode()):08x}.json"

    def get(self, entry: str) -> Any | None:
        """The value stored for `entry` under this key, or None (absent, unreadable, corrupt, or not ours)."""
        try:
            data = json.loads(self._file(entry).read_bytes())
        except (OSError, ValueError):  # ValueError: bad JSON or bad UTF-8
            return None
        if not isinstance(data, dict) or data.get("key") != self.key or data.get("entry") != entry \
                or "value" not in data:
            return None
        return data["value"]

    def put(self, entry: str, value: Any) -> None:
        """Store `value` (JSON data) for `entry`; a folder that cannot be made or written is left alone."""
        from validation.atomic import write_atomic  # only a miss writes

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"key": self.key, "entry": entry, "value": value}, separators=(",", ":"))
            write_atomic(self._file(entry), text)
        except (OSError, ValueError, TypeError):  # TypeError/ValueError: not JSON data; never a reason to fail a run
            return
