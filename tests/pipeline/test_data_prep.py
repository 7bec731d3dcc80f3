"""data-prep: the sample or your --input becomes an immutable data version, recorded next to DVC's store."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from unittest import mock

import pytest

from pipeline import data_prep, data_versions, dataset, files, sample
from pipeline.errors import DataError
from tests.pipeline.conftest import EmbeddedRun, embedded_settings, write_csv, write_reviews

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


def test_the_sample_is_a_few_thousand_balanced_distinct_rows() -> None:
    records = sample.make_records(seed=3)
    assert len(records) == sample.ROWS >= 2000
    assert sum(r.label for r in records) == sample.ROWS // 2
    assert len({r.text for r in records}) == len(records), "a repeated text would leak across the split"


def test_same_seed_same_sample_other_seed_other_sample() -> None:
    assert sample.make_records(11, n=200) == sample.make_records(11, n=200)
    assert sample.make_records(11, n=200) != sample.make_records(12, n=200)


def test_the_first_run_creates_the_version_and_records_it_in_the_remote(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    record = embedded_run.prep.record
    assert embedded_run.prep.created
    assert record.source == "sample (seed 42)" and record.rows == sample.ROWS
    raw = s.raw_dir / record.raw.name
    assert raw.read_text() == sample.to_csv(sample.make_records(s.seed))
    stored = json.loads((s.local_remote / "versions" / "v1.0.json").read_text())
    assert stored["raw"]["md5"] == files.md5_of(raw) == record.raw.md5
    # DVC's content-addressed store holds the original file and both halves of the split.
    for part in (record.raw, record.train, record.test):
        assert (s.local_remote / "files" / "md5" / part.md5[:2] / part.md5[2:]).is_file(), part.name


def test_the_split_is_stratified_disjoint_and_covers_every_row(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    train, test = dataset.read_split_csv(s.train_csv), dataset.read_split_csv(s.test_csv)
    assert len(test) == embedded_run.prep.record.test_rows == sample.ROWS // 5
    assert not set(train.rows) & set(test.rows)
    assert sorted(train.rows + test.rows) == list(range(1, sample.ROWS + 1))
    assert test.classes == {0: len(test) // 2, 1: len(test) // 2}


def test_a_later_run_without_input_gets_the_same_bytes_back(embedded_copy, tmp_path: Path) -> None:
    s = embedded_copy
    record = data_versions.current(s)
    before = {p: p.read_bytes() for p in data_versions.paths(s, record).values()}
    shutil.rmtree(s.workdir / "data")
    shutil.rmtree(s.workdir / ".dvc" / "cache")
    # Another seed: the version exists, so the seed does not make a new sample.
    again = data_prep.run(replace(s, seed=7))
    assert not again.created and again.record == record
    assert {p: p.read_bytes() for p in before} == before


def test_input_in_each_format_becomes_a_version(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts, labels = write_reviews(tmp_path / "reviews.csv", rows=60)
    (tmp_path / "reviews.jsonl").write_text(
        "".join(json.dumps({"body": t, "stars": y}) + "\n" for t, y in zip(texts, labels, strict=True))
    )
    pq.write_table(pa.table({"body": texts, "stars": labels}), tmp_path / "reviews.parquet")
    for i, (name, columns) in enumerate(
        [
            ("reviews.csv", ("text", "label")),
            ("reviews.jsonl", ("body", "stars")),
            ("reviews.parquet", ("body", "stars")),
        ]
    ):
        s = embedded_settings(
            tmp_path / f"w{i}", input_uri=str(tmp_path / name), text_column=columns[0], label_column=columns[1]
        )
        result = data_prep.run(s)
        assert result.created and result.record.rows == 60 and result.record.raw.name == name
        assert (s.raw_dir / name).read_bytes() == (tmp_path / name).read_bytes()
        assert dataset.read_split_csv(s.train_csv).texts[0] in texts


def test_the_same_input_again_reuses_the_version(tmp_path: Path) -> None:
    write_reviews(tmp_path / "reviews.csv", rows=60)
    s = embedded_settings(tmp_path / "w", input_uri=str(tmp_path / "reviews.csv"), data_version="v2.0")
    first = data_prep.run(s)
    second = data_prep.run(replace(s, seed=99))  # an other seed cannot re-split an existing version
    assert first.created and not second.created
    assert second.record == first.record


@pytest.mark.parametrize("change", ["content", "columns"])
def test_different_data_under_an_existing_version_is_refused(tmp_path: Path, change: str) -> None:
    texts, labels = write_reviews(tmp_path / "reviews.csv", rows=60)
    both = [(t, y, f"{t} indeed", 1 - y) for t, y in zip(texts, labels, strict=True)]
    write_csv(tmp_path / "reviews.csv", ["text", "label", "summary", "stars"], both)
    s = embedded_settings(tmp_path / "w", input_uri=str(tmp_path / "reviews.csv"), data_version="v2.0")
    data_prep.run(s)
    remote_before = sorted(p.relative_to(s.local_remote) for p in s.local_remote.rglob("*"))
    record_before = (s.local_remote / "versions" / "v2.0.json").read_bytes()
    if change == "content":
        write_reviews(tmp_path / "reviews.csv", rows=70)
        again = s
    else:  # the same bytes, read through other columns: other data
        again = replace(s, text_column="summary", label_column="stars")
    with pytest.raises(DataError, match=r"data version 'v2.0' already exists .* choose a new --data-version") as err:
        data_prep.run(again)
    assert ("its content" if change == "content" else "how it is read") in str(err.value)
    assert sorted(p.relative_to(s.local_remote) for p in s.local_remote.rglob("*")) == remote_before
    assert (s.local_remote / "versions" / "v2.0.json").read_bytes() == record_before


def test_a_run_that_loses_the_race_for_a_new_version_takes_the_winners(tmp_path: Path) -> None:
    """Two runs create v3 at once: the record is written once, and the loser uses the winner's split."""
    write_reviews(tmp_path / "reviews.csv", rows=60)
    winner = embedded_settings(tmp_path / "a", input_uri=str(tmp_path / "reviews.csv"), data_version="v3", seed=1)
    loser = replace(winner, workdir=tmp_path / "b", local_remote_dir=winner.local_remote, seed=2)
    won = data_prep.run(winner)
    with mock.patch.object(data_versions, "lookup", side_effect=[None, won.record]):  # it looked before the winner
        lost = data_prep.run(loser)
    assert not lost.created and lost.record == won.record
    assert loser.test_csv.read_bytes() == winner.test_csv.read_bytes()


