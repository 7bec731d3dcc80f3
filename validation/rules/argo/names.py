"""Names Argo requires to be unique: the templates of a workflow, the steps and the DAG tasks of a template, the
parameters and artifacts of its inputs and outputs, and the workflow's arguments. Argo's validator refuses the
workflow at the first repeat ("name 'X' is not unique"); a repeated template or task otherwise hides one of the two.
"""

from __future__ import annotations

from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity, format_path
from validation.rules import Context, Problem
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import as_dict, as_list, templates, workflow_spec

Named = tuple[str, list[tuple[Any, JsonPath]]]  # what the names name (and where), the items with their paths


def _named_lists(spec: dict[str, Any], base: JsonPath) -> Iterator[Named]:
    """Every list whose names must differ."""
    yield "template {}", [(t, (*base, "templates", i)) for i, t in enumerate(as_list(spec.get("templates")))]
    yield from _io_lists("workflow argument", "", as_dict(spec.get("arguments")), (*base, "arguments"))
    for ti, t in templates(spec):
        tp, where = (*base, "templates", ti), f" in template {t.get('name')!r}"
        yield "step {}" + where, [(step, (*tp, "steps", gi, si)) for gi, group in enumerate(as_list(t.get("steps")))
                                  for si, step in enumerate(as_list(group))]
        yield "DAG task {}" + where, [(task, (*tp, "dag", "tasks", k))
                                      for k, task in enumerate(as_list(as_dict(t.get("dag")).get("tasks")))]
        for io in ("inputs", "outputs"):
            yield from _io_lists(io[:-1], where, as_dict(t.get(io)), (*tp, io))


def _io_lists(what: str, where: str, io: dict[str, Any], path: JsonPath) -> Iterator[Named]:
    for kind in ("parameters", "artifacts"):
        yield f"{what} {kind[:-1]} {{}}{where}", [(item, (*path, kind, i)) for i, item in enumerate(as_list(io.get(kind)))]


def check_name_duplicate(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for what, items in _named_lists(spec, base):
        first: dict[str, JsonPath] = {}
        for item, path in items:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name:
                continue
            if name in first:
                yield Problem(m, what.format(f"{name!r} is not unique") + f": {format_path(first[name])} has it "
                                 "too; Argo refuses the workflow", (*path, "name"))
            else:
                first[name] = path


argo_rule("ARGO-NAME-DUPLICATE", "name-duplicate", Severity.ERROR,
          "Names are unique where Argo requires it: the templates of a workflow, the steps and the DAG tasks of a "
          "template, the parameters and artifacts of its inputs and outputs, and the workflow's arguments (Argo's "
          "validator refuses the workflow: \"name 'X' is not unique\").",
          "Rename one of the two, or remove the copy.",
          """
templates:
  - {name: build, container: {image: "kaniko:v1.23.2"}}
  - {name: push, container: {image: "crane:v0.20.2"}}
""", """
templates:
  - {name: build, container: {image: "kaniko:v1.23.2"}}
  - {name: build, container: {image: "crane:v0.20.2"}}
""", check=check_name_duplicate)
