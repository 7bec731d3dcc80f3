"""The regression corpus: every finding on real public GitOps trees is reviewed in expected.yaml, and stays so.

A finding missing from expected.yaml is new (a false positive to fix, or a true one to review and list); a listed
finding that no longer occurs has disappeared (a fix to record by regenerating the file, or a rule gone blind).
"""

from __future__ import annotations

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


def test_every_repository_records_where_it_came_from():
    for repo in REPOS:
        source = REPOS_DIR / repo.name / "SOURCE.md"
        assert source.is_file(), f"{repo.name}: no SOURCE.md"
        text = source.read_text(encoding="utf-8")
        for field in ("Repository:", "Commit:", "License:"):
            assert field in text, f"{repo.name}/SOURCE.md lacks {field}"


def test_expected_names_only_corpus_repositories():
    assert set(EXPECTED) <= {r.name for r in REPOS}
