"""Argo CD family beyond the fixtures: repo URL normalisation, source globs, environments of Applications."""

from __future__ import annotations

import pytest

from validation.rules.argocd import _destination_allowed, _glob, normalize_repo


@pytest.mark.parametrize("a,b", [
    ("https://github.com/Org/Repo.git", "https://github.com/org/repo"),
    ("git@github.com:org/repo.git", "https://github.com/org/repo"),
    ("https://github.com/org/repo/", "https://github.com/org/repo.git"),
])
def test_same_repository_spelled_differently(a, b):
    assert normalize_repo(a) == normalize_repo(b)


def test_globs_and_negation():
    assert _glob("ml-dev", "ml-*") and not _glob("default", "ml-*")
    assert not _glob("ml-prod", "!ml-prod") and _glob("ml-dev", "!ml-prod")


def test_destination_by_name_or_server():
    allowed = [{"server": "https://kubernetes.default.svc", "namespace": "ml-*"}, {"name": "in-cluster", "namespace": "x"}]
    assert _destination_allowed({"server": "https://kubernetes.default.svc", "namespace": "ml-dev"}, allowed)
    assert _destination_allowed({"name": "in-cluster", "namespace": "x"}, allowed)
    assert not _destination_allowed({"name": "in-cluster", "namespace": "ml-dev"}, allowed)
