"""How the Argo rules read a workflow: specs, templates, callers, `depends` expressions and quantities.

Holds no rules, so the RBAC, Argo CD and environment families reuse the walkers without depending on Argo's rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Iterator

from validation.model import JsonPath, Manifest

if TYPE_CHECKING:
    from decimal import Decimal

WORKFLOW_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow")
POD_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")

# Template types that create a pod with a main container.
POD_TEMPLATE_TYPES = ("container", "script", "containerSet")
TEMPLATE_TYPES = ("container", "script", "containerSet", "resource", "suspend", "http", "plugin", "data", "steps", "dag")
LOOP_KEYS = ("withItems", "withParam", "withSequence")


def workflow_spec(manifest: Manifest) -> tuple[dict[str, Any], JsonPath]:
    """The workflow spec and its path: CronWorkflow keeps it under spec.workflowSpec."""
    spec = manifest.obj.get("spec")
    if not isinstance(spec, dict):
        return {}, ("spec",)
    if manifest.kind == "CronWorkflow":
        inner = spec.get("workflowSpec")
        return (inner if isinstance(inner, dict) else {}), ("spec", "workflowSpec")
    return spec, ("spec",)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def templates(spec: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, t) for i, t in enumerate(as_list(spec.get("templates"))) if isinstance(t, dict)]


def template_map(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(t.get("name")): t for _, t in templates(spec) if t.get("name")}


def template_type(template: dict[str, Any]) -> str | None:
    for key in TEMPLATE_TYPES:
        if key in template:
            return key
    return None


@dataclass
class Call:
    """A place that invokes a template: a step, a DAG task, a lifecycle hook, an exit handler."""

    owner_index: int  # index of the steps/dag template holding it (-1 for spec-level)
    owner: dict[str, Any]
    node: dict[str, Any]  # the step/task/hook dict
    path: JsonPath  # path of the step/task/hook, relative to the workflow spec
    kind: str  # "step" | "task" | "hook" | "exit"
    name: str = ""
    group: int = 0  # step group index (steps only)
    parent: dict[str, Any] | None = None  # the step/task a hook belongs to
    parent_name: str = ""


def calls(spec: dict[str, Any]) -> Iterator[Call]:
    """Every step, task and hook in the spec, with its path relative to the spec."""
    for ti, t in templates(spec):
        steps = t.get("steps")
        if isinstance(steps, list):
            for gi, group in enumerate(steps):
                for si, step in enumerate(as_list(group)):
                    if isinstance(step, dict):
                        p = ("templates", ti, "steps", gi, si)
                        yield Call(ti, t, step, p, "step", str(step.get("name", "")), gi)
                        yield from _hooks(ti, t, step, p, str(step.get("name", "")), gi)
        dag = t.get("dag")
        if isinstance(dag, dict):
            for ki, task in enumerate(as_list(dag.get("tasks"))):
                if isinstance(task, dict):
                    p = ("templates", ti, "dag", "tasks", ki)
                    yield Call(ti, t, task, p, "task", str(task.get("name", "")))
                    yield from _hooks(ti, t, task, p, str(task.get("name", "")))
    for hname, hook in as_dict(spec.get("hooks")).items():
        if isinstance(hook, dict):
            yield Call(-1, {}, hook, ("hooks", hname), "hook", str(hname))


def _hooks(ti: int, t: dict[str, Any], node: dict[str, Any], path: JsonPath, name: str,
           group: int = 0) -> Iterator[Call]:
    for hname, hook in as_dict(node.get("hooks")).items():
        if isinstance(hook, dict):
            yield Call(ti, t, hook, (*path, "hooks", hname), "hook", str(hname), group, parent=node, parent_name=name)


def parameter_names(section: Any) -> list[str]:
    return [str(p.get("name")) for p in as_list(as_dict(section).get("parameters")) if isinstance(p, dict) and p.get("name")]


def artifact_names(section: Any) -> list[str]:
    return [str(a.get("name")) for a in as_list(as_dict(section).get("artifacts")) if isinstance(a, dict) and a.get("name")]


# ---------------------------------------------------------------------------------------------------------------------
# DAG `depends` expressions: task names, optional .Result, && || ! and parentheses.

DEPENDS_RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")


class DependsSyntaxError(ValueError):
    pass


_TOKEN = re.compile(r"\s*(?:(\&\&|\|\||!|\(|\))|([A-Za-z0-9_][A-Za-z0-9_-]*)(?:\.([A-Za-z]+))?)")


def parse_depends(text: str) -> list[str]:
    """Parse an Argo `depends` expression; return the task names it mentions, in order. Raise DependsSyntaxError."""
    tokens: list[tuple[str, str, int]] = []  # (type, value, pos)
    pos = 0
    text = str(text)
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise DependsSyntaxError(f"unexpected {text[pos:].strip()[:10]!r} at column {pos + 1}")
        if m.group(1):
            tokens.append(("op", m.group(1), m.start(1)))
        else:
            result = m.group(3)
            if result is not None and result not in DEPENDS_RESULTS:
                raise DependsSyntaxError(
                    f"unknown task result .{result} at column {m.start(3)} (expected one of {', '.join(DEPENDS_RESULTS)})"
                )
            tokens.append(("task", m.group(2), m.start(2)))
        pos = m.end()
    if not tokens:
        raise DependsSyntaxError("empty expression")
    names: list[str] = []
    i = 0

    def peek() -> tuple[str, str, int] | None:
        return tokens[i] if i < len(tokens) else None

    def expr() -> None:
        nonlocal i
        conj()
        while (t := peek()) and t[1] == "||":
            i += 1
            conj()

    def conj() -> None:
        nonlocal i
        unary()
        while (t := peek()) and t[1] == "&&":
            i += 1
            unary()

    def unary() -> None:
        nonlocal i
        t = peek()
        if t and t[1] == "!":
            i += 1
            unary()
            return
        primary()

    def primary() -> None:
        nonlocal i
        t = peek()
        if t is None:
            raise DependsSyntaxError("expression ends where a task name was expected")
        if t[1] == "(":
            i += 1
            expr()
            close = peek()
            if not close or close[1] != ")":
                raise DependsSyntaxError(f"missing ')' for '(' at column {t[2] + 1}")
            i += 1
            return
        if t[0] != "task":
            raise DependsSyntaxError(f"expected a task name at column {t[2] + 1}, found {t[1]!r}")
        names.append(t[1])
        i += 1

    expr()
    if i != len(tokens):
        t = tokens[i]
        raise DependsSyntaxError(f"unexpected {t[1]!r} at column {t[2] + 1}")
    return names


def task_dependencies(task: dict[str, Any]) -> list[str]:
    """Names a DAG task depends on (through `dependencies` or a parseable `depends`)."""
    out = [str(d) for d in as_list(task.get("dependencies"))]
    depends = task.get("depends")
    if isinstance(depends, str) and depends.strip():
        try:
            out += parse_depends(depends)
        except DependsSyntaxError:
            pass
    return out


def ancestors(tasks: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Transitive upstream set of every task (cycles tolerated: a task in a cycle is its own ancestor)."""
    direct = {n: {d for d in task_dependencies(t) if d in tasks} for n, t in tasks.items()}
    out: dict[str, set[str]] = {}
    for name in tasks:
        seen: set[str] = set()
        stack = list(direct[name])
        while stack:
            d = stack.pop()
            if d in seen:
                continue
            seen.add(d)
            stack.extend(direct.get(d, ()))
        out[name] = seen
    return out


