"""The suite tests the checkout it sits in, never an installed copy elsewhere (a worktree, a CI copy)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["pipeline", "validation"])
def test_code_under_test_is_imported_from_this_checkout(package: str) -> None:
    module = importlib.import_module(package)
    assert Path(module.__file__).resolve() == REPO / package / "__init__.py"


def test_test_packages_do_not_shadow_the_code() -> None:
    import tests.pipeline
    import tests.validation

    for package, name in ((tests.pipeline, "pipeline"), (tests.validation, "validation")):
        assert [Path(p).resolve() for p in package.__path__] == [REPO / "tests" / name]
