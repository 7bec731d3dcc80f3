"""FastSafeLoader gives exactly CSafeLoader's results, errors and safety, only faster."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from validation.fastyaml import FastSafeLoader, load_all

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("*/*.yaml"))


def _both(text: str) -> tuple[list, list]:
    return list(yaml.load_all(text, Loader=yaml.CSafeLoader)), list(load_all(text))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixtures_load_identically(path: Path) -> None:
    plain, fast = _both(path.read_text(encoding="utf-8"))
    assert fast == plain


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 1.5\nc: true\nd: null\ne: 2024-01-02\nf: '1'\ng: 0o17\nh: .inf\n",
        "base: &b {x: 1}\nmerged:\n  <<: *b\n  y: 2\n",  # merge key: standard constructor
        "? [1, 2]\n: unhashable-key\n",
        "x: !!binary aGVsbG8=\n",
        "- &a [1, 2]\n- *a\n",
        "---\n---\nk: v\n...\n",
    ],
)
def test_edge_cases_match_csafeloader(text: str) -> None:
    try:
        plain = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        with pytest.raises(type(exc)):
            list(load_all(text))
        return
    assert list(load_all(text)) == plain


def test_timestamps_and_types_are_the_safe_ones() -> None:
    (doc,) = load_all("t: 2024-01-02T03:04:05Z\nd: 2024-01-02\n")
    assert isinstance(doc["t"], datetime.datetime) and doc["d"] == datetime.date(2024, 1, 2)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        list(load_all("x: !!python/object/apply:os.system ['true']\n"))


def test_aliases_are_shared_not_expanded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 20):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    (doc,) = load_all("\n".join(lines) + "\n")
    assert doc["t"][0] is doc["t"][1]  # 10^20 leaves if expanded; one shared list per anchor here


def test_recursive_alias_falls_back_like_pyyaml() -> None:
    text = "a: &a\n  self: *a\n"
    (plain,), (fast,) = _both(text)
    assert fast["a"]["self"] is fast["a"]
    assert plain["a"]["self"] is plain["a"]


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                      max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(docs=st.lists(values, min_size=1, max_size=3))
def test_random_streams_load_identically(docs: list) -> None:
    text = yaml.dump_all(docs, Dumper=yaml.CSafeDumper)
    plain, fast = _both(text)
    assert fast == plain


def test_loader_is_a_csafeloader() -> None:
    assert issubclass(FastSafeLoader, yaml.CSafeLoader)


def test_a_loader_is_freed_without_the_cyclic_collector() -> None:
    """A run keeps the GC off, so a reference cycle would hold each file's loader (its text and libyaml's buffers)
    to the end: 1 GB at 50,000 files. Loading must leave no cyclic garbage, aliases and fallbacks included."""
    import gc

    from validation.source_lint import load_text

    texts = ["a: 1\nb: [1, 2, {c: d}]\n---\ne: f\n", "a: &x [1]\nb: *x\n", "a: &x {b: 1}\nc: *x\n"]
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        for text in texts:
            load_text(text, "x.yaml")
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
