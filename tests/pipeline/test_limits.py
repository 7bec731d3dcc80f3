"""Every numeric limit of the pipeline, at exactly the limit (accepted) and one step past it (refused).

A `<` that becomes `<=` passes any test that only tries values far from the limit; these pin the edge itself.
The accuracy gate's edge is in test_evaluate_model.py, where a real run supplies the accuracy.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pytest

from pipeline import cli, dataset, remote_store
from pipeline.errors import DataError, UsageError
from pipeline.settings import Settings

MIB = 1024 * 1024


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(workdir=tmp_path / "work", **overrides)  # type: ignore[arg-type]


def test_max_input_mb_refuses_a_local_file_one_byte_over_and_copies_one_exactly_at_it(tmp_path: Path) -> None:
    exact, over = tmp_path / "exact.csv", tmp_path / "over.csv"
    exact.write_bytes(b"x" * MIB)
    over.write_bytes(b"x" * (MIB + 1))
    dest = tmp_path / "copy" / "in.csv"
    assert remote_store.fetch_input(settings(tmp_path, input_uri=str(exact), max_input_mb=1), dest) == MIB
    assert dest.stat().st_size == MIB
    with pytest.raises(DataError, match=r"is 1\.0 MB, over the limit of 1 MB \(--max-input-mb\)"):
        remote_store.fetch_input(settings(tmp_path, input_uri=str(over), max_input_mb=1), tmp_path / "copy" / "o.csv")
    assert not (tmp_path / "copy" / "o.csv").exists()


def test_the_capped_copy_keeps_exactly_the_limit_and_refuses_one_byte_more(tmp_path: Path) -> None:
    """The copy's own cap (for a file or object that grows after its size was checked)."""
    s = settings(tmp_path, max_input_mb=1)
    dest = tmp_path / "in.csv"
    remote_store._copy_capped("in.csv", iter([b"x" * (MIB - 1), b"x"]), dest, MIB, s)
    assert dest.stat().st_size == MIB
    with pytest.raises(DataError, match="over the limit of 1 MB"):
        remote_store._copy_capped("in.csv", iter([b"y" * MIB, b"y"]), tmp_path / "grown.csv", MIB, s)
    assert not (tmp_path / "grown.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == [], "no scratch file left behind"


@pytest.mark.parametrize(
    ("field", "lowest_accepted", "refused"),
    [
        ("max_input_mb", 1, 0),
        ("epochs", 1, 0),
        ("batch_size", 1, 0),
        ("seed", 0, -1),
        ("min_accuracy", 0.0, -math.ulp(0.0)),
        ("learning_rate", math.ulp(0.0), 0.0),
    ],
)
def test_settings_accept_the_lowest_value_and_refuse_the_next_one_down(
    tmp_path: Path, field: str, lowest_accepted: object, refused: object
) -> None:
    assert getattr(settings(tmp_path, **{field: lowest_accepted}), field) == lowest_accepted
    with pytest.raises(UsageError, match=field.replace("_", " ").replace("max input mb", "max input size")):
        settings(tmp_path, **{field: refused})


@pytest.mark.parametrize(("field", "highest_accepted"), [("min_accuracy", 1.0), ("learning_rate", 10.0)])
def test_settings_accept_the_highest_value_and_refuse_the_next_one_up(
    tmp_path: Path, field: str, highest_accepted: float
) -> None:
    assert getattr(settings(tmp_path, **{field: highest_accepted}), field) == highest_accepted
    with pytest.raises(UsageError, match=field.replace("_", " ")):
        settings(tmp_path, **{field: math.nextafter(highest_accepted, math.inf)})


@pytest.mark.parametrize(
    ("parse", "accepted", "refused"),
    [
        (cli.positive_int, ["1"], ["0"]),
        (cli.non_negative_int, ["0"], ["-1"]),
        (cli.fraction, ["0", "1", "0.0", "1.0"], ["-0.0000001", "1.0000001"]),
        (cli.learning_rate, ["0.0000001", "10"], ["0", "10.0000001"]),
    ],
)
def test_flag_parsers_accept_their_bounds_and_refuse_just_past_them(
    parse: object, accepted: list[str], refused: list[str]
) -> None:
    for text in accepted:
        assert parse(text) == float(text)  # type: ignore[operator]
    for text in refused:
        with pytest.raises(argparse.ArgumentTypeError, match="must be"):
            parse(text)  # type: ignore[operator]


def _table(rows_per_label: dict[int, int]) -> dataset.Table:
    texts, labels = [], []
    for label, n in rows_per_label.items():
        texts += [f"review {label} number {i}" for i in range(n)]
        labels += [label] * n
    return dataset.Table(tuple(texts), tuple(labels), tuple(range(2, len(texts) + 2)))


def test_every_class_needs_exactly_min_rows_per_class() -> None:
    least = dataset.MIN_ROWS_PER_CLASS
    dataset.check(_table({0: least, 1: least}), "in.csv")  # exactly the minimum: accepted
    with pytest.raises(DataError, match=rf"too few rows in 1 class\(es\) \(label 1: {least - 1}\)"):
        dataset.check(_table({0: least, 1: least - 1}), "in.csv")
