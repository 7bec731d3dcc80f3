"""validation/buckets.py piece by piece: finding the bucket patch, reading and editing its values, DVC remotes.
Written against mutation testing's survivors (tests/README.md): each test pins decisions the end-to-end
update-bucket tests pass through without looking at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from validation import buckets

PATCH = """\
# dev's bucket and region
- op: test
  path: /spec/arguments/parameters/1/name
  value: dvc-s3-bucket
- op: replace
  path: /spec/arguments/parameters/1/value
  value: old-bucket
- op: test
  path: /spec/arguments/parameters/2/name
  value: dvc-s3-region
- op: replace
  path: /spec/arguments/parameters/2/value
  value: "us-east-1"
"""


def overlay(root: Path, env: str, patch: str = PATCH, kustomization: str | None = None) -> Path:
    d = root / "overlays" / env
    d.mkdir(parents=True)
    (d / "bucket.yaml").write_text(patch)
    (d / "kustomization.yaml").write_text(kustomization or (
        "resources: [../../base]\npatches:\n  - path: other.yaml\n  - path: bucket.yaml\n    target: {kind: X}\n"))
    (d / "other.yaml").write_text("- op: add\n  path: /metadata/labels/a\n  value: b\n")
    return d


def test_environments_are_overlay_directories_kustomize_can_build(tmp_path: Path):
    assert buckets.environments(tmp_path) == []
    overlay(tmp_path, "prod")
    overlay(tmp_path, "dev")
    (tmp_path / "overlays/.dev.swp").mkdir()
    (tmp_path / "overlays/.dev.swp/kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "overlays/notes").mkdir()  # no kustomization
    (tmp_path / "overlays/README.md").write_text("x")
    (tmp_path / "overlays/qa").mkdir()
    (tmp_path / "overlays/qa/Kustomization").write_text("resources: []\n")
    assert buckets.environments(tmp_path) == ["dev", "prod", "qa"]
    assert buckets.environments(tmp_path, "elsewhere") == []
    assert buckets.kustomization_file(tmp_path / "overlays/qa") == tmp_path / "overlays/qa/Kustomization"
    assert buckets.kustomization_file(tmp_path / "overlays/notes") is None


def test_the_bucket_file_is_the_patch_whose_test_op_names_the_bucket(tmp_path: Path):
    d = overlay(tmp_path, "dev")
    assert buckets.find_bucket_file(d) == d / "bucket.yaml"
    settings = buckets.read_settings(tmp_path, "dev")
    assert (settings.environment, settings.file, settings.bucket, settings.region) == (
        "dev", Path(os.path.realpath(d / "bucket.yaml")), "old-bucket", "us-east-1")


def test_patches_json6902_entries_and_missing_patch_files_are_followed_or_skipped(tmp_path: Path):
    d = overlay(tmp_path, "dev", kustomization=(
        "patchesJson6902:\n  - path: gone.yaml\n  - {patch: inline}\n  - path: bucket.yaml\n"))
    assert buckets.find_bucket_file(d) == d / "bucket.yaml"


@pytest.mark.parametrize("kustomization, message", [
    (None, "no kustomization.yaml"),
    ("- a list\n", "not a mapping"),
    ("patches:\n  - path: other.yaml\n", "no patch sets dvc-s3-bucket"),
])
def test_an_overlay_without_a_bucket_patch_says_why(tmp_path: Path, kustomization: str | None, message: str):
    d = overlay(tmp_path, "dev", kustomization=kustomization or "x: 1\n")
    if kustomization is None:
        (d / "kustomization.yaml").unlink()
    with pytest.raises(buckets.BucketFileError, match=message):
        buckets.find_bucket_file(d)


def test_a_bucket_patch_that_leaves_the_repository_is_not_read(tmp_path: Path):
    root = tmp_path / "repo"
    d = overlay(root, "dev")
    outside = tmp_path / "outside.yaml"
    outside.write_text(PATCH)
    (d / "bucket.yaml").unlink()
    (d / "bucket.yaml").symlink_to(outside)
    with pytest.raises(buckets.BucketFileError, match=r"resolves to .*outside.yaml, outside the repository"):
        buckets.find_bucket_file(d, root.resolve())
    assert buckets.find_bucket_file(d) == outside  # no root given: no boundary
    assert buckets.inside(None, d / "bucket.yaml", "shown") == outside


def test_two_different_values_for_one_parameter_are_refused(tmp_path: Path):
    twice = PATCH + "- op: replace\n  path: /spec/arguments/parameters/1/value\n  value: other-bucket\n"
    overlay(tmp_path, "dev", patch=twice)
    shown = os.path.realpath(tmp_path / "overlays/dev/bucket.yaml")
    with pytest.raises(buckets.BucketFileError, match=f"^{shown}: dvc-s3-bucket is set to different values: old-bucket, other"):
        buckets.read_settings(tmp_path, "dev")
    two_regions = PATCH + "- op: replace\n  path: /spec/arguments/parameters/2/value\n  value: eu-west-1\n"
    (tmp_path / "overlays/dev/bucket.yaml").write_text(two_regions)
    with pytest.raises(buckets.BucketFileError, match=f"^{shown}: dvc-s3-region is set to different values"):
        buckets.read_settings(tmp_path, "dev")
    same_twice = PATCH + "- op: add\n  path: /spec/arguments/parameters/1/value\n  value: old-bucket\n"
    (tmp_path / "overlays/dev/bucket.yaml").write_text(same_twice)
    assert buckets.read_settings(tmp_path, "dev").bucket == "old-bucket"


def test_value_ops_need_a_test_op_on_the_name_and_a_value_op_at_the_same_place():
    ops = [
        {"op": "test", "path": "/p/1/name", "value": "dvc-s3-bucket"},
        {"op": "replace", "path": "/p/1/value", "value": "a"},
        {"op": "add", "path": "/p/1/value", "value": "b"},
        {"op": "remove", "path": "/p/1/value", "value": "c"},  # not a setting op
        {"op": "replace", "path": "/p/2/value", "value": "d"},  # another parameter's slot
        {"op": "replace", "path": "/p/1/value"},  # no value
        {"op": "replace", "path": "/p/1/valueX", "value": "e"},
        {"op": "test", "path": "/q/1/nameX", "value": "dvc-s3-bucket"},  # not a name test
        {"op": "replace", "path": "/q/1/value", "value": "f"},
        {"op": "test", "path": 7, "value": "dvc-s3-bucket"},
        {"op": "replace", "path": 7, "value": "g"},
        "not an op",
    ]
    assert [op["value"] for op in buckets._value_ops(ops, "dvc-s3-bucket")] == ["a", "b"]
    assert buckets._value_ops(ops, "dvc-s3-region") == []
    assert buckets._value_ops({"op": "test"}, "dvc-s3-bucket") == []


def test_edit_changes_exactly_the_value_lines_and_keeps_quotes_and_endings():
    new = buckets.edit_bucket_text(PATCH, bucket="new-bucket", region="eu-west-1")
    assert new == PATCH.replace("value: old-bucket", "value: new-bucket").replace('"us-east-1"', '"eu-west-1"')
    assert buckets.edit_bucket_text(PATCH, region="eu-west-1") == PATCH.replace('"us-east-1"', '"eu-west-1"')
    assert buckets.edit_bucket_text(PATCH) == PATCH  # nothing asked: the text as it was
    assert buckets.edit_bucket_text(PATCH, bucket="old-bucket") == PATCH  # already so: the same text
    crlf = PATCH.replace("\n", "\r\n")
    assert buckets.edit_bucket_text(crlf, bucket="b-2") == crlf.replace("old-bucket", "b-2")
    ended = PATCH + "...\n\n"
    assert buckets.edit_bucket_text(ended, bucket="b-2") == ended.replace("old-bucket", "b-2")
    started = "---\n" + PATCH
    assert buckets.edit_bucket_text(started, bucket="b-2") == started.replace("old-bucket", "b-2")


@pytest.mark.parametrize("text", [
    PATCH.rstrip("\n"),  # no newline at the end
    PATCH + "\n\n",  # blank lines after the last op
    PATCH + "# end of dev's bucket\n",
    PATCH + "...\n",
    PATCH + "...",
    PATCH.replace("\n", "\r\n").rstrip("\r\n"),
    PATCH.replace("value: old-bucket\n", "value: old-bucket\r\n"),  # one CRLF line among LF ones
    PATCH.replace("and region", "and region  "),  # trailing spaces on a line the edit does not touch
    PATCH.replace("and region", "and region, see OPS-X"),  # a line that ends in a letter the ending test skips
    "\n" + PATCH,  # the dumper drops blank lines before the first node: they were refused as a change
    "\r\n  \n" + PATCH.replace("\n", "\r\n"),
    "\n---\n" + PATCH,
    "\n\n# c\n\n" + PATCH + "\n\n# tail\n\n\n",  # the dumper keeps one of the two blank lines first, and all last
], ids=["no-final-newline", "blank-lines", "comment", "dots", "dots-no-newline", "crlf-no-final-newline",
        "mixed-endings", "trailing-spaces", "ends-in-X", "blank-first-line", "blank-lines-first-crlf",
        "blank-line-then-start-marker", "blank-lines-around-comments"])
def test_edit_keeps_how_the_file_starts_and_ends_and_every_byte_but_the_values(text: str):
    new = buckets.edit_bucket_text(text, bucket="b-2", region="eu-west-1")
    assert new == text.replace("old-bucket", "b-2").replace('"us-east-1"', '"eu-west-1"')


def test_a_quoted_value_keeps_its_own_quotes_where_a_plain_one_would_get_double_quotes():
    single = PATCH.replace("value: old-bucket", "value: 'old-bucket'")
    assert buckets.edit_bucket_text(single, bucket="yes") == single.replace("'old-bucket'", "'yes'")
    assert buckets.edit_bucket_text(PATCH, bucket="yes") == PATCH.replace("old-bucket", '"yes"')


def test_two_value_lines_next_to_each_other_are_edited_each_with_its_own_ending():
    adjacent = ("- op: test\n  path: /p/1/name\n  value: dvc-s3-bucket\n- op: test\n  path: /p/2/name\n"
                "  value: dvc-s3-region\n- op: replace\n  path: /p/1/value\n  value: old-bucket\n"
                "- value: us-east-1\r\n  op: replace\n  path: /p/2/value\n")
    assert buckets.edit_bucket_text(adjacent, bucket="b-2", region="eu-west-1") == adjacent.replace(
        "old-bucket", "b-2").replace("us-east-1", "eu-west-1")


def test_the_diff_shows_each_line_as_written_but_its_ending():
    diff = buckets.unified_diff("keep  \nold X\r\n", "keep  \nnew X\r\n", "f")
    assert diff == "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n keep  \n-old X\n+new X\n"


def test_edit_keeps_a_wider_indentation_and_finds_no_patch_in_a_mapping():
    patch = "-   op: test\n    path: /p/1/name\n    value: dvc-s3-bucket\n-   op: replace\n    path: /p/1/value\n" \
            "    value: old\n"
    assert buckets.edit_bucket_text(patch, bucket="new") == patch.replace("value: old", "value: new")
    with pytest.raises(buckets.BucketFileError, match="no `replace` op sets dvc-s3-bucket"):
        buckets.edit_bucket_text("ops:\n" + patch, bucket="new")  # a list under a key is no JSON6902 patch


def test_edit_refuses_what_it_cannot_change_alone():
    with pytest.raises(buckets.BucketFileError, match="no `replace` op sets dvc-s3-region"):
        buckets.edit_bucket_text(PATCH.split("- op: test\n  path: /spec/arguments/parameters/2")[0], region="x")
    with pytest.raises(buckets.BucketFileError, match="cannot parse"):
        buckets.edit_bucket_text("- op: [\n", bucket="x")
    flow = "[{op: test, path: /p/1/name, value: dvc-s3-bucket}, {op: replace, path: /p/1/value, value: old}]\n"
    with pytest.raises(buckets.BucketFileError, match=r"would change more than the value lines here \(lines 1-2\)"):
        buckets.edit_bucket_text(flow + "# tail\n", bucket="new-bucket-with-a-longer-name")
    with pytest.raises(buckets.BucketFileError, match=r"here \(lines 2-2\)"):  # one line the dumper would respace
        buckets.edit_bucket_text(PATCH.replace("- op: test", "- op:  test", 1), bucket="b-2")
    with pytest.raises(buckets.BucketFileError, match=r"here \(lines 2-3\)"):  # the file's own line numbers
        buckets.edit_bucket_text("\n" + flow + "# tail\n", bucket="new-bucket-with-a-longer-name")
    # ruamel's emitter itself fails on this one (IndexError): a refusal, not an internal error
    with pytest.raises(buckets.BucketFileError) as refused:
        buckets.edit_bucket_text("# c\n" + flow + "# tail\n", bucket="new-bucket-with-a-longer-name")
    assert str(refused.value) == ("ruamel.yaml cannot write this layout back (IndexError: list index out of range); "
                                  "edit the file by hand or simplify its layout")


@pytest.mark.parametrize("old, value, expected", [
    ("plain", "new-bucket", "new-bucket"),
    ("plain", "yes", '"yes"'),  # YAML 1.1 reads a plain yes as true
    ("plain", "123", '"123"'),
    ("plain", "1.5", '"1.5"'),
    ("plain", "a: b", '"a: b"'),
])
def test_a_new_value_is_quoted_where_a_yaml_1_1_reader_would_not_see_a_string(old, value, expected):
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    got = buckets._scalar_like(old, value)
    assert got == value
    assert type(got) is (str if expected == value else DoubleQuotedScalarString)
    kept = buckets._scalar_like(SingleQuotedScalarString("x"), "new")
    assert type(kept) is SingleQuotedScalarString and kept == "new"


DVC = """\
[core]
    remote = dev
