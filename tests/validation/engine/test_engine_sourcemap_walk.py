"""Line lookup, piece by piece: walking a path by index or by name, picking the document, generator entries, the
file cache. Written against mutation testing's survivors (tests/README.md): each pins one decision of its own."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from validation import sourcemap

from .helpers import write


def node(text: str) -> yaml.Node:
    return yaml.compose(text, Loader=sourcemap._MarksLoader)


TEMPLATES = """\
spec:
  templates:
    - name: build
      image: a
    - name: test
      image: b
    - name: build
      image: c
  plain:
    - x
    - y
"""


def where(path: tuple, rendered: object = None) -> tuple[int, int, bool, int]:
    mark, _, exact, depth = sourcemap.walk(node(TEMPLATES), path, rendered)
    return mark.line + 1, mark.column + 1, exact, depth


def test_walk_follows_keys_and_indexes_and_says_how_deep_it_got():
    assert where(()) == (1, 1, True, 0)
    assert where(("spec", "templates", 1, "image")) == (6, 7, True, 4)
    assert where(("spec", "plain", 1)) == (11, 7, True, 3)
    assert where(("spec", "missing", 0)) == (1, 1, False, 1)  # the last key found: spec
    assert where(("spec", "plain", 2)) == (9, 3, False, 2)  # past the end: the list's key
    assert where(("spec", "plain", -1)) == (9, 3, False, 2)  # a negative index is no item either
    assert where(("spec", "plain", 0, "deeper")) == (10, 7, False, 3)  # a scalar has no keys
    assert where(("spec", 0)) == (1, 1, False, 1)  # an index into a mapping


def test_walk_follows_a_rendered_item_by_name_when_kustomize_moved_it():
    rendered = {"spec": {"templates": [{"name": "test", "image": "b"}, {"name": "build"}]}}
    assert where(("spec", "templates", 0, "image"), rendered) == (6, 7, True, 4)  # rendered 0 is the source's 1
    # a name at its own index stays there, even when an earlier item has the same name
    rendered = {"spec": {"templates": [{"name": "build"}, {"name": "test"}, {"name": "build", "image": "c"}]}}
    assert where(("spec", "templates", 2, "image"), rendered) == (8, 7, True, 4)
    # named items, none with the rendered name: no line inside the list (a patch added it)
    rendered = {"spec": {"templates": [{"name": "deploy", "image": "d"}]}}
    assert where(("spec", "templates", 0, "image"), rendered) == (2, 3, False, 2)
    # rendered items without a name, or a rendered value that is no list: plain indexes
    rendered = {"spec": {"templates": [{"image": "a"}, {"image": "b"}]}}
    assert where(("spec", "templates", 1, "image"), rendered) == (6, 7, True, 4)
    assert where(("spec", "templates", 1, "image"), {"spec": {"templates": "x"}}) == (6, 7, True, 4)
    assert where(("spec", "plain", 1), {"spec": {"plain": ["x", "y"]}}) == (11, 7, True, 3)


def test_a_rendered_name_matches_the_source_as_text():
    doc = node("ports:\n  - name: 80\n    port: 1\n  - name: 443\n    port: 2\n")
    mark, _, exact, _ = sourcemap.walk(doc, ("ports", 0, "port"), {"ports": [{"name": 443, "port": 2}]})
    assert (mark.line + 1, exact) == (5, True)


MULTI = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-extra
---
apiVersion: v1
kind: Secret
metadata:
  name: token
---
kind: ConfigMap
metadata: {}
"""


def test_the_document_is_picked_by_kind_then_exact_name_then_the_longest_decorated_name():
    docs = [d for d in yaml.compose_all(MULTI, Loader=sourcemap._MarksLoader)]

    def picked(kind: str, name: str) -> int | None:
        d = sourcemap._pick(docs, kind, name)
        return None if d is None else d.start_mark.line + 1

    assert picked("ConfigMap", "settings") == 1
    assert picked("ConfigMap", "settings-extra") == 6
    assert picked("ConfigMap", "dev-settings-extra-7h2k") == 6  # both names are in it: the longer one
    assert picked("ConfigMap", "dev-settings-9f8g") == 1
    assert picked("ConfigMap", "other") is None  # three ConfigMaps, none of them this one
    assert picked("Secret", "renamed-entirely") == 11  # the only Secret in the file
    assert picked("Deployment", "settings") is None


