"""The regression corpus: real public GitOps trees, checked the way a user would point the validator at them.

    python -m tests.corpus.run                  # per repository: objects checked, findings by rule, seconds
    python -m tests.corpus.run argo-workflows   # only these repositories
    python -m tests.corpus.run --update         # rewrite expected.yaml (reviewed reasons kept; new findings
                                                # land under "UNREVIEWED", which the test refuses)
    python -m tests.corpus.run --show RULE      # print the findings of one rule (ID or prefix), with messages

Adding a repository is one `Repo(...)` entry below plus its files under repos/<name>/ (see README.md).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation import engine
from validation.config import Config, from_table
from validation.model import Finding
from validation.rules import matches

HERE = Path(__file__).resolve().parent
REPOS_DIR = HERE / "repos"
EXPECTED = HERE / "expected.yaml"
UNREVIEWED = "UNREVIEWED"


@dataclass(frozen=True)
class Repo:
    name: str  # its folder under repos/
    paths: tuple[str, ...] = ()  # PATH arguments (shell globs, relative to the folder); () is a full run
    config: dict[str, Any] = field(default_factory=dict)  # its [tool.validation], as the repository would set it
    how: str = ""  # why it is checked this way


REPOS = [
    Repo("argo-workflows", paths=("examples", "test/e2e/functional", "test/e2e/testdata"),
         how="three folders of standalone Workflows, each as one PATH (kubeconform style), as Argo's own "
             "examples/validation_test.go walks them"),
    Repo("argocd-example-apps", paths=("*/",),
         how="one PATH per app folder, as an Argo CD Application points at each (Helm, jsonnet and plugin apps "
             "included: the tool must say what it does not render)"),
    Repo("kustomize", paths=("examples/**/kustomization.yaml", "examples/mySql", "examples/validationTransformer"),
         how="every folder with a kustomization, as each example's README builds it, and the two plain folders"),
    Repo("flux2-kustomize-helm-example", paths=("clusters/*/", "apps/*/kustomization.yaml",
                                                "infrastructure/*/kustomization.yaml"),
         how="what Flux applies: the cluster folders (Flux Kustomization CRs) and every kustomization they point at, "
             "as its scripts/validate.sh does"),
    Repo("argocd-autopilot", paths=("examples/demo-app/", "manifests/*/"),
         how="the demo app and the install overlays (which pull Argo CD's install.yaml from the network)"),
    Repo("argo-workflows-ci-example", config={"argocd-dir": "bootstrap"},
         how="a full run: its Argo CD Applications live in bootstrap/ (argocd-dir), app-of-apps included"),
    Repo("invenio-rdm-gitops",
         how="a full run with no configuration: Applications under argocd/, multi-source Helm apps, SealedSecrets"),
    Repo("demo-ai-gitops-catalog", paths=("components",),
         how="one folder of bases, overlays, patches and Components, as a user would type it: its overlays rendered, "
             "the files they read not read again as objects"),
    Repo("gitops-catalog", paths=("*/operator/overlays/*/", "*/instance/overlays/*/", "*/aggregate/overlays/*/",
                                  "*/base/", "*/instance/components/*/", "*/operator/components/*/"),
         how="every overlay of five catalog entries, and their kustomize Components, as a shell glob would hand "
             "them over"),
]


@dataclass
class Outcome:
    repo: Repo
    findings: list[Finding]
    objects: int
    seconds: float
    errors: list[str]
    notes: list[str]
    exit_code: int


def run_repo(repo: Repo, jobs: int = 2) -> Outcome:
    root = REPOS_DIR / repo.name
    cfg = from_table(dict(repo.config), Config(root=root.resolve()))
    paths: list[Path] | None = None
    if repo.paths:
        paths = []
        for pattern in repo.paths:
            hits = sorted(glob.glob(pattern, root_dir=root, recursive=True))
            if not hits:
                raise SystemExit(f"{repo.name}: {pattern!r} matches nothing")
            for hit in hits:  # a kustomization file stands for its folder
                p = Path(hit.rstrip("/"))
                p = p.parent if p.name == "kustomization.yaml" else p
                if p not in paths:
                    paths.append(p)
    # PATHs are given relative to the repository, from inside it, as a user types them.
    here = Path.cwd()
    os.chdir(root)
    try:
        start = time.perf_counter()
        result = engine.run(cfg, paths=paths, jobs=jobs)
        seconds = time.perf_counter() - start
    finally:
        os.chdir(here)
    objects = len({id(m.obj) for rt in result.rendered for m in rt.manifests})
    return Outcome(repo, result.findings, objects, seconds, result.errors, result.notes, result.exit_code())


def _relative(name: str | None, root: Path) -> str:
    if not name:
        return "-"
    p = Path(name)
    if p.is_absolute():
        try:
            return p.relative_to(root.resolve()).as_posix() or "."
        except ValueError:
            return name
    return name


def finding_keys(outcome: Outcome) -> list[str]:
    """One stable key per finding: rule, target, object and JSON path; the file joins in only where that alone
    would be ambiguous (two objects of one name in one target). Messages stay out, so rewording keeps keys."""
    root = REPOS_DIR / outcome.repo.name
    base: list[tuple[str, Finding]] = []
    for f in outcome.findings:
        target = _relative(f.target, root)
        if f.object_ref is None:
            key = f"{f.rule_id} | {target} | {f.file or '-'}:{f.line or 0}"
        else:
            key = f"{f.rule_id} | {target} | {f.object_ref or '-'} | {f.json_path or '-'}"
        base.append((key, f))
    counts = Counter(k for k, _ in base)
    keys = []
    seen: Counter[str] = Counter()
    for key, f in base:
        if counts[key] > 1 and f.object_ref is not None:
            key = f"{key} | {f.file or '-'}"
        seen[key] += 1
        # Still the same (two findings on one field, as two missing fields of one object): number them in order.
        keys.append(key if seen[key] == 1 else f"{key} #{seen[key]}")
    return keys


def load_expected() -> dict[str, list[dict[str, Any]]]:
    if not EXPECTED.is_file():
        return {}
    data = yaml.safe_load(EXPECTED.read_text(encoding="utf-8")) or {}
    return {str(k): list(v or []) for k, v in data.items()}


def expected_keys(groups: list[dict[str, Any]]) -> dict[str, str]:
    """finding key -> the reviewed reason."""
    out: dict[str, str] = {}
    for g in groups:
        for key in g.get("findings") or []:
            out[str(key)] = str(g.get("why", ""))
    return out


def update_expected(outcomes: list[Outcome]) -> None:
    """Keep every reviewed reason for findings that still occur; new findings go to an UNREVIEWED group."""
    data = load_expected()
    for o in outcomes:
        now = finding_keys(o)
        groups = data.get(o.repo.name, [])
        reviewed = expected_keys(groups)
        kept: list[dict[str, Any]] = []
        for g in groups:
            if g.get("why") == UNREVIEWED:
                continue
            still = [k for k in g.get("findings") or [] if k in now]
            if still:
                kept.append({"why": g["why"], "findings": sorted(still)})
        new = sorted(k for k in set(now) if k not in reviewed or reviewed[k] == UNREVIEWED)
        if new:
            kept.append({"why": UNREVIEWED, "findings": new})
        data[o.repo.name] = kept
    order = [r.name for r in REPOS]
    write_expected({name: data[name] for name in sorted(data, key=lambda n: order.index(n) if n in order else len(order))})


class _Dumper(yaml.SafeDumper):
    """The repository's YAML style (.yamllint.yaml): sequences indented under their key, lines folded before 120."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: D102
        return super().increase_indent(flow, False)


