"""`python -m validation schemas`: the kinds the checker covers and where each schema came from."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from validation.cli import EXIT_OK, UsageError

HELP = "List the kinds schema-checked (group/version/kind) and where each schema came from."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubernetes-version",
        metavar="X.Y",
        help="Kubernetes version whose schemas to list (default: kubernetes-version in config, else 1.37)",
    )
    parser.add_argument(
        "--argo-version",
        metavar="X.Y",
        help="Argo Workflows release line whose schemas to list (default: argo-version in config, else the newest "
             "vendored)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--kind", metavar="KIND", help="only kinds whose name contains KIND (case-insensitive)")
    parser.add_argument("--root", type=Path, default=Path("."), metavar="DIR", help="repository root (default: .)")


def run(args: argparse.Namespace) -> int:
    from validation import config as config_mod
    from validation.schemas import Catalog, argo, kubernetes

    try:
        cfg = config_mod.load(args.root)
    except config_mod.ConfigError as exc:
        raise UsageError(str(exc)) from None
    version = args.kubernetes_version or cfg.kubernetes_version
    argo_version = args.argo_version or cfg.argo_version
    try:
        catalog = Catalog(version, argo_version)
    except kubernetes.UnsupportedVersionError as exc:
        raise UsageError(str(exc)) from None
    except argo.UnsupportedArgoVersionError as exc:
        raise UsageError(f"argo-version: {exc}") from None

    kinds = catalog.kinds()
    if args.kind:
        kinds = [k for k in kinds if args.kind.lower() in k.kind.lower()]

    if args.format == "json":
        payload = {
            "kubernetes_version": catalog.k8s.label,
            "argo_version": catalog.argo_version,
            "kinds": [
                {"group": k.group, "version": k.version, "kind": k.kind, "apiVersion": k.api_version, "source": k.source}
                for k in kinds
            ],
        }
        json.dump(payload, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK

    rows = [(f"{k.group or 'core'}/{k.version}", k.kind, k.source) for k in kinds]
    w0 = max([len("GROUP/VERSION"), *(len(r[0]) for r in rows)])
    w1 = max([len("KIND"), *(len(r[1]) for r in rows)])
    print(f"{'GROUP/VERSION':<{w0}}  {'KIND':<{w1}}  SOURCE")
    for gv, kind, source in rows:
        print(f"{gv:<{w0}}  {kind:<{w1}}  {source}")
    print(
        f"{len(rows)} kinds for Kubernetes {catalog.k8s.label} and Argo Workflows {catalog.argo.release.tag}",
        file=sys.stderr,
    )
    return EXIT_OK
