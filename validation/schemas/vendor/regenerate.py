"""Regenerate the vendored schemas of an Argo project from its own repository at a release tag.

    python -m validation.schemas.vendor.regenerate argo-workflows GIT_DIR --tag v4.1.2 [--verify-examples]
    python -m validation.schemas.vendor.regenerate argo-cd GIT_DIR --tag v3.5.1
    python -m validation.schemas.vendor.regenerate argo-events GIT_DIR --tag v1.9.11 [--verify-examples]
    python -m validation.schemas.vendor.regenerate argo-rollouts GIT_DIR --tag v1.9.1 [--verify-examples]
    python -m validation.schemas.vendor.regenerate crossplane GIT_DIR --tag v2.3.4 [--verify-examples]
    python -m validation.schemas.vendor.regenerate argo-workflows GIT_DIR --check   # every vendored tag, byte for byte

GIT_DIR is a bare git directory (what the `fetch` tool or `git clone --bare` gives) or a checkout; files are read
from the tag's commit, never from a work tree, so the result depends only on (repository, commit).

What is taken, and nothing else:
- argo-workflows: `api/jsonschema/schema.json` (the JSON schema Argo publishes and validates its own examples
  with), reduced to the definitions its kinds reach; plus, for the kinds that schema does not cover
  (WorkflowTaskSet, WorkflowTaskResult, WorkflowArtifactGCTask), the openAPIV3Schema of the full CRDs under
  `manifests/base/crds/full/`.
- argo-cd: the openAPIV3Schema of every CRD under `manifests/crds/` (Application, ApplicationSet, AppProject).
- argo-events: `api/jsonschema/schema.json` (Sensor, EventSource, EventBus), reduced the same way; its CRDs under
  `manifests/base/crds/` carry no schema (`x-kubernetes-preserve-unknown-fields` on spec), so none is taken.
- argo-rollouts: the openAPIV3Schema of every CRD under `manifests/crds/` (Rollout, AnalysisTemplate,
  ClusterAnalysisTemplate, AnalysisRun, Experiment).
- crossplane: the openAPIV3Schema of every CRD under `cluster/crds/` (apiextensions, pkg, ops and protection
  .crossplane.io: XRD, Composition, Provider, Function, Operation, Usage ...).
Documentation (description, title, examples) and strategic-merge hints are dropped; nothing else is changed. The
project's own adjustments (strict objects, IntOrString ...) are applied when the schemas are loaded, in
validation/schemas/argo.py, argocd.py, argo_events.py, argo_rollouts.py, crossplane_crds.py and strict.py, so a
reviewer can diff the vendored data against upstream.

Output, beside this file: `<project>/<tag>.json.gz` (the payload: deterministic JSON, gzip with mtime 0),
`<project>/<tag>.source.json` (repository, tag, commit, the blob of every file read, the payload's sha256) and
`<project>/LICENSE` (the upstream license text at that tag). `--check` rebuilds every vendored tag and compares
the payload byte for byte (the gzip container itself depends on the zlib build, so it is not compared).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from validation.atomic import write_atomic
from validation.schemas import tree

VENDOR_DIR = Path(__file__).resolve().parent
FORMAT = 1
# A CRD's spec.names.kind, found without parsing the file. The lines under names: are matched without DOTALL:
# `.*` there backtracks across the whole file (minutes on Crossplane's usages CRD, whose kind follows a list).
_CRD_KIND = re.compile(rb"^kind: CustomResourceDefinition$.*?^  names:$(?:\n    [^\n]*)*?\n    kind: (\w+)$",
                       re.M | re.S)
_RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
# Merge hints for `kubectl apply`: not validation.
_MERGE_HINTS = frozenset({"x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy"})


@dataclass(frozen=True)
class Project:
    name: str
    repository: str
    license: str
    jsonschema: str | None  # path of a published JSON schema, if the project has one
    crd_dir: str  # where the project keeps its CRDs
    examples: tuple[str, ...] = ("examples",)  # what --verify-examples reads


PROJECTS = {
    "argo-workflows": Project("argo-workflows", "https://github.com/argoproj/argo-workflows", "Apache-2.0",
                              "api/jsonschema/schema.json", "manifests/base/crds/full"),
    "argo-cd": Project("argo-cd", "https://github.com/argoproj/argo-cd", "Apache-2.0", None, "manifests/crds"),
    # Argo Events' CRDs are schemaless (spec: x-kubernetes-preserve-unknown-fields): its JSON schema is the schema
    "argo-events": Project("argo-events", "https://github.com/argoproj/argo-events", "Apache-2.0",
                           "api/jsonschema/schema.json", "manifests/base/crds"),
    "argo-rollouts": Project("argo-rollouts", "https://github.com/argoproj/argo-rollouts", "Apache-2.0", None,
                             "manifests/crds"),
    # Crossplane has no examples/ folder: its e2e manifests are what it applies to a real cluster
    "crossplane": Project("crossplane", "https://github.com/crossplane/crossplane", "Apache-2.0", None,
                          "cluster/crds", ("test/e2e/manifests",)),
}


class SourceError(RuntimeError):
    """The git directory, tag or a file in it cannot be read."""


class GitTree:
    """The files of one commit of a git repository (bare or checkout), read with git itself."""

    def __init__(self, git_dir: Path, ref: str, tag: str | None = None) -> None:
        self.git_dir = git_dir
        self.commit = self._git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
        self.tag = tag or ref

    def _git(self, *args: str) -> bytes:
        try:
            done = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], capture_output=True, check=False)
        except OSError as exc:
            raise SourceError(f"cannot run git: {exc}") from None
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip() or f"git {' '.join(args)} failed"
            raise SourceError(f"{self.git_dir}: {message}")
        return done.stdout

    def read(self, path: str) -> bytes:
        return self._git("cat-file", "blob", f"{self.commit}:{path}")

    def blob(self, path: str) -> str:
        return self._git("rev-parse", f"{self.commit}:{path}").decode().strip()

    def files(self, directory: str, recursive: bool = False) -> list[str]:
        """Paths of the files under `directory` at this commit, sorted."""
        args = ["ls-tree", "--name-only", *(["-r"] if recursive else []), self.commit, "--", f"{directory}/"]
        return sorted(self._git(*args).decode().splitlines())


def git_dir_of(path: Path) -> Path:
    """A checkout's .git directory, or the path itself when it is a bare repository."""
    if (path / ".git").exists():
        return path / ".git"
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        return path
    raise SourceError(f"{path}: not a git repository (bare or checkout)")