def write_expected(data: dict[str, list[dict[str, Any]]]) -> None:
    text = HEADER + "\n".join(yaml.dump({name: groups}, Dumper=_Dumper, sort_keys=False, width=116,
                                         allow_unicode=True) for name, groups in data.items())
    EXPECTED.write_text(text, encoding="utf-8")


HEADER = """\
# Every finding the validator reports on the regression corpus, judged. Each group's `why` is the review: a true
# problem in that repository, or a best-practice/policy rule doing its job there. A false finding is fixed in the
# validator, never listed here. tests/corpus/test_corpus.py fails on a finding missing from this file and on a
# listed finding that no longer occurs. Regenerate with `python -m tests.corpus.run --update`, then review every
# UNREVIEWED group (the test refuses them). Key: RULE | target | object | json path [| file when ambiguous].

"""


def table(outcomes: list[Outcome]) -> str:
    lines = [f"{'repository':30} {'objects':>7} {'findings':>8} {'seconds':>7}  findings by rule"]
    for o in outcomes:
        by_rule = Counter(f.rule_id for f in o.findings)
        rules = ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"
        lines.append(f"{o.repo.name:30} {o.objects:7} {len(o.findings):8} {o.seconds:7.2f}  {rules}")
        if o.errors:
            lines.append(f"{'':30} exit {o.exit_code}: {len(o.errors)} tool error(s): {o.errors[0][:160]}")
    total = sum(len(o.findings) for o in outcomes)
    lines.append(f"{'total':30} {sum(o.objects for o in outcomes):7} {total:8} "
                 f"{sum(o.seconds for o in outcomes):7.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="repositories to run (default: all)")
    parser.add_argument("--update", action="store_true", help="rewrite expected.yaml from this run")
    parser.add_argument("--show", metavar="RULE", help="print the findings of these rule IDs or prefixes (or all)")
    parser.add_argument("--notes", action="store_true", help="print the run's notes and tool errors")
    args = parser.parse_args(argv)
    unknown = set(args.names) - {r.name for r in REPOS}
    if unknown:
        parser.error(f"unknown repositories: {', '.join(sorted(unknown))}")
    repos = [r for r in REPOS if not args.names or r.name in args.names]
    outcomes = [run_repo(r) for r in repos]
    print(table(outcomes))
    for o in outcomes:
        if args.notes:
            for line in o.errors + o.notes:
                print(f"{o.repo.name}: {line}")
        if args.show:
            for key, f in zip(finding_keys(o), o.findings, strict=True):
                if args.show == "all" or matches(f.rule_id, args.show.split(",")):
                    print(f"{o.repo.name}: {key}\n    {f.file}:{f.line}: {f.message}")
    if args.update:
        if args.names:
            parser.error("--update rewrites the whole file: run it on every repository")
        update_expected(outcomes)
        print(f"wrote {EXPECTED.relative_to(Path.cwd()) if EXPECTED.is_relative_to(Path.cwd()) else EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
