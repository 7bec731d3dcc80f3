"""A labelled text table: read from CSV, JSON Lines or Parquet, checked, and split into training and test rows.

Every problem is a `DataError` (exit 2) whose one-line message starts with the file it is about. Checks run
before anything is versioned, so a bad file is refused with nothing pushed and nothing trained.
Rows are numbered from 1 in file order, the header not counted (row 1 is the first data row).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import DataError

TEST_SIZE = 0.2
# Enough that a stratified 80/20 split puts at least two rows of every class in the test rows, and the
# validation rows train-model takes from the training rows can still be stratified.
MIN_ROWS_PER_CLASS = 10
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet"}
EXTENSIONS[".pq"] = "parquet"


@dataclass(frozen=True)
class Table:
    """Texts and integer labels, with each row's number in the file it came from."""

    texts: tuple[str, ...]
    labels: tuple[int, ...]
    rows: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def classes(self) -> dict[int, int]:
        """Label -> number of rows, in label order."""
        return dict(sorted(Counter(self.labels).items()))

    def take(self, indexes: Any) -> Table:
        return Table(
            tuple(self.texts[i] for i in indexes),
            tuple(self.labels[i] for i in indexes),
            tuple(self.rows[i] for i in indexes),
        )


def detect_format(name: str, declared: str = "auto", shown_as: str = "") -> str:
    """csv, jsonl or parquet: `declared` unless it is auto, else from the file name's extension."""
    if declared != "auto":
        return declared
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise DataError(
            f"{shown_as or name}: cannot tell the format from the extension {suffix or '(none)'!r}; "
            f"use one of {known} or pass --input-format csv|jsonl|parquet"
        )
    return EXTENSIONS[suffix]


def load(path: Path, fmt: str, text_column: str, label_column: str, shown_as: str) -> Table:
    """Read and check the table in `path`; messages name `shown_as` (what the user passed, e.g. an s3:// URI)."""
    if path.stat().st_size == 0:
        raise DataError(f"{shown_as} is empty")
    columns, records = {"csv": _read_csv, "jsonl": _read_jsonl, "parquet": _read_parquet}[fmt](path, shown_as)
    if not records:
        raise DataError(f"{shown_as} has a header but no rows")
    missing = [(what, name) for what, name in (("text", text_column), ("label", label_column)) if name not in columns]
    if missing:
        flags = " and ".join(f"--{what}-column" for what, _ in missing)
        names = " and ".join(f"{what} column {name!r}" for what, name in missing)
        raise DataError(
            f"{shown_as} has no {names} (its columns: {', '.join(map(str, columns)) or 'none'}); set {flags}"
        )
    texts = [_text(shown_as, text_column, row, rec.get(text_column)) for row, rec in enumerate(records, 1)]
    typed = fmt != "csv"  # CSV has no types: there "1" is the number 1; in JSON it is a string
    labels = [_label(shown_as, label_column, row, rec.get(label_column), typed) for row, rec in enumerate(records, 1)]
    table = Table(tuple(texts), tuple(labels), tuple(range(1, len(records) + 1)))
    check(table, shown_as)
    return table


def check(table: Table, shown_as: str) -> None:
    """Duplicates, one class only, too few rows in a class."""
    first_seen: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for text, row in zip(table.texts, table.rows, strict=True):
        key = " ".join(text.split()).lower()
        if key in first_seen:
            repeats.append((row, first_seen[key]))
        else:
            first_seen[key] = row
    if repeats:
        row, earlier = repeats[0]
        raise DataError(
            f"{shown_as}: {len(repeats)} row(s) repeat an earlier row's text (first: row {row} = row {earlier}); "
            "remove duplicates, or the same text lands in both the training and the test rows"
        )
    classes = table.classes
    if len(classes) < 2:
        (label,) = classes
        raise DataError(
            f"{shown_as} has one class only (label {label} in all {len(table)} rows); a classifier needs two"
        )
    small = {label: n for label, n in classes.items() if n < MIN_ROWS_PER_CLASS}
    if small:
        listed = ", ".join(f"label {label}: {n}" for label, n in small.items())
        raise DataError(
            f"{shown_as}: too few rows in {len(small)} class(es) ({listed}); every class needs at least "
            f"{MIN_ROWS_PER_CLASS} so it is in both the training and the test rows"
        )


def check_classes(labels: Any, shown_as: str, what: str) -> None:
    """At least two classes in `labels` (a split's labels, as a later step reads them back)."""
    found = sorted({int(x) for x in labels})
    if len(found) < 2:
        only = f"label {found[0]} only" if found else "no rows"
        raise DataError(f"{shown_as}: the {what} have {only}; a classifier needs two classes")


