"""A finding about a value points at the line that set it, in the environment reported, whatever edit set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from validation import config, engine
from validation.model import Finding, Severity
from validation.rules import REGISTRY, Problem, Rule, all_rules

from .helpers import application, write


@pytest.fixture
def probe(monkeypatch):
    """probe({(kind, name): [json paths]}): a rule that reports each path on each object named so."""
    all_rules()

    def install(wanted: dict[tuple[str, str], list[tuple]]) -> None:
        def check(m, ctx):
            for (kind, name), paths in wanted.items():
                if m.kind == kind and (m.name == name or m.name.startswith(name + "-")):
                    for path in paths:
                        yield Problem(m, "probe " + ".".join(map(str, path)), path)

        monkeypatch.setitem(REGISTRY, "TESTX-PROBE", Rule(id="TESTX-PROBE", name="p", severity=Severity.ERROR,
                                                          scope=(), summary="s", remediation="r", check=check))
    return install


def found(root: Path, **kw) -> dict[tuple[str | None, str | None], Finding]:
    result = engine.run(config.load(root), select=["TESTX"], **kw)
    return {(f.target, f.json_path): f for f in result.findings}


def text_at(root: Path, f: Finding) -> str:
    return (root / f.file).read_text().splitlines()[f.line - 1][f.column - 1:]


def test_a_value_the_base_also_holds_points_at_the_overlay_that_set_it(repo: Path, probe) -> None:
    # staging set to dev's bucket: the base holds that same value, but in staging the overlay set it
    write(repo, {"overlays/dev/bucket.yaml": (repo / "overlays/dev/bucket.yaml").read_text().replace(
        "dev-bucket", "base-bucket")})
    probe({("ConfigMap", "settings"): [("data", "bucket"), ("data", "region")]})
    f = found(repo)
    assert (f["dev", "data.bucket"].file, f["dev", "data.bucket"].line) == ("overlays/dev/bucket.yaml", 6)
    assert (f["prod", "data.bucket"].file, f["prod", "data.bucket"].line) == ("overlays/prod/bucket.yaml", 6)
    # a value no overlay touches stays with the base, once for every environment
    assert (f["dev, prod", "data.region"].file, f["dev, prod", "data.region"].line) == ("base/configmap.yaml", 7)


@pytest.mark.parametrize("ops, expect", [
    ("- op: replace\n  path: /data/bucket\n  value: x\n", "value: x"),
    ("- op: add\n  path: /data/bucket\n  value: x\n", "value: x"),
    ("- op: copy\n  from: /data/region\n  path: /data/bucket\n", "from: /data/region"),
    ("- op: move\n  from: /data/region\n  path: /data/bucket\n", "from: /data/region"),
    ("- op: add\n  path: /data\n  value:\n    bucket: x\n", "bucket: x"),
])
def test_json6902_operations_point_at_what_they_wrote(repo: Path, probe, ops: str, expect: str) -> None:
    write(repo, {"overlays/dev/ops.yaml": ops,
                 "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text().replace(
                     "  - path: bucket.yaml\n",
                     "  - path: bucket.yaml\n  - path: ops.yaml\n    target: {kind: ConfigMap, name: settings}\n")})
    probe({("ConfigMap", "settings"): [("data", "bucket")]})
    f = found(repo, targets=["dev"])["dev", "data.bucket"]
    assert f.file == "overlays/dev/ops.yaml" and (repo / f.file).read_text().splitlines()[f.line - 1].strip() \
        .lstrip("- ") == expect


def test_a_strategic_merge_patch_with_a_placeholder_name_and_a_target(repo: Path, probe) -> None:
    write(repo, {"overlays/dev/region.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: any\n"
                                             "data:\n  region: eu-west-1\n",
                 "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text().replace(
                     "  - path: bucket.yaml\n",
                     "  - path: bucket.yaml\n  - path: region.yaml\n    target: {kind: ConfigMap}\n")})
    probe({("ConfigMap", "settings"): [("data", "region"), ("metadata", "name")]})
    f = found(repo, targets=["dev"])
    assert (f["dev", "data.region"].file, f["dev", "data.region"].line) == ("overlays/dev/region.yaml", 6)
    # the patch's placeholder name sets nothing: the name is the base's
    assert f["dev", "metadata.name"].file == "base/configmap.yaml"


def test_replacements_point_at_the_value_they_copy(repo: Path, probe) -> None:
    write(repo, {
        "overlays/dev/source.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: source\n"
                                    "  annotations: {config.kubernetes.io/local-config: \"true\"}\n"
                                    "data:\n  region: ap-south-1\n",
        "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text().replace(
            "  - ../../base\n", "  - ../../base\n  - source.yaml\n") + """\
replacements:
  - source: {kind: ConfigMap, name: source, fieldPath: data.region}
    targets:
      - select: {kind: ConfigMap, name: settings}
        fieldPaths: [data.region]
  - sourceValue: literal-bucket
    targets:
      - select: {kind: ConfigMap, name: settings}
        fieldPaths: [data.bucket]
