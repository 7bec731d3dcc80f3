"""JSON6902 patches checked as lists of operations: each mistake once, at its line, with the fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.validation.engine.helpers import FILES, overlay, write
from validation import config, engine
from validation.kustomize import kustomization, nodes, patches

REPO = Path(__file__).resolve().parents[3]


def check(text: str) -> list[tuple[str, int, int, str]]:
    docs = nodes.compose_all(textwrap.dedent(text))
    return [(i.rule_id, i.line, i.column, i.message) for d in docs for i in patches.check_node(d)]


def test_the_repositorys_patches_are_clean() -> None:
    files = sorted(REPO.glob("overlays/*/*.yaml")) + sorted(REPO.glob("base/**/*.yaml"))
    for f in files:
        for doc in nodes.compose_all(f.read_text()):
            assert patches.check_node(doc) == [], f


def test_a_misspelt_value_is_one_finding_saying_what_it_does() -> None:
    found = check("""\
        - op: test
          path: /spec/arguments/parameters/7/name
          value: min-accuracy
        - op: replace
          path: /spec/arguments/parameters/7/value
          vaule: "0.7"
        """)
    assert found == [("KUSTOMIZE-PATCH-UNKNOWN-FIELD", 6, 3,
                      "operation 2 (replace): `vaule` is not a JSON6902 field (op, path, value, from); "
                      "did you mean `value`? (without `value`, replace writes null)")]


def test_a_misspelt_path_and_op() -> None:
    found = check("""\
        - op: replcae
          paht: /spec/x
          value: 1
        """)
    assert [(r, line, col) for r, line, col, _ in found] == [("KUSTOMIZE-PATCH-UNKNOWN-FIELD", 2, 3),
                                                           ("KUSTOMIZE-PATCH-OP", 1, 7)]
    assert "did you mean `path`?" in found[0][3] and "did you mean `replace`?" in found[1][3]


def test_each_op_needs_its_own_fields() -> None:
    found = check("""\
        - {op: add, path: /a}
        - {op: copy, path: /b}
        - {op: move, from: /c}
        - {path: /d, value: 1}
        - {op: remove, path: /e}
        """)
    assert [(r, line, m.split(" has no ")[-1].split(":")[0]) for r, line, _, m in found] == [
        ("KUSTOMIZE-PATCH-REQUIRED", 1, "`value`"),
        ("KUSTOMIZE-PATCH-REQUIRED", 2, "`from`"),
        ("KUSTOMIZE-PATCH-REQUIRED", 3, "`path`"),
        ("KUSTOMIZE-PATCH-REQUIRED", 4, "`op`"),
    ]


def test_pointers_are_json_pointers() -> None:
    found = check("""\
        - {op: add, path: spec/x, value: 1}
        - {op: replace, path: /spec/templates/-, value: 1}
        - {op: add, path: /spec/-/x, value: 1}
        - {op: add, path: /metadata/annotations/a~b, value: 1}
        - {op: add, path: /spec/templates/-, value: 1}
        - {op: copy, from: /spec/a, path: /metadata/annotations/a~1b}
        - {op: remove, path: 3}
        """)
    assert [(r, line) for r, line, _, _ in found] == [("KUSTOMIZE-PATCH-POINTER", n) for n in (1, 2, 3, 4, 7)]
    assert "must start with `/` (`/spec/x`)" in found[0][3]
    assert "only add, move and copy" in found[1][3]


def test_shapes_that_are_no_patch() -> None:
    assert check("op: remove\npath: /spec/x\n")[0][0] == "KUSTOMIZE-PATCH-SHAPE"
    assert check("- op: remove\n  path: /spec/x\n- just text\n")[0][:2] == ("KUSTOMIZE-PATCH-SHAPE", 3)
    assert check("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {op: a, path: b}\n") == []


def test_inline_patches_are_checked_at_their_lines_in_the_kustomization() -> None:
    text = textwrap.dedent("""\
        resources: [../base]
        patches:
          - target: {kind: WorkflowTemplate}
            patch: |-
              - op: replace
                path: /spec/entrypoint
                vaule: main
          - patch: '[{"op": "add", "path": "spec/x", "value": 1}]'
        """)
    found = [(i.rule_id, i.line, i.column) for i in kustomization.check_text(text)]
    assert found == [("KUSTOMIZE-PATCH-UNKNOWN-FIELD", 7, 9), ("KUSTOMIZE-PATCH-POINTER", 8, 12)]  # a quoted patch: its start
    lines = text.splitlines()
    assert lines[6][8:].startswith("vaule")


def test_a_list_of_operations_no_kustomization_names_is_a_patch_not_a_bad_resource(tmp_path: Path) -> None:
    # `patchs:` (a typo) leaves the patch files unreferenced: they are still patches, never "not an object".
    write(tmp_path, {**FILES, **overlay("dev")})
    kfile = tmp_path / "overlays/dev/kustomization.yaml"
    write(tmp_path, {
        "overlays/dev/kustomization.yaml": kfile.read_text().replace("patches:", "patchs:"),
        "overlays/dev/ops.yaml": "- op: replace\n  path: /data/bucket\n  value: x\n",
    })
    result = engine.run(config.load(tmp_path))
    assert [(f.rule_id, f.file, f.line) for f in result.findings] == [
        ("KUSTOMIZE-UNKNOWN-FIELD", "overlays/dev/kustomization.yaml", 4)]
    assert result.exit_code() == 1
