"""`python -m validation render <env|app>`: print exactly what Argo CD would apply for one target."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from validation.cli import EXIT_ERROR, EXIT_OK, UsageError
from validation.commands.check import add_build_options_argument

HELP = "Print the objects Argo CD would apply for one environment or Application (our annotations stripped)."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="ENV|APP", help="an environment (dev), or an Application (app/NAME or NAME)")
    parser.add_argument("--output", type=Path, default=None, metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--root", type=Path, default=None, help="repository root (default: found from the cwd)")
    parser.add_argument("--allow-remote-bases", action="store_true",
                        help="let kustomize fetch remote bases over the network (default: offline, not rendered)")
    add_build_options_argument(parser)


def run(args: argparse.Namespace) -> int:
    from validation.atomic import write_atomic
    from validation.commands.check import find_root, load_config, root_hint
    from validation.engine import bounded
    from validation.render import ToolMissing, find_engine, render_targets
    from validation.targets import discover, is_kustomization_dir, select

    root = (args.root or find_root(Path.cwd())).resolve()
    cfg = load_config(root, args.kustomize_build_options)
    found = discover(cfg)
    for refused in found.refused:  # a target outside the repository is not rendered: say why, not "unknown"
        if args.target in (refused.environment, refused.name, f"app/{refused.name}"):
            raise UsageError(f"{refused.file}: {refused.message}")
    if not found.targets:
        raise UsageError(f"nothing to render under {root}{root_hint(root, args.root)}")
    targets = select(found.targets, [args.target])
    # An environment name selects its overlay and its Application; Argo CD applies the Application's render.
    target = next((t for t in targets if t.kind == "application"), targets[0])
    parts = target.per_source()  # a multi-source Application: every source, united as Argo CD unites them
    engine = None
    if any(is_kustomization_dir(p.path) for p in parts):
        try:
            engine = find_engine().with_options(cfg.kustomize_build_options)
        except ToolMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    from validation.engine import _read_plain, united_sources

    allow_remote = args.allow_remote_bases or cfg.allow_remote_bases
    renders = [render_targets([p], root, engine, allow_remote=allow_remote)[0] if is_kustomization_dir(p.path)
               else _read_plain(p, root, {}, []) for p in parts]
    rendered = united_sources([(target, parts)], renders, [])[0]
    if rendered.error or rendered.offline:
        print(f"error: cannot render {target.name}: {bounded(rendered.error or rendered.offline or '')}",
              file=sys.stderr)
        return EXIT_ERROR
    text = yaml.dump_all([m.obj for m in rendered.manifests], Dumper=yaml.CSafeDumper, sort_keys=False,
                         default_flow_style=False, allow_unicode=True, width=1 << 20)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
