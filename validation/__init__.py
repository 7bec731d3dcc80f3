"""Offline validator for the GitOps tree: render as Argo CD would, schema-check, lint, report."""

import sys
from types import ModuleType

__version__ = "0.1.0"


class _LazyPattern:
    """A regular expression compiled when it is first used."""

    def __init__(self, pattern: str, flags: int, compile_now) -> None:  # noqa: ANN001 - re.compile
        self._args = (pattern, flags)
        self._compile = compile_now
        self._compiled = None

    def __getattr__(self, name: str):  # noqa: ANN204 - whatever re.Pattern has
        if self._compiled is None:
            self._compiled = self._compile(*self._args)
        return getattr(self._compiled, name)


class _PyYAMLReaderFinder:
    """PyYAML's reader compiles, at import, one pattern of every non-printable Unicode character: about 12% of the
    instructions of a 5-resource `check`, for a pattern only PyYAML's pure-Python reader uses (the libyaml loaders
    this package reads with never do). While yaml.reader is imported, that one pattern is made lazy; any other
    module, and yaml.reader once imported, compile as usual. Removed from sys.meta_path after that one import."""

    TEXT = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001, ANN201 - the finder protocol
        if fullname != "yaml.reader":
            return None
        sys.meta_path.remove(self)
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        real_exec = loader.exec_module

        def exec_module(module):  # noqa: ANN001, ANN202
            import re

            real_compile = re.compile

            def compile_lazily(pattern, flags=0):  # noqa: ANN001, ANN202
                if pattern == self.TEXT and not flags:
                    return _LazyPattern(pattern, flags, real_compile)
                return real_compile(pattern, flags)

            re.compile = compile_lazily
            try:
                real_exec(module)
            finally:
                re.compile = real_compile

        loader.exec_module = exec_module
        return spec


def import_with_stand_ins(name: str, stand_ins: dict[str, ModuleType]) -> ModuleType:
    """`import name` while each module in `stand_ins` that nothing has loaded yet is replaced by its stand-in.

    For the modules a dependency imports at its top for something no run of this package uses: start-up is measured
    in benchmarks/README.md. A stand-in is in sys.modules only during this one import, so a later import of that
    module gets the real one. Should the import need more than a stand-in offers (a newer release of the
    dependency), it is done again without them.
    """
    if name in sys.modules:
        return sys.modules[name]
    used = {module: stand_in for module, stand_in in stand_ins.items() if module not in sys.modules}
    sys.modules.update(used)
    try:
        try:
            __import__(name)
        except (ImportError, AttributeError):
            if not used:
                raise
            _forget(used)
            for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                if str(getattr(sys.modules[module], "__file__", "")).endswith(".py"):  # an extension loads once
                    del sys.modules[module]
            __import__(name)
    finally:
        _forget(used)
    return sys.modules[name]


def _forget(stand_ins: dict[str, ModuleType]) -> None:
    for module, stand_in in stand_ins.items():
        if sys.modules.get(module) is stand_in:
            del sys.modules[module]
        parent, _, child = module.rpartition(".")
        if parent and getattr(sys.modules.get(parent), child, None) is stand_in:
            delattr(sys.modules[parent], child)


def _quote_from_bytes(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - urllib.parse's, imported when first used
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(*args, **kwargs)


def _pathlib_stand_ins() -> dict[str, ModuleType]:
    """pathlib imports urllib.parse (which imports ipaddress) for Path.as_uri alone: about 4% of a 5-resource
    `check`. Its stand-in hands that one function over to the real module when it is called."""
    urllib_parse = ModuleType("urllib.parse", "stand-in for pathlib's import (validation/__init__.py)")
    urllib_parse.quote_from_bytes = _quote_from_bytes  # type: ignore[attr-defined]
    return {"urllib.parse": urllib_parse}


import_with_stand_ins("pathlib", _pathlib_stand_ins())

if "yaml.reader" not in sys.modules:
    sys.meta_path.insert(0, _PyYAMLReaderFinder())

from validation import yaml_compat  # noqa: E402,F401  (before any module loads YAML; after the finder above)
