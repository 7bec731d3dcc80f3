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


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["check", "--no-such-flag"], "python -m validation check"),
        (["check", "--fail-on", "nope"], "python -m validation check"),
        (["update-bucket"], "python -m validation update-bucket"),
        (["--no-such-flag", "check"], "python -m validation check"),  # the command it was given with
        (["deploy"], "python -m validation"),
        ([], "python -m validation"),
    ],
)
def test_a_usage_error_is_one_line_that_points_at_help(argv: list[str], prog: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{prog}: error: "), err
    assert err.rstrip().endswith(f"(see `{prog} --help`)") and "usage:" not in err


@pytest.mark.parametrize("argv", [["update-bucket", "mlops-new-bucket"], ["update-image", "--from", "dev"],
                                  ["render", "dev"]])
def test_run_outside_the_repository_says_so_and_names_root(argv: list[str], tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert f"{tmp_path} is not inside the repository" in err and "pass --root DIR" in err, err


def test_an_explicit_root_is_trusted_and_not_second_guessed(tmp_path, capsys) -> None:
    assert cli.main(["update-bucket", "mlops-new-bucket", "--root", str(tmp_path)]) == cli.EXIT_ERROR
    assert capsys.readouterr().err.strip() == f"error: no environments under {tmp_path / 'overlays'}"


def test_the_recovery_check_looks_for_every_file_an_interrupted_edit_leaves() -> None:
    from validation import journal, repo_lock

    assert set(cli.RECOVERY_FILES) == {journal.JOURNAL_NAME, journal._JOURNAL_TMP, repo_lock.LOCK_NAME}


def test_a_check_of_a_file_imports_no_other_command_nor_unused_formats(tmp_path) -> None:
    """Start-up pays only for what the run uses: measured in benchmarks/check_speed.py, pinned here by module."""
    import subprocess
    import sys

    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    code = ("import sys; from validation import cli; code = cli.main(['check', 'a.yaml', '--select', 'schema']); "
            "print('MODULES', ' '.join(sorted(sys.modules)))\n"
            # a class with namedtuple's _fields that is not a @record was built by collections.namedtuple
            "from validation.records import Record\n"
            "print('NAMEDTUPLES', ' '.join(sorted({f'{v.__module__}.{v.__name__}' for m in list(sys.modules) if m.startswith('validation')"
            " for v in vars(sys.modules[m]).values() if isinstance(v, type) and issubclass(v, tuple)"
            " and hasattr(v, '_fields') and not issubclass(v, Record)})))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in proc.stdout.splitlines() if " " in line}
    # what a bare interpreter loads here (site, .pth files) is not this package's doing
    bare = subprocess.run([sys.executable, "-c", "import sys; print(' '.join(sys.modules))"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout.split()
    loaded, namedtuples = set(lines["MODULES"].split()) - set(bare), lines["NAMEDTUPLES"]
    assert "validation.schema_check" in loaded
    # typing.NamedTuple compiles a __new__ and a ForwardRef per field: ~5 ms for this path's 22 records
    assert namedtuples == "", namedtuples
    for unused in ("validation.commands.update_bucket", "validation.commands.render", "validation.journal",
                   "validation.report.junit", "validation.report.sarif", "importlib.metadata",
                   "tomllib", "multiprocessing", "validation.provenance", "validation.kustomize.kustomization",
                   "validation.kustomize.patches", "validation.kustomize.errors", "validation.kustomize_shim",
                   # Building ~31 dataclasses (and importing `dataclasses`, which imports `inspect`) was 40% of this
                   # run's instructions: the records on this path are @record tuples and slotted classes instead.
                   "dataclasses", "inspect",
                   # Only a render starts processes, makes scratch directories or copies files.
                   "subprocess", "tempfile", "validation.atomic",
                   # Only a vendored release (Argo's schemas) is gunzipped; only a schema build deep-copies.
                   "gzip", "copy",
                   # Argo Events', Argo Rollouts' and Crossplane's schemas are imported only for one of their kinds.
                   "validation.schemas.argo_events", "validation.schemas.argo_rollouts",
                   "validation.schemas.crossplane_crds",
                   # argparse sizes help with shutil, which imports zlib, bz2 and lzma: cli._Formatter does not.
                   "shutil",
                   # annotations are strings; typing's TYPE_CHECKING is a constant of each module (~3 ms)
                   "typing",
                   # pathlib imports these for Path.as_uri alone (validation/__init__.py)
                   "urllib.parse", "ipaddress"):
        assert unused not in loaded, f"{unused} is loaded by a 5-resource check (benchmarks/README.md, Start-up)"
    # the schema is all it runs: no rule module is imported (the index says what there is to choose from)
    assert sorted(m for m in loaded if m.startswith("validation.rules.")) == ["validation.rules.base",
                                                                               "validation.rules.index"]


def test_a_check_imports_only_the_rule_modules_whose_rules_apply_to_its_kinds(tmp_path) -> None:
    """A ConfigMap is in the scope of the environment family's every-kind rules, and of no Argo, RBAC or Argo CD
    rule: those modules stay unimported."""
    import subprocess
    import sys

    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    code = ("import sys; from validation import cli; code = cli.main(['check', 'a.yaml']); "
            "print(' '.join(sorted(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    loaded = {m for m in proc.stdout.split() if m.startswith("validation.rules.")}
    assert "validation.rules.environment" in loaded  # ENV-CREDENTIALS applies to every kind
    for unused in ("validation.rules.argo.dag", "validation.rules.argo.variables", "validation.rules.argo.pods",
                   "validation.rules.rbac", "validation.rules.argocd", "validation.rules.cli_args",
                   "validation.rules.volume_mounts", "validation.rules.schema", "validation.rules.yaml"):
        assert unused not in loaded, unused