# a comment
; another
['remote "dev"']
    url = s3://dev-bucket/dvc
    region = us-east-1
['remote "local"']
    url = /tmp/dvc
[remote "prod"]
    url = 's3://prod-bucket/data'
    region = "eu-west-1"
    url = s3://ignored-second-url
"""


def test_dvc_remotes_are_read_in_file_order_with_bucket_region_and_line():
    assert buckets.dvc_remotes(DVC) == [
        buckets.DvcRemote("dev", "s3://dev-bucket/dvc", "dev-bucket", "us-east-1", 6),
        buckets.DvcRemote("local", "/tmp/dvc", None, None, 9),
        buckets.DvcRemote("prod", "s3://prod-bucket/data", "prod-bucket", "eu-west-1", 11),
    ]
    assert buckets.dvc_remotes("") == []


def test_editing_dvc_config_repoints_only_the_named_remotes_and_keeps_quotes_and_endings():
    new = buckets.edit_dvc_config(DVC, ["prod"], new_bucket="prod-2", region="eu-central-1")
    assert new == DVC.replace("'s3://prod-bucket/data'", "'s3://prod-2/data'").replace(
        '"eu-west-1"', '"eu-central-1"').replace("s3://ignored-second-url", "s3://prod-2")
    only_old = buckets.edit_dvc_config(DVC, ["prod"], new_bucket="prod-2", old_bucket="prod-bucket")
    assert "'s3://prod-2/data'" in only_old and "s3://ignored-second-url" in only_old
    assert '"eu-west-1"' in only_old  # no region given: the region line stays
    crlf = DVC.replace("\n", "\r\n")
    assert buckets.edit_dvc_config(crlf, ["dev"], new_bucket="d2") == crlf.replace("s3://dev-bucket", "s3://d2")
    assert buckets.edit_dvc_config(DVC, ["local"], new_bucket="x") == DVC  # not on S3: nothing to repoint
    assert buckets.edit_dvc_config(DVC, [], new_bucket="x") == DVC


def test_which_remotes_follow_an_environment():
    remotes = buckets.dvc_remotes(DVC + "['remote \"backup\"']\n    url = s3://dev-bucket/backup\n")
    assert buckets.remotes_for_environment(remotes, "dev", "dev-bucket", False) == ["dev"]
    assert buckets.remotes_for_environment(remotes, "dev", "dev-bucket", True) == ["dev"]
    assert buckets.remotes_for_environment(remotes, "staging", "dev-bucket", False) == ["dev", "backup"]
    assert buckets.remotes_for_environment(remotes, "staging", "dev-bucket", True) == []
    assert buckets.remotes_for_environment(remotes, "staging", None, False) == []
    # named for it, on the new bucket already (a second run): still the environment's
    assert buckets.remotes_for_environment(remotes, "prod", "gone", False, new_bucket="prod-bucket") == ["prod"]
    # "local" is not on S3, so never the environment's, even when named for it
    assert buckets.remotes_for_environment(remotes, "local", None, False) == []


def test_the_diff_is_gits_and_shows_crlf_lines_plainly():
    diff = buckets.unified_diff("a\r\nb\r\n", "a\r\nc\r\n", "overlays/dev/bucket.yaml")
    assert diff == "--- a/overlays/dev/bucket.yaml\n+++ b/overlays/dev/bucket.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    assert buckets.unified_diff("same\n", "same\n", "x") == ""


def test_reading_a_fifo_a_directory_or_a_file_leaves_no_descriptor_open(tmp_path: Path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_bytes(b"x: 1\n")
    open_before = sorted(os.listdir("/proc/self/fd"))
    for name in ("fifo", "dir"):
        with pytest.raises(buckets.BucketFileError, match=f"^{name}: not a regular file$"):
            buckets.read_regular(tmp_path / name, name)
    assert buckets.read_regular(tmp_path / "file", "file") == b"x: 1\n"
    assert sorted(os.listdir("/proc/self/fd")) == open_before


def test_files_that_are_not_regular_or_not_utf8_are_refused_by_name_and_place(tmp_path: Path):
    fifo = tmp_path / "bucket.yaml"
    os.mkfifo(fifo)
    with pytest.raises(buckets.BucketFileError, match="bucket.yaml: not a regular file"):
        buckets.read_regular(fifo, "bucket.yaml")
    with pytest.raises(buckets.BucketFileError, match="gone.yaml: No such file"):
        buckets.read_regular(tmp_path / "gone.yaml", "gone.yaml")
    with pytest.raises(buckets.BucketFileError, match=r"x.yaml line 2: not UTF-8 \(byte 0xe9\) here; re-save"):
        buckets.decode_utf8(b"a: 1\nb: caf\xe9\n", "x.yaml", " here")
    assert buckets.decode_utf8("ü\n".encode(), "x.yaml") == "ü\n"
    (tmp_path / "bad.yaml").write_text("a: [\n")
    with pytest.raises(buckets.BucketFileError, match="bad.yaml: "):
        buckets._safe_load(tmp_path / "bad.yaml")
    assert (buckets._strip_eol("x\r\n"), buckets._eol("x\r\n"), buckets._eol("x")) == ("x", "\r\n", "")


def test_dvc_config_comments_empty_and_quoted_values_and_other_keys_are_read_as_dvc_reads_them():
    text = """\
