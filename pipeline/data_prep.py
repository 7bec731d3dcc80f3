"""Step 1, data-prep: your data (--input) or the sample, checked, split, and versioned as --data-version.

- `--input` given, version new: the file is read and checked, split, and versioned.
- `--input` given, version exists: the same bytes read the same way reuse the version; anything else is refused.
- no `--input`, version exists: its exact bytes and split are pulled from the remote.
- no `--input`, version new: the sample is generated from `--seed` and versioned.
Nothing is pushed and no record is written until every check has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline import data_versions, dataset, files, remote_store, sample, versioning
from pipeline.data_versions import DataVersion, StoredFile
from pipeline.errors import DataError
from pipeline.settings import Settings

HELP = "check and version --input (or the sample) as --data-version, with its training/test split"
SAMPLE_NAME = "sample_data_{version}.csv"


@dataclass(frozen=True)
class DataPrepResult:
    record: DataVersion
    created: bool  # False: the version existed and its bytes were reused

    def summary(self) -> str:
        r = self.record
        how = "created" if self.created else f"reused (created {r.created})"
        classes = ", ".join(f"{label}: {n}" for label, n in r.classes.items())
        return (
            f"data version {r.version} {how}: {r.raw.name}, {r.rows} rows (classes {classes}), md5 {r.raw.md5}, "
            f"from {r.source}; {r.rows - r.test_rows} training / {r.test_rows} test rows"
        )


def run(settings: Settings) -> DataPrepResult:
    existing = data_versions.lookup(settings)
    if settings.input_uri:
        return _from_input(settings, existing)
    if existing is not None:
        return _reuse(settings, existing)
    name = SAMPLE_NAME.format(version=settings.data_version)
    incoming = settings.workdir / "data" / "incoming" / name
    files.write_text(incoming, sample.to_csv(sample.make_records(settings.seed)))
    table = dataset.load(incoming, "csv", "text", "label", shown_as=str(incoming))
    return _create(settings, incoming, name, table, "csv", "text", "label", source=f"sample (seed {settings.seed})")


def _from_input(settings: Settings, existing: DataVersion | None) -> DataPrepResult:
    uri = settings.input_uri
    name = _file_name(uri)
    fmt = dataset.detect_format(name, settings.input_format, shown_as=uri)
    incoming = settings.workdir / "data" / "incoming" / name
    try:
        remote_store.fetch_input(settings, incoming)
        table = dataset.load(incoming, fmt, settings.text_column, settings.label_column, shown_as=uri)
        if existing is None:
            source = uri if uri.startswith("s3://") else str(Path(uri).expanduser().resolve())
            return _create(
                settings, incoming, name, table, fmt, settings.text_column, settings.label_column, source, shown_as=uri
            )
        brought = (files.md5_of(incoming), fmt, settings.text_column, settings.label_column)
        if brought != (existing.raw.md5, existing.format, existing.text_column, existing.label_column):
            what = "its content" if brought[0] != existing.raw.md5 else "how it is read (format or columns)"
            raise data_versions.refuse_conflict(existing, f"--input {uri} (md5 {brought[0]}): {what}", settings)
        _move(incoming, settings.raw_dir / existing.raw.name)
        return _reuse(settings, existing)
    finally:
        _discard(incoming)


def _create(
    settings: Settings,
    incoming: Path,
    name: str,
    table: dataset.Table,
    fmt: str,
    text_column: str,
    label_column: str,
    source: str,
    shown_as: str = "",
) -> DataPrepResult:
    shown = shown_as or str(incoming)
    train, test = dataset.split(table, settings.seed)
    dataset.check_classes(train.labels, shown, "training rows")
    dataset.check_classes(test.labels, shown, "test rows")
    _check_vocabulary(train, shown)
    # Every check passed: only now do files take their place, get pushed, and the record comes last.
    raw = settings.raw_dir / name
    _move(incoming, raw)
    files.write_text(settings.train_csv, dataset.to_split_csv(train))
    files.write_text(settings.test_csv, dataset.to_split_csv(test))
    versioning.add_and_push(settings, [raw, settings.train_csv, settings.test_csv])
    stored = {p: StoredFile(p.name, *versioning.tracked(p)) for p in (raw, settings.train_csv, settings.test_csv)}
    record = DataVersion(
        version=settings.data_version,
        raw=stored[raw],
        format=fmt,
        text_column=text_column,
        label_column=label_column,
        source=source,
        rows=len(table),
        classes={str(label): n for label, n in table.classes.items()},
        split_seed=settings.seed,
        test_size=dataset.TEST_SIZE,
        test_rows=len(test),
        train=stored[settings.train_csv],
        test=stored[settings.test_csv],
        created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        environment=settings.environment,
        git_commit=settings.git_commit,
    )
    winner = data_versions.publish(settings, record)
    if winner is record:
        data_versions.save_local(settings, record)
        return DataPrepResult(record, created=True)
    # Another run created the version between our lookup and now.
    if not winner.same_content(record):
        raise data_versions.refuse_conflict(winner, f"this run's data (md5 {record.raw.md5})", settings)
    for ours in (settings.train_csv, settings.test_csv):  # the winner's split may come from another seed
        ours.unlink(missing_ok=True)
        versioning.dvc_file(ours).unlink(missing_ok=True)
    return _reuse(settings, winner)


def _move(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source.replace(target)
    _discard(source)


def _discard(incoming: Path) -> None:
    """Remove what is left of data/incoming/: a refused file, and the folder once empty."""
    incoming.unlink(missing_ok=True)
    try:
        incoming.parent.rmdir()
    except OSError:
        pass  # not empty, or gone already


def _reuse(settings: Settings, record: DataVersion) -> DataPrepResult:
    data_versions.materialise(settings, record)
    data_versions.save_local(settings, record)
    return DataPrepResult(record, created=False)


def _check_vocabulary(train: dataset.Table, shown: str) -> None:
    from pipeline.feature_eng import make_vectorizer

    try:
        make_vectorizer().fit(train.texts)
    except ValueError as exc:  # "empty vocabulary; perhaps the documents only contain stop words"
        raise DataError(
            f"{shown}: the training rows have no words to learn from ({exc}); texts need words of two or more letters"
        ) from exc


def _file_name(uri: str) -> str:
    """The input's file name, made safe for a path: letters, digits, '.', '_' and '-'."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", uri.rstrip("/").rsplit("/", 1)[-1]).lstrip(".")
    return name[-128:] or "data"