GENERATORS = """\
configMapGenerator:
  - name: code
    files: [main.py]
  - name: code-extra
    literals: [a=b]
secretGenerator:
  - name: token
    literals: [k=v]
"""


def test_a_generated_object_maps_to_the_generator_entry_with_the_longest_name_in_it(tmp_path: Path):
    docs = [node(GENERATORS)]
    assert sourcemap._generator_entry(docs, "dev-code-extra-5t6y").start_mark.line + 1 == 4
    assert sourcemap._generator_entry(docs, "dev-code-5t6y").start_mark.line + 1 == 2
    assert sourcemap._generator_entry(docs, "token-abc").start_mark.line + 1 == 7
    assert sourcemap._generator_entry(docs, "unrelated") is None
    write(tmp_path, {"kustomization.yaml": GENERATORS})
    loc = sourcemap.locate(tmp_path, "kustomization.yaml", "ConfigMap", "dev-code-extra-5t6y", ("data", "a"))
    assert loc == sourcemap.Location("kustomization.yaml", 4, 5, False)
    write(tmp_path, {"generators.yaml": GENERATORS})  # the same text, not a kustomization: no generator entry
    assert sourcemap.locate(tmp_path, "generators.yaml", "ConfigMap", "dev-code-extra-5t6y", ("data", "a")) is None


def test_locate_reports_file_line_column_exactness_and_depth(tmp_path: Path):
    write(tmp_path, {"m.yaml": MULTI})
    assert sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "settings-extra", ("metadata", "name")) == \
        sourcemap.Location("m.yaml", 9, 3, True, 2)
    assert sourcemap.locate(tmp_path, "m.yaml", "ConfigMap", "settings", ("metadata", "labels", "a")) == \
        sourcemap.Location("m.yaml", 3, 1, False, 1)
    absolute = str(tmp_path / "m.yaml")  # a file outside the root is named by its absolute path
    assert sourcemap.locate(Path("/nonexistent"), absolute, "Secret", "token", ("metadata",)).line == 13


def test_a_known_first_line_picks_the_document_starting_there(tmp_path: Path, monkeypatch):
    write(tmp_path, {"m.yaml": MULTI})
    loc = sourcemap.locate(tmp_path, "m.yaml", "Anything", "ignored", ("metadata", "name"), source_line=11)
    assert (loc.line, loc.column, loc.exact) == (14, 3, True)
    assert sourcemap.locate(tmp_path, "m.yaml", "Secret", "token", ("metadata",), source_line=12) is None
    # a big file is composed from that line to the next `---` only; its marks are offset by the line
    monkeypatch.setattr(sourcemap, "WHOLE_FILE_BYTES", 10)
    sourcemap.clear_cache()
    loc = sourcemap.locate(tmp_path, "m.yaml", "Anything", "ignored", ("metadata", "name"), source_line=11)
    assert (loc.line, loc.column, loc.exact) == (14, 3, True)
    f = sourcemap._load(tmp_path / "m.yaml")
    doc, offset = f.document_at(6)
    assert offset == 5 and [k.value for k, _ in doc.value] == ["apiVersion", "kind", "metadata"]
    assert f.document_at(6)[0] is doc, "each slice is composed once"
    last, offset = f.document_at(16)  # the last document: to the end of the file
    assert offset == 15 and [k.value for k, _ in last.value] == ["kind", "metadata"]
    first, offset = f.document_at(0)  # no such line: from the top
    assert offset == -1 and first is not None


