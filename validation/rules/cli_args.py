"""Pod family: a container that runs this repository's own CLI passes arguments that CLI's real parser accepts.

`[tool.validation.command-parsers]` maps a command prefix to the function that builds the CLI's argparse parser:

    [tool.validation.command-parsers]
    "python -m pipeline" = "pipeline.cli:build_parser"

A container whose `command` + `args` start with the prefix has the rest parsed offline by that parser (imported
from the repository), after each Argo placeholder (`{{workflow.parameters.epochs}}`) is replaced by a sample value
the flag's own type accepts (or, where it accepts none, by a stand-in let through, so the rest is still checked).
An unknown or misspelt flag, an abbreviation (argparse accepts `--epoch` for `--epochs` until a second flag makes
it ambiguous), a missing required flag, an unknown subcommand or a literal value of the wrong type is a finding at
the argument. The parser is the CLI's own, so a new flag is known the moment it exists.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem, Rule, register
from validation.rules.argo.spec_walk import POD_KINDS, WORKFLOW_KINDS, as_list, pod_spec, workflow_spec

RULE_ID = "POD-CLI-ARGS"
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.S)
# Candidate samples for a placeholder, tried in order against the flag's type: the first it accepts stands in.
_SAMPLES = ("1", "0.5", "0", "sample", "sample-value-1", "us-east-1", "http://localhost:5000", "true", "")
# Stands in when the flag's type refuses every sample (a date, say): `_raising` lets this text through any type, so
# argparse does not stop there and the arguments after it are still checked. No literal argument is this text:
# anything holding `{{...}}` is a placeholder, and replaced.
_UNSAMPLED = "{{}}"


class _ParseError(Exception):
    pass


class _Exit(Exception):
    pass


@dataclass
class _Token:
    text: str  # after substitution
    path: JsonPath  # where the argument is in the object
    placeholder: bool  # its value came from a placeholder (a sample was substituted)
    value: bool = False  # the value of the flag before it: never what argparse leaves over or quotes as refused


def load_parser(root: Path, spec: str) -> argparse.ArgumentParser:
    """Import `module:function` from the repository and build the parser. Raises ImportError/ValueError."""
    module_name, _, func_name = spec.partition(":")
    if not module_name or not func_name:
        raise ValueError(f"{spec!r} is not module:function")
    root_text = str(root)
    added = root_text not in sys.path
    if added:
        sys.path.insert(0, root_text)
    try:
        module = importlib.import_module(module_name)
    finally:
        if added:
            sys.path.remove(root_text)
    factory = getattr(module, func_name, None)
    if not callable(factory):
        raise ValueError(f"{module_name} has no function {func_name}")
    parser = factory()
    if not isinstance(parser, argparse.ArgumentParser):
        raise ValueError(f"{spec} returned {type(parser).__name__}, not an argparse.ArgumentParser")
    return parser


_parsers: dict[tuple[str, str], argparse.ArgumentParser | Exception] = {}


def _parser(root: Path, spec: str) -> argparse.ArgumentParser | Exception:
    key = (str(root), spec)
    if key not in _parsers:
        try:
            _parsers[key] = load_parser(root, spec)
        except Exception as exc:  # noqa: BLE001 - reported as a finding, with what went wrong
            _parsers[key] = exc
    return _parsers[key]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # noqa: SLF001 - argparse keeps them nowhere public
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return dict(action.choices)
    return {}


def _all_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for sub in _subcommands(parser).values():
        yield from _all_parsers(sub)


@contextlib.contextmanager
def _raising(parser: argparse.ArgumentParser) -> Iterator[None]:
    """Make every parser in the tree raise instead of printing and exiting."""
    patched = list(_all_parsers(parser))

    def error(message: str) -> None:
        raise _ParseError(message)

    def exit_(status: int = 0, message: str | None = None) -> None:
        raise _Exit(message or "")

    typed = [a for p in patched for a in p._actions if callable(a.type)]  # noqa: SLF001
    types = [a.type for a in typed]
    for p in patched:
        p.error = error  # type: ignore[method-assign]
        p.exit = exit_  # type: ignore[method-assign]
    for a, convert in zip(typed, types, strict=True):
        a.type = _passing_unsampled(convert)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for p in patched:
            del p.error
            del p.exit
        for a, convert in zip(typed, types, strict=True):
            a.type = convert


def _passing_unsampled(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def passing(text: str) -> Any:
        return text if text == _UNSAMPLED else convert(text)

    # argparse names the type in its refusals ("invalid int value: 'x'")
    passing.__name__ = getattr(convert, "__name__", repr(convert))
    return passing


def _sample(action: argparse.Action | None) -> str:
    if action is None:
        return "sample"
    if action.choices:
        return str(next(iter(action.choices)))
    convert: Callable[[str], Any] | None = action.type if callable(action.type) else None
    if convert is None or convert is str:
        return "sample"
    for candidate in _SAMPLES:
        try:
            convert(candidate)
            return candidate
        except Exception:  # noqa: BLE001, S112 - any refusal means "not this one"
            continue
    return _UNSAMPLED


def _takes_value(action: argparse.Action | None) -> bool:
    return action is not None and action.nargs != 0


def _resolve(parser: argparse.ArgumentParser, flag: str) -> tuple[argparse.Action | None, bool]:
    """The action a flag selects, and whether the flag is spelt out exactly (not an abbreviation)."""
    actions = parser._option_string_actions  # noqa: SLF001
    if flag in actions:
        return actions[flag], True
    matches = [o for o in actions if o.startswith(flag) and o.startswith("--") == flag.startswith("--")]
    if len(matches) == 1 and parser.allow_abbrev:
        return actions[matches[0]], False
    return None, False


def _tokens(parser: argparse.ArgumentParser, raw: list[tuple[str, JsonPath]]
            ) -> tuple[list[_Token], list[tuple[str, JsonPath]]]:
    """Substitute placeholders with samples the right flag accepts; note abbreviations on the way."""
    out: list[_Token] = []
    notes: list[tuple[str, JsonPath]] = []
    current = parser
    pending: argparse.Action | None = None
    for text, path in raw:
        has_placeholder = bool(_PLACEHOLDER.search(text))
        if pending is not None:  # the value of the flag before
            # the flag's token answers for the value when argparse refuses it (as with `--flag=value`)
            out[-1].placeholder = has_placeholder
            out.append(_Token(_sample(pending) if has_placeholder else text, path, has_placeholder, value=True))
            pending = None
            continue
        if text.startswith("-") and len(text) > 1 and not _number(text):
            flag, eq, value = text.partition("=")
            action, exact = _resolve(current, flag)
            if action is not None and not exact:
                notes.append((f"{flag} is an abbreviation of {action.option_strings[-1]}: argparse accepts it only "
                              "until another flag starts the same way; spell it out", path))
            if eq and _PLACEHOLDER.search(value):
                out.append(_Token(f"{flag}={_sample(action)}", path, True))
            else:
                out.append(_Token(text, path, False))
                if not eq and _takes_value(action) and action.nargs in (None, 1):
                    pending = action
            continue
        subs = _subcommands(current)
        if subs and text in subs:
            current = subs[text]
        out.append(_Token("sample" if has_placeholder else text, path, has_placeholder))
    return out, notes


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _problems(parser: argparse.ArgumentParser, tokens: list[_Token], command: str) -> list[tuple[str, JsonPath | None]]:
    argv = [t.text for t in tokens]
    with _raising(parser):
        try:
            _, extras = parser.parse_known_args(argv)
        except _Exit:
            return []
        except _ParseError as exc:
            return [_explain(str(exc), tokens, command)]
        except Exception:
            if any(_UNSAMPLED in t.text for t in tokens):  # the CLI's own action choked on the stand-in
                return []
            raise
    out = []
    for extra in extras:
        token = next((t for t in tokens if t.text == extra and not t.value), None)
        out.append((_unknown(extra, tokens, parser, command), token.path if token else None))
    return out


def _unknown(extra: str, tokens: list[_Token], parser: argparse.ArgumentParser, command: str) -> str:
    flag = extra.split("=", 1)[0]
    if not flag.startswith("-"):
        return f"`{command}` takes no argument {extra!r}"
    current = parser
    for t in tokens:
        subs = _subcommands(current)
        if t.text in subs:
            current = subs[t.text]
    options = sorted(o for o in current._option_string_actions if o.startswith("--"))  # noqa: SLF001
    guess = difflib.get_close_matches(flag, options, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]}?" if guess else ""
    where = " ".join([command] + [t.text for t in tokens if t.text in _subcommands_of(parser)])
    return f"{flag} is not an option of `{where}`{hint}"


def _subcommands_of(parser: argparse.ArgumentParser) -> set[str]:
    return {name for p in _all_parsers(parser) for name in _subcommands(p)}


def _explain(message: str, tokens: list[_Token], command: str) -> tuple[str, JsonPath | None]:
    m = re.match(r"argument (?P<names>[^:]+): (?P<why>.*)$", message, re.S)
    if m:
        names = m.group("names").split("/")
        why = m.group("why")
        for t in tokens:
            flag = t.text.split("=", 1)[0]
            if flag in names:
                if t.placeholder:  # the sample stood in for a value only known at run time: nothing to say
                    return "", None
                return f"{flag}: {why}", t.path
        # a positional or subcommand: the first quoted text is the value refused (`invalid choice: 'trian'`)
        quoted = re.search(r"'([^']*)'", why)
        token = next((t for t in tokens if t.text == quoted.group(1) and not t.value), None) if quoted else None
        if token is not None and token.placeholder:
            return "", None
        where = token.path if token else None
        if why.startswith("invalid choice"):
            return f"`{command}`: {why}", where
        return f"`{command}` {m.group('names')}: {why}", where
    # argparse names the whole argument (`--e=3`); its token is found by the flag part
    m = re.match(r"ambiguous option: (?P<flag>[^\s=]+)", message)
    if m:
        token = next((t for t in tokens if t.text.split("=", 1)[0] == m.group("flag")), None)
        return message, token.path if token else None
    return f"`{command}`: {message}", None


def _containers(m: Manifest) -> Iterator[tuple[dict[str, Any], JsonPath]]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        for ti, t in enumerate(as_list(spec.get("templates"))):
            if not isinstance(t, dict):
                continue
            tp = (*base, "templates", ti)
            if isinstance(t.get("container"), dict):
                yield t["container"], (*tp, "container")
            for key in ("initContainers", "sidecars"):
                yield from ((c, (*tp, key, i)) for i, c in enumerate(as_list(t.get(key))) if isinstance(c, dict))
            containers = as_list((t.get("containerSet") or {}).get("containers")) \
                if isinstance(t.get("containerSet"), dict) else []
            yield from ((c, (*tp, "containerSet", "containers", i)) for i, c in enumerate(containers)
                        if isinstance(c, dict))
        return
    found = pod_spec(m)
    if found is not None:
        spec, base = found
        for group in ("initContainers", "containers", "ephemeralContainers"):
            yield from ((c, (*base, group, i)) for i, c in enumerate(as_list(spec.get(group))) if isinstance(c, dict))


def check(m: Manifest, ctx: Context) -> Iterator[Problem]:
    mapping = ctx.config.command_parsers
    if not mapping:
        return
    prefixes = sorted(((p.split(), spec) for p, spec in mapping.items()), key=lambda x: -len(x[0]))
    for container, path in _containers(m):
        command, args = container.get("command"), container.get("args")
        command = command if isinstance(command, list) else []
        args = args if isinstance(args, list) else []
        if not all(isinstance(x, str) for x in command + args):
            continue
        raw = [(c, (*path, "command", i)) for i, c in enumerate(command)] + \
              [(a, (*path, "args", i)) for i, a in enumerate(args)]
        for prefix, spec in prefixes:
            if [t for t, _ in raw[: len(prefix)]] != prefix:
                continue
            shown = " ".join(prefix)
            parser = _parser(ctx.repo_root, spec)
            if isinstance(parser, Exception):
                yield Problem(m, f"cannot load the parser configured for `{shown}` ({spec}): "
                                 f"{type(parser).__name__}: {parser}", (*path, "command"))
                break
            tokens, notes = _tokens(parser, raw[len(prefix):])
            for message, where in notes:
                yield Problem(m, message, where)
            for message, where in _problems(parser, tokens, shown):
                if message:
                    yield Problem(m, message, where or (*path, "args" if args else "command"))
            break


register(Rule(
    id=RULE_ID, name="cli-args", severity=Severity.ERROR, scope=WORKFLOW_KINDS + POD_KINDS, family="pod",
    summary="A container whose command runs one of this repository's own CLIs (configured in "
            "[tool.validation.command-parsers]: command prefix -> module:function that builds its argparse parser) "
            "passes arguments that parser accepts: parsed offline, with each Argo placeholder replaced by a sample "
            "value of the flag's own type. An unknown or misspelt flag (with the one meant), an abbreviation, a "
            "missing required flag, an unknown subcommand, or a literal value the flag's type refuses is an error "
            "at the argument. Off unless configured.",
    remediation="Fix the argument to what the CLI defines (`python -m <cli> <step> --help` lists it); spell flags "
                "out in full.",
    passing="# [tool.validation.command-parsers] \"python -m pipeline\" = \"pipeline.cli:build_parser\"\n"
            "container:\n  command: [python, -m, pipeline, train-model]\n"
            "  args: [\"--batch-size={{workflow.parameters.batch-size}}\"]\n",
    failing="# [tool.validation.command-parsers] \"python -m pipeline\" = \"pipeline.cli:build_parser\"\n"
            "container:\n  command: [python, -m, pipeline, train-model]\n"
            "  args: [\"--batchsize={{workflow.parameters.batch-size}}\"]\n",
    check=check,
))
