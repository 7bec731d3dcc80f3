"""POD-CLI-ARGS beyond the fixtures: each test writes a small CLI into its own repository root and runs the rule."""

from __future__ import annotations

import argparse
import datetime
import functools
import sys
import textwrap
import uuid

import pytest
from rules_helpers import context, rendered, run_rule

from validation.config import Config
from validation.rules import cli_args

CLI = '''
import argparse
import datetime
import re


def url(text):
    if "://" not in text:
        raise argparse.ArgumentTypeError(f"not a URL: {text!r}")
    return text


def day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}\\nwrite it as YYYY-MM-DD") from None


def name(text):
    if not re.fullmatch("[a-z0-9-]+", text):
        raise argparse.ArgumentTypeError("not a lower-case name")  # does not quote the value
    return text


def build_parser():
    parser = argparse.ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="step", required=True)
    train = sub.add_parser("train")
    train.add_argument("--epochs", type=int, required=True)
    train.add_argument("--environment", choices=["dev", "prod"])
    train.add_argument("--tracking-uri", type=url)
    train.add_argument("--since", type=day)
    train.add_argument("--seed", type=int, nargs=1)
    train.add_argument("-b", "--batch-size", type=int)
    train.add_argument("--verbose", action="store_true")
    export = sub.add_parser("export")
    export.add_argument("dataset", type=name)
    export.add_argument("format", type=str.lower, choices=["csv", "json"])
    export.add_argument("copies", type=int, nargs="?")
    export.add_argument("--output")
    read = sub.add_parser("read")  # its only short option is -h
    read.add_argument("source")
    return parser


def build_admin():
    parser = argparse.ArgumentParser(prog="tool admin")
    parser.add_argument("--force", action="store_true")
    return parser


NOT_A_FUNCTION = 3


def build_dict():
    return {}
'''

POD = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
%s
"""


@pytest.fixture
def cli(tmp_path):
    """A repository root holding the CLI under a module name no other test uses; forgotten afterwards."""
    name = f"cli_{uuid.uuid4().hex}"
    (tmp_path / f"{name}.py").write_text(CLI, encoding="utf-8")
    yield tmp_path, name
    sys.modules.pop(name, None)


def findings(cli, containers: str, parsers: dict[str, str] | None = None, manifest: str = POD):
    root, name = cli
    cfg = Config(root=root)
    cfg.command_parsers = {k: v.replace("CLI", name) for k, v in (parsers or {"tool": "CLI:build_parser"}).items()}
    text = manifest % textwrap.indent(textwrap.dedent(containers).strip("\n"), "    ") if "%s" in manifest else manifest
    return [(h.message, h.path) for h in run_rule("POD-CLI-ARGS", context(rendered(text), config=cfg, repo_root=root))]


def args(*values: str) -> str:
    quoted = ", ".join(f'"{v}"' for v in values)
    return f"- {{name: c, image: 'x:1', command: [tool, train], args: [{quoted}]}}"


A = "spec.containers[0].args"


# --- placeholders: a value only known at run time is never the finding, and never hides one after it


def test_a_placeholder_no_sample_fits_is_not_a_finding_joined_or_apart(cli):
    # `day` refuses every sample: the rule says nothing about a value it cannot know
    assert findings(cli, args("--epochs=1", "--since={{inputs.parameters.day}}")) == []
    assert findings(cli, args("--epochs=1", "--since", "{{inputs.parameters.day}}")) == []


@pytest.mark.parametrize("given", [["--since={{inputs.parameters.day}}"], ["--since", "{{inputs.parameters.day}}"]])
def test_a_placeholder_no_sample_fits_does_not_hide_the_arguments_after_it(cli, given):
    # argparse would stop at a refused sample and never see the misspelt flag or the missing --epochs
    assert findings(cli, args("--epochs=1", *given, "--colour=red")) == [
        ("--colour is not an option of `tool train`", f"{A}[{len(given) + 1}]")]
    assert findings(cli, args(*given)) == [("`tool`: the following arguments are required: --epochs", A)]
    assert findings(cli, args("--epochs=1", *given, "--batch-size=many")) == [  # its type named as argparse does
        ("--batch-size: invalid int value: 'many'", f"{A}[{len(given) + 1}]")]


def test_only_the_stand_in_passes_a_type_during_the_parse_and_each_type_is_given_back():
    parser = argparse.ArgumentParser(prog="t")
    hex_int = functools.partial(int, base=16)  # no __name__: argparse names it by its repr
    parser.add_argument("--n", type=hex_int)
    parser.add_argument("--d", type=datetime.date.fromisoformat)
    tokens, _ = cli_args._tokens(parser, [("--d={{x}}", ("args", 0)), ("--n=zz", ("args", 1))])
    assert [t.text for t in tokens] == ["--d={{}}", "--n=zz"]
    assert cli_args._problems(parser, tokens, "t") == [(f"--n: invalid {hex_int!r} value: 'zz'", ("args", 1))]
    assert [a.type for a in parser._actions[1:]] == [hex_int, datetime.date.fromisoformat]


def _below_one(text):
    value = float(text)
    if value >= 1:
        raise ValueError(text)
    return value


class _Positive(argparse.Action):
    """A flag that checks its converted value itself: it needs a real sample, not the stand-in."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values <= 0:
            parser.error(f"{option_string} must be positive")
        setattr(namespace, self.dest, values)