def test_unreadable_or_broken_files_have_no_lines(tmp_path: Path):
    (tmp_path / "latin1.yaml").write_bytes(b"kind: ConfigMap\nmetadata: {name: caf\xe9}\n")
    (tmp_path / "broken.yaml").write_text("kind: ConfigMap\nmetadata: {name: x\n")
    (tmp_path / "bom.yaml").write_bytes("\ufeffkind: ConfigMap\nmetadata:\n  name: x\n".encode())
    assert sourcemap.locate(tmp_path, "latin1.yaml", "ConfigMap", "x", ()) is None
    assert sourcemap.locate(tmp_path, "broken.yaml", "ConfigMap", "x", ()) is None
    assert sourcemap._load(tmp_path / "broken.yaml").documents() == []
    loc = sourcemap.locate(tmp_path, "bom.yaml", "ConfigMap", "x", ("metadata", "name"))
    assert (loc.line, loc.column) == (3, 3)  # the byte-order mark is no column


def test_the_cache_keeps_one_parse_per_file_version(tmp_path: Path):
    sourcemap.clear_cache()
    write(tmp_path, {"m.yaml": MULTI})
    first = sourcemap._load(tmp_path / "m.yaml")
    assert sourcemap._load(tmp_path / "m.yaml") is first
    assert first.documents() is first.documents()
    sourcemap.clear_cache()
    assert sourcemap._load(tmp_path / "m.yaml") is not first


def test_line_starts_are_the_offsets_of_each_line():
    f = sourcemap._File("ab\n\ncd\n")
    assert f.line_starts == [0, 3, 4, 7]
    assert sourcemap._File("").line_starts == [0]


def test_a_rendered_list_shorter_than_the_index_or_items_without_names_fall_back_to_the_index():
    assert where(("spec", "templates", 1, "image"), {"spec": {"templates": [{"name": "build"}]}}) == (6, 7, True, 4)
    doc = node("env:\n  - value: a\n  - value: b\n")  # mappings, none of them named
    mark, _, exact, _ = sourcemap.walk(doc, ("env", 1, "value"), {"env": [{"name": "A"}, {"name": "B", "value": "b"}]})
    assert (mark.line + 1, exact) == (3, True)


def test_locate_follows_the_rendered_object_by_name(tmp_path: Path):
    write(tmp_path, {"wt.yaml": "kind: WorkflowTemplate\nmetadata:\n  name: wt\n" + TEMPLATES})
    rendered = {"spec": {"templates": [{"name": "test", "image": "b"}]}}
    loc = sourcemap.locate(tmp_path, "wt.yaml", "WorkflowTemplate", "wt", ("spec", "templates", 0, "image"),
                           rendered=rendered)
    assert (loc.line, loc.exact) == (9, True)  # the source's second template, where `test` is


def test_the_longest_generator_name_wins_whatever_the_order_and_a_kustomization_may_have_one_kind_only():
    docs = [node("configMapGenerator:\n  - name: code-extra\n  - name: code\n  - name: other\n")]
    assert sourcemap._generator_entry(docs, "dev-code-extra-5t6y").start_mark.line + 1 == 2
    assert sourcemap._generator_entry([node("secretGenerator: {name: x}\n")] + docs, "x-code").start_mark.line == 2


def test_a_generated_object_maps_to_a_generator_of_its_own_kind(tmp_path: Path):
    # a ConfigMap and a Secret generated under names of the same length: the kind decides, not the order
    both = "secretGenerator:\n  - name: app-a\nconfigMapGenerator:\n  - name: app-b\n"
    docs = [node(both)]
    assert sourcemap._generator_entry(docs, "app-a-app-b-5t6y", "ConfigMap").start_mark.line + 1 == 4
    assert sourcemap._generator_entry(docs, "app-a-app-b-5t6y", "Secret").start_mark.line + 1 == 2
    assert sourcemap._generator_entry(docs, "app-b-x", "Secret") is None
    write(tmp_path, {"kustomization.yaml": both})
    assert sourcemap.locate(tmp_path, "kustomization.yaml", "ConfigMap", "app-a-app-b-5t6y", ("data",)).line == 4
    assert sourcemap.locate(tmp_path, "kustomization.yaml", "Secret", "app-a-app-b-5t6y", ("data",)).line == 2


