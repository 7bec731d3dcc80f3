"""`python -m pipeline data list|pull`: what versions a remote holds, and any one of them back, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import data_prep
from tests.pipeline.conftest import EmbeddedRun, embedded_settings, run_cli, write_reviews

pytestmark = pytest.mark.timeout(300)  # generous: a hang is a failure


@pytest.fixture(scope="module")
def workdir(embedded_run: EmbeddedRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session run's workdir (v1.0, the sample) plus v2.0 from a user CSV, reviews.csv beside it."""
    import shutil

    tmp = tmp_path_factory.mktemp("versions")
    shutil.copytree(embedded_run.settings.workdir, tmp / "work")
    write_reviews(tmp / "reviews.csv", rows=50)
    data_prep.run(embedded_settings(tmp / "work", input_uri=str(tmp / "reviews.csv"), data_version="v2.0"))
    return tmp / "work"


def test_list_shows_every_version_oldest_first(workdir: Path, embedded_run: EmbeddedRun, tmp_path: Path) -> None:
    table = run_cli("data", "list", "--workdir", str(workdir), cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["VERSION", "CREATED", "ROWS", "CLASSES"]
    assert [line.split()[0] for line in lines[1:]] == ["v1.0", "v2.0"]
    assert "sample (seed 42)" in lines[1] and "reviews.csv" in lines[2]
    as_json = run_cli("data", "list", "--json", "--workdir", str(workdir), cwd=tmp_path)
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["version"] for r in rows] == ["v1.0", "v2.0"]
    assert rows[0]["md5"] == embedded_run.prep.record.raw.md5 and rows[1]["rows"] == 50


def test_list_of_an_empty_remote_says_so(tmp_path: Path) -> None:
    result = run_cli("data", "list", "--workdir", str(tmp_path / "none"), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"no data versions in {tmp_path / 'none' / 'dvc-remote'}"


def test_pull_writes_the_original_file_into_an_empty_folder(workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("data", "pull", "v2.0", "--output", str(out), "--workdir", str(workdir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    original = (workdir.parent / "reviews.csv").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["reviews.csv"], "nothing but the file: no scratch left"
    assert (out / "reviews.csv").read_bytes() == original
    assert f"wrote {out / 'reviews.csv'}" in result.stdout


def test_pull_with_split_adds_the_training_and_test_rows(embedded_run: EmbeddedRun, tmp_path: Path) -> None:
    s = embedded_run.settings
    out = tmp_path / "out"
    result = run_cli("data", "pull", "v1.0", "--split", "--output", str(out), "--workdir", str(s.workdir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name, source in (
        ("sample_data_v1.0.csv", s.raw_dir / "sample_data_v1.0.csv"),
        ("train_v1.0.csv", s.train_csv),
        ("test_v1.0.csv", s.test_csv),
    ):
        assert (out / name).read_bytes() == source.read_bytes(), name


def test_pull_of_an_unknown_version_lists_the_known_ones(workdir: Path, tmp_path: Path) -> None:
    result = run_cli("data", "pull", "v9", "--output", str(tmp_path / "o"), "--workdir", str(workdir), cwd=tmp_path)
    assert result.returncode == 1
    assert "data version 'v9' is not in" in result.stderr and "(it has: v1.0, v2.0)" in result.stderr
    assert not (tmp_path / "o").exists()


def test_pull_never_overwrites_a_different_file(workdir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "reviews.csv").write_text("mine\n")
    result = run_cli("data", "pull", "v2.0", "--output", str(out), "--workdir", str(workdir), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{out / 'reviews.csv'} exists and differs from data version 'v2.0'" in result.stderr
    assert (out / "reviews.csv").read_text() == "mine\n"
    assert sorted(p.name for p in out.iterdir()) == ["reviews.csv"]
