"""Offline validator for the GitOps tree: render as Argo CD would, schema-check, lint, report."""

import sys

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


if "yaml.reader" not in sys.modules:
    sys.meta_path.insert(0, _PyYAMLReaderFinder())

from validation import yaml_compat  # noqa: E402,F401  (before any module loads YAML; after the finder above)