def find_cycle(tasks: dict[str, dict[str, Any]]) -> list[str] | None:
    """One dependency cycle (self-loops excluded), as a list of task names, or None."""
    direct = {n: [d for d in task_dependencies(t) if d in tasks and d != n] for n, t in tasks.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in direct[n]:
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                found = visit(d)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in tasks:
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


# ---------------------------------------------------------------------------------------------------------------------
# Kubernetes quantities ("500m", "1Gi", "1e3").

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


@cache
def _decimal_suffixes() -> dict[str, Decimal]:
    from decimal import Decimal  # imported when a quantity is first parsed: a run without Argo rules skips it

    return {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(1000),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$")


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity as a Decimal, or None when it is not one (or is an Argo expression)."""
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    m = _QUANTITY.match(str(value).strip())
    if not m:
        return None
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        return None
    suffix = m.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix and suffix[0] in "eE":
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _decimal_suffixes()[suffix]


# ---------------------------------------------------------------------------------------------------------------------
# Strings inside objects, with their paths.


def walk_strings(value: Any, path: JsonPath, skip: frozenset[str] = frozenset()) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in skip:
                continue
            yield from walk_strings(v, (*path, str(k)), skip)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, (*path, i), skip)


@dataclass
class Tag:
    text: str  # the tag body, stripped ("inputs.parameters.x")
    expression: bool  # {{= ... }}
    start: int


_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)


def tags(text: str) -> list[Tag]:
    out = []
    for m in _TAG.finditer(text):
        body = m.group(1)
        stripped = body.strip()
        if stripped.startswith("="):
            out.append(Tag(stripped[1:].strip(), True, m.start()))
        else:
            out.append(Tag(stripped, False, m.start()))
    return out


@dataclass
class ContainerRef:
    """A container-like dict in a workflow or pod spec, with its path."""

    container: dict[str, Any]
    path: JsonPath
    role: str  # "container", "script", "containerSet", "init", "sidecar", "pod"
    template: dict[str, Any] = field(default_factory=dict)


def workflow_containers(spec: dict[str, Any], base: JsonPath) -> Iterator[ContainerRef]:
    for ti, t in templates(spec):
        tp = (*base, "templates", ti)
        for role in ("container", "script"):
            c = t.get(role)
            if isinstance(c, dict):
                yield ContainerRef(c, (*tp, role), role, t)
        cs = t.get("containerSet")
        if isinstance(cs, dict):
            for ci, c in enumerate(as_list(cs.get("containers"))):
                if isinstance(c, dict):
                    yield ContainerRef(c, (*tp, "containerSet", "containers", ci), "containerSet", t)
        for role, key in (("init", "initContainers"), ("sidecar", "sidecars")):
            for ci, c in enumerate(as_list(t.get(key))):
                if isinstance(c, dict):
                    yield ContainerRef(c, (*tp, key, ci), role, t)


def pod_spec(manifest: Manifest) -> tuple[dict[str, Any], JsonPath] | None:
    """The pod spec of a core workload kind."""
    obj = manifest.obj
    kind = manifest.kind
    if kind == "Pod":
        return as_dict(obj.get("spec")), ("spec",)
    if kind == "CronJob":
        spec = as_dict(as_dict(as_dict(as_dict(obj.get("spec")).get("jobTemplate")).get("spec")).get("template"))
        return as_dict(spec.get("spec")), ("spec", "jobTemplate", "spec", "template", "spec")
    if kind in POD_KINDS:
        tpl = as_dict(as_dict(obj.get("spec")).get("template"))
        return as_dict(tpl.get("spec")), ("spec", "template", "spec")
    return None
