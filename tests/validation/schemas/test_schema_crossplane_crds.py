"""Crossplane's own kinds (XRD, Composition, Provider, Function, Operation, Usage ...) are checked strictly against
Crossplane's CRDs at the vendored tag; a field Crossplane 1.x had says so; the release is read only for one of them.

fixtures/crossplane-examples/ pins a few of Crossplane's e2e manifests at that tag (SOURCE.md says where each came
from). The whole test/e2e/manifests/ directory is checked by
`python -m validation.schemas.vendor.regenerate crossplane GIT_DIR --tag T --verify-examples` (docs/schemas.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from validation.schema_check import SchemaChecker
from validation.schemas import _BY_KIND, Catalog, crossplane_crds, vendored

ROOT = Path(__file__).parent / "fixtures" / "crossplane-examples"
CASES = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("v*/**/*.yaml"))
# A Crossplane 1.x Composition left among the e2e manifests (no v2.3.4 test applies it): true for 2.x
REAL_MISTAKES = {
    "apiextensions/environment/default/setup/composition.yaml": [
        "spec.environment: unknown field (Crossplane 1.11 to 1.17 had it; function-environment-configs replaces it)",
        "spec.resources: unknown field (Crossplane 1.x's Resources mode, removed in 2.0: compose in spec.pipeline "
        "with function-patch-and-transform)"],
}


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker("1.37")


def _messages(checker: SchemaChecker, obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(i.rule_id, i.message) for i in checker.check(obj)]


def _composition(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apiextensions.crossplane.io/v1", "kind": "Composition", "metadata": {"name": "c"},
            "spec": {"compositeTypeRef": {"apiVersion": "example.org/v1", "kind": "XThing"}, "mode": "Pipeline",
                     "pipeline": [{"step": "render", "functionRef": {"name": "function-patch-and-transform"},
                                   "input": {"apiVersion": "pt.fn.crossplane.io/v1beta1", "kind": "Resources"}}],
                     **spec}}


def _provider(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "pkg.crossplane.io/v1", "kind": "Provider", "metadata": {"name": "provider-nop"},
            "spec": {"package": "xpkg.crossplane.io/crossplane-contrib/provider-nop:v0.5.0", **spec}}


def test_the_kinds_come_from_the_newest_vendored_release() -> None:
    release = vendored.newest(crossplane_crds.PROJECT)
    sources = {kind: source for (_, kind), source in Catalog("1.37").by_kind["crossplane_crds"].kinds()}
    # the kinds the catalog routes to Crossplane without opening its release are exactly the release's kinds
    assert set(sources) == _BY_KIND["crossplane_crds"]
    assert set(sources.values()) == {f"crossplane {release.tag} CRD (c2670a7351)"}


def test_a_composition_and_a_provider_pass_and_a_typo_is_an_unknown_field(checker: SchemaChecker) -> None:
    assert _messages(checker, _composition()) == []
    assert _messages(checker, _provider(runtimeConfigRef={"name": "default"})) == []
    bad = _composition()
    bad["spec"]["pipeline"][0]["functionReff"] = bad["spec"]["pipeline"][0].pop("functionRef")
    assert _messages(checker, bad) == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.pipeline[0].functionReff: unknown field (did you mean functionRef? it is "
                                 "required)")]
    assert [r for r, _ in _messages(checker, _provider(revisionHistoryLimit="3"))] == ["SCHEMA-TYPE"]
    assert _messages(checker, _provider(runtimeConfigRf={"name": "default"})) == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.runtimeConfigRf: unknown field (did you mean runtimeConfigRef?)")]


def test_a_field_crossplane_1x_had_says_so(checker: SchemaChecker) -> None:
    assert _messages(checker, _provider(controllerConfigRef={"name": "debug"})) == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.controllerConfigRef: unknown field (Crossplane 1.x's ControllerConfig, "
                                 "removed in 2.0: use runtimeConfigRef and a DeploymentRuntimeConfig)")]
    legacy = _composition(resources=[], patchSets=[])
    del legacy["spec"]["pipeline"], legacy["spec"]["mode"]
    assert [m for _, m in _messages(checker, legacy)] == [
        f"spec.{field}: unknown field (Crossplane 1.x's Resources mode, removed in 2.0: compose in spec.pipeline "
        "with function-patch-and-transform)" for field in ("resources", "patchSets")]
    # only directly under spec: deeper, the same name is another field
    deeper = _composition()
    deeper["spec"]["pipeline"][0]["resources"] = []
    assert _messages(checker, deeper) == [("SCHEMA-UNKNOWN-FIELD", "spec.pipeline[0].resources: unknown field")]


def test_a_required_field_with_a_default_is_not_required(checker: SchemaChecker) -> None:
    # the CRD requires a cosign key's hashAlgorithm and defaults it to sha256: the API server defaults first
    config = {"apiVersion": "pkg.crossplane.io/v1beta1", "kind": "ImageConfig", "metadata": {"name": "i"},
              "spec": {"matchImages": [{"prefix": "xpkg.example.org/"}],
                       "verification": {"provider": "Cosign", "cosign": {"authorities": [
                           {"name": "a", "key": {"secretRef": {"name": "k", "key": "cosign.pub"}}}]}}}}
    assert _messages(checker, config) == []
    del config["spec"]["verification"]["cosign"]["authorities"][0]["key"]["secretRef"]  # no default: required
    assert _messages(checker, config) == [
        ("SCHEMA-REQUIRED", 'spec.verification.cosign.authorities[0].key: missing required field "secretRef"')]


def test_both_usages_are_checked(checker: SchemaChecker) -> None:
    usage = {"kind": "Usage", "metadata": {"name": "u"},
             "spec": {"of": {"apiVersion": "example.org/v1", "kind": "XThing", "resourceRef": {"name": "x"}},
                      "reason": "in use"}}
    for api_version in ("apiextensions.crossplane.io/v1beta1", "protection.crossplane.io/v1beta1"):
        assert _messages(checker, {"apiVersion": api_version, **usage}) == []
        assert _messages(checker, {"apiVersion": api_version, **usage, "spec": {**usage["spec"], "reson": "x"}}) == [
            ("SCHEMA-UNKNOWN-FIELD", "spec.reson: unknown field (did you mean reason?)")]


def test_an_xrd_is_checked_and_still_defines_its_kinds(checker: SchemaChecker) -> None:
    from validation.schemas.crossplane import generated_crds

    xrd = yaml.safe_load((ROOT / "v2.3.4/apiextensions/composition/basic-namespaced/setup/definition.yaml")
                         .read_text(encoding="utf-8"))
    assert _messages(checker, xrd) == []
    bad = copy.deepcopy(xrd)
    bad["spec"]["nmes"] = bad["spec"].pop("names")
    assert _messages(checker, bad) == [
        ("SCHEMA-UNKNOWN-FIELD", "spec.nmes: unknown field (did you mean names? it is required)")]
    assert [crd.kind for crd in generated_crds([xrd])] == [xrd["spec"]["names"]["kind"]]


@pytest.mark.parametrize("path", CASES)
def test_e2e_manifest_has_only_its_real_mistakes(checker: SchemaChecker, path: str) -> None:
    docs = yaml.safe_load_all((ROOT / path).read_text(encoding="utf-8"))
    messages = [m for doc in docs if doc for _, m in _messages(checker, doc)]
    assert messages == REAL_MISTAKES.get(path.split("/", 1)[1], [])


def test_the_pinned_manifests_are_the_vendored_tag() -> None:
    assert {p.name for p in ROOT.glob("v*")} == {vendored.newest(crossplane_crds.PROJECT).tag}
    assert len(CASES) >= 8


def test_the_release_is_read_only_when_one_of_its_kinds_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = vendored._load
    monkeypatch.setattr(vendored, "_load", lambda path: read.append(path.parent.name) or real(path))
    checker = SchemaChecker("1.37")
    # an XR in a crossplane.io group of its own, and a Rollout, do not open Crossplane's release
    checker.check({"apiVersion": "aws.platformref.crossplane.io/v1alpha1", "kind": "Composition",
                   "metadata": {"name": "x"}})
    checker.check({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"}, "spec": {}})
    assert "crossplane" not in read
    assert checker.check(_provider()) == []
    assert read[-1] == "crossplane"


def test_a_kind_crossplane_2_removed_is_missing_and_says_so(checker: SchemaChecker) -> None:
    config = {"apiVersion": "pkg.crossplane.io/v1alpha1", "kind": "ControllerConfig", "metadata": {"name": "debug"},
              "spec": {"args": ["--debug"]}}
    assert _messages(checker, config) == [
        ("SCHEMA-MISSING", "no schema for pkg.crossplane.io/v1alpha1 ControllerConfig: Crossplane 1.x's, removed in "
                           "2.0: a DeploymentRuntimeConfig (pkg.crossplane.io/v1beta1) replaces it")]
    env = {"apiVersion": "apiextensions.crossplane.io/v1alpha1", "kind": "EnvironmentConfig", "metadata": {"name": "e"}}
    assert _messages(checker, env)[0][1].endswith("removed in 2.0: use apiextensions.crossplane.io/v1beta1")
    # any other kind without a schema keeps the general message
    other = {"apiVersion": "pkg.crossplane.io/v1alpha1", "kind": "ControllerConfigs", "metadata": {"name": "c"}}
    assert _messages(checker, other)[0][1].startswith("no schema for pkg.crossplane.io/v1alpha1 ControllerConfigs (")