def test_a_flag_with_its_own_action_gets_a_sample_its_type_accepts_and_the_stand_in_only_as_a_last_resort():
    parser = argparse.ArgumentParser(prog="t")
    parser.add_argument("--workers", type=int, action=_Positive)
    parser.add_argument("--rate", type=_below_one, action=_Positive)  # refuses the first sample, "1"
    parser.add_argument("--since", type=datetime.date.fromisoformat, action=_Positive)  # no sample fits
    for flag, sample in (("--workers", "1"), ("--rate", "0.5")):
        tokens, _ = cli_args._tokens(parser, [(flag + "={{x}}", ("args", 0)), ("--colour", ("args", 1))])
        assert [t.text for t in tokens] == [f"{flag}={sample}", "--colour"]
        assert cli_args._problems(parser, tokens, "t") == [("--colour is not an option of `t`", ("args", 1))]
    # `"{{}}" <= 0` raises TypeError in the CLI's own action: no finding to make, and no crash
    tokens, _ = cli_args._tokens(parser, [("--since={{x}}", ("args", 0)), ("--colour", ("args", 1))])
    assert cli_args._problems(parser, tokens, "t") == []
    with pytest.raises(TypeError):  # a literal the action chokes on is the CLI's own bug, not hidden
        cli_args._problems(parser, cli_args._tokens(parser, [("--since=2024-01-01", ("args", 0))])[0], "t")


@pytest.mark.parametrize("flag", ["--environment={{inputs.parameters.env}}",  # the first choice stands in
                                  "--tracking-uri={{inputs.parameters.uri}}"])  # a candidate the type accepts
def test_a_placeholder_gets_a_sample_its_flag_accepts_so_later_arguments_are_still_checked(cli, flag):
    assert findings(cli, args("--epochs=1", flag, "--colour=red")) == [
        ("--colour is not an option of `tool train`", f"{A}[2]")]


@pytest.mark.parametrize("given", [["--seed", "{{inputs.parameters.seed}}"],  # nargs=1
                                   ["-b", "{{inputs.parameters.batch}}"]])  # a short flag, value apart
def test_a_placeholder_given_apart_from_its_flag_takes_a_sample_of_the_flags_type(cli, given):
    assert findings(cli, args("--epochs", "{{inputs.parameters.epochs}}", *given, "--colour")) == [
        ("--colour is not an option of `tool train`", f"{A}[{len(given) + 2}]")]


def test_a_placeholder_positional_is_not_a_finding_and_gets_a_sample_of_a_plain_name(cli):
    export = "- {{name: c, image: 'x:1', command: [tool, export], args: [{}]}}"
    assert findings(cli, export.format('csv-rows, csv, "{{inputs.parameters.copies}}"')) == []
    assert findings(cli, export.format('"{{inputs.parameters.dataset}}", csv, --ouput=/tmp')) == [
        ("--ouput is not an option of `tool export`; did you mean --output?", f"{A}[2]")]


def test_a_placeholder_subcommand_is_not_a_finding(cli):
    assert findings(cli, '- {name: c, image: "x:1", command: [tool, "{{inputs.parameters.step}}", --epochs=1]}') == []


# --- literal values and flags: the finding, its words and its argument