def _strip(node: dict[str, Any]) -> dict[str, Any]:
    return tree.strip_documentation(node, also=_MERGE_HINTS)


def _reachable(definitions: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    """The definitions `roots` reach through $ref, documentation stripped, in name order."""
    out: dict[str, Any] = {}
    pending = list(roots)

    def visit(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            pending.append(ref[len("#/definitions/"):])
        return _strip(node)

    while pending:
        name = pending.pop()
        if name in out:
            continue
        if name not in definitions:
            raise SourceError(f"$ref to a definition the schema does not hold: {name}")
        out[name] = tree.rewrite(definitions[name], visit)
    return dict(sorted(out.items()))


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def build(project: Project, source: GitTree) -> tuple[bytes, dict[str, Any]]:
    """(payload bytes, source record) for one project at one commit."""
    files: dict[str, str] = {}
    kinds: list[dict[str, Any]] = []
    definitions: dict[str, Any] = {}

    if project.jsonschema:
        published = json.loads(source.read(project.jsonschema))
        files[project.jsonschema] = source.blob(project.jsonschema)
        all_defs = published.get("definitions") or published.get("$defs") or {}
        roots = [r["$ref"].rsplit("/", 1)[-1] for r in published.get("oneOf", []) if "$ref" in r]
        definitions = _reachable(all_defs, roots)
        for name in roots:
            for gvk in all_defs[name].get("x-kubernetes-group-version-kind", []):
                kinds.append({"apiVersion": _api_version(gvk["group"], gvk["version"]), "kind": gvk["kind"],
                              "definition": name})

    published = {k["kind"] for k in kinds}
    for path in source.files(project.crd_dir):
        if not path.endswith((".yaml", ".yml")):
            continue
        text = source.read(path)
        named = _CRD_KIND.search(text) if published else None
        if named and named.group(1).decode() in published:
            continue  # covered by the published JSON schema: skip parsing megabytes of YAML
        for doc in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            kind = spec["names"]["kind"]
            # the published JSON schema covers it, and is richer (by kind alone: Crossplane has a Usage in two groups)
            if kind in published:
                continue
            files[path] = source.blob(path)
            for version in spec.get("versions", []):
                if not version.get("served", True):
                    continue
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema is None:
                    continue
                kinds.append({"apiVersion": _api_version(spec["group"], version["name"]), "kind": kind,
                              "openAPIV3Schema": tree.rewrite(schema, _strip)})
    if not kinds:
        raise SourceError(f"{project.name} {source.tag}: no kinds found in {project.jsonschema or project.crd_dir}")

    files["LICENSE"] = source.blob("LICENSE")
    record = {
        "project": project.name,
        "repository": project.repository,
        "tag": source.tag,
        "commit": source.commit,
        "license": project.license,
        "files": dict(sorted(files.items())),
    }
    kinds.sort(key=lambda k: (k["apiVersion"], k["kind"]))
    payload = {"format": FORMAT, "source": record, "kinds": kinds, "definitions": definitions}
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"
    return data, record


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def payload_path(out_dir: Path, project: str, tag: str) -> Path:
    return out_dir / project / f"{tag}.json.gz"


def vendor(project: Project, source: GitTree, out_dir: Path) -> Path:
    data, record = build(project, source)
    target = payload_path(out_dir, project.name, source.tag)
    # all three files are prepared before the first is written
    license_text = source.read("LICENSE")
    record = {**record, "payload_sha256": hashlib.sha256(data).hexdigest(),
              "generator": "python -m validation.schemas.vendor.regenerate"}
    side = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode()
    _write(target, gzip.compress(data, compresslevel=9, mtime=0))
    _write(target.with_name(f"{source.tag}.source.json"), side)
    _write(target.parent / "LICENSE", license_text)
    return target


def vendored_tags(out_dir: Path, project: str) -> list[str]:
    return sorted(p.name[: -len(".source.json")] for p in (out_dir / project).glob("*.source.json"))


def check(project: Project, git_dir: Path, out_dir: Path, tags: list[str], say: Callable[[str], None]) -> bool:
    """Rebuild each vendored tag from the commit it records; True when every payload matches byte for byte."""
    ok = True
    for tag in tags:
        record = json.loads((out_dir / project.name / f"{tag}.source.json").read_text(encoding="utf-8"))
        source = GitTree(git_dir, record["commit"], tag=tag)
        data, _ = build(project, source)
        on_disk = gzip.decompress(payload_path(out_dir, project.name, tag).read_bytes())
        same = data == on_disk and hashlib.sha256(data).hexdigest() == record["payload_sha256"]
        say(f"{project.name} {tag} ({record['commit'][:12]}): {'identical' if same else 'DIFFERS'}")
        ok = ok and same
    return ok


def verify_examples(project: Project, git_dir: Path, tag: str, out_dir: Path, say: Callable[[str], None]) -> int:
    """Schema-check every YAML document under the project's examples (examples/, or Crossplane's e2e manifests) at
    the tag with the freshly vendored release (Kubernetes kinds included: a finding on one is as much a bug of the
    schemas as one on the project's own kinds)."""
    from validation.schema_check import SchemaChecker
    from validation.schemas import Catalog, vendored

    source = GitTree(git_dir, tag)
    release = vendored.Release.from_file(payload_path(out_dir, project.name, tag))
    if project.name == "argo-workflows":
        catalog = Catalog(argo_release=release)
    else:
        catalog = Catalog(vendored_releases={project.name: release})
    checker = SchemaChecker(catalog=catalog)
    findings = documents = 0
    unchecked: dict[str, int] = {}  # other projects' kinds (Istio, Ambassador ...) that have no schema here
    paths = [path for directory in project.examples for path in source.files(directory, recursive=True)]
    for path in paths:
        if not path.endswith((".yaml", ".yml")):
            continue
        try:
            docs = list(yaml.load_all(source.read(path), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        except yaml.YAMLError as exc:
            say(f"{path}: not YAML ({exc.__class__.__name__})")
            continue
        for doc in docs:
            if not isinstance(doc, dict) or "kind" not in doc:
                continue  # a Helm chart's Chart.yaml or values.yaml: not an object
            if not catalog.has(str(doc.get("apiVersion")), str(doc["kind"])):
                key = f"{doc.get('apiVersion')} {doc['kind']}"
                unchecked[key] = unchecked.get(key, 0) + 1
                continue
            documents += 1
            for issue in checker.check(doc):
                findings += 1
                say(f"{path}: {doc.get('kind')} {issue.rule_id} {issue.message}")
    if unchecked:
        say(f"no schema here for {sum(unchecked.values())} documents: " + ", ".join(sorted(unchecked)))
    where = ", ".join(f"{d}/" for d in project.examples)
    say(f"{where} at {tag}: {documents} documents checked, {findings} schema findings")
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m validation.schemas.vendor.regenerate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("project", choices=sorted(PROJECTS), help="whose schemas to vendor")
    parser.add_argument("git_dir", type=Path, help="the project's repository: a bare git dir or a checkout")
    parser.add_argument("--tag", action="append", default=[], help="release tag to vendor (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="rebuild the vendored tags (or --tag ones) and compare, writing nothing")
    parser.add_argument("--verify-examples", action="store_true",
                        help="schema-check the project's examples at each tag with the vendored schemas")
    parser.add_argument("--out", type=Path, default=VENDOR_DIR, help="vendor directory (default: next to this file)")
    args = parser.parse_args(argv)
    project = PROJECTS[args.project]
    try:
        git_dir = git_dir_of(args.git_dir)
        if args.check:
            tags = args.tag or vendored_tags(args.out, project.name)
            if not tags:
                print(f"nothing vendored for {project.name} in {args.out}", file=sys.stderr)
                return 2
            return 0 if check(project, git_dir, args.out, tags, print) else 1
        if not args.tag:
            parser.error("--tag is required (a release tag such as v4.1.2)")
        for tag in args.tag:
            if not _RELEASE_TAG.match(tag):
                parser.error(f"--tag {tag}: not a release tag like v4.1.2 (argo-version selects releases by it)")
        for tag in args.tag:
            target = vendor(project, GitTree(git_dir, tag), args.out)
            print(f"wrote {target} ({target.stat().st_size} bytes)")
        if args.verify_examples:
            return 1 if sum(verify_examples(project, git_dir, tag, args.out, print) for tag in args.tag) else 0
    except (SourceError, OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