def split(table: Table, seed: int, test_size: float = TEST_SIZE) -> tuple[Table, Table]:
    """Stratified training and test rows, in file order; the same table and seed always give the same split."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(table))
    train_idx, test_idx = train_test_split(idx, test_size=test_size, stratify=table.labels, random_state=seed)
    return table.take(np.sort(train_idx)), table.take(np.sort(test_idx))


# --- split files: what data-prep versions and later steps read -------------------------------------------------

SPLIT_COLUMNS = ("row", "text", "label")


def to_split_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SPLIT_COLUMNS)
    writer.writerows(zip(table.rows, table.texts, table.labels, strict=True))
    return buf.getvalue()


def read_split_csv(path: Path, written_by: str = "data-prep") -> Table:
    """A split file as data-prep wrote it; anything else is named as damaged, with the step to rerun."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if tuple(header or ()) != SPLIT_COLUMNS:
                raise ValueError(f"header is {header}, not {list(SPLIT_COLUMNS)}")
            rows, texts, labels = [], [], []
            for line, record in enumerate(reader, 2):
                if len(record) != 3:
                    raise ValueError(f"line {line} has {len(record)} fields, not 3")
                rows.append(int(record[0]))
                texts.append(record[1])
                labels.append(int(record[2]))
    except FileNotFoundError:
        raise
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path} is damaged ({exc}); it is written by {written_by}: run {written_by} again") from exc
    if not rows:
        raise DataError(f"{path} has no rows (truncated?); it is written by {written_by}: run {written_by} again")
    return Table(tuple(texts), tuple(labels), tuple(rows))


# --- readers: (column names, one dict per row) ----------------------------------------------------------------


def _read_csv(path: Path, shown_as: str) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, strict=True)
            header = next(reader, None)
            if not header or not any(h.strip() for h in header):
                raise DataError(f"{shown_as} has no header row (the first line must name the columns)")
            records = []
            for line_no, fields in enumerate(reader, 2):
                if not fields:
                    continue  # a blank line
                if len(fields) != len(header):
                    raise DataError(
                        f"{shown_as}: line {line_no} has {len(fields)} fields, the header {len(header)} "
                        "(a comma in a text needs quotes)"
                    )
                records.append(dict(zip(header, fields, strict=True)))
    except UnicodeDecodeError as exc:
        raise DataError(f"{shown_as} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from exc
    except csv.Error as exc:
        raise DataError(f"{shown_as} is not valid CSV ({exc})") from exc
    return header, [{k: None if v == "" else v for k, v in rec.items()} for rec in records]


def _read_jsonl(path: Path, shown_as: str) -> tuple[list[str], list[dict[str, Any]]]:
    columns: dict[str, None] = {}
    records = []
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for line_no, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError as exc:
                    raise DataError(f"{shown_as}: line {line_no} is not valid JSON ({exc})") from exc
                if not isinstance(value, dict):
                    raise DataError(f"{shown_as}: line {line_no} is not a JSON object but {line.strip()[:40]}")
                columns.update(dict.fromkeys(value))
                records.append(value)
    except UnicodeDecodeError as exc:
        raise DataError(f"{shown_as} is not UTF-8 text (byte {exc.start}: {exc.reason})") from exc
    return list(columns), records


def _read_parquet(path: Path, shown_as: str) -> tuple[list[str], list[dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{shown_as} is not a readable Parquet file ({exc})") from exc
    return table.column_names, table.to_pylist()


# --- values ----------------------------------------------------------------------------------------------------


def _text(shown_as: str, column: str, row: int, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DataError(f"{shown_as}: row {row} has no text (column {column!r} is empty)")
    if not isinstance(value, str):
        raise DataError(
            f"{shown_as}: row {row}'s text is {value!r}, a {type(value).__name__}; column {column!r} must hold text"
        )
    if not value.strip():
        raise DataError(f"{shown_as}: row {row} has no text (column {column!r} is blank)")
    return value


def _label(shown_as: str, column: str, row: int, value: Any, typed: bool) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DataError(f"{shown_as}: row {row} has no label (column {column!r} is empty)")
    if isinstance(value, str) and not typed:
        for convert in (int, float):
            try:
                value = convert(value.strip())
                break
            except ValueError:
                pass
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not value.is_integer())
    ):
        raise DataError(
            f"{shown_as}: row {row}'s label is {value!r}; labels must be whole numbers (0, 1, ... one per class), "
            "so map names such as 'positive' to numbers first"
        )
    return int(value)
