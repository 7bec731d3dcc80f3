"""The CLI boundary: whatever goes wrong below it, a person gets a message and an exit code, never a traceback."""

import pytest

from validation import cli
from validation.commands import rules


def test_a_missing_package_is_exit_2_with_an_install_hint(monkeypatch, capsys) -> None:
    def boom(args):
        raise ModuleNotFoundError("No module named 'jsonschema_rs'", name="jsonschema_rs")

    monkeypatch.setattr(rules, "run", boom)
    assert cli.main(["rules"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "'jsonschema_rs' is missing" in err and "pip install" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("exc", [RuntimeError("kaboom"), KeyError("x")])
def test_an_unexpected_error_is_exit_2_and_names_where(monkeypatch, capsys, exc) -> None:
    def boom(args):
        raise exc

    monkeypatch.setattr(rules, "run", boom)
    assert cli.main(["rules"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("internal error:") and "test_cli.py" in err and "Traceback" not in err
