"""Whether an Argo parameter's value names a Secret (or a key in one) rather than holding a credential.

Workflow catalogues pass Secret names and keys as parameters (`GITHUB_TOKEN_SECRET_KEY: token`, `DOCKER_CONFIG_SECRET:
docker-registry`) and read the credential with `secretKeyRef: {name: '{{inputs.parameters.X}}', ...}`. The value is
then a reference, whatever the name says. It is one only where every use of the parameter, followed through the steps
and tasks that pass it on, lands in a field that names a Secret; a parameter never used, or used anywhere else (a
script, an env value, part of a longer string), stays a possible credential.
"""

from __future__ import annotations

import re
from typing import Any

from validation.model import JsonPath, Manifest
from validation.rules import Context
from validation.rules.argo.resolve import resolve_call, workflow_template_ref
from validation.rules.argo.spec_walk import WORKFLOW_KINDS, as_dict, template_map, walk_strings, workflow_spec

# A chain of steps passing a value on is short; this bounds a template that calls itself.
_MAX_DEPTH = 8


def names_a_secret(m: Manifest, ctx: Context, path: JsonPath) -> bool:
    """The parameter whose literal value sits at `path` is used, and only ever to name a Secret or one of its keys."""
    if m.kind not in WORKFLOW_KINDS:
        return False
    spec, base = workflow_spec(m)
    if path[:len(base)] != base:
        return False
    rel = path[len(base):]
    param = _get(spec, rel[:-1])
    if not isinstance(param, dict) or not param.get("name"):
        return False
    name = str(param["name"])
    flow = _Flow(ctx)
    if rel[:2] == ("arguments", "parameters"):
        return flow.workflow_argument(m, spec, name)
    if len(rel) >= 6 and rel[0] == "templates" and rel[2:4] == ("inputs", "parameters"):
        return flow.template_input(m, spec, _get(spec, rel[:2]), name, 0) is True
    if len(rel) >= 4 and rel[-4:-2] == ("arguments", "parameters"):
        return flow.argument(m, spec, _get(spec, rel[:-4]), name, 0)
    return False


def is_secret_field(path: JsonPath) -> bool:
    """A field that names a Secret or a key in one: secretKeyRef/secretRef/<x>Secret's name and key, secretName,
    imagePullSecrets' names."""
    if not path or not isinstance(path[-1], str):
        return False
    last = path[-1]
    if last == "secretName":
        return True
    if last not in ("name", "key") or len(path) < 2:
        return False
    if last == "key" and path[-4:-2] == ("secret", "items"):  # a secret volume's items
        return True
    parent = path[-2]
    if isinstance(parent, str):
        return parent in ("secretKeyRef", "secretRef") or parent.endswith("Secret")
    return last == "name" and len(path) >= 3 and path[-3] == "imagePullSecrets"


