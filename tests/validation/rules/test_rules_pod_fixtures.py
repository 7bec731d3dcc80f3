"""POD family: every rule fires on its failing fixtures (at the right JSON path) and stays quiet on its passing ones."""

from __future__ import annotations

import pytest
from fixture_checks import assert_complete, assert_fixture
from rules_helpers import fixtures_for


@pytest.mark.parametrize("path", fixtures_for("POD"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(path):
    assert_fixture(path)


def test_every_rule_has_a_firing_and_a_passing_fixture():
    assert_complete("POD")
