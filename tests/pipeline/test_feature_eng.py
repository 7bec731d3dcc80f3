"""feature-eng: TF-IDF from the raw data got through DVC, outputs versioned, missing versions named."""

from __future__ import annotations

import shutil

import pytest

from pipeline import data_prep, feature_eng, files, versioning
from pipeline.errors import PipelineError
from pipeline.settings import Settings
from tests.pipeline.conftest import EmbeddedRun


def test_outputs_are_saved_and_versioned(embedded_run: EmbeddedRun) -> None:
    s = embedded_run.settings
    features = files.read_pickle(s.features_pkl)
    labels = files.read_pickle(s.labels_pkl)
    vectorizer = files.read_pickle(s.vectorizer_pkl)
    assert features.shape == (100, feature_eng.MAX_FEATURES) == (100, 100)
    assert len(labels) == 100
    assert vectorizer.max_features == 100
    assert (vectorizer.transform(["the movie was great"]) != 0).nnz > 0
    for path in (s.features_pkl, s.labels_pkl, s.vectorizer_pkl):
        md5 = versioning.content_md5(path)
        assert (s.local_remote / "files" / "md5" / md5[:2] / md5[2:]).is_file(), path.name


def test_every_seed_has_enough_words_for_all_100_features() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # The vocabulary must exceed MAX_FEATURES whatever --seed is, or "100 features" silently shrinks.
    for seed in range(100):
        texts = [r.text for r in data_prep.make_records(seed)]
        assert len(TfidfVectorizer().fit(texts).vocabulary_) > feature_eng.MAX_FEATURES, seed


def test_raw_data_is_pulled_when_not_local(embedded_copy: Settings) -> None:
    s = embedded_copy
    expected = s.raw_csv.read_bytes()
    s.raw_csv.unlink()
    shutil.rmtree(s.workdir / ".dvc" / "cache")  # only the remote has it now
    result = feature_eng.run(s)
    assert s.raw_csv.read_bytes() == expected
    assert result.samples == 100


def test_missing_raw_version_names_the_file_and_the_version(embedded_copy: Settings) -> None:
    from dataclasses import replace

    with pytest.raises(PipelineError) as err:
        feature_eng.run(replace(embedded_copy, data_version="v9.9"))
    message = str(err.value)
    assert "raw data version 'v9.9'" in message
    assert "data/raw/sample_data_v9.9.csv" in message


def test_raw_data_gone_from_the_remote_names_what_could_not_be_pulled(embedded_copy: Settings) -> None:
    s = embedded_copy
    s.raw_csv.unlink()
    shutil.rmtree(s.workdir / ".dvc" / "cache")
    shutil.rmtree(s.local_remote)
    with pytest.raises(PipelineError) as err:
        feature_eng.run(s)
    message = str(err.value)
    assert "could not pull raw data version 'v1.0'" in message
    assert "data/raw/sample_data_v1.0.csv" in message
    assert str(s.local_remote) in message
