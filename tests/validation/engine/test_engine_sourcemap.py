"""Line lookup: deepest existing node, multi-document files, decorated names, patches."""

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


def test_json6902_patch_value_is_found(tmp_path: Path) -> None:
    write(tmp_path, {"bucket.yaml": """\
        - op: test
          path: /spec/arguments/parameters/4/name
          value: dvc-s3-bucket
        - op: replace
          path: /spec/arguments/parameters/4/value
          value: mlops-data-bucket-dev
        """})
    loc = sourcemap.find_in_patches(tmp_path, ["bucket.yaml"], "WorkflowTemplate", "ml-pipeline",
                                    ("spec", "arguments", "parameters", 4, "value"), "mlops-data-bucket-dev")
    assert (loc.file, loc.line, loc.column) == ("bucket.yaml", 6, 10)
    assert sourcemap.find_in_patches(tmp_path, ["bucket.yaml"], "WorkflowTemplate", "ml-pipeline",
                                     ("spec", "arguments", "parameters", 4, "value"), "other") is None


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


def test_an_image_set_by_application_options_points_at_the_option(tmp_path: Path) -> None:
    from validation import sourcemap

    from .helpers import application, write

    write(tmp_path, {"app.yaml": application("dev", 'images: ["nginx=registry.example.com/nginx:latest"]\n')})
    loc = sourcemap.find_in_application(tmp_path, "app.yaml", "demo-dev", ("spec", "containers", 0, "image"),
                                        "registry.example.com/nginx:latest")
    assert loc is not None and loc.exact
    assert "nginx=registry.example.com/nginx:latest" in (tmp_path / "app.yaml").read_text().splitlines()[loc.line - 1]
    assert sourcemap.find_in_application(tmp_path, "app.yaml", "demo-dev", ("spec", "replicas"), 3) is None


def test_a_targeted_strategic_merge_patch_is_found_whatever_its_placeholder_name(tmp_path: Path) -> None:
    from validation import sourcemap

    (tmp_path / "patch.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: any  # the kustomization's target picks\n"
        "data:\n  regoin: eu-west-1\n"
    )
    loc = sourcemap.find_in_patches(tmp_path, ["patch.yaml"], "ConfigMap", "settings", ("data", "regoin"), "eu-west-1")
    assert loc is not None and (loc.file, loc.line, loc.column, loc.exact) == ("patch.yaml", 6, 3, True)
    # the same path with another value is not this object's source
    assert sourcemap.find_in_patches(tmp_path, ["patch.yaml"], "ConfigMap", "settings", ("data", "regoin"), "x") is None


def test_an_unrelated_application_option_with_the_same_value_is_not_the_source(tmp_path: Path) -> None:
    from validation import sourcemap

    from .helpers import application, write

    write(tmp_path, {"app.yaml": application("dev", "commonLabels: {team: ml}\nforceCommonLabels: false\n")})
    assert sourcemap.find_in_application(tmp_path, "app.yaml", "demo-dev", ("automountServiceAccountTokn",),
                                         False) is None
