"""Regenerate kustomization.schema.json from kustomize's own Go types, at the release kubectl embeds.

kustomize publishes no JSON schema for kustomization.yaml: its schema is the `Kustomization` struct in
`api/types`, decoded with Go's encoding/json and `DisallowUnknownFields` (types.Kustomization.Unmarshal). This
reads those struct definitions (plus `resid.Gvk` and `resid.ResId`, which selectors embed) from a kustomize git
checkout and writes the equivalent JSON Schema, with the repository, tag, commit and license recorded in it.

    git clone --bare https://github.com/kubernetes-sigs/kustomize /tmp/kustomize.git
    python -m validation.kustomize.regen --git-dir /tmp/kustomize.git --ref kustomize/v5.8.1

Go's decoder matches field names case-insensitively and lets `null` stand for any type; the checker
(validation/kustomize/kustomization.py) applies those two rules, the schema records only the structure.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("kustomization.schema.json")
REPOSITORY = "https://github.com/kubernetes-sigs/kustomize"
PACKAGES = {"types": "api/types", "resid": "kyaml/resid"}
ROOTS = ("Kustomization",)
_STRUCT = re.compile(r"^type\s+(\w+)\s+struct\s*\{(.*?)^\}", re.S | re.M)
_NAMED = re.compile(r"^type\s+(\w+)\s+([\w.\[\]*{}]+)\s*$", re.M)
_FIELD = re.compile(r"^\s*(?:(?P<name>\w+)\s+)?(?P<type>[\w.\[\]*{}]+)\s*(?:`(?P<tag>[^`]*)`)?\s*$")
_JSON_TAG = re.compile(r'json:"([^"]*)"')
_UNMARSHALERS = re.compile(r"^func\s*\(\s*\w+\s+\*?(\w+)\s*\)\s*Unmarshal(?:JSON|YAML)\b", re.M)
_SCALARS = {"string": {"type": "string"}, "bool": {"type": "boolean"}, "int": {"type": "integer"},
            "int32": {"type": "integer"}, "int64": {"type": "integer"}, "float64": {"type": "number"},
            "float32": {"type": "number"}, "interface{}": {}, "any": {}}


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], capture_output=True, text=True, check=True).stdout


def _strip_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return re.sub(r"//[^\n`]*", "", source)


def read_types(git_dir: str, ref: str) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str], set[str], list[str]]:
    """(struct name -> fields, named scalar types, types with custom unmarshalers, files read)."""
    structs: dict[str, list[dict[str, Any]]] = {}
    named: dict[str, str] = {}
    custom: set[str] = set()
    files: list[str] = []
    for package, folder in PACKAGES.items():
        for path in sorted(_git(git_dir, "ls-tree", "--name-only", f"{ref}:{folder}").split()):
            if not path.endswith(".go") or path.endswith("_test.go"):
                continue
            full = f"{folder}/{path}"
            source = _strip_comments(_git(git_dir, "show", f"{ref}:{full}"))
            found = False
            for m in _STRUCT.finditer(source):
                fields = [f for line in m.group(2).splitlines() if (f := _field(line, package))]
                structs[m.group(1)] = fields
                found = True
            for m in _NAMED.finditer(source):
                named[m.group(1)] = m.group(2)
            custom |= set(_UNMARSHALERS.findall(source))
            if found:
                files.append(full)
    return structs, named, custom, files


def _field(line: str, package: str) -> dict[str, Any] | None:
    m = _FIELD.match(line)
    if not m or not line.strip():
        return None
    name, gotype, tag = m.group("name"), m.group("type"), m.group("tag") or ""
    json_tag = _JSON_TAG.search(tag)
    key = json_tag.group(1).split(",")[0] if json_tag else None
    if key == "-":
        return None
    embedded = name is None
    bare = gotype.lstrip("*").split(".")[-1]
    if embedded:
        if key:  # an embedded struct with a name of its own is an ordinary field
            return {"key": key, "type": gotype}
        return {"inline": bare}
    if not name[0].isupper():
        return None  # unexported: encoding/json never sets it
    return {"key": key or name, "type": gotype}


def build_schema(structs: dict[str, list[dict[str, Any]]], named: dict[str, str], custom: set[str]) -> dict[str, Any]:
    defs: dict[str, Any] = {}

    def ref(gotype: str) -> dict[str, Any]:
        gotype = gotype.lstrip("*")
        if gotype.startswith("[]"):
            return {"type": "array", "items": ref(gotype[2:])}
        if gotype.startswith("map[string]"):
            return {"type": "object", "additionalProperties": ref(gotype[len("map[string]"):])}
        bare = gotype.split(".")[-1]
        if bare in _SCALARS:
            return dict(_SCALARS[bare])
        if bare in custom:
            return {}  # decoded by its own code: anything may be valid
        if bare in named and bare not in structs:
            return ref(named[bare])
        if bare in structs:
            if bare not in defs:
                defs[bare] = {}  # placeholder against recursion
                defs[bare] = struct(bare)
            return {"$ref": f"#/$defs/{bare}"}
        raise SystemExit(f"unknown Go type {gotype!r}: add its package to PACKAGES")

    def struct(name: str) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for f in structs[name]:
            if "inline" in f:
                inner = f["inline"]
                if inner not in structs:
                    raise SystemExit(f"{name} embeds unknown struct {inner}")
                ref(inner)
                properties.update(defs[inner]["properties"])
            else:
                properties[f["key"]] = ref(f["type"])
        return {"type": "object", "properties": properties, "additionalProperties": False}

    root = struct(ROOTS[0])
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": dict(sorted(defs.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--git-dir", required=True, help="a kustomize git repository (bare or not)")
    parser.add_argument("--ref", default="kustomize/v5.8.1", help="tag or commit (default: kustomize/v5.8.1)")
    parser.add_argument("--output", type=Path, default=OUT, help=f"where to write (default: {OUT.name} here)")
    args = parser.parse_args(argv)
    commit = _git(args.git_dir, "rev-parse", f"{args.ref}^{{commit}}").strip()
    structs, named, custom, files = read_types(args.git_dir, args.ref)
    schema = build_schema(structs, named, custom)
    schema = {
        "$comment": "Generated by `python -m validation.kustomize.regen` from kustomize's Go types; do not edit.",
        "x-source": {"repository": REPOSITORY, "ref": args.ref, "commit": commit, "license": "Apache-2.0",
                     "files": files},
        **schema,
    }
    text = json.dumps(schema, indent=1, sort_keys=False) + "\n"
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.output)
    print(f"wrote {args.output} ({len(schema['properties'])} fields, {len(schema['$defs'])} types) from "
          f"{args.ref} ({commit[:12]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
