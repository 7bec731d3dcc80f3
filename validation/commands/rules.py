"""`python -m validation rules`: the rule registry (ID, severity, scope, summary)."""

from __future__ import annotations

import argparse
import sys

from validation.cli import EXIT_OK, UsageError

HELP = "List every rule: ID, default severity, scope (kinds) and summary; markdown output is docs/rules.md."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="output format (default: text; markdown regenerates docs/rules.md)")
    parser.add_argument("--select", action="append", default=[], metavar="ID",
                        help="only rules with this ID or ID prefix (repeatable), e.g. --select argo")


def run(args: argparse.Namespace) -> int:
    from validation import rules_doc
    from validation.rules import all_rules, matches

    rules = all_rules()
    if args.select:
        rules = [r for r in rules if matches(r.id, args.select)]
        if not rules:
            raise UsageError(f"no rule matches {', '.join(args.select)}; `python -m validation rules` lists them")
    render = {"text": rules_doc.render_text, "json": rules_doc.render_json, "markdown": rules_doc.render_markdown}
    sys.stdout.write(render[args.format](rules))
    return EXIT_OK
