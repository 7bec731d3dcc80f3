"""What importing the package changes for speed, and what it must not change: PyYAML's reader still refuses what
it refused, and re.compile is itself again once yaml.reader is imported."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from validation import import_with_stand_ins


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


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Writes throwaway modules (name=source) on sys.path; each is gone from sys.modules after the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written: list[str] = []

    def write(**sources: str) -> None:
        for name, source in sources.items():
            (tmp_path / f"{name}.py").write_text(source)
            written.append(name)

    yield write
    for name in written:
        sys.modules.pop(name, None)


def _stand_in(name: str, **attributes: str) -> ModuleType:
    module = ModuleType(name)
    vars(module).update(attributes)
    return module


def test_a_stand_in_is_used_only_for_that_import(modules) -> None:
    modules(sti_heavy="LOADED = 'real'\n", sti_user="from sti_heavy import LOADED\n")
    user = import_with_stand_ins("sti_user", {"sti_heavy": _stand_in("sti_heavy", LOADED="stand-in")})
    assert user.LOADED == "stand-in"
    assert "sti_heavy" not in sys.modules
    import sti_heavy  # a later import gets the real module

    assert sti_heavy.LOADED == "real"
    assert import_with_stand_ins("sti_user", {}) is user  # imported already: returned as it is


def test_a_module_loaded_already_is_not_replaced_by_its_stand_in(modules) -> None:
    modules(sti_heavy="LOADED = 'real'\n", sti_user="from sti_heavy import LOADED\n")
    import sti_heavy

    assert import_with_stand_ins("sti_user", {"sti_heavy": _stand_in("sti_heavy", LOADED="stand-in")}).LOADED == "real"
    assert sys.modules["sti_heavy"] is sti_heavy


def test_an_import_that_needs_more_than_the_stand_in_is_done_again_with_the_real_module(modules) -> None:
    """A newer release of a dependency may use more of a module than its stand-in offers."""
    modules(sti_heavy="LOADED = 'real'\nMORE = 'more'\n",
            sti_user="from sti_heavy import LOADED\nfrom sti_heavy import MORE\n")
    user = import_with_stand_ins("sti_user", {"sti_heavy": _stand_in("sti_heavy", LOADED="stand-in")})
    assert (user.LOADED, user.MORE) == ("real", "more")
    assert sys.modules["sti_heavy"].LOADED == "real"


def test_an_import_that_fails_for_its_own_reasons_says_so(modules) -> None:
    modules(sti_user="import sti_nowhere\n")
    with pytest.raises(ModuleNotFoundError) as failed:
        import_with_stand_ins("sti_user", {"sti_heavy": _stand_in("sti_heavy")})
    assert failed.value.name == "sti_nowhere"
    assert "sti_heavy" not in sys.modules and "sti_user" not in sys.modules


def test_an_editable_install_adds_the_repository_as_a_path_not_an_import_hook() -> None:
    """setuptools' editable finder is imported by every Python started in the environment, and it imports pathlib,
    urllib.parse and more: ~13 ms of each start. pyproject.toml's `package-dir` makes it write a plain path."""
    hooks = _run("import sys; print(' '.join(m for m in sys.modules if m.startswith('__editable___argo_ml_gitops')))")
    assert hooks == "", f"{hooks}: installed by an older pyproject.toml; run pip install -e '.[dev]' again"
