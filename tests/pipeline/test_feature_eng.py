"""feature-eng: TF-IDF fit on the training rows only, outputs versioned, damaged inputs named."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import data_prep, dataset, feature_eng, files, versioning
from pipeline.errors import DataError, PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import EmbeddedRun, embedded_settings, write_csv

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


def test_outputs_are_the_training_rows_and_are_versioned(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    features = files.read_pickle(s.features_pkl, "feature-eng")
    labels = files.read_pickle(s.labels_pkl, "feature-eng")
    vectorizer = files.read_pickle(s.vectorizer_pkl, "feature-eng")
    train = dataset.read_split_csv(s.train_csv)
    assert features.shape[0] == len(labels) == len(train) == embedded_run.features.samples
    assert list(labels) == list(train.labels)
    assert "not great" in vectorizer.vocabulary_, "word pairs let the model read negations"
    for path in (s.features_pkl, s.labels_pkl, s.vectorizer_pkl):
        md5 = versioning.content_md5(path)
        assert (s.local_remote / "files" / "md5" / md5[:2] / md5[2:]).is_file(), path.name


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A dataset in which every row carries a word of its own, so the vocabulary shows which rows it saw."""
    tmp = tmp_path_factory.mktemp("tagged")
    rows = [(f"row{i} was {'good' if i % 2 else 'bad'} indeed", i % 2) for i in range(200)]
    write_csv(tmp / "tagged.csv", ["text", "label"], rows)
    s = embedded_settings(tmp / "work", input_uri=str(tmp / "tagged.csv"), data_version="tagged")
    data_prep.run(s)
    feature_eng.run(s)
    return s


def test_the_vocabulary_holds_no_word_of_the_test_rows(tagged: Settings) -> None:
    vocabulary = files.read_pickle(tagged.vectorizer_pkl, "feature-eng").vocabulary_
    own_word = {row: f"row{row - 1}" for row in range(1, 201)}
    train, test = dataset.read_split_csv(tagged.train_csv), dataset.read_split_csv(tagged.test_csv)
    assert all(own_word[row] in vocabulary for row in train.rows)
    leaked = [own_word[row] for row in test.rows if own_word[row] in vocabulary]
    assert leaked == [], "the vectorizer saw test rows"


def test_the_fit_does_not_change_when_the_test_rows_do(tagged: Settings, tmp_path: Path) -> None:
    s = replace(tagged, workdir=tmp_path / "copy")
    shutil.copytree(tagged.workdir, s.workdir)
    before = files.read_pickle(s.vectorizer_pkl, "feature-eng")
    test = dataset.read_split_csv(s.test_csv)
    other = dataset.Table(tuple(f"unseen words {i} zebra" for i in range(len(test))), test.labels, test.rows)
    s.test_csv.write_text(dataset.to_split_csv(other))
    feature_eng.run(s)
    after = files.read_pickle(s.vectorizer_pkl, "feature-eng")
    assert after.vocabulary_ == before.vocabulary_
    assert (after.idf_ == before.idf_).all()


def test_raw_split_is_pulled_when_not_local(embedded_copy: Settings) -> None:
    s = embedded_copy
    expected = s.train_csv.read_bytes()
    s.train_csv.unlink()
    shutil.rmtree(s.workdir / ".dvc" / "cache")  # only the remote has it now
    result = feature_eng.run(s)
    assert s.train_csv.read_bytes() == expected
    assert result.samples == len(dataset.read_split_csv(s.train_csv))


def test_a_missing_data_version_names_the_version(embedded_copy: Settings) -> None:
    with pytest.raises(PipelineError) as err:
        feature_eng.run(replace(embedded_copy, data_version="v9.9"))
    message = str(err.value)
    assert "data version 'v9.9' not found" in message and "run `python -m pipeline data-prep" in message


def test_a_split_gone_from_the_remote_names_what_could_not_be_pulled(embedded_copy: Settings) -> None:
    s = embedded_copy
    s.train_csv.unlink()
    shutil.rmtree(s.workdir / ".dvc" / "cache")
    shutil.rmtree(s.local_remote / "files")
    with pytest.raises(PipelineError) as err:
        feature_eng.run(s)
    message = str(err.value)
    assert "could not pull data version 'v1.0' (data/split/train_v1.0.csv)" in message
    assert str(s.local_remote) in message


def test_a_truncated_split_file_names_the_file_and_data_prep(embedded_copy: Settings) -> None:
    s = embedded_copy
    s.train_csv.write_bytes(s.train_csv.read_bytes()[:1000])
    with pytest.raises(DataError) as err:
        feature_eng.run(s)
    assert re.search(
        rf"{re.escape(str(s.train_csv))} is not data version 'v1.0'.s file .* since data-prep", str(err.value)
    )