def test_sliced_documents_are_whole_up_to_the_next_separator_and_a_broken_one_has_no_lines(tmp_path: Path,
                                                                                        monkeypatch):
    monkeypatch.setattr(sourcemap, "WHOLE_FILE_BYTES", 10)
    f = sourcemap._File("a: 1\n---\nb: last\n---\nc: [\n---\nd: 4")  # no newline at the end
    doc, _ = f.document_at(3)
    assert [(k.value, v.value) for k, v in doc.value] == [("b", "last")]  # its last character included
    doc, offset = f.document_at(7)  # the last line of the file
    assert ([(k.value, v.value) for k, v in doc.value], offset) == ([("d", "4")], 6)
    assert f.document_at(5) == (None, 4)  # `c: [` does not parse
    first, _ = f.document_at(99)  # no such line: from the top
    assert [(k.value, v.value) for k, v in first.value] == [("a", "1")]
    write(tmp_path, {"m.yaml": "kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata: {name: [\n"})
    sourcemap.clear_cache()
    assert sourcemap.locate(tmp_path, "m.yaml", "B", "b", ("metadata",), source_line=4) is None


def test_two_files_of_the_same_size_and_time_are_cached_apart(tmp_path: Path):
    sourcemap.clear_cache()
    (tmp_path / "a.yaml").write_text("kind: A\nmetadata: {name: x}\n")
    (tmp_path / "b.yaml").write_text("kind: B\nmetadata: {name: x}\n")
    stamp = (tmp_path / "a.yaml").stat().st_mtime_ns
    os.utime(tmp_path / "b.yaml", ns=(stamp, stamp))
    assert sourcemap.locate(tmp_path, "a.yaml", "A", "x", ("kind",)) is not None
    assert sourcemap.locate(tmp_path, "b.yaml", "B", "x", ("kind",)) is not None


def test_of_two_equally_long_generator_names_in_the_rendered_name_the_first_written_is_the_source_line(
        tmp_path: Path):
    # `app-a-app-b-5t6y`: an overlay's namePrefix `app-a-` or nameSuffix `-app-b` could make either; always the first
    for first, second in (("app-a", "app-b"), ("app-b", "app-a")):
        write(tmp_path, {"kustomization.yaml": f"configMapGenerator:\n  - name: {first}\n  - name: {second}\n"})
        loc = sourcemap.locate(tmp_path, "kustomization.yaml", "ConfigMap", "app-a-app-b-5t6y", ("data", "k"))
        assert (loc.line, loc.column, loc.exact) == (2, 5, False), first


def test_the_kustomizations_own_name_prefix_and_suffix_pick_the_generator_that_fits(tmp_path: Path):
    # kustomize decorates every name a kustomization generates with its own namePrefix and nameSuffix
    gens = "configMapGenerator:\n  - name: app-a\n  - name: app-b\n"
    write(tmp_path, {"kustomization.yaml": "namePrefix: app-a-\n" + gens})  # app-a-app-a-... it would be
    assert sourcemap.locate(tmp_path, "kustomization.yaml", "ConfigMap", "app-a-app-b-5t6y", ("data",)).line == 4
    write(tmp_path, {"kustomization.yaml": "nameSuffix: -x\n" + gens})  # app-a-x-... it would be
    assert sourcemap.locate(tmp_path, "kustomization.yaml", "ConfigMap", "app-a-app-b-x-5t6y", ("data",)).line == 4
    docs = [node("namePrefix: dev-\nnameSuffix: -v2\n" + gens)]
    assert sourcemap._generator_entry(docs, "dev-app-b-v2-5t6y").start_mark.line + 1 == 5
    # none fits (an overlay's entry merged into a base's generator): the longest name inside is still the one
    assert sourcemap._generator_entry(docs, "app-b-5t6y").start_mark.line + 1 == 5
    assert sourcemap._generator_entry([node("namePrefix: dev-\n" + gens)], "dev-app-a-x-app-b").start_mark.line == 2
    assert sourcemap._generator_entry(docs, "other-5t6y") is None
    assert sourcemap._generator_entry([node("namePrefix: [x]\n" + gens)], "app-b-5t6y").start_mark.line == 3
    for prefix in ("", "namePrefix: dev-\n"):  # one letter, fitting or not
        assert sourcemap._generator_entry([node(prefix + "configMapGenerator: [{name: c}]\n")], "c-5t6y") is not None
