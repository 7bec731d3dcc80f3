"""Argo CD family beyond the fixtures: repo URL normalisation, source globs, environments of Applications."""

from __future__ import annotations

import pytest

from validation.rules.argocd import _destination_allowed, _glob
from validation.targets import normalize_repo_url


@pytest.mark.parametrize("a,b", [
    ("https://github.com/Org/Repo.git", "https://github.com/org/repo"),
    ("git@github.com:org/repo.git", "https://github.com/org/repo"),
    ("https://github.com/org/repo/", "https://github.com/org/repo.git"),
    ("ssh://git@github.com/org/repo", "https://github.com/org/repo"),
])
def test_same_repository_spelled_differently(a, b):
    assert normalize_repo_url(a) == normalize_repo_url(b)


def test_other_repositories_stay_apart():
    assert normalize_repo_url("https://github.com/org/repo") != normalize_repo_url("https://github.com/org/repo2")
    assert normalize_repo_url("https://github.com/org/repo") != normalize_repo_url("https://gitlab.com/org/repo")


def test_globs_and_negation():
    assert _glob("ml-dev", "ml-*") and not _glob("default", "ml-*")
    assert not _glob("ml-prod", "!ml-prod") and _glob("ml-dev", "!ml-prod")


def test_destination_by_name_or_server():
    allowed = [{"server": "https://kubernetes.default.svc", "namespace": "ml-*"}, {"name": "in-cluster", "namespace": "x"}]
    assert _destination_allowed({"server": "https://kubernetes.default.svc", "namespace": "ml-dev"}, allowed)
    assert _destination_allowed({"name": "in-cluster", "namespace": "x"}, allowed)
    assert not _destination_allowed({"name": "in-cluster", "namespace": "ml-dev"}, allowed)
