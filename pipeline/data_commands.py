"""`python -m pipeline data list|pull`: the data versions of an environment's remote, and getting one back."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline import data_versions, files, versioning
from pipeline.errors import PipelineError
from pipeline.settings import Settings


def main(args: argparse.Namespace, settings: Settings) -> str:
    if args.data_command == "list":
        return list_versions(settings, as_json=args.json)
    return pull(settings, Path(args.output).expanduser(), with_split=args.split)


def list_versions(settings: Settings, as_json: bool = False) -> str:
    records = data_versions.all_versions(settings)
    if as_json:
        return "\n".join(json.dumps(data_versions.as_row(r), sort_keys=True) for r in records)
    if not records:
        return f"no data versions in {versioning.describe_remote(settings)}"
    rows = [("VERSION", "CREATED", "ROWS", "CLASSES", "MD5", "FILE", "SOURCE")]
    for r in records:
        classes = " ".join(f"{label}:{n}" for label, n in r.classes.items())
        rows.append((r.version, r.created, str(r.rows), classes, r.raw.md5, r.raw.name, r.source))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1] for row in rows
    )


def pull(settings: Settings, output: Path, with_split: bool) -> str:
    record = data_versions.lookup(settings)
    if record is None:
        known = [r.version for r in data_versions.all_versions(settings)]
        raise PipelineError(
            f"data version {settings.data_version!r} is not in {versioning.describe_remote(settings)} "
            f"(it has: {', '.join(known) or 'none'})"
        )
    files.ensure_writable(output, what="output folder", flag="--output")
    written = data_versions.pull_into(settings, record, output, with_split)
    return "\n".join([f"data version {record.version}: {record.describe()}"] + [f"wrote {path}" for path in written])