url = s3://before-any-section/x
['remote "dev"']
    # url = s3://commented-out/dvc
    ; url = s3://also-commented/dvc
    profile = ml
    endpointurl =
    region = ""
    url = s3://dev-bucket/dvc
['remote "devS3"']
    url = 's3://other/x
"""
    assert buckets.dvc_remotes(text) == [
        buckets.DvcRemote("dev", "s3://dev-bucket/dvc", "dev-bucket", "", 8),
        buckets.DvcRemote("devS3", "'s3://other/x", None, None, 10),  # an unclosed quote stays
    ]


def test_a_remote_is_named_for_an_environment_by_whole_words_only():
    remotes = buckets.dvc_remotes("['remote \"devS3\"']\n  url = s3://b1/x\n['remote \"dev_s3\"']\n  url = s3://b2/x\n")
    assert buckets.remotes_for_environment(remotes, "dev", "b0", False) == ["dev_s3"]


def test_a_patch_without_a_region_op_reads_as_no_region_and_unusual_values_are_kept(tmp_path: Path):
    overlay(tmp_path, "dev", patch=PATCH.split("- op: test\n  path: /spec/arguments/parameters/2")[0])
    assert (buckets.read_settings(tmp_path, "dev").bucket, buckets.read_settings(tmp_path, "dev").region) == (
        "old-bucket", None)
    remotes = buckets.dvc_remotes("['remote \"x\"']\n  region = XregionX\n  url = s3://b/x\n")
    assert remotes[0].region == "XregionX"  # only a quote pair is stripped


def test_refusals_name_the_file_and_say_the_whole_reason(tmp_path: Path):
    with pytest.raises(buckets.BucketFileError) as caught:
        buckets.decode_utf8(b"\nb: caf\xe9\n", "x.yaml")
    assert str(caught.value) == ("x.yaml line 2: not UTF-8 (byte 0xe9); re-save it as UTF-8 "
                                 "(e.g. `iconv -f latin1 -t utf-8`)")
    latin1, fifo = tmp_path / "latin1.yaml", tmp_path / "fifo.yaml"
    latin1.write_bytes(b"a: caf\xe9\n")
    os.mkfifo(fifo)
    with pytest.raises(buckets.BucketFileError, match=rf"^{latin1} line 1: not UTF-8"):
        buckets._safe_load(latin1)
    with pytest.raises(buckets.BucketFileError, match=rf"^{fifo}: not a regular file$"):
        buckets._safe_load(fifo)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "link.yaml").symlink_to(latin1)
    with pytest.raises(buckets.BucketFileError) as caught:
        buckets.inside(root, root / "link.yaml", "link.yaml")
    assert str(caught.value) == (f"link.yaml resolves to {latin1}, outside the repository ({root}); not read or "
                                 "edited through a symlink that leaves it")


def test_an_overlay_or_kustomization_that_leaves_the_repository_is_not_read(tmp_path: Path):
    root = tmp_path / "repo"
    outside = overlay(tmp_path / "elsewhere", "dev")
    (root / "overlays").mkdir(parents=True)
    (root / "overlays" / "dev").symlink_to(outside)
    with pytest.raises(buckets.BucketFileError, match=rf"^{root / 'overlays' / 'dev'} resolves to {outside},"):
        buckets.find_bucket_file(root / "overlays" / "dev", root)
    d = overlay(root, "prod")
    (d / "kustomization.yaml").unlink()
    (d / "kustomization.yaml").symlink_to(outside / "kustomization.yaml")
    with pytest.raises(buckets.BucketFileError, match="kustomization.yaml resolves to .* outside the repository"):
        buckets.find_bucket_file(d, root)


def test_edit_keeps_long_lines_and_nested_mappings_at_the_files_own_indentation():
    long = "a description far longer than eighty characters, which a dumper at its default width would fold"
    patch = PATCH + f"- op: add\n  path: /metadata/annotations/description\n  value: {long}\n"
    assert buckets.edit_bucket_text(patch, bucket="b-2") == patch.replace("old-bucket", "b-2")
    wide = ("-   op: test\n    path: /p/1/name\n    value: dvc-s3-bucket\n-   op: replace\n    path: /p/1/value\n"
            "    value: old\n-   op: add\n    path: /metadata/labels\n    value:\n        team: ml\n")
    assert buckets.edit_bucket_text(wide, bucket="new") == wide.replace("value: old", "value: new")
    assert buckets._scalar_like("plain", "'quoted'") == "'quoted'"
    assert type(buckets._scalar_like("plain", "'quoted'")) is not str  # a plain 'quoted' would lose its quotes


def test_edit_sets_every_op_of_the_parameter_not_only_the_first():
    twice = PATCH.replace("value: old-bucket", "value: b-2") + (
        "- op: add\n  path: /spec/arguments/parameters/1/value\n  value: old-bucket\n")
    assert buckets.edit_bucket_text(twice, bucket="b-2") == twice.replace("old-bucket", "b-2")


def test_a_long_patch_whose_value_lines_are_parted_by_lines_repeated_everywhere_is_edited_on_those_lines():
    # difflib's autojunk treats a line repeated in over 1% of a 200+ line text (the blank between one-line ops) as
    # junk it never matches on its own: the blank between the two value lines would then count as changed
    labels = "".join(f"- {{op: add, path: /spec/templates/{i}/metadata/labels/team, value: ml}}\n\n"
                     for i in range(100))
    text = ("- {op: test, path: /spec/arguments/parameters/4/name, value: dvc-s3-bucket}\n\n"
            "- {op: test, path: /spec/arguments/parameters/5/name, value: dvc-s3-region}\n\n" + labels
            + "- {op: replace, path: /spec/arguments/parameters/4/value, value: old-bucket}\n\n"
            + "- {op: replace, path: /spec/arguments/parameters/5/value, value: us-east-1}\n")
    assert len(text.splitlines()) > 200
    edited = buckets.edit_bucket_text(text, bucket="new-bucket", region="eu-west-1")
    assert edited == text.replace("value: old-bucket}", "value: new-bucket}").replace("value: us-east-1}",
                                                                                       "value: eu-west-1}")


def test_a_line_the_dumper_would_insert_is_refused_at_the_line_it_would_go_before():
    # after a flow value, ruamel writes the empty item's `- ` above the comment line 17 (and the comment under it)
    text = (PATCH + "- op: add\n  path: /spec/templates/0/tolerations\n  value: [{key: gpu, operator: Exists}]\n"
            "# the next op\n- # TODO\n")
    with pytest.raises(buckets.BucketFileError, match=r"here \(lines 17-17\)"):
        buckets.edit_bucket_text(text, bucket="new-bucket")
