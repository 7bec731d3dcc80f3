"""validation/placeholders.py: what a blank left to fill in looks like (ENV-CREDENTIALS' example values, a template's
repoURL owner), and what only resembles one."""

from __future__ import annotations

import pytest

from validation.placeholders import holds_blank, is_placeholder


@pytest.mark.parametrize("value", [
    "<password>", "  <your token>\t", "${TOKEN}", "$(AWS_SECRET_ACCESS_KEY)",  # the whole value is a slot
    "YOUR_API_KEY_HERE", "your-org", "Your_Token", "UPDATE_AWS_ACCESS_KEY_ID", "replace-me",
    "https://github.com/your-org/x",
    "changeme", "change-me", "Change_Me", "642xxxxxxxxdedc", "******", "XXXXXX",
    "Your encryption passphrase", "your password here",  # a description where the value goes (Longhorn's example)
])
def test_a_blank_to_fill_in_is_a_placeholder(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [
    "", "hunter2", "a<b>c", "<a>b", "x${TOKEN}", "$(a)b", "<a\nb>", "${a\nb}", "<<a>>",  # a slot is the whole value
    "yourself", "youronly", "myyour-org", "updated-value", "exchangeme", "changes", "xxxxx", "*****", "xx-xx-xx",
    "AKIAIOSFODNN7EXAMPLE", "yours truly", "not your password", "your",
])
def test_what_only_resembles_a_blank_is_not_a_placeholder(value):
    assert not is_placeholder(value)


@pytest.mark.parametrize("path", [
    "registry/clusters/<CLUSTER_NAME>/components/vault", "<APP>", "envs/${ENV}", "apps/<name>-web",
])
def test_a_path_with_a_bracketed_blank_holds_one(path):
    assert holds_blank(path)


@pytest.mark.parametrize("path", [
    ".", "overlays/dev", "apps/update-service", "your-app/base", "a<b/c>d", "${a/b}", "<>", "$x/{y}",
])
def test_a_real_folders_name_holds_no_blank(path):
    # Only <NAME> and ${NAME} within one folder's name: update-service and your-app are real folders.
    assert not holds_blank(path)