def test_a_conflicting_racer_is_refused(tmp_path: Path) -> None:
    write_reviews(tmp_path / "a.csv", rows=60)
    write_reviews(tmp_path / "b.csv", rows=61)
    first = embedded_settings(tmp_path / "a", input_uri=str(tmp_path / "a.csv"), data_version="v3")
    won = data_prep.run(first)
    second = replace(
        first, workdir=tmp_path / "b", local_remote_dir=first.local_remote, input_uri=str(tmp_path / "b.csv")
    )
    with mock.patch.object(data_versions, "lookup", side_effect=[None, won.record]):
        with pytest.raises(DataError, match="already exists"):
            data_prep.run(second)


def test_works_with_the_workdir_inside_a_git_checkout(tmp_path: Path, monkeypatch) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # cwd is neither the checkout nor the workdir
    write_reviews(tmp_path / "reviews.csv", rows=40)
    settings = embedded_settings(checkout / ".pipeline", input_uri="../reviews.csv")  # relative to the cwd
    result = data_prep.run(settings)
    assert result.record.rows == 40 and result.record.source == str(tmp_path / "reviews.csv")
    assert (checkout / ".pipeline" / ".dvc" / "config").read_text().count("no_scm") == 1
    assert not (checkout / ".dvc").exists(), "DVC must not take over the enclosing repository"