class _Flow:
    """Follows a value from where it is given to where it is used."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.seen: set[tuple[int, str]] = set()

    def workflow_argument(self, m: Manifest, spec: dict[str, Any], name: str) -> bool:
        # Used as {{workflow.parameters.NAME}} anywhere, and as the entrypoint's input of that name.
        specs = [(m, spec)]
        ref = workflow_template_ref(self.ctx, m, spec)
        if ref is not None:
            specs.append((ref, workflow_spec(ref)[0]))
        used = False
        mention = _mention("workflow", name)
        for owner, s in specs:
            verdict = self._uses(owner, s, s, mention, "workflow", name, 0)
            if verdict is False:
                return False
            used = used or verdict is True
            # The entrypoint's inputs take the arguments of the same name; a library template has no entrypoint
            # until a submission picks one, so any of its templates may be it.
            entry = spec.get("entrypoint") or s.get("entrypoint")
            entries = [template_map(s).get(str(entry))] if entry else list(template_map(s).values())
            for tpl in entries:
                if tpl is not None and name in _input_names(tpl):
                    verdict = self.template_input(owner, s, tpl, name, 0)
                    if verdict is False:
                        return False
                    used = used or verdict is True
        return used

    def template_input(self, owner: Manifest, spec: dict[str, Any], tpl: Any, name: str,
                       depth: int) -> bool | None:
        """Like `_uses`, for the input parameter `name` of template `tpl`."""
        if not isinstance(tpl, dict) or depth > _MAX_DEPTH:
            return False
        key = (id(tpl), name)
        if key in self.seen:
            return True  # a loop back to a template being judged: its other uses decide
        self.seen.add(key)
        mention = _mention("inputs", name)
        verdict = self._uses(owner, spec, tpl, mention, "inputs", name, depth)
        # The workflow's own volumes are templated in each pod's scope, so they may read the inputs too.
        shared = self._uses(owner, spec, {"volumes": spec.get("volumes")}, mention, "inputs", name, depth)
        if False in (verdict, shared):
            return False
        return True if True in (verdict, shared) else None

    def argument(self, owner: Manifest, spec: dict[str, Any], node: Any, name: str, depth: int) -> bool:
        """A step's or task's argument: it becomes the called template's input of the same name."""
        if not isinstance(node, dict):
            return False
        called = resolve_call(self.ctx, owner, spec, node)
        tpl, callee = called.template, called.owner
        if called.status in ("external", "missing-object"):
            # Files given as PATHs are one target each: a caller may sit beside the templates it calls.
            tpl, callee = _elsewhere(self.ctx, as_dict(node.get("templateRef")))
        if tpl is None or callee is None:
            return False
        return self.template_input(callee, workflow_spec(callee)[0], tpl, name, depth + 1) is True

    def _uses(self, owner: Manifest, spec: dict[str, Any], tpl: dict[str, Any], mention: re.Pattern[str],
              scope: str, name: str, depth: int) -> bool | None:
        """True: used, only to name Secrets; False: used otherwise; None: not used in `tpl` (a template, or the
        whole spec for a workflow parameter)."""
        used = None
        exact = _exact(scope, name)
        for path, text in walk_strings(tpl, ()):
            if not mention.search(text):
                continue
            if not exact.match(text):  # part of a longer string or an expression: the value itself is used
                return False
            if is_secret_field(path):
                used = True
            elif path[-4:-2] == ("arguments", "parameters") and path[-1] == "value":
                passed = _get(tpl, path[:-1])
                if not (isinstance(passed, dict) and passed.get("name")
                        and self.argument(owner, spec, _get(tpl, path[:-4]), str(passed["name"]), depth)):
                    return False
                used = True
            else:
                return False
        return used


def _mention(scope: str, name: str) -> re.Pattern[str]:
    n = re.escape(name)
    return re.compile(rf"\b{scope}\.parameters(?:\.{n}(?![\w-])|\[\s*['\"]{n}['\"]\s*\])")


def _exact(scope: str, name: str) -> re.Pattern[str]:
    return re.compile(rf"\s*\{{\{{\s*{scope}\.parameters\.{re.escape(name)}\s*\}}\}}\s*\Z")


def _elsewhere(ctx: Context, ref: dict[str, Any]) -> tuple[dict[str, Any] | None, Manifest | None]:
    """The template a templateRef names, looked for in every target of the run."""
    kind = "ClusterWorkflowTemplate" if ref.get("clusterScope") else "WorkflowTemplate"
    for rt in ctx.targets:
        for m in rt.world:
            if m.kind == kind and m.metadata.get("name") == ref.get("name"):
                tpl = template_map(workflow_spec(m)[0]).get(str(ref.get("template")))
                return (tpl, m) if tpl is not None else (None, None)
    return None, None


def _input_names(tpl: dict[str, Any]) -> set[str]:
    params = as_dict(tpl.get("inputs")).get("parameters")
    return {str(p.get("name")) for p in params if isinstance(p, dict)} if isinstance(params, list) else set()


def _get(value: Any, path: JsonPath) -> Any:
    for part in path:
        if isinstance(part, int) and isinstance(value, list) and 0 <= part < len(value):
            value = value[part]
        elif isinstance(part, str) and isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value
