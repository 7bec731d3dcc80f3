"""Build rendered targets and contexts straight from YAML, and run one rule over them (no kustomize needed)."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validation.config import Config, from_table
from validation.model import Manifest, RenderedTarget, Target, format_path
from validation.rules import Context, get

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"


def manifests(text: str, target: str = "dev", source: str | None = None) -> list[Manifest]:
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return [Manifest(obj=d, target=target, index=i, source=source) for i, d in enumerate(docs)]


def rendered(text: str, name: str = "dev", *, environment: str | None = "dev", kind: str = "overlay",
             path: Path | None = None, application: dict[str, Any] | None = None,
             unrendered: tuple[str, ...] = (), offline: str | None = None) -> RenderedTarget:
    target = Target(name=name, kind=kind, path=path or (HERE / "fixtures" / "repo" / "overlays" / (environment or name)),
                    environment=environment, application=application, unrendered=unrendered)
    return RenderedTarget(target=target, manifests=manifests(text, name), offline=offline)


def context(rt: RenderedTarget, *, config: Config | None = None, others: list[RenderedTarget] | None = None,
            repo_root: Path | None = None) -> Context:
    cfg = config or Config(root=repo_root or FIXTURES / "repo")
    return Context(target=rt, config=cfg, repo_root=repo_root or FIXTURES / "repo", targets=[rt, *(others or [])])


@dataclass
class Hit:
    rule_id: str
    message: str
    path: str
    ref: str


def run_rule(rule_id: str, ctx: Context) -> list[Hit]:
    rule = get(rule_id)
    assert rule.check is not None, f"{rule_id} is engine-emitted"
    out = []
    for m in ctx.target.manifests:
        if rule.applies_to(m):
            for p in rule.check(m, ctx):
                out.append(Hit(rule_id, p.message, format_path(p.path), p.manifest.ref))
    return out


def run_family(prefixes: tuple[str, ...], ctx: Context) -> list[Hit]:
    from validation.rules import all_rules

    hits = []
    for rule in all_rules():
        if rule.check is not None and rule.id.startswith(prefixes):
            hits += run_rule(rule.id, ctx)
    return hits


@dataclass
class Fixture:
    """A fixture file: a YAML stream plus `# key: value` directives in its leading comment block."""

    path: Path
    rule_id: str
    fires: bool
    text: str
    environment: str | None = "dev"
    target_kind: str = "overlay"
    config: dict[str, Any] = field(default_factory=dict)
    expect_path: str | None = None
    expect_message: str | None = None
    also: list[str] = field(default_factory=list)
    app: str | None = None
    unrendered: tuple[str, ...] = ()  # sources of this target that are not rendered (an open world)
    skipped: list[str] = field(default_factory=list)  # what the run could not render at all


def load_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    fx = Fixture(path=path, rule_id=path.parent.name, fires=path.name.startswith("fires"), text=text)
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "environment":
            fx.environment = None if value == "none" else value
        elif key == "target-kind":
            fx.target_kind = value
        elif key == "config":
            fx.config = json.loads(value)
        elif key == "path":
            fx.expect_path = value
        elif key == "message":
            fx.expect_message = value
        elif key == "also-target":
            fx.also.append(value)
        elif key == "app":
            fx.app = value
        elif key == "unrendered":
            fx.unrendered = (*fx.unrendered, value)
        elif key == "skipped":
            fx.skipped.append(value)
    return fx


def fixture_context(fx: Fixture) -> Context:
    repo = FIXTURES / "repo"
    cfg = from_table(fx.config, Config(root=repo))
    app = {"metadata": {"name": fx.app}} if fx.app else None
    main = rendered(fx.text, environment=fx.environment, kind=fx.target_kind,
                    name=fx.environment or "argocd", application=app, unrendered=fx.unrendered)
    others = []
    for spec in fx.also:
        # also-target: FILE env=ENV kind=KIND app=NAME path=REL
        words = shlex.split(spec)
        opts = dict(w.split("=", 1) for w in words[1:])
        text = (fx.path.parent / words[0]).read_text(encoding="utf-8")
        env = opts.get("env")
        kind = opts.get("kind", "overlay")
        rel = opts.get("path")
        others.append(rendered(text, name=opts.get("name", env or words[0]), environment=env, kind=kind,
                               path=(repo / rel) if rel else None,
                               application={"metadata": {"name": opts["app"]}} if "app" in opts else None,
                               unrendered=(opts["unrendered"],) if "unrendered" in opts else ()))
    ctx = context(main, config=cfg, others=others, repo_root=repo)
    ctx.skipped = list(fx.skipped)
    return ctx


def fixtures_for(family_prefix: str) -> list[Path]:
    return sorted(p for p in FIXTURES.glob(f"{family_prefix}-*/*.yaml"))
