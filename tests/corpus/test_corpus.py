"""The regression corpus: every finding on real public GitOps trees is reviewed in expected.yaml, and stays so.

A finding missing from expected.yaml is new (a false positive to fix, or a true one to review and list); a listed
finding that no longer occurs has disappeared (a fix to record by regenerating the file, or a rule gone blind).
"""

from __future__ import annotations

import glob

import pytest

from tests.corpus.run import REPOS, REPOS_DIR, UNREVIEWED, expected_keys, finding_keys, load_expected, run_repo

EXPECTED = load_expected()


@pytest.fixture(scope="module", params=REPOS, ids=lambda r: r.name)
def outcome(request):
    return run_repo(request.param)


def test_every_finding_is_reviewed_and_every_reviewed_finding_still_occurs(outcome):
    groups = EXPECTED.get(outcome.repo.name, [])
    reviewed = expected_keys(groups)
    now = finding_keys(outcome)
    assert len(set(now)) == len(now), "two findings share a key: the comparison would miss one"
    by_key = dict(zip(now, outcome.findings, strict=True))
    new = sorted(k for k in set(now) - set(reviewed))
    gone = sorted(set(reviewed) - set(now))
    lines = [f"new: {k}\n    {by_key[k].file}:{by_key[k].line}: {by_key[k].message}" for k in new]
    lines += [f"gone: {k}" for k in gone]
    assert not lines, (f"{outcome.repo.name}: {len(new)} new and {len(gone)} vanished finding(s); fix the validator, "
                       "or review and run `python -m tests.corpus.run --update`:\n" + "\n".join(lines))


def test_every_group_of_findings_says_why(outcome):
    for group in EXPECTED.get(outcome.repo.name, []):
        why = str(group.get("why") or "").strip()
        assert why and why != UNREVIEWED, f"{outcome.repo.name}: unreviewed findings: {group.get('findings')}"


def test_the_tool_did_its_job_on_every_repository(outcome):
    """No tool error anywhere: a target that is truly unbuildable as committed is a RENDER-FAILED finding about the
    input (exit 1), listed and reviewed like any other."""
    assert outcome.errors == [], outcome.errors
    assert outcome.objects > 0


def _reads_plain_paths(repo) -> bool:
    """Whether the repository's PATHs include a file or folder read as it is (the input workers may share)."""
    from validation.targets import is_kustomization_dir

    root = REPOS_DIR / repo.name
    hits = [root / h for pattern in repo.paths for h in glob.glob(pattern, root_dir=root, recursive=True)]
    return any(h.name != "kustomization.yaml" and not is_kustomization_dir(h) for h in hits)


@pytest.mark.parametrize("repo", [r for r in REPOS if r.paths and _reads_plain_paths(r)], ids=lambda r: r.name)
def test_one_worker_and_two_give_the_same_findings_in_the_same_order_with_the_same_lines(repo, monkeypatch):
    """The PATHs' files are read over worker processes when the input is big: here every input counts as big,
    and a file is cut into runs of a few documents, so the corpora take the parallel path."""
    from validation import batch_read

    one = run_repo(repo, jobs=1)
    monkeypatch.setattr(batch_read, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(batch_read, "PIECE_MIN_BYTES", 2048)
    monkeypatch.setattr(batch_read, "PIECE_MAX_BYTES", 2048)
    forked = []
    ordered_map = batch_read.pool.ordered_map

    def spy(fn, tasks, workers):
        forked.append(len(tasks))
        return ordered_map(fn, tasks, workers)

    monkeypatch.setattr(batch_read.pool, "ordered_map", spy)
    two = run_repo(repo, jobs=2)
    assert forked and max(forked) > 1, "the parallel path was not taken"
    assert two.findings == one.findings
    assert (two.objects, two.errors, two.notes, two.exit_code) == (one.objects, one.errors, one.notes, one.exit_code)


def test_every_repository_records_where_it_came_from():
    for repo in REPOS:
        source = REPOS_DIR / repo.name / "SOURCE.md"
        assert source.is_file(), f"{repo.name}: no SOURCE.md"
        text = source.read_text(encoding="utf-8")
        for field in ("Repository:", "Commit:", "License:"):
            assert field in text, f"{repo.name}/SOURCE.md lacks {field}"


def test_expected_names_only_corpus_repositories():
    assert set(EXPECTED) <= {r.name for r in REPOS}
