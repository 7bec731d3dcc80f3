"""validation/placeholders.py: what a blank left to fill in looks like (ENV-CREDENTIALS' example values, a template's
repoURL owner), and what only resembles one."""

from __future__ import annotations

import pytest

from validation.placeholders import is_placeholder


@pytest.mark.parametrize("value", [
    "<password>", "  <your token>\t", "${TOKEN}", "$(AWS_SECRET_ACCESS_KEY)",  # the whole value is a slot
    "YOUR_API_KEY_HERE", "your-org", "Your_Token", "UPDATE_AWS_ACCESS_KEY_ID", "replace-me",
    "https://github.com/your-org/x",
    "changeme", "change-me", "Change_Me", "642xxxxxxxxdedc", "******", "XXXXXX",
])
def test_a_blank_to_fill_in_is_a_placeholder(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [
    "", "hunter2", "a<b>c", "<a>b", "x${TOKEN}", "$(a)b", "<a\nb>", "${a\nb}", "<<a>>",  # a slot is the whole value
    "yourself", "youronly", "myyour-org", "updated-value", "exchangeme", "changes", "xxxxx", "*****", "xx-xx-xx",
    "AKIAIOSFODNN7EXAMPLE",
])
def test_what_only_resembles_a_blank_is_not_a_placeholder(value):
    assert not is_placeholder(value)
