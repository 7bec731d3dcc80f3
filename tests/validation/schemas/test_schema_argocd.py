"""Argo CD schemas come from Argo CD's CRDs: every field Argo CD has is known, and only what Argo CD enforces is refused."""

from __future__ import annotations

from typing import Any

import pytest

from validation.schema_check import SchemaChecker
from validation.schemas import Catalog, vendored


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


def _project(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "p"}, "spec": spec}


def _app(**spec: Any) -> dict[str, Any]:
    base = {"project": "default", "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
            "spec": {**base, **spec}}


def test_the_kinds_come_from_the_newest_vendored_argo_cd_crds() -> None:
    catalog = Catalog("1.37")
    release = vendored.newest("argo-cd")
    sources = {kind: source for (api, kind), source in catalog.argocd.kinds()}
    assert set(sources) == {"Application", "ApplicationSet", "AppProject"}
    assert all(s.startswith(f"argo-cd {release.tag} CRD") for s in sources.values())


def test_fields_the_hand_written_schemas_lacked_are_known(checker: SchemaChecker) -> None:
    # all in Argo CD's own docs; the schemas this project used to write by hand refused each of them
    project = _project(description="ML team", sourceRepos=["*"],
                       roles=[{"name": "ci", "description": "CI deploys", "policies": []}],
                       sourceIntegrity={"git": {"policies": [{"repos": [{"url": "*"}],
                                                              "gpg": {"mode": "strict", "keys": ["4AEE18F83AFDEB23"]}}]}},
                       syncWindows=[{"kind": "deny", "schedule": "0 22 * * *", "duration": "1h", "syncOverrun": True}])
    assert checker.check(project) == []
    app = _app(sourceHydrator={"drySource": {"repoURL": "https://git.example.com/r", "targetRevision": "HEAD",
                                             "path": "app", "helm": {"valueFiles": ["v.yaml"]}},
                               "syncSource": {"targetBranch": "env/dev", "path": "app"}})
    assert checker.check(app) == []


def test_unknown_fields_are_refused_with_a_suggestion(checker: SchemaChecker) -> None:
    app = _app(source={"repoURL": "https://git.example.com/r", "path": "x"}, syncPolicy={"automated": {"selfheal": True}})
    assert [i.message for i in checker.check(app)] == [
        "spec.syncPolicy.automated.selfheal: unknown field (did you mean selfHeal?)"
    ]
    app = _app(source={"repoURL": "https://git.example.com/r"})
    app["metadata"]["lables"] = {}  # metadata is Kubernetes' ObjectMeta
    assert [i.message for i in checker.check(app)] == ["metadata.lables: unknown field (did you mean labels?)"]


def test_sync_windows_keep_what_argo_cd_enforces(checker: SchemaChecker) -> None:
    # SyncWindow.Validate: kind is allow or deny; schedule and duration must parse
    project = _project(syncWindows=[{"kind": "Allow", "schedule": "0 22 * * *"}])
    assert sorted(i.message for i in checker.check(project)) == [
        'spec.syncWindows[0].kind: must be one of "allow", "deny" (got "Allow")',
        'spec.syncWindows[0]: missing required field "duration"',
    ]


def test_what_argo_cd_does_not_enforce_is_not_refused(checker: SchemaChecker) -> None:
    # deletionOrder is compared case-insensitively and strategy.type falls back to AllAtOnce: no enum
    appset = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "s"},
              "spec": {"generators": [{"list": {"elements": [{"env": "dev"}]}}],
                       "strategy": {"type": "RollingSync", "deletionOrder": "reverse",
                                    "rollingSync": {"steps": [{"matchExpressions": [], "maxUpdate": "50%"}]}},
                       "template": {"metadata": {"name": "{{env}}"},
                                    "spec": {"project": "default", "destination": {"server": "https://x"}}}}}
    assert checker.check(appset) == []
