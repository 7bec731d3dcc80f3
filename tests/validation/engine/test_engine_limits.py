"""Every numeric limit of the validator, at exactly the limit (accepted, kept whole) and one past it (refused, cut).

A `>` that becomes `>=` passes any test that only tries values far from the limit; these pin the edge itself.
Byte limits in the megabytes are lowered with monkeypatch: the comparison is what is pinned, and it reads the
module's constant at call time. Time-outs cannot be hit to the microsecond, so the lock's deadline is tested with
a clock the test controls, and kustomize's with a child that finishes in time and one that does not.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path

import pytest

from validation import engine, render, repo_lock, schema_check, scratch, source_lint, sourcemap

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: padded}\ndata: {k: v}\n"


def _file_of(path: Path, size: int) -> Path:
    """A valid manifest padded with a comment to exactly `size` bytes."""
    pad = size - len(CONFIGMAP) - 2
    path.write_text(CONFIGMAP + "#" + "x" * pad + "\n")
    assert path.stat().st_size == size
    return path


def test_a_file_of_exactly_max_file_bytes_is_read_and_one_byte_more_is_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(source_lint, "MAX_FILE_BYTES", 4096)
    exact = source_lint.load_file(_file_of(tmp_path / "exact.yaml", 4096), "exact.yaml")
    assert exact.ok and exact.issues == [] and exact.documents[0].data["metadata"]["name"] == "padded"
    over = source_lint.load_file(_file_of(tmp_path / "over.yaml", 4097), "over.yaml")
    assert not over.ok and [i.rule_id for i in over.issues] == ["YAML-TOO-LARGE"]


def test_kustomize_gets_a_file_of_exactly_max_file_bytes_but_not_one_byte_more(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "MAX_FILE_BYTES", 4096)
    assert render._poison(_file_of(tmp_path / "exact.yaml", 4096)) is None
    reason = render._poison(_file_of(tmp_path / "over.yaml", 4097))
    assert reason is not None and "over the 0 MiB limit" in reason  # 4 KiB rounds down to 0 MiB


def test_source_lines_are_looked_up_in_a_file_of_exactly_max_file_bytes_and_not_in_a_bigger_one(tmp_path, monkeypatch):
    monkeypatch.setattr(sourcemap, "MAX_FILE_BYTES", 4096)
    sourcemap.clear_cache()
    _file_of(tmp_path / "exact.yaml", 4096)
    _file_of(tmp_path / "over.yaml", 4097)
    assert sourcemap.locate(tmp_path, "exact.yaml", "ConfigMap", "padded", ("data", "k")).line == 4
    assert sourcemap.locate(tmp_path, "over.yaml", "ConfigMap", "padded", ("data", "k")) is None


def test_a_file_of_exactly_whole_file_bytes_is_composed_whole_and_a_bigger_one_document_by_document(monkeypatch):
    monkeypatch.setattr(sourcemap, "WHOLE_FILE_BYTES", 64)
    two = "a: 1\n---\nb: 2\n"
    exact = sourcemap._File(two + "#" * (64 - len(two)))
    over = sourcemap._File(two + "#" * (65 - len(two)))
    # Whole: only a line where a document starts has a document. Sliced: the text from any line is composed.
    assert exact.document_at(3) == (exact.documents()[1], 0)
    assert exact.document_at(2) == (None, 0)
    node, offset = over.document_at(3)
    assert (node.value[0][0].value, offset) == ("b", 2)
    assert over._slices and over._docs is None, "a bigger file is never composed whole"


# "a: &x [b, c]\nd: *x": the mapping (1), key a (1), the list and its two items (3), key d (1), the alias's list (3).
ALIASED = "a: &x [b, c]\nd: *x\n"
ALIASED_NODES = 9


def test_aliases_expanding_to_exactly_max_expanded_nodes_are_read_and_one_node_more_is_a_bomb(monkeypatch):
    monkeypatch.setattr(source_lint, "MAX_EXPANDED_NODES", ALIASED_NODES)
    exact = source_lint.load_text(ALIASED, "x.yaml")
    assert exact.ok and exact.documents[0].data == {"a": ["b", "c"], "d": ["b", "c"]}
    monkeypatch.setattr(source_lint, "MAX_EXPANDED_NODES", ALIASED_NODES - 1)
    bomb = source_lint.load_text(ALIASED, "x.yaml")
    assert not bomb.ok and [i.rule_id for i in bomb.issues] == ["YAML-ALIAS-BOMB"]
    assert f"beyond {ALIASED_NODES - 1:,} nodes" in bomb.issues[0].message


@pytest.mark.parametrize("nested", [
    lambda n: "a: " + "{a: " * (n - 1) + "1" + "}" * (n - 1),  # flow mappings inside the top mapping
    lambda n: "- " * n + "x",  # compact block lists on one line
    lambda n: "".join("  " * i + "k:\n" for i in range(n)) + "  " * n + "v\n",  # indented block mappings
], ids=["flow", "block-list", "block-map"])
def test_nesting_of_exactly_max_depth_is_handed_to_kustomize_and_one_level_more_is_not(nested):
    assert render.too_deep(nested(render.MAX_DEPTH).encode()) is False
    assert render.too_deep(nested(render.MAX_DEPTH + 1).encode()) is True


def test_a_message_of_exactly_max_message_is_kept_whole_and_a_longer_one_is_cut():
    exact = "e" * engine.MAX_MESSAGE
    assert engine.bounded(exact) == exact
    longer = "s" + "e" * engine.MAX_MESSAGE
    cut = engine.bounded(longer)
    assert cut != longer and "characters cut" in cut and cut.startswith("s") and len(cut) <= engine.MAX_MESSAGE + 30


def test_kustomizes_message_of_exactly_max_stderr_is_kept_whole_and_a_longer_one_is_cut():
    exact = "k" * render.MAX_STDERR
    assert render._clip(exact) == exact
    cut = render._clip(exact + "!")
    assert cut.endswith("k!") and "1 characters of kustomize's message cut" in cut
    assert len(cut) < render.MAX_STDERR + 80


def test_an_object_gets_exactly_max_issues_per_object_schema_issues():
    limit = schema_check.MAX_ISSUES_PER_OBJECT
    schema = {"type": "object", "additionalProperties": {"type": "string"}}  # one issue per field that is not

    def issues(n: int) -> list:
        import jsonschema_rs

        return schema_check.explain(jsonschema_rs.validator_for(schema), schema, {f"field{i}": i for i in range(n)})

    assert len(issues(limit - 1)) == limit - 1
    assert len(issues(limit)) == limit
    assert len(issues(limit + 1)) == limit


class _Clock:
    """time.monotonic and time.sleep for repo_lock, stepping through given instants."""

    def __init__(self, instants: list[float]) -> None:
        self.instants = instants
        self.sleeps = 0

    def monotonic(self) -> float:
        return self.instants.pop(0)

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1


def test_the_lock_waits_until_exactly_its_time_out_and_no_longer(tmp_path, monkeypatch):
    held = os.open(tmp_path / repo_lock.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # another holder: flock locks per open file, so this process counts as one
    try:
        # start at 100 with a 5 s time-out: still trying at 104.999..., gives up at exactly 105
        clock = _Clock([100.0, 104.99999, 105.0])
        monkeypatch.setattr(repo_lock, "time", clock)
        said: list[str] = []
        with pytest.raises(repo_lock.LockTimeout, match="gave up after 5 s"):
            with repo_lock.repo_lock(tmp_path, "test", timeout=5.0, say=said.append):
                pass
        assert clock.sleeps == 1 and clock.instants == []
        assert len(said) == 1 and said[0].startswith("waiting for the repository lock, held by another process")
    finally:
        os.close(held)


def test_kustomize_is_stopped_at_its_time_out_and_a_build_within_it_is_read(tmp_path):
    quick = render.KustomizeEngine((sys.executable, "-c", "import sys; print('built', sys.argv[1])"))
    assert render._run(quick, tmp_path, timeout=30).strip() == f"built {tmp_path}"
    slow = render.KustomizeEngine((sys.executable, "-c", "import time; time.sleep(60)"))
    start = time.monotonic()
    with pytest.raises(render.RenderError, match="kustomize did not finish within 1 s"):
        render._run(slow, tmp_path, timeout=1)
    assert time.monotonic() - start < 30, "the child was killed at the time-out, not waited for"


def test_an_old_style_scratch_directory_is_swept_only_past_its_legacy_age(tmp_path):
    now = time.time()
    young, old = tmp_path / f"{scratch.PREFIX}young", tmp_path / f"{scratch.PREFIX}old"
    young.mkdir()
    old.mkdir()
    os.utime(young, (now, now - scratch.LEGACY_AGE + 60))  # a minute short of the age: kept
    os.utime(old, (now, now - scratch.LEGACY_AGE - 60))
    assert scratch.sweep_stale(str(tmp_path)) == [old]
    assert young.is_dir() and not old.exists()
