"""Derived schemas are built once, cached on disk by package versions, rebuilt when corrupt, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validation.schemas import Catalog, argo, argo_schemas, cache


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "argo-ml-gitops" / "schemas"


def test_cache_dir_follows_xdg(cache_home: Path) -> None:
    assert cache.cache_dir() == cache_home


def test_cache_dir_defaults_to_home_dot_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "argo-ml-gitops" / "schemas"


def test_built_once_then_read_from_disk(cache_home: Path) -> None:
    calls = []

    def build() -> dict:
        calls.append(1)
        return {"v": len(calls)}

    assert cache.load_or_build("thing-abc", build) == {"v": 1}
    assert cache.load_or_build("thing-abc", build) == {"v": 1}
    assert len(calls) == 1
    assert json.loads((cache_home / "thing-abc.json").read_text()) == {"v": 1}
    assert [p.name for p in cache_home.iterdir()] == ["thing-abc.json"]  # no temporary files left behind


def test_corrupt_cache_file_is_rebuilt(cache_home: Path) -> None:
    cache_home.mkdir(parents=True)
    (cache_home / "thing-abc.json").write_text('{"truncated": ')
    assert cache.load_or_build("thing-abc", lambda: {"ok": True}) == {"ok": True}
    assert json.loads((cache_home / "thing-abc.json").read_text()) == {"ok": True}


def test_unwritable_cache_still_returns_the_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert cache.load_or_build("thing-abc", lambda: [1, 2]) == [1, 2]


def test_key_changes_with_package_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache.cache_key("argo", ("hera",))
    assert before == cache.cache_key("argo", ("hera",))
    monkeypatch.setattr(cache, "_version", lambda package: "999.0")
    assert cache.cache_key("argo", ("hera",)) != before
    monkeypatch.setattr(cache, "DERIVATION_VERSION", "other")
    assert cache.cache_key("argo", ("hera",), extra="x") != cache.cache_key("argo", ("hera",), extra="y")


def test_older_builds_of_the_same_set_are_pruned(cache_home: Path) -> None:
    cache.load_or_build("argo-old", lambda: 1)
    cache.load_or_build("argocd-keep", lambda: 2)
    cache.load_or_build("argo-new", lambda: 3)
    assert sorted(p.name for p in cache_home.iterdir()) == ["argo-new.json", "argocd-keep.json"]


def test_argo_schemas_are_derived_once_per_cache(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_build = argo.build
    calls = []

    def counting_build() -> dict:
        calls.append(1)
        return real_build()

    monkeypatch.setattr(argo, "build", counting_build)
    first = argo_schemas()
    second = argo_schemas()
    catalog = Catalog("1.37", argo_version="4.0")  # 4.x: the derived schema unchanged
    assert catalog.schema("argoproj.io/v1alpha1", "Workflow") == first["Workflow"]
    assert first == second
    assert len(calls) == 1
    assert len(list(cache_home.glob("argo-*.json"))) == 1
