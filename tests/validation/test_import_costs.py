"""What importing the package changes for speed, and what it must not change: PyYAML's reader still refuses what
it refused, and re.compile is itself again once yaml.reader is imported."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_pyyamls_non_printable_pattern_is_compiled_when_first_used() -> None:
    code = (
        "import re, sys\n"
        "real = re.compile\n"
        "import validation, yaml\n"
        "pattern = yaml.reader.Reader.NON_PRINTABLE\n"
        "assert type(pattern).__name__ == '_LazyPattern', type(pattern)\n"
        "assert re.compile is real\n"
        "assert not any(type(f).__name__ == '_PyYAMLReaderFinder' for f in sys.meta_path)\n"
        "assert pattern.search('plain text') is None\n"
        "assert pattern.search('bell \\x07 here').start() == 5\n"
        "try:\n"
        "    yaml.safe_load('a: \\x07')\n"
        "except yaml.reader.ReaderError as exc:\n"
        "    print('refused', exc.character == 7)\n"
        "print(yaml.safe_load('a: b'), yaml.load('a: [1, 2]', Loader=yaml.CSafeLoader))\n"
    )
    assert _run(code).splitlines() == ["refused True", "{'a': 'b'} {'a': [1, 2]}"]


def test_yaml_imported_first_is_left_as_it_is() -> None:
    code = (
        "import re, sys, yaml\n"
        "import validation\n"
        "assert isinstance(yaml.reader.Reader.NON_PRINTABLE, re.Pattern)\n"
        "assert not any(type(f).__name__ == '_PyYAMLReaderFinder' for f in sys.meta_path)\n"
        "print('ok')\n"
    )
    assert _run(code) == "ok"


def test_the_check_command_does_not_compile_the_pattern() -> None:
    """`python -m validation check FILE` reads with libyaml: the lazy pattern is never compiled."""
    code = (
        "import sys, io, contextlib, pathlib, tempfile\n"
        "import validation.cli, yaml\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "(d / 'cm.yaml').write_text('apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\ndata:\\n  k: v\\n')\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = validation.cli.main(['check', str(d / 'cm.yaml'), '--select', 'schema', '--root', str(d)])\n"
        "print(code, yaml.reader.Reader.NON_PRINTABLE._compiled is None)\n"
    )
    assert _run(code) == "0 True"


def test_pathlib_is_imported_without_urllib_parse_and_as_uri_still_works() -> None:
    """pathlib loads urllib.parse (and ipaddress) only for Path.as_uri: a stand-in hands that call over."""
    code = (
        "import sys\n"
        "if 'pathlib' in sys.modules or 'urllib.parse' in sys.modules:\n"
        "    print('loaded by start-up already')\n"
        "    raise SystemExit\n"
        "import validation, pathlib\n"
        "assert 'urllib.parse' not in sys.modules and 'ipaddress' not in sys.modules\n"
        "print(pathlib.Path('/a dir/ü').as_uri())\n"
        "import urllib.parse\n"
        "assert sys.modules['urllib.parse'] is urllib.parse and urllib.parse.__file__.endswith('parse.py')\n"
        "print(urllib.parse.quote('a b'))\n"
    )
    out = _run(code)
    # an editable install by an older setuptools imports pathlib from a .pth file, before any test code runs
    assert out.splitlines() == ["file:///a%20dir/%C3%BC", "a%20b"], out


def test_urllib_parse_imported_first_is_left_as_it_is() -> None:
    code = (
        "import sys, urllib.parse\n"
        "real = sys.modules['urllib.parse']\n"
        "import validation, pathlib\n"
        "assert sys.modules['urllib.parse'] is real\n"
        "print(pathlib.Path('/x').as_uri())\n"
    )
    assert _run(code) == "file:///x"


def _package(root, name: str, body: str) -> None:  # noqa: ANN001 - a pytest tmp_path
    (root / f"{name}.py").write_text(body)


def test_a_stand_in_is_used_only_for_that_import(tmp_path, monkeypatch) -> None:
    from validation import import_with_stand_ins

    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "sti_heavy", "LOADED = 'real'\n")
    _package(tmp_path, "sti_user", "from sti_heavy import LOADED\n")
    stand_in = type(sys)("sti_heavy")
    stand_in.LOADED = "stand-in"
    try:
        user = import_with_stand_ins("sti_user", {"sti_heavy": stand_in})
        assert user.LOADED == "stand-in"
        assert "sti_heavy" not in sys.modules
        import sti_heavy  # noqa: F401 - a later import gets the real module

        assert sys.modules["sti_heavy"].LOADED == "real"
        assert import_with_stand_ins("sti_user", {}) is user  # imported already: returned as it is
    finally:
        for name in ("sti_heavy", "sti_user"):
            sys.modules.pop(name, None)


def test_a_module_loaded_already_is_not_replaced_by_its_stand_in(tmp_path, monkeypatch) -> None:
    from validation import import_with_stand_ins

    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "sti_heavy2", "LOADED = 'real'\n")
    _package(tmp_path, "sti_user2", "from sti_heavy2 import LOADED\n")
    stand_in = type(sys)("sti_heavy2")
    stand_in.LOADED = "stand-in"
    try:
        import sti_heavy2  # noqa: F401

        real = sys.modules["sti_heavy2"]
        assert import_with_stand_ins("sti_user2", {"sti_heavy2": stand_in}).LOADED == "real"
        assert sys.modules["sti_heavy2"] is real
    finally:
        for name in ("sti_heavy2", "sti_user2"):
            sys.modules.pop(name, None)


def test_an_import_that_needs_more_than_the_stand_in_is_done_again_with_the_real_module(tmp_path, monkeypatch) -> None:
    """A newer release of a dependency may use more of a module than its stand-in offers."""
    from validation import import_with_stand_ins

    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "sti_heavy3", "LOADED = 'real'\nMORE = 'more'\n")
    _package(tmp_path, "sti_user3", "from sti_heavy3 import LOADED\nfrom sti_heavy3 import MORE\n")
    stand_in = type(sys)("sti_heavy3")
    stand_in.LOADED = "stand-in"
    try:
        user = import_with_stand_ins("sti_user3", {"sti_heavy3": stand_in})
        assert (user.LOADED, user.MORE) == ("real", "more")
        assert sys.modules["sti_heavy3"].LOADED == "real"
    finally:
        for name in ("sti_heavy3", "sti_user3"):
            sys.modules.pop(name, None)


def test_an_import_that_fails_for_its_own_reasons_says_so(tmp_path, monkeypatch) -> None:
    from validation import import_with_stand_ins

    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "sti_user4", "import sti_nowhere\n")
    stand_in = type(sys)("sti_heavy4")
    try:
        try:
            import_with_stand_ins("sti_user4", {"sti_heavy4": stand_in})
        except ModuleNotFoundError as exc:
            assert exc.name == "sti_nowhere"
        else:
            raise AssertionError("the import should have failed")
        assert "sti_heavy4" not in sys.modules and "sti_user4" not in sys.modules
    finally:
        sys.modules.pop("sti_user4", None)


def test_an_editable_install_adds_the_repository_as_a_path_not_an_import_hook() -> None:
    """setuptools' editable finder is imported by every Python started in the environment, and it imports pathlib,
    urllib.parse and more: ~13 ms of each start. pyproject.toml's `package-dir` makes it write a plain path."""
    hooks = _run("import sys; print(' '.join(m for m in sys.modules if m.startswith('__editable___argo_ml_gitops')))")
    assert hooks == "", f"{hooks}: installed by an older pyproject.toml; run pip install -e '.[dev]' again"
