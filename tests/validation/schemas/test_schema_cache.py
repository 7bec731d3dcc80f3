"""The disk cache of built Kubernetes schemas: a hit returns what a build returns, and nothing else ever does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from validation.schema_check import SchemaChecker
from validation.schemas import cache, kubernetes

DEPLOYMENT = ("apps/v1", "Deployment")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_DIR, str(where))
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    return where


def _entries(where: Path) -> list[Path]:
    return sorted(where.rglob("*.json"))


def test_a_miss_builds_and_stores_and_a_hit_skips_the_definitions(cache_dir: Path) -> None:
    built = kubernetes.KubernetesBundle((1, 37), use_cache=False).schema(*DEPLOYMENT)
    first = kubernetes.KubernetesBundle((1, 37))
    assert first.schema(*DEPLOYMENT) == built
    assert first._defs is not None  # the miss parsed the definitions
    assert len(_entries(cache_dir)) == 2  # the kind index and the kind

    second = kubernetes.KubernetesBundle((1, 37))
    assert second.has(*DEPLOYMENT) and not second.has("apps/v1", "NoSuchKind")
    assert second.schema(*DEPLOYMENT) == built
    assert second.index() == kubernetes.KubernetesBundle((1, 37), use_cache=False).index()
    assert second._defs is None  # the hit never read _definitions.json


def test_a_hit_is_a_fresh_copy_each_time(cache_dir: Path) -> None:
    kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)
    bundle = kubernetes.KubernetesBundle((1, 37))
    one = bundle.schema(*DEPLOYMENT)
    one["properties"].clear()
    assert bundle.schema(*DEPLOYMENT)["properties"]


def test_definitions_for_crd_kinds_are_cached_too(cache_dir: Path) -> None:
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    built = kubernetes.KubernetesBundle((1, 37), use_cache=False).definition(meta)
    kubernetes.KubernetesBundle((1, 37)).definition(meta)
    again = kubernetes.KubernetesBundle((1, 37))
    assert again.definition(meta) == built
    assert again._defs is None


def _poison(where: Path) -> None:
    """Every stored kind says the Deployment has one field only: a result that read it would show."""
    for f in _entries(where):
        data = json.loads(f.read_text())
        if data["entry"].startswith("kind "):
            data["value"] = {"type": "object", "properties": {"poisoned": {}}}
            f.write_text(json.dumps(data))


def test_the_key_is_what_is_read(cache_dir: Path) -> None:
    """Same key, poisoned entry: it is served (so the tests below prove that another key is not)."""
    kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)
    _poison(cache_dir)
    assert kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)["properties"] == {"poisoned": {}}


@pytest.mark.parametrize("change", ["package version", "our code", "kubernetes version"])
def test_a_stale_key_is_never_read(cache_dir: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)
    _poison(cache_dir)
    version = (1, 37)
    if change == "package version":
        monkeypatch.setattr(kubernetes, "installed_version", lambda: "0.0.0-other")
    elif change == "our code":
        monkeypatch.setattr(cache, "code_checksum", lambda: "deadbeef")
    else:
        version = (1, 36)
    expected = kubernetes.KubernetesBundle(version, use_cache=False).schema(*DEPLOYMENT)
    assert kubernetes.KubernetesBundle(version).schema(*DEPLOYMENT) == expected
    assert len({f.parent for f in _entries(cache_dir)}) == 2  # the new key has its own folder


def _fake_package(root: Path, description: str) -> Path:
    """A kubernetes-validate layout with one kind, whose definitions say `description`."""
    bundle = root / "kubernetes-json-schema" / "v1.37.0-local-strict"
    bundle.mkdir(parents=True, exist_ok=True)
    (root / "version.py").write_text("__version__ = '1.37.0'\n")
    definitions = {"$defs": {"io.k8s.api.core.v1.Thing": {
        "type": "object", "description": description,
        "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                       "size": {"type": "integer" if description == "old" else "string"}},
        "additionalProperties": False,
        "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Thing"}]}}}
    (bundle / "_definitions.json").write_text(json.dumps(definitions))
    return root / "kubernetes-json-schema"


def test_a_reinstalled_package_with_other_definitions_is_a_new_key(cache_dir: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    schema_root = _fake_package(tmp_path / "pkg", "old")
    monkeypatch.setattr(kubernetes, "_schema_root", lambda: schema_root)
    assert kubernetes.KubernetesBundle((1, 37)).schema("v1", "Thing")["properties"]["size"]["type"] == "integer"
    definitions = schema_root / "v1.37.0-local-strict" / "_definitions.json"
    before = definitions.stat()
    _fake_package(tmp_path / "pkg", "new")  # same version string, other content (and size)
    os.utime(definitions, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert kubernetes.KubernetesBundle((1, 37)).schema("v1", "Thing")["properties"]["size"]["type"] == "string"


@pytest.mark.parametrize("damage", ["truncated", "not json", "not utf-8", "another key", "another entry",
                                    "no value", "a list", "empty"])
def test_a_corrupt_entry_is_a_miss_and_is_rewritten(cache_dir: Path, damage: str) -> None:
    expected = kubernetes.KubernetesBundle((1, 37), use_cache=False).schema(*DEPLOYMENT)
    kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)
    for f in _entries(cache_dir):
        text = f.read_text()
        data = json.loads(text)
        f.write_bytes({
            "truncated": text[: len(text) // 2].encode(),
            "not json": b"{oops",
            "not utf-8": b"\xff\xfe\x00",
            "another key": json.dumps({**data, "key": "k8s-other"}).encode(),
            "another entry": json.dumps({**data, "entry": "kind v1 Pod"}).encode(),
            "no value": json.dumps({"key": data["key"], "entry": data["entry"]}).encode(),
            "a list": b"[1, 2]",
            "empty": b"",
        }[damage])
    again = kubernetes.KubernetesBundle((1, 37))
    assert again.schema(*DEPLOYMENT) == expected
    assert again._defs is not None  # rebuilt from the definitions
    healed = kubernetes.KubernetesBundle((1, 37))
    assert healed.schema(*DEPLOYMENT) == expected and healed._defs is None  # and stored again


def test_an_unwritable_cache_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(cache.ENV_DIR, str(blocker / "cache"))  # mkdir fails: NotADirectoryError
    expected = kubernetes.KubernetesBundle((1, 37), use_cache=False).schema(*DEPLOYMENT)
    assert kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT) == expected
    assert blocker.read_text() == "not a folder"


def test_a_read_only_cache_folder_is_read_but_not_written(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kubernetes.KubernetesBundle((1, 37)).schema(*DEPLOYMENT)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr("validation.atomic.write_atomic", refuse)
    bundle = kubernetes.KubernetesBundle((1, 37))
    assert bundle.schema(*DEPLOYMENT) is not None and bundle._defs is None  # the stored entry is still read
    assert bundle.schema("v1", "Service") == kubernetes.KubernetesBundle((1, 37), use_cache=False).schema(
        "v1", "Service")  # a miss that cannot be stored is still answered


@pytest.mark.parametrize("switch", ["0", "off", "false", "no", "OFF"])
def test_the_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch, switch: str) -> None:
    monkeypatch.setenv(cache.ENV_SWITCH, switch)
    assert cache.cache_root() is None
    bundle = kubernetes.KubernetesBundle((1, 37))
    assert bundle.schema(*DEPLOYMENT) == kubernetes.KubernetesBundle((1, 37), use_cache=False).schema(*DEPLOYMENT)
    assert not cache_dir.exists()


def test_the_location_follows_xdg_and_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.delenv(cache.ENV_SWITCH, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_root() == tmp_path / "xdg" / cache.APP_DIR
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid by the XDG spec: ignored
    assert cache.cache_root() == tmp_path / "home" / ".cache" / cache.APP_DIR
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_root() == tmp_path / "home" / ".cache" / cache.APP_DIR
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "given"))
    assert cache.cache_root() == tmp_path / "given"


BROKEN = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "nmae": "x"},
     "spec": {"replicas": "two", "selector": {}, "template": {"spec": {"containers": [{"image": "i"}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": 3}, "spec": {"type": "Nowhere"}},
    {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "w", "labelz": {}},
     "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "i"}}]}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}},
]


def test_findings_are_the_same_cold_warm_and_without_the_cache(cache_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    cold = [SchemaChecker("1.37").check(doc) for doc in BROKEN]
    warm = [SchemaChecker("1.37").check(doc) for doc in BROKEN]
    monkeypatch.setenv(cache.ENV_SWITCH, "0")
    off = [SchemaChecker("1.37").check(doc) for doc in BROKEN]
    assert cold == warm == off
    assert all(cold[:3]) and cold[3] == []  # the broken three have findings, the valid one none
