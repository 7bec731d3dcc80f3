"""The one way in from the shell: `python -m validation <command>`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from typing import NoReturn

# Subcommand name -> module under validation.commands. Each module defines
# HELP (one line), configure(parser) and run(args) -> exit code.
COMMANDS = {
    "check": "check",
    "render": "render",
    "schemas": "schemas",
    "rules": "rules",
    "update-bucket": "update_bucket",
    "update-image": "update_image",
}

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """Bad input the user can fix; printed without a traceback, exit 2."""


def _columns() -> int:
    """shutil.get_terminal_size's answer, without importing shutil (which loads zlib, bz2 and lzma)."""
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized without shutil: argparse makes one on every add_argument, and the shutil import
    it does for the width cost a check's start-up about 2 ms (-X importtime)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class Parser(argparse.ArgumentParser):
    """Usage errors in one line that points at --help, exit 2 (argparse would print its usage block first).

    Subcommand parsers are made with this class too, so each reports its own errors under its own name.
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - argparse's signature
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 - argparse's signature
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:  # reported by the subcommand they were given to, so its --help is the one pointed at
            self._chosen(parsed).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed

    def _chosen(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and getattr(parsed, action.dest, None) in action.choices:
                return action.choices[getattr(parsed, action.dest)]._chosen(parsed)
        return self


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser; given the arguments, only the command they name is loaded (each command module pulls in
    what it needs, and `check FILE` should not pay for update-bucket's imports)."""
    parser = Parser(
        prog="python -m validation",
        description="Render every environment as Argo CD would, and check it offline before it syncs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    for name, module_name in COMMANDS.items():
        if wanted is not None and name != wanted:
            continue
        module = importlib.import_module(f"validation.commands.{module_name}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from validation import scratch

    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        with scratch.signals_cleaned_up():  # SIGTERM/SIGINT: stop kustomize, remove scratch, then unwind
            _recover(args)
            return int(args._run(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except ModuleNotFoundError as exc:  # run outside the project's venv, most often
        print(f"error: {missing_module_hint(exc.name or '')}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # never a raw traceback; say what broke and where to look
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        print(
            f"internal error: {type(exc).__name__}: {exc} (at {frame.filename}:{frame.lineno}); "
            "set VALIDATION_DEBUG=1 for the full traceback",
            file=sys.stderr,
        )
        if _debug():
            traceback.print_exc()
        return EXIT_ERROR


# What a killed edit can leave at the repository root (journal.JOURNAL_NAME, its staging file, repo_lock.LOCK_NAME):
# when none is there, which is nearly always, the journal module need not be imported.
RECOVERY_FILES = (".validation-journal.json", ".validation-journal.json.validation-stage", ".validation.lock")


def _recover(args: argparse.Namespace) -> None:
    """Before any command reads the repository: roll back an edit a killed command left half written."""
    import os
    from pathlib import Path

    from validation.commands.check import find_root

    root = getattr(args, "root", None) or find_root(Path.cwd())
    if not root.is_dir() or (args.command == "update-bucket" and not args.dry_run):
        return  # a bad --root is the command's to report; update-bucket recovers under its own lock
    if not any(os.path.lexists(root / name) for name in RECOVERY_FILES):
        return
    from validation import journal
    try:
        journal.recover(root.resolve())
    except journal.JournalError as exc:
        raise UsageError(str(exc)) from None


def missing_module_hint(name: str, start: Path | None = None, prefix: str | None = None) -> str:
    """What to do about a missing package: activate the project's venv when it is installed there, else install."""
    top = name.split(".")[0]
    here = (start or Path.cwd()).resolve()
    root = next((d for d in (here, *here.parents) if (d / "pyproject.toml").is_file()), here)
    active = Path(prefix or sys.prefix).resolve()
    for venv in (root / ".venv", root / "venv"):
        if not (venv / "bin" / "python").exists() and not (venv / "Scripts" / "python.exe").exists():
            continue
        shown = venv.name
        if venv.resolve() == active:
            break  # that venv is the one running: the package really is missing from it
        if top and _installed_in(venv, top):
            return (f"the Python package {name!r} is not importable here, but the project is installed in {shown}, "
                    f"which is not active: run `. {shown}/bin/activate` first (or use `{shown}/bin/python -m "
                    "validation ...`)")
        return (f"the Python package {name!r} is missing; activate {shown} and install the project into it: "
                f"`. {shown}/bin/activate && pip install -c constraints.txt -e '.[dev]'`")
    return (f"the Python package {name!r} is missing; install the project first: "
            "pip install -c constraints.txt -e .")


def _installed_in(venv: Path, top: str) -> bool:
    for site in [*venv.glob("lib/python*/site-packages"), venv / "Lib" / "site-packages"]:
        if (site / top).is_dir() or any(site.glob(f"{top}.*")) or any(site.glob(f"{top}-*.dist-info")):
            return True
    return False


def _debug() -> bool:
    import os

    return os.environ.get("VALIDATION_DEBUG", "") not in ("", "0")
