"""Line lookup: deepest existing node, multi-document files, decorated names (edits: test_engine_provenance.py)."""

from __future__ import annotations

from pathlib import Path

from validation import sourcemap

from .helpers import write

MULTI = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
data:
  a: "1"
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: pipeline
spec:
  templates:
    - name: main
      container:
        image: python:3.12
"""


def test_finds_the_deepest_existing_node_in_the_right_document(tmp_path: Path) -> None:
    write(tmp_path, {"m.yaml": MULTI})
    path = ("spec", "templates", 0, "container", "image")
    loc = sourcemap.locate(tmp_path, "m.yaml", "WorkflowTemplate", "pipeline", path)
    assert (loc.line, loc.column, loc.exact) == (16, 9, True)
    loc = sourcemap.locate(tmp_path, "m.yaml", "WorkflowTemplate", "pipeline",
                           ("spec", "templates", 0, "container", "imagePullPolicee"))
    assert (loc.line, loc.column, loc.exact) == (15, 7, False)  # the parent that exists
    loc = sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "first", ("data", "a"))
    assert (loc.line, loc.column) == (6, 3)


def test_matches_a_name_kustomize_decorated(tmp_path: Path) -> None:
    write(tmp_path, {"m.yaml": MULTI})
    loc = sourcemap.locate(tmp_path, "m.yaml", "WorkflowTemplate", "dev-pipeline-v2", ("spec",))
    assert loc.line == 12


def test_unknown_object_or_file_gives_none(tmp_path: Path) -> None:
    write(tmp_path, {"m.yaml": MULTI + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\n"})
    assert sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "zzz", ("data",)) is None
    assert sourcemap.locate(tmp_path, "nope.yaml", "ConfigMap", "first", ()) is None


def test_cache_notices_edits(tmp_path: Path) -> None:
    write(tmp_path, {"m.yaml": MULTI})
    assert sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "first", ("data", "a")).line == 6
    write(tmp_path, {"m.yaml": "# moved\n\n" + MULTI})
    assert sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "first", ("data", "a")).line == 8


def test_a_field_added_by_an_applications_inline_patch_points_into_that_patch(tmp_path: Path) -> None:
    from validation import config, engine

    from .helpers import FILES, application, overlay, write

    root = tmp_path / "repo"
    app = application("dev", """\
        patches:
          - target: {kind: ServiceAccount, name: runner}
            patch: |-
              - op: add
                path: /automountServiceAccountTokn
                value: false
        """)
    write(root, {**FILES, **overlay("dev"), "argocd/apps/dev.yaml": app})
    result = engine.run(config.load(root), select=["SCHEMA-UNKNOWN-FIELD"])
    (finding,) = [f for f in result.findings if f.target == "app/demo-dev" or f.file == "argocd/apps/dev.yaml"]
    lines = (root / "argocd/apps/dev.yaml").read_text().splitlines()
    assert finding.file == "argocd/apps/dev.yaml"
    assert lines[finding.line - 1].strip() == "path: /automountServiceAccountTokn"
    assert lines[finding.line - 1][finding.column - 1:].startswith("automountServiceAccountTokn")


ROLE = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: executor
rules:
  - apiGroups: [argoproj.io]
    resources: [workflowtaskresults]
    verbs:
      - get
      - "*"
"""


def test_a_finding_on_an_item_of_a_block_list_points_at_the_item_not_at_its_key(tmp_path: Path) -> None:
    """RBAC-WILDCARD's path for `verbs: ["*"]` written one item per line ends in the item's index."""
    write(tmp_path, {"role.yaml": ROLE})
    loc = sourcemap.locate(tmp_path, "role.yaml", "Role", "executor", ("rules", 0, "verbs", 1))
    assert (loc.line, loc.column, loc.exact) == (10, 9, True)  # the `"*"`, not `verbs:` on line 8
    loc = sourcemap.locate(tmp_path, "role.yaml", "Role", "executor", ("rules", 0, "verbs", 0))
    assert (loc.line, loc.column, loc.exact) == (9, 9, True)
    loc = sourcemap.locate(tmp_path, "role.yaml", "Role", "executor", ("rules", 0))
    assert (loc.line, loc.column, loc.exact) == (6, 5, True)  # the list item itself, not `rules:`
    loc = sourcemap.locate(tmp_path, "role.yaml", "Role", "executor", ("rules", 0, "verbs", 2))
    assert (loc.line, loc.column, loc.exact) == (8, 5, False)  # no third verb: the list's key