def test_a_literal_value_given_apart_is_checked_and_reported_at_its_flag(cli):
    assert findings(cli, args("--epochs", "3", "--environment", "qa")) == [
        ("--environment: invalid choice: 'qa' (choose from 'dev', 'prod')", f"{A}[2]")]
    assert findings(cli, args("--epochs=1", "-b", "x")) == [("-b: invalid int value: 'x'", f"{A}[1]")]


def test_a_value_given_apart_does_not_end_the_check(cli):
    assert findings(cli, args("--epochs", "3", "--colour")) == [
        ("--colour is not an option of `tool train`", f"{A}[2]")]


def test_an_argument_left_over_is_reported_at_itself_not_at_a_flags_value_of_the_same_text(cli):
    assert findings(cli, args("--epochs", "3", "3")) == [("`tool` takes no argument '3'", f"{A}[2]")]


def test_a_refusal_over_two_lines_is_reported_at_the_flag(cli):
    assert findings(cli, args("--epochs=1", "--since=yesterday")) == [
        ("--since: not a date: 'yesterday'\nwrite it as YYYY-MM-DD", f"{A}[1]")]


def test_a_value_holding_an_equals_sign_belongs_to_the_first_one(cli):
    assert findings(cli, args("--epochs=1", "--tracking-uri=localhost:5000?a=b", "--trackinguri=http://h/?a=b")) == [
        ("--tracking-uri: not a URL: 'localhost:5000?a=b'", f"{A}[1]")]
    assert findings(cli, args("--epochs=1", "--trackinguri=http://h/?a=b")) == [
        ("--trackinguri is not an option of `tool train`; did you mean --tracking-uri?", f"{A}[1]")]


def test_an_abbreviation_after_a_switch_is_noted(cli):
    assert findings(cli, args("--epochs=1", "--verbose", "--env=dev")) == [
        ("--env is an abbreviation of --environment: argparse accepts it only until another flag starts the same "
         "way; spell it out", f"{A}[2]")]


def test_an_ambiguous_abbreviation_is_reported_at_its_argument(cli):
    assert findings(cli, args("--epochs=1", "--e=a=b")) == [
        ("ambiguous option: --e=a=b could match --epochs, --environment", f"{A}[1]")]


def test_a_lone_dash_is_an_argument_not_an_abbreviation_of_the_one_short_option(cli):
    assert findings(cli, '- {name: c, image: "x:1", command: [tool, read, "-"]}') == []


def test_a_positional_refused_by_its_type_or_choices_is_reported_by_name(cli):
    export = "- {{name: c, image: 'x:1', command: [tool, export], args: [{}]}}"
    assert findings(cli, export.format("rows, XML")) == [  # the choice is checked after str.lower: 'xml'
        ("`tool`: invalid choice: 'xml' (choose from 'csv', 'json')", A)]
    assert findings(cli, export.format("rows, csv, many")) == [
        ("`tool` copies: invalid int value: 'many'", f"{A}[2]")]
    assert findings(cli, export.format("ROWS, csv")) == [("`tool` dataset: not a lower-case name", A)]


# --- where the rule looks: every container, command and args, the longest configured prefix


def test_every_container_of_a_workflow_template_and_of_a_pod_is_checked(cli):
    bad = "{image: 'x:1', command: [tool, train, --epochs=1, --colour]}"
    workflow = f"""
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {{name: w, namespace: ns}}
spec:
  templates:
    - not a template
    - name: a
      container: {bad}
      initContainers: [{bad}]
      sidecars: [{bad}]
    - name: b
      containerSet: {{containers: [{bad}]}}
    - name: c
      containerSet: not a mapping
"""
    pod = f"""
apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: ns}}
spec:
  initContainers: [{bad}]
  containers: [{bad}]
  ephemeralContainers: [{bad}]
"""
    assert [p for _, p in findings(cli, "", manifest=workflow)] == [
        "spec.templates[1].container.command[3]", "spec.templates[1].initContainers[0].command[3]",
        "spec.templates[1].sidecars[0].command[3]", "spec.templates[2].containerSet.containers[0].command[3]"]
    assert [p for _, p in findings(cli, "", manifest=pod)] == [
        "spec.initContainers[0].command[3]", "spec.containers[0].command[3]",
        "spec.ephemeralContainers[0].command[3]"]


