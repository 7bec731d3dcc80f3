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
