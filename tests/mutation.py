"""Mutation testing, one module at a time, each against its own fast test subset: `python -m tests.mutation MODULE`.

mutmut (configured under [tool.mutmut] in pyproject.toml) runs for each mutant only the tests that executed the
mutated function; the subset here decides which tests those can be. The engine-level tests reach the source map and
the rules too, but each renders with kustomize, which would make a run take hours; the subsets are the tests written
for the module. Not in CI: tests/README.md has the scores, the date and the reasoned list of equivalent mutants.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

ENGINE = "tests/validation/engine/"
RULES = "tests/validation/rules"
ROOT = Path(__file__).resolve().parents[1]
TARGETS: dict[str, tuple[str, list[str]]] = {
    "sourcemap": ("validation.sourcemap.*", [
        ENGINE + "test_engine_sourcemap.py", ENGINE + "test_engine_sourcemap_walk.py", ENGINE + "test_engine_limits.py",
    ]),
    "buckets": ("validation.buckets.*", ["tests/gate/test_buckets.py", "tests/gate/test_update_bucket.py"]),
    "update_bucket": ("validation.commands.update_bucket.*", ["tests/gate/test_update_bucket.py"]),
    # its own tests, and the two rules that ask it (ENV-CREDENTIALS' example values, ARGOCD-REPO-URL-MISMATCH's owner)
    "placeholders": ("validation.placeholders.*", [
        "tests/validation/test_placeholders.py", f"{RULES}/test_rules_environment.py", f"{RULES}/test_rules_argocd.py",
    ]),
    # the generator alone: the engine-level tests of its kinds render with kustomize
    "crossplane": ("validation.schemas.crossplane.*", ["tests/validation/schemas/test_schema_crossplane.py"]),
    "evaluate_model": ("pipeline.evaluate_model.*", [
        "tests/pipeline/test_evaluate_model.py", "tests/pipeline/test_limits.py",
    ]),
    # Not test_rules_repo.py: it renders this repository with kustomize per test (100 of the subset's 107 s), so each
    # surviving mutant of a helper it reaches cost minutes; a mutant only it kills wants a fixture of its own anyway.
    "rules": ("validation.rules.*", sorted(
        f"{RULES}/{p.name}" for p in (ROOT / RULES).glob("test_rules_*.py") if p.name != "test_rules_repo.py")),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(TARGETS), help="what to mutate")
    parser.add_argument("--only", metavar="GLOB", action="append",
                        help="narrower mutant globs instead, e.g. 'validation.rules.rbac.*' (repeatable)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes (default 2)")
    parser.add_argument("--deselect", metavar="NODEID", action="append", default=[],
                        help="leave a slow test out of the runs (repeatable); run it by hand on the survivors")
    args = parser.parse_args(argv)
    pattern, tests = TARGETS[args.module]

    # `python -m tests.mutation` imported this checkout's `tests` package from the project root; the runs must
    # import mutmut's copies of the tests (in mutants/) instead, so neither may be found here first.
    sys.path[:] = [p for p in sys.path if p not in ("", ".", str(ROOT))]
    for name in [n for n in sys.modules if n == "tests" or n.startswith("tests.")]:
        del sys.modules[name]

    import tempfile

    # evaluate-model's tests copy one tiny trained workdir; built once for the whole run, not once per mutant.
    os.environ.setdefault("PIPELINE_TEST_TINY_WORKDIR", tempfile.mkdtemp(prefix="mutation-tiny-"))

    from mutmut import configuration

    configuration.config().pytest_add_cli_args_test_selection = tests  # before mutmut reads it
    for node in args.deselect:
        configuration.config().pytest_add_cli_args += ["--deselect", node]
    from mutmut.__main__ import cli

    try:
        return cli(["run", "--max-children", str(args.max_children), *(args.only or [pattern])],
                   standalone_mode=False) or 0
    finally:
        shutil.rmtree(os.environ["PIPELINE_TEST_TINY_WORKDIR"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