def test_command_and_args_are_read_as_one_line_either_may_be_missing(cli):
    assert findings(cli, """
        - {name: a, image: "x:1", args: [tool, train, --epochs=1, --colour]}
        - {name: b, image: "x:1", command: [tool, train]}
        - {name: c, image: "x:1", command: [tool, train, --epochs, 3]}
        - {name: d, image: "x:1", command: [tool, train, --epochs=1, --color]}
    """) == [
        ("--colour is not an option of `tool train`", "spec.containers[0].args[3]"),
        ("`tool`: the following arguments are required: --epochs", "spec.containers[1].command"),
        # c: an unquoted 3 is not a string (the schema check's finding); the rule passes it over
        ("--color is not an option of `tool train`", "spec.containers[3].command[3]"),
    ]


def test_the_longest_configured_prefix_picks_the_parser(cli):
    parsers = {"tool": "CLI:build_parser", "tool admin": "CLI:build_admin"}  # the shorter first on purpose
    assert findings(cli, """
        - {name: a, image: "x:1", command: [tool, admin, --force]}
        - {name: b, image: "x:1", command: [tool, train, --epochs=1, --colour]}
    """, parsers) == [("--colour is not an option of `tool train`", "spec.containers[1].command[3]")]


def test_a_parser_that_cannot_be_loaded_is_a_finding_and_the_other_containers_are_still_checked(cli):
    parsers = {"tool": "CLI:build_parser", "broken": "CLI:no_such_function"}
    _, name = cli
    assert findings(cli, """
        - {name: a, image: "x:1", command: [broken, run]}
        - {name: b, image: "x:1", command: [tool, train, --epochs=1, --colour]}
    """, parsers) == [
        (f"cannot load the parser configured for `broken` ({name}:no_such_function): ValueError: {name} has no "
         "function no_such_function", "spec.containers[0].command"),
        ("--colour is not an option of `tool train`", "spec.containers[1].command[3]"),
    ]


# --- loading the parser from the repository


@pytest.mark.parametrize("spec", ["CLI", "CLI:", ":build_parser"])
def test_load_parser_refuses_a_spec_that_is_not_module_colon_function(cli, spec):
    root, name = cli
    spec = spec.replace("CLI", name)
    with pytest.raises(ValueError, match=f"^{spec!r} is not module:function$"):
        cli_args.load_parser(root, spec)


@pytest.mark.parametrize("func,message", [
    ("no_such", "{m} has no function no_such"),
    ("NOT_A_FUNCTION", "{m} has no function NOT_A_FUNCTION"),
    ("build_dict", "{m}:build_dict returned dict, not an argparse.ArgumentParser"),
    ("build_parser:x", "{m} has no function build_parser:x"),  # the module is what comes before the first colon
])
def test_load_parser_says_what_the_spec_names_instead_of_a_parser(cli, func, message):
    root, name = cli
    with pytest.raises(ValueError) as caught:
        cli_args.load_parser(root, f"{name}:{func}")
    assert str(caught.value) == message.format(m=name)


def test_load_parser_imports_from_the_repository_first_and_leaves_sys_path_as_it_was(cli, tmp_path_factory,
                                                                                      monkeypatch):
    root, name = cli
    decoy = tmp_path_factory.mktemp("decoy")  # a module of the same name found earlier on the path
    (decoy / f"{name}.py").write_text("raise ImportError('the decoy was imported')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(decoy))
    before = list(sys.path)
    parser = cli_args.load_parser(root, f"{name}:build_parser")
    assert isinstance(parser, argparse.ArgumentParser) and parser.prog == "tool"
    assert sys.path == before


def test_load_parser_keeps_a_root_that_was_already_on_sys_path(cli, monkeypatch):
    root, name = cli
    monkeypatch.syspath_prepend(str(root))
    cli_args.load_parser(root, f"{name}:build_admin")
    assert sys.path[0] == str(root)


def test_parsers_are_cached_per_repository_and_spec(cli, tmp_path_factory):
    root, name = cli
    elsewhere = tmp_path_factory.mktemp("no-cli")
    missing = cli_args._parser(elsewhere, f"{name}:build_parser")  # no such module under that root
    assert isinstance(missing, ModuleNotFoundError)
    found = cli_args._parser(root, f"{name}:build_parser")
    assert isinstance(found, argparse.ArgumentParser)
    assert cli_args._parser(root, f"{name}:build_parser") is found
    assert cli_args._parser(root, f"{name}:build_admin") is not found
    assert cli_args._parser(elsewhere, f"{name}:build_parser") is missing
