"""No rule crashes on an odd shape: every node of a realistic rendered set is replaced by None, a number, a string,
a list and a mapping in turn, and every argo/rbac/argocd/env rule runs over the result."""

from __future__ import annotations

import copy
from typing import Any, Iterator

import pytest
import yaml
from rules_helpers import FIXTURES, context, run_family

from validation.model import Manifest, RenderedTarget, Target

FAMILIES = ("ARGO-", "RBAC-", "ARGOCD-", "ENV-")
ODD = [None, 7, "x", [], {}, [None], {"name": None}]


def _paths(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _replace(doc: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    doc = copy.deepcopy(doc)
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = new
    return doc


def _sets() -> list[tuple[str, list[dict]]]:
    out = []
    for name in ("ARGO-VAR-OUTPUT-REF/passes.yaml", "ARGOCD-PROJECT-DESTINATION/passes.yaml"):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        out.append((name, [d for d in yaml.safe_load_all(text) if d is not None]))
    return out


@pytest.mark.parametrize("name,docs", _sets(), ids=[n for n, _ in _sets()])
def test_rules_survive_every_odd_shape(name, docs):
    other = RenderedTarget(Target("app/ml-pipeline-dev", "application", FIXTURES / "repo" / "overlays" / "dev", "dev",
                                  application={"metadata": {"name": "ml-pipeline-dev"}}),
                           [Manifest(obj=d, target="dev", index=i) for i, d in enumerate(_sets()[0][1])])
    checked = 0
    for di, doc in enumerate(docs):
        for path in _paths(doc):
            for odd in ODD:
                mutated = list(docs)
                mutated[di] = _replace(doc, path, odd)
                rt = RenderedTarget(Target("dev", "overlay", FIXTURES / "repo" / "overlays" / "dev", "dev"),
                                    [Manifest(obj=d if isinstance(d, dict) else {"kind": "X"}, target="dev", index=i)
                                     for i, d in enumerate(mutated)])
                run_family(FAMILIES, context(rt, others=[other]))  # must not raise
                checked += 1
    assert checked > 500, checked
