"""Every bad input from the issue: a clear finding (or exit 2), in bounded time, never a traceback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from validation.source_lint import MAX_FILE_BYTES, load_text

from .helpers import write

BOMB = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

CASES = {
    "malformed": ("kind: ConfigMap\nmetadata:\n  name: x\n   labels: {}\n", "YAML-PARSE", 4, 10),
    "duplicate-key": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nkind: Secret\n", "YAML-DUPLICATE-KEY", 4, 1),
    "tab": ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "YAML-TAB", 4, 1),
    "list": ("- apiVersion: v1\n  kind: ConfigMap\n", "YAML-NOT-OBJECT", 1, 1),
    "scalar": ("just a string\n", "YAML-NOT-OBJECT", 1, 1),
    "empty-document": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n---\n"
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n", "YAML-EMPTY-DOCUMENT", 5, 1),
    "empty-file": ("# nothing here\n", "YAML-EMPTY-DOCUMENT", 1, 1),
    "missing-kind": ("apiVersion: v1\nmetadata: {name: x}\n", "YAML-MISSING-KIND", 1, 1),
    "missing-apiversion": ("kind: ConfigMap\nmetadata: {name: x}\n", "YAML-MISSING-KIND", 1, 1),
    "non-utf8": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n", "YAML-ENCODING", 3, 21),
    "alias-bomb": (BOMB, "YAML-ALIAS-BOMB", 1, 1),
    "recursive-alias": ("a: &x [*x]\n", "YAML-ALIAS-BOMB", 1, 4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_given_as_path_is_a_finding_with_line_and_column(case: str, tmp_path: Path, run_cli) -> None:
    content, rule, line, column = CASES[case]
    write(tmp_path, {"bad.yaml": content, "pyproject.toml": ""})
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", str(tmp_path / "bad.yaml"),
                             "--select", "YAML")
    assert time.monotonic() - start < 10
    assert "Traceback" not in out + err
    findings = json.loads(out)["findings"]
    hits = [f for f in findings if f["rule_id"] == rule]
    assert hits, findings
    assert (hits[0]["file"], hits[0]["line"], hits[0]["column"]) == ("bad.yaml", line, column)
    expected_exit = 0 if rule == "YAML-EMPTY-DOCUMENT" else 1  # an empty document is only info
    assert code == expected_exit


def test_bad_source_in_the_repo_tree_is_linted(repo: Path, run_cli) -> None:
    app = (repo / "argocd/apps/dev.yaml").read_text()
    write(repo, {"argocd/apps/dev.yaml": app.replace("    targetRevision: main\n",
                                                     "    targetRevision: main\n    targetRevision: dev\n")})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert code == 1
    assert "argocd/apps/dev.yaml:11:5: error YAML-DUPLICATE-KEY duplicate key 'targetRevision'" in out


def test_duplicate_key_kustomize_rejects_is_linted_and_the_render_fails(repo: Path, run_cli) -> None:
    write(repo, {"base/serviceaccount.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: runner\n"
                                             "  name: runner2\n"})
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,RENDER")
    assert code == 2
    assert "base/serviceaccount.yaml:5:3: error YAML-DUPLICATE-KEY" in out
    assert "cannot render dev (overlays/dev)" in out and 'mapping key "name" already defined' in out


def test_patch_and_kustomization_files_are_not_resources(repo: Path) -> None:
    from validation import config, engine

    write(repo, {
        "overlays/dev/ops.yaml": "- op: replace\n  path: /data/bucket\n  value: x\n",
        "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text().replace(
            "  - path: bucket.yaml\n",
            "  - path: bucket.yaml\n  - path: ops.yaml\n    target: {kind: ConfigMap, name: settings}\n"),
    })
    result = engine.run(config.load(repo), select=["YAML"])
    assert result.findings == []


def test_alias_bomb_in_a_rendered_tree_is_not_handed_to_kustomize(repo: Path, run_cli) -> None:
    write(repo, {"base/configmap.yaml": BOMB})
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,RENDER")
    assert time.monotonic() - start < 20  # kustomize itself spins for minutes on this file
    assert code == 2
    assert "base/configmap.yaml:1:1: error YAML-ALIAS-BOMB" in out
    assert "not rendered: base/configmap.yaml" in out
    assert "Traceback" not in out + err


def test_fifty_megabyte_file_is_refused_quickly(tmp_path: Path, run_cli) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "w") as fh:
        line = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {k: " + "v" * 200 + "}\n---\n"
        fh.write(line * (50 * 2**20 // len(line) + 1))
    assert big.stat().st_size > MAX_FILE_BYTES
    (tmp_path / "pyproject.toml").write_text("")
    start = time.monotonic()
    code, out, err = run_cli("check", "--root", str(tmp_path), str(big))
    assert time.monotonic() - start < 5
    assert code == 1
    assert "big.yaml: error YAML-TOO-LARGE" in out and "50.0 MiB" in out


def test_deep_nesting_is_a_parse_finding_not_a_crash() -> None:
    loaded = load_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert not loaded.ok
    assert [i.rule_id for i in loaded.issues] == ["YAML-PARSE"]


def test_invalid_rendered_object_is_schema_checked_with_its_source_line(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                                      "  lables: {a: b}\ndata: {k: v}\n"})
    code, out, err = run_cli("check", "--root", str(tmp_path), str(tmp_path / "cm.yaml"), "--select", "SCHEMA")
    assert code == 1
    assert "cm.yaml:5:3: error SCHEMA-UNKNOWN-FIELD ConfigMap/x:" in out
