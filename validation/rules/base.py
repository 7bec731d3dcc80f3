"""What a rule is: data plus one check function. The registry lives in rules/__init__.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from validation.model import JsonPath, Manifest, RenderedTarget, Severity
from validation.records import record

TYPE_CHECKING = False  # typing's constant without importing typing, ~3 ms of every start-up
if TYPE_CHECKING:
    from validation.config import Config

# An object skips a rule with this annotation, kube-linter style:
#   ignore-check.argo-ml.io/ARGO-IMAGE-TAG: "reason why"
SUPPRESS_PREFIX = "ignore-check.argo-ml.io/"


@record
class Problem:
    """What a check yields: a message about one object, at one JSON path inside it."""

    manifest: Manifest
    message: str
    path: JsonPath = ()
    severity: Severity | None = None  # this finding's, where the rule grades its findings (config still overrides)


class Context:
    """Everything a check may look at beyond the object itself."""

    __slots__ = ("target", "config", "repo_root", "targets", "skipped")

    def __init__(self, target: RenderedTarget, config: Config, repo_root: Path, *,
                 targets: list[RenderedTarget] | None = None, skipped: list[str] | None = None) -> None:
        self.target = target  # the rendered set the object belongs to
        self.config = config
        self.repo_root = repo_root
        self.targets = targets or []  # every target rendered in this run
        self.skipped = skipped or []  # what the run should have rendered and could not

    # Closed-world rules ("X is not rendered, so it is missing") may only say so where the rendered set is the
    # whole world: a deployment unit rendered in full. Not where a source was left unrendered (a remote Helm chart,
    # a remote base), nor for files given as PATHs, which the cluster completes (unless the run is --closed-world).
    @property
    def complete(self) -> bool:
        """This target's render is the whole world its references may point into."""
        return self.target.incomplete is None

    @property
    def everything_rendered(self) -> bool:
        """No target of the run, and nothing it should have rendered, is missing or partial."""
        return not self.skipped and all(rt.incomplete is None for rt in self.targets)

    def find(self, kind: str, name: str, namespace: str | None = None) -> Manifest | None:
        for m in self.target.world:
            if m.kind == kind and m.metadata.get("name") == name:
                if namespace is None or m.namespace in (None, namespace):
                    return m
        return None

    def of_kind(self, *kinds: str) -> Iterator[Manifest]:
        return (m for m in self.target.world if m.kind in kinds)


Check = Callable[[Manifest, Context], Iterable[Problem]]


@record
class Rule:
    """A rule: stable ID, name, default severity, scope, documentation and its check."""

    id: str  # stable, e.g. "ARGO-DAG-CYCLE"
    name: str  # readable, e.g. "dag-cycle"
    severity: Severity  # the default; config may override
    scope: tuple[str, ...]  # kinds the check runs on; () means every kind
    summary: str
    remediation: str
    passing: str = ""  # a YAML snippet where the rule does not fire
    failing: str = ""  # a YAML snippet where it fires
    check: Check | None = None  # None: the engine itself emits this rule's findings (schema, render, YAML)
    family: str = ""  # "schema", "argo", "rbac", "argocd", "env", "yaml", "render"
    # A rule that encodes one repository's way of working (its labels, its buckets) rather than a mistake anywhere:
    # it runs only where `[tool.validation] policy` names it, so pointing `check` at another tree stays quiet.
    policy: bool = False
    # A rule that concludes "X is not rendered, so it is missing": it speaks only where the rendered set is the whole
    # world (Context.complete / everything_rendered), and docs/rules.md says so.
    closed_world: bool = False

    def applies_to(self, manifest: Manifest) -> bool:
        return not self.scope or manifest.kind in self.scope
