"""engine.run: rules, suppression, severity overrides, selection, source lines, internal errors, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import config, engine
from validation.cli import UsageError
from validation.model import Severity
from validation.rules import REGISTRY, Problem, Rule, all_rules

from .helpers import write


@pytest.fixture
def bucket_rule(monkeypatch):
    """A rule that fires on every ConfigMap named settings, at data.bucket."""
    all_rules()  # load the real families first

    def check(m, ctx):
        if m.metadata.get("name") == "settings":
            yield Problem(m, f"bucket {m.obj['data']['bucket']}", ("data", "bucket"))

    rule = Rule(id="TESTX-BUCKET", name="bucket", severity=Severity.WARNING, scope=("ConfigMap",),
                summary="s", remediation="r", check=check, family="testx")
    monkeypatch.setitem(REGISTRY, rule.id, rule)
    return rule


def run(repo: Path, **kw):
    return engine.run(config.load(repo), **kw)


def test_rule_finding_points_at_the_overlay_patch_that_set_the_value(repo: Path, bucket_rule) -> None:
    result = run(repo, targets=["dev"], select=["TESTX"])
    [f] = result.findings
    assert (f.rule_id, f.severity, f.target, f.object_ref) == ("TESTX-BUCKET", Severity.WARNING, "dev",
                                                               "ConfigMap/ml-dev/settings")
    assert f.json_path == "data.bucket"
    # The rendered value came from overlays/dev/bucket.yaml, not from base/configmap.yaml.
    assert (f.file, f.line, f.column) == ("overlays/dev/bucket.yaml", 6, 3)
    assert result.exit_code(Severity.ERROR) == 0 and result.exit_code(Severity.WARNING) == 1


def test_value_from_the_base_points_at_the_base(repo: Path, monkeypatch) -> None:
    all_rules()

    def check(m, ctx):
        if m.metadata.get("name") == "settings":
            yield Problem(m, "region", ("data", "region"))

    monkeypatch.setitem(REGISTRY, "TESTX-REGION", Rule(id="TESTX-REGION", name="r", severity=Severity.ERROR,
                                                       scope=(), summary="s", remediation="r", check=check))
    [f] = run(repo, targets=["dev"], select=["TESTX"]).findings
    assert (f.file, f.line, f.column) == ("base/configmap.yaml", 7, 3)


def test_an_application_and_its_overlay_report_a_finding_once(repo: Path, bucket_rule) -> None:
    result = run(repo, select=["TESTX"])
    assert sorted(f.target for f in result.findings) == ["dev", "prod"]
    assert set(result.rendered_names) == {"dev", "prod", "app/demo-dev"}


def _annotate(repo: Path, annotations: str) -> None:
    write(repo, {"base/configmap.yaml": f"""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          annotations:
        {annotations}
        data:
          bucket: base-bucket
          region: us-east-1
        """})


def test_suppression_with_a_reason_skips_the_rule(repo: Path, bucket_rule) -> None:
    _annotate(repo, '    ignore-check.argo-ml.io/TESTX-BUCKET: "shared test bucket, see ticket 12"')
    assert run(repo, targets=["dev"], select=["TESTX", "SUPPRESS"]).findings == []


def test_suppression_without_a_reason_is_a_finding_and_does_not_suppress(repo: Path, bucket_rule) -> None:
    _annotate(repo, '    ignore-check.argo-ml.io/TESTX-BUCKET: "  "')
    found = {f.rule_id: f for f in run(repo, targets=["dev"], select=["TESTX", "SUPPRESS"]).findings}
    assert set(found) == {"TESTX-BUCKET", "SUPPRESS-NO-REASON"}
    f = found["SUPPRESS-NO-REASON"]
    assert (f.file, f.line) == ("base/configmap.yaml", 6)


def test_suppression_of_an_unknown_rule_is_flagged(repo: Path, bucket_rule) -> None:
    _annotate(repo, '    ignore-check.argo-ml.io/TESTX-BUKET: "typo"')
    ids = {f.rule_id for f in run(repo, targets=["dev"], select=["TESTX", "SUPPRESS"]).findings}
    assert ids == {"TESTX-BUCKET", "SUPPRESS-UNKNOWN-RULE"}


def test_config_changes_severity_and_can_switch_a_rule_off(repo: Path, bucket_rule) -> None:
    write(repo, {"pyproject.toml": '[tool.validation]\nseverity = {TESTX-BUCKET = "error"}\n'})
    [f] = run(repo, targets=["dev"], select=["TESTX"]).findings
    assert f.severity == Severity.ERROR
    write(repo, {"pyproject.toml": '[tool.validation]\nignore = ["TESTX-BUCKET"]\n'})
    assert run(repo, targets=["dev"], select=["TESTX"]).findings == []


def test_select_and_ignore_take_prefixes(repo: Path, bucket_rule) -> None:
    assert run(repo, targets=["dev"], select=["testx"]).findings
    assert not run(repo, targets=["dev"], select=["TESTX"], ignore=["TESTX-BUCKET"]).findings
    assert not run(repo, targets=["dev"], select=["YAML"]).findings


def test_unknown_selector_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="'NOPE' is not a rule ID or ID prefix"):
        run(repo, select=["NOPE"])
    with pytest.raises(UsageError, match="--ignore"):
        run(repo, ignore=["ARGO-NOPE"])


def test_a_crashing_rule_becomes_an_internal_error_and_exit_2(repo: Path, monkeypatch) -> None:
    all_rules()

    def check(m, ctx):
        raise KeyError("spec")

    monkeypatch.setitem(REGISTRY, "TESTX-CRASH", Rule(id="TESTX-CRASH", name="c", severity=Severity.ERROR, scope=(),
                                                      summary="s", remediation="r", check=check))
    result = run(repo, targets=["dev"], select=["TESTX", "ENGINE"])
    assert result.exit_code() == 2
    assert {f.rule_id for f in result.findings} == {"ENGINE-INTERNAL-ERROR"}
    assert any("TESTX-CRASH crashed" in e and "KeyError" in e for e in result.errors)


def test_schema_findings_carry_path_and_line(repo: Path) -> None:
    write(repo, {"base/serviceaccount.yaml": """\
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: runner
        automountServiceAccountToken: "no"
        """})
    findings = run(repo, targets=["dev"], select=["SCHEMA"]).findings
    [f] = findings
    assert f.rule_id == "SCHEMA-TYPE" and f.json_path == "automountServiceAccountToken"
    assert (f.file, f.line, f.column) == ("base/serviceaccount.yaml", 5, 1)


def test_missing_schema_policy(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"})
    cfg = config.load(tmp_path)
    assert [f.rule_id for f in engine.run(cfg, paths=[tmp_path / "x.yaml"], select=["SCHEMA"]).findings] == ["SCHEMA-MISSING"]
    cfg.ignore_missing_schemas = True
    assert engine.run(cfg, paths=[tmp_path / "x.yaml"], select=["SCHEMA"]).findings == []
    cfg = config.load(tmp_path)
    cfg.missing_schema_kinds = ["Widget"]
    assert engine.run(cfg, paths=[tmp_path / "x.yaml"], select=["SCHEMA"]).findings == []


def test_generated_configmap_maps_to_its_generator_entry(repo: Path, monkeypatch) -> None:
    all_rules()

    def check(m, ctx):
        if m.metadata.get("name", "").startswith("code-"):
            yield Problem(m, "generated", ("data", "greeting"))

    monkeypatch.setitem(REGISTRY, "TESTX-GEN", Rule(id="TESTX-GEN", name="g", severity=Severity.ERROR, scope=(),
                                                    summary="s", remediation="r", check=check))
    [f] = run(repo, targets=["dev"], select=["TESTX"]).findings
    assert (f.file, f.line) == ("base/kustomization.yaml", 6)  # `literals: [greeting=hello]`: the literal set it


def test_plain_files_in_a_big_stream_get_their_own_lines(tmp_path: Path) -> None:
    docs = [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: v\n" for i in range(2000)]
    docs[1500] = docs[1500].replace("\ndata:", "\ndta:")
    write(tmp_path, {"pyproject.toml": "", "many.yaml": "---\n".join(docs)})
    [f] = engine.run(config.load(tmp_path), paths=[tmp_path / "many.yaml"], select=["SCHEMA"]).findings
    assert f.object_ref == "ConfigMap/c1500" and f.rule_id == "SCHEMA-UNKNOWN-FIELD"
    assert f.line == 1500 * 7 + 5


def test_a_list_item_added_by_a_json6902_patch_points_into_that_patch(repo: Path, monkeypatch) -> None:
    all_rules()
    write(repo, {
        "base/extra.yaml": """\
            # appends one more entry to the settings' list
            - op: add
              path: /data/items/-
              value:
                name: second
                size: big
            """,
        "base/configmap.yaml": """\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              bucket: base-bucket
              items: [{name: first, size: small}]
            """,
        "base/kustomization.yaml": (repo / "base/kustomization.yaml").read_text()
        + "patches:\n  - {path: extra.yaml, target: {kind: ConfigMap, name: settings}}\n",
    })

    def check(m, ctx):
        if m.metadata.get("name") == "settings":
            yield Problem(m, "item", ("data", "items", 1, "size"))
            yield Problem(m, "item", ("data", "items", 1, "colour"))
            yield Problem(m, "first", ("data", "items", 0, "size"))

    monkeypatch.setitem(REGISTRY, "TESTX-ITEM", Rule(id="TESTX-ITEM", name="i", severity=Severity.ERROR, scope=(),
                                                     summary="s", remediation="r", check=check))
    found = {f.json_path: (f.file, f.line, f.column)
             for f in run(repo, paths=[repo / "base"], select=["TESTX"]).findings}
    assert found["data.items[1].size"] == ("base/extra.yaml", 6, 5)
    assert found["data.items[1].colour"] == ("base/extra.yaml", 5, 5)  # the added item itself
    assert found["data.items[0].size"] == ("base/configmap.yaml", 7, 25)


def test_a_wildcard_verb_in_a_block_list_is_reported_on_the_item_line(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "role.yaml": """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: executor
          namespace: ml
        rules:
          - apiGroups: [argoproj.io]
            resources: [workflowtaskresults]
            verbs:
              - create
              - "*"
        """})
    [f] = engine.run(config.load(tmp_path), paths=[tmp_path / "role.yaml"], select=["RBAC-WILDCARD"]).findings
    assert (f.file, f.line, f.column) == ("role.yaml", 11, 9)  # the `"*"` item, not `verbs:` on line 9
