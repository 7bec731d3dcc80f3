"""Step 2, feature-eng: TF-IDF fit on the training rows only, versioned with DVC.

The test rows are never read here: what the vectorizer learns (vocabulary, IDF weights) cannot depend on them,
and the served model carries this vectorizer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import data_versions, dataset, files, versioning
from pipeline.errors import DataError
from pipeline.settings import Settings

HELP = "fit TF-IDF on the training rows of --data-version, version the features"
MAX_FEATURES = 20_000
STEP = "feature-eng"


@dataclass(frozen=True)
class FeatureEngResult:
    samples: int
    features: int
    outputs: dict[str, str]  # workdir-relative path -> DVC md5

    def summary(self) -> str:
        return f"{self.samples} training rows x {self.features} TF-IDF features -> " + ", ".join(self.outputs)


def make_vectorizer():  # -> TfidfVectorizer; sklearn is imported lazily to keep the CLI start fast
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Words and word pairs: pairs let a linear model read "not great"; sublinear tf damps repeated words.
    return TfidfVectorizer(ngram_range=(1, 2), max_features=MAX_FEATURES, sublinear_tf=True)


def run(settings: Settings) -> FeatureEngResult:
    import numpy as np

    record = data_versions.current(settings)
    data_versions.materialise(settings, record, ("train",))
    train = dataset.read_split_csv(settings.train_csv)
    vectorizer = make_vectorizer()
    try:
        features = vectorizer.fit_transform(train.texts)
    except ValueError as exc:  # empty vocabulary: data-prep checks this, a hand-made split may not pass it
        raise DataError(f"{settings.train_csv}: no words to learn from ({exc})") from exc
    labels = np.array(train.labels, dtype=np.int64)
    files.write_pickle(settings.features_pkl, features)
    files.write_pickle(settings.labels_pkl, labels)
    files.write_pickle(settings.vectorizer_pkl, vectorizer)
    hashes = versioning.add_and_push(settings, [settings.features_pkl, settings.labels_pkl, settings.vectorizer_pkl])
    return FeatureEngResult(samples=features.shape[0], features=features.shape[1], outputs=hashes)


def load_processed(settings: Settings):  # -> (csr_matrix, ndarray, TfidfVectorizer)
    """Training features, labels and the vectorizer, pulled through DVC when they are not in the workdir.

    Each file is checked against the hash feature-eng recorded, so a truncated file is named, not unpickled.
    """
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    parts = ((settings.features_pkl, (sparse.spmatrix, sparse.sparray)), (settings.labels_pkl, np.ndarray))
    parts += ((settings.vectorizer_pkl, TfidfVectorizer),)
    versioning.ensure_local(
        settings,
        [path for path, _ in parts],
        what=f"processed features for data version {settings.data_version!r}",
        hint=f"run `python -m pipeline feature-eng --data-version {settings.data_version}` first",
    )
    loaded = []
    for path, kind in parts:
        versioning.check_unchanged(path, STEP)
        loaded.append(files.read_pickle(path, STEP, kind))
    features, labels, vectorizer = loaded
    if features.shape[0] != len(labels):
        raise DataError(
            f"{settings.features_pkl} has {features.shape[0]} rows but {settings.labels_pkl} {len(labels)} labels; "
            f"run {STEP} again"
        )
    dataset.check_classes(labels, str(settings.labels_pkl), "training rows")
    return features, labels, vectorizer
