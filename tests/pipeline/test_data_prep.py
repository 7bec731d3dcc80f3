"""data-prep: a deterministic, balanced dataset, written atomically and pushed to the DVC remote."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline import data_prep, versioning
from tests.pipeline.conftest import EmbeddedRun, embedded_settings


def test_records_are_balanced_and_sized() -> None:
    records = data_prep.make_records(seed=3)
    assert len(records) == 100
    assert sum(r.label for r in records) == 50
    assert len({r.text for r in records}) > 60, "the sample should not be a handful of repeated sentences"


def test_same_seed_same_records_other_seed_other_records() -> None:
    assert data_prep.make_records(11) == data_prep.make_records(11)
    assert data_prep.make_records(11) != data_prep.make_records(12)


def test_csv_round_trips(tmp_path: Path) -> None:
    records = data_prep.make_records(5)
    text = data_prep.to_csv(records)
    assert text.splitlines()[0] == "id,text,label,sentiment"
    path = tmp_path / "sample.csv"
    path.write_text(text)
    assert data_prep.read_csv(path) == records


def test_run_writes_the_versioned_file_and_pushes_it(embedded_run: EmbeddedRun) -> None:
    settings = embedded_run.settings
    assert settings.raw_csv == settings.workdir / "data/raw/sample_data_v1.0.csv"
    assert settings.raw_csv.read_text() == data_prep.to_csv(data_prep.make_records(settings.seed))
    md5 = versioning.content_md5(settings.raw_csv)
    assert md5 == embedded_run.prep.md5
    assert (settings.local_remote / "files" / "md5" / md5[:2] / md5[2:]).is_file()


def test_data_version_names_the_file(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path / "w", data_version="v2.3")
    result = data_prep.run(settings)
    assert result.path.name == "sample_data_v2.3.csv"
    assert (result.path.parent / "sample_data_v2.3.csv.dvc").is_file()


def test_works_with_the_workdir_inside_a_git_checkout(tmp_path: Path, monkeypatch) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # cwd is neither the checkout nor the workdir
    settings = embedded_settings(checkout / ".pipeline")
    result = data_prep.run(settings)
    assert result.records == 100
    assert (checkout / ".pipeline" / ".dvc" / "config").read_text().count("no_scm") == 1
    assert not (checkout / ".dvc").exists(), "DVC must not take over the enclosing repository"