""",
    })
    probe({("ConfigMap", "settings"): [("data", "region"), ("data", "bucket")]})
    f = found(repo, targets=["dev"])
    assert (f["dev", "data.region"].file, f["dev", "data.region"].line) == ("overlays/dev/source.yaml", 7)
    assert text_at(repo, f["dev", "data.bucket"]).startswith("literal-bucket")


def test_generator_literals_files_envs_and_options(repo: Path, probe) -> None:
    write(repo, {
        "overlays/dev/app.env": "# settings\nLEVEL=debug\n",
        "overlays/dev/motd.txt": "hello\n",
        "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text() + """\
generatorOptions:
  labels: {tier: config}
configMapGenerator:
  - name: extra
    literals:
      - MODE=fast
    files: [motd.txt]
    envs: [app.env]
    options:
      annotations: {note: generated}
""",
    })
    probe({("ConfigMap", "extra"): [("data", "MODE"), ("data", "motd.txt"), ("data", "LEVEL"),
                                    ("metadata", "labels", "tier"), ("metadata", "annotations", "note")]})
    f = found(repo, targets=["dev"])
    assert text_at(repo, f["dev", "data.MODE"]).startswith("MODE=fast")
    assert text_at(repo, f["dev", "data.motd.txt"]).startswith("motd.txt")
    assert (f["dev", "data.LEVEL"].file, f["dev", "data.LEVEL"].line) == ("overlays/dev/app.env", 2)
    assert text_at(repo, f["dev", "metadata.labels.tier"]).startswith("config")
    assert text_at(repo, f["dev", "metadata.annotations.note"]).startswith("generated")


def test_namespace_labels_and_images_point_at_their_kustomization_fields(repo: Path, probe) -> None:
    write(repo, {
        "base/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: runner}\n"
                         "spec:\n  containers:\n    - {name: main, image: python:3.11}\n",
        "base/kustomization.yaml": (repo / "base/kustomization.yaml").read_text().replace(
            "  - serviceaccount.yaml\n", "  - serviceaccount.yaml\n  - pod.yaml\n"),
        "overlays/dev/kustomization.yaml": (repo / "overlays/dev/kustomization.yaml").read_text()
        + "images:\n  - name: python\n    newTag: 3.12-slim\n",
    })
    probe({("Pod", "runner"): [("metadata", "namespace"), ("metadata", "labels", "environment"),
                               ("spec", "containers", 0, "image")]})
    f = found(repo, targets=["dev", "prod"])
    assert text_at(repo, f["dev", "metadata.namespace"]).startswith("ml-dev")
    assert text_at(repo, f["dev", "metadata.labels.environment"]).startswith("dev")
    assert text_at(repo, f["dev", "spec.containers[0].image"]).startswith("3.12-slim")
    assert f["prod", "spec.containers[0].image"].file == "base/pod.yaml"  # prod sets no image


def test_an_image_and_labels_from_the_applications_own_options(repo: Path, probe) -> None:
    write(repo, {
        "base/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: runner}\n"
                         "spec:\n  containers:\n    - {name: main, image: nginx:1.27}\n",
        "base/kustomization.yaml": (repo / "base/kustomization.yaml").read_text().replace(
            "  - serviceaccount.yaml\n", "  - serviceaccount.yaml\n  - pod.yaml\n"),
        "argocd/apps/dev.yaml": application("dev", 'images: ["nginx=registry.example.com/nginx:latest"]\n'
                                                   "commonLabels: {team: ml}\n"),
    })
    probe({("Pod", "runner"): [("spec", "containers", 0, "image"), ("metadata", "labels", "team"),
                               ("spec", "containers", 0, "name")]})
    result = engine.run(config.load(repo), targets=["app/demo-dev"], select=["TESTX"])
    f = {x.json_path: x for x in result.findings}
    assert f["spec.containers[0].image"].file == "argocd/apps/dev.yaml"
    assert "nginx=registry.example.com/nginx:latest" in text_at(repo, f["spec.containers[0].image"])
    assert text_at(repo, f["metadata.labels.team"]).startswith("ml")
    assert f["spec.containers[0].name"].file == "base/pod.yaml"  # nothing in the options touched it


def test_a_list_item_appended_by_a_base_patch_is_followed_by_name(repo: Path, probe) -> None:
    write(repo, {
        "base/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n"
                               "  bucket: base-bucket\n  region: us-east-1\n  items: [{name: first}]\n",
        "base/more.yaml": "- op: add\n  path: /data/items/-\n  value: {name: second, size: big}\n",
        "base/kustomization.yaml": (repo / "base/kustomization.yaml").read_text()
        + "patches:\n  - {path: more.yaml, target: {kind: ConfigMap, name: settings}}\n",
    })
    probe({("ConfigMap", "settings"): [("data", "items", 1, "size"), ("data", "items", 0, "name")]})
    f = found(repo, targets=["dev"])
    assert f["dev", "data.items[1].size"].file == "base/more.yaml"
    assert f["dev", "data.items[0].name"].file == "base/configmap.yaml"
