"""Reading and checking a labelled table: every problem is one line that names the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipeline import dataset
from pipeline.errors import DataError

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure

GOOD = [(f"review number {i} was {'great' if i % 2 else 'awful'}", i % 2) for i in range(40)]


def _csv(rows: list[tuple[object, ...]], header: str = "text,label") -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buf.getvalue()


def _load(tmp_path: Path, content: str | bytes, name: str = "in.csv", **kw: str) -> dataset.Table:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    fmt = dataset.detect_format(name, kw.pop("fmt", "auto"), shown_as=f"s3://b/{name}")
    return dataset.load(path, fmt, kw.get("text", "text"), kw.get("label", "label"), shown_as=f"s3://b/{name}")


def test_a_good_csv_loads_with_row_numbers(tmp_path: Path) -> None:
    table = _load(tmp_path, _csv(GOOD))
    assert len(table) == 40 and table.rows[0] == 1 and table.classes == {0: 20, 1: 20}
    assert table.texts[1] == GOOD[1][0] and table.labels[1] == 1


def test_json_lines_and_parquet_load_the_same_table(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = "".join(json.dumps({"t": t, "y": y}) + "\n" for t, y in GOOD) + "\n"  # a trailing blank line is fine
    from_jsonl = _load(tmp_path, lines, "in.jsonl", text="t", label="y")
    pq.write_table(pa.table({"t": [t for t, _ in GOOD], "y": [y for _, y in GOOD]}), tmp_path / "in.parquet")
    from_parquet = dataset.load(tmp_path / "in.parquet", "parquet", "t", "y", "in.parquet")
    assert from_jsonl == from_parquet == _load(tmp_path, _csv(GOOD))


def test_multi_class_labels_are_kept(tmp_path: Path) -> None:
    rows = [(f"text {i} about topic {i % 3}", i % 3) for i in range(45)]
    assert _load(tmp_path, _csv(rows)).classes == {0: 15, 1: 15, 2: 15}


def test_whole_floats_are_labels_fractions_are_not(tmp_path: Path) -> None:
    rows = [(t, f"{y}.0") for t, y in GOOD]
    assert _load(tmp_path, _csv(rows)).labels[:2] == (0, 1)
    with pytest.raises(DataError, match=r"row 3's label is 0\.5"):
        _load(tmp_path, _csv(GOOD[:2] + [(GOOD[2][0], 0.5)] + GOOD[3:]))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        pytest.param("", "in.csv", "s3://b/in.csv is empty", id="empty-file"),
        pytest.param("text,label\n", "in.csv", "has a header but no rows", id="header-only"),
        pytest.param(_csv(GOOD, "review,label"), "in.csv", "has no text column 'text' (its columns: review, label); set --text-column", id="missing-text-column"),
        pytest.param(_csv(GOOD, "text,stars"), "in.csv", "has no label column 'label'", id="missing-label-column"),
        pytest.param(_csv(GOOD, "a,b"), "in.csv", "has no text column 'text' and label column 'label'", id="wrong-columns"),
        pytest.param(_csv([(t, "positive" if y else "negative") for t, y in GOOD]), "in.csv", "row 1's label is 'negative'; labels must be whole numbers", id="string-labels"),
        pytest.param(_csv(GOOD[:4] + [("", 1)] + GOOD[5:]), "in.csv", "row 5 has no text", id="null-text"),
        pytest.param(_csv(GOOD[:4] + [("   ", 1)] + GOOD[5:]), "in.csv", "row 5 has no text (column 'text' is blank)", id="blank-text"),
        pytest.param(_csv(GOOD[:4] + [(GOOD[4][0], "")] + GOOD[5:]), "in.csv", "row 5 has no label", id="null-label"),
        pytest.param(_csv(GOOD + [GOOD[3]]), "in.csv", "1 row(s) repeat an earlier row's text (first: row 41 = row 4)", id="duplicate-rows"),
        pytest.param(_csv([(t.upper(), y) for t, y in GOOD[:1]] + GOOD), "in.csv", "(first: row 2 = row 1)", id="duplicate-modulo-case"),
        pytest.param(_csv([(t, 1) for t, _ in GOOD]), "in.csv", "has one class only (label 1 in all 40 rows)", id="one-class"),
        pytest.param(_csv(GOOD + [("a rare one", 2), ("another rare one", 2)]), "in.csv", "too few rows in 1 class(es) (label 2: 2); every class needs at least 10", id="too-few-per-class"),
        pytest.param(_csv(GOOD)[:-15] + '"unterminated\n', "in.csv", "line 41 has 1 fields, the header 2", id="ragged-csv"),
        pytest.param("text,label\n\xff\xfe,1\n".encode("latin-1"), "in.csv", "is not UTF-8 text", id="not-utf8"),
        pytest.param('{"text": "a", "label": 1}\n{"text": \n', "in.jsonl", "line 2 is not valid JSON", id="bad-json-line"),
        pytest.param('[1, 2]\n', "in.jsonl", "line 1 is not a JSON object", id="json-not-object"),
        pytest.param("".join(json.dumps({"text": t, "label": str(y)}) + "\n" for t, y in GOOD), "in.jsonl", "row 1's label is '0'", id="json-string-labels"),
        pytest.param("".join(json.dumps({"text": t, "label": bool(y)}) + "\n" for t, y in GOOD), "in.jsonl", "row 1's label is False", id="json-bool-labels"),
        pytest.param("".join(json.dumps({"text": i, "label": i % 2}) + "\n" for i in range(40)), "in.jsonl", "row 1's text is 0, a int", id="numbers-as-text"),
        pytest.param(b"PAR1 not really parquet", "in.parquet", "is not a readable Parquet file", id="bad-parquet"),
        pytest.param("x", "in.xlsx", "cannot tell the format from the extension '.xlsx'", id="unknown-extension"),
    ],
)  # fmt: skip
def test_each_problem_is_one_line_naming_the_file(
    tmp_path: Path, content: str | bytes, name: str, message: str
) -> None:
    with pytest.raises(DataError) as err:
        _load(tmp_path, content, name)
    text = str(err.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith(f"s3://b/{name}")


def test_split_is_stratified_seeded_and_in_file_order() -> None:
    table = dataset.Table(tuple(f"t{i}" for i in range(100)), tuple([0, 1] * 50), tuple(range(1, 101)))
    train, test = dataset.split(table, seed=42)
    assert len(test) == 20 and len(train) == 80 and sum(test.labels) == 10
    assert not set(train.rows) & set(test.rows)
    assert list(test.rows) == sorted(test.rows)
    assert dataset.split(table, seed=42) == (train, test)
    assert dataset.split(table, seed=43)[1] != test


def test_split_files_round_trip_and_damage_is_named(tmp_path: Path) -> None:
    table = dataset.Table(("a, with comma", 'b "quoted"\nand a newline'), (0, 1), (3, 9))
    path = tmp_path / "train_v1.csv"
    path.write_text(dataset.to_split_csv(table))
    assert dataset.read_split_csv(path) == table
    path.write_text(dataset.to_split_csv(table)[:20])
    with pytest.raises(DataError, match=rf"{path} is damaged .* it is written by data-prep: run data-prep again"):
        dataset.read_split_csv(path)


def test_check_classes_names_the_file_and_the_part() -> None:
    with pytest.raises(DataError, match="labels.pkl: the training rows have label 1 only"):
        dataset.check_classes(np.array([1, 1, 1]), "labels.pkl", "training rows")
