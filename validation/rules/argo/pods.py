"""What every pod a workflow starts should carry: resources within limits, a pinned image."""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from validation.model import JsonPath, Manifest, Severity
from validation.rules import Context, Problem
from validation.rules.argo.rule import argo_rule
from validation.rules.argo.spec_walk import (
    POD_KINDS,
    WORKFLOW_KINDS,
    as_dict,
    as_list,
    parse_quantity,
    pod_spec,
    workflow_containers,
    workflow_spec,
)


def check_resources(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ref in workflow_containers(spec, base):
        if ref.role in ("init", "sidecar"):
            continue
        pod_level = _pod_budget(spec, ref.template)
        res = ref.container.get("resources")
        if not isinstance(res, dict) and not pod_level:
            yield Problem(m, f"{_where(ref)} sets no resources (cpu and memory requests and limits)", ref.path)
            continue
        res = as_dict(res)
        missing = [f"{section}.{r}" for section in ("requests", "limits") for r in ("cpu", "memory")
                   if as_dict(res.get(section)).get(r) in (None, "") and f"{section}.{r}" not in pod_level]
        if missing:
            last = next(s for s in ("requests", "limits") if any(x.startswith(s) for x in missing))
            path = ((*ref.path, "resources", last) if isinstance(res.get(last), dict)
                    else (*ref.path, "resources") if res else ref.path)
            yield Problem(m, f"{_where(ref)} is missing resources {', '.join(missing)}", path)


argo_rule("ARGO-RESOURCES-MISSING", "resources-missing", Severity.ERROR,
          "Every container, script and container-set container sets CPU and memory requests and limits, or its pod "
          "has them as a whole: podResources (Argo 4.1; the template's, else spec.templateDefaults', else the "
          "workflow's), where a limit alone also sets the request, as Kubernetes defaults it.",
          "Add resources.requests and resources.limits with cpu and memory, or a podResources budget.",
          """
container:
  image: "python:3.11-slim"
  resources: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: 500m, memory: 1Gi}}
""", """
container:
  image: "python:3.11-slim"
  resources: {requests: {cpu: 250m}}
""", check=check_resources)


def _pod_budget(spec: dict[str, Any], template: dict[str, Any]) -> set[str]:
    """What the pod's podResources sets ("requests.cpu", ...): the template's own, else templateDefaults', else the
    workflow's. A limit without a request sets the request too (Kubernetes defaults it)."""
    for holder in (template, as_dict(spec.get("templateDefaults")), spec):
        budget = holder.get("podResources")
        if isinstance(budget, dict):
            out = {f"{section}.{r}" for section in ("requests", "limits")
                   for r in ("cpu", "memory") if as_dict(budget.get(section)).get(r) not in (None, "")}
            return out | {f"requests.{k.split('.')[1]}" for k in out if k.startswith("limits.")}
    return set()


def _where(ref: Any) -> str:
    name = ref.template.get("name", "?")
    if ref.role == "containerSet":
        return f"template {name!r} container {ref.container.get('name', '?')!r}"
    return f"template {name!r} {ref.role}"


def check_request_limit(m: Manifest, ctx: Context) -> Iterator[Problem]:
    spec, base = workflow_spec(m)
    for ref in workflow_containers(spec, base):
        res = as_dict(ref.container.get("resources"))
        req, lim = as_dict(res.get("requests")), as_dict(res.get("limits"))
        for r in sorted(set(req) | set(lim)):
            parsed = {}
            for section, values in (("requests", req), ("limits", lim)):
                if r in values:
                    raw = values[r]
                    if isinstance(raw, str) and "{{" in raw:
                        continue
                    q = parse_quantity(raw)
                    if q is None:
                        yield Problem(m, f"{_where(ref)}: {section}.{r} {raw!r} is not a Kubernetes quantity",
                                      (*ref.path, "resources", section, r))
                    else:
                        parsed[section] = q
            if len(parsed) == 2 and parsed["requests"] > parsed["limits"]:
                yield Problem(m, f"{_where(ref)}: {r} request {req[r]} is larger than its limit {lim[r]}",
                              (*ref.path, "resources", "requests", r))


argo_rule("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", "resources-request-exceeds-limit", Severity.ERROR,
          "A container's CPU and memory requests are no larger than its limits, and are valid quantities.",
          "Lower the request or raise the limit (1Gi = 1024Mi, 1 = 1000m).",
          """
resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: "1", memory: 2Gi}}
""", """
resources: {requests: {cpu: "2", memory: 1Gi}, limits: {cpu: 1000m, memory: 512Mi}}
""", check=check_request_limit)


# ---------------------------------------------------------------------------------------------------------------------
# Robustness.

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def image_tag_problem(image: str) -> str | None:
    if _DIGEST.search(image):
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (it means :latest, which moves)"
    tag = last.rsplit(":", 1)[1]
    if tag == "latest" or not tag:
        return "uses the :latest tag, which moves"
    return None


# OpenShift's image trigger annotation: OpenShift writes the image of the container its fieldPath names (by name, or
# by index) from an ImageStreamTag, so the image in git is a stand-in (often ' ').
OPENSHIFT_TRIGGERS = "image.openshift.io/triggers"
_TRIGGER_BY_NAME = re.compile(r"""(\w+)\[\?\(@\.name\s*==\s*["']([^"']*)["']\)\]\.image\s*$""")
_TRIGGER_BY_INDEX = re.compile(r"(\w+)\[(\d+)\]\.image\s*$")


def triggered_containers(m: Manifest) -> set[tuple[str, str | int]]:
    """(containers key, name or index) of each container whose image an OpenShift image trigger sets."""
    raw = m.annotations.get(OPENSHIFT_TRIGGERS)
    try:
        triggers = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return set()  # not JSON: OpenShift ignores it too, so the images in git are what runs
    out: set[tuple[str, str | int]] = set()
    for t in as_list(triggers):
        field = t.get("fieldPath") if isinstance(t, dict) else None
        if not isinstance(field, str) or t.get("paused") in (True, "true"):
            continue
        if found := _TRIGGER_BY_NAME.search(field):
            out.add((found[1], found[2]))
        elif found := _TRIGGER_BY_INDEX.search(field):
            out.add((found[1], int(found[2])))
    return out


def _all_images(m: Manifest) -> Iterator[tuple[str, JsonPath]]:
    if m.kind in WORKFLOW_KINDS:
        spec, base = workflow_spec(m)
        for ref in workflow_containers(spec, base):
            if isinstance(ref.container.get("image"), str):
                yield ref.container["image"], (*ref.path, "image")
    else:
        ps = pod_spec(m)
        if ps is None:
            return
        spec, base = ps
        triggered = triggered_containers(m)
        for key in ("containers", "initContainers", "ephemeralContainers"):
            for i, c in enumerate(as_list(spec.get(key))):
                if isinstance(c, dict) and isinstance(c.get("image"), str) \
                        and (key, i) not in triggered and (key, str(c.get("name"))) not in triggered:
                    yield c["image"], (*base, key, i, "image")


def check_image_tag(m: Manifest, ctx: Context) -> Iterator[Problem]:
    env = ctx.target.target.environment
    need_digest = env is not None and env in ctx.config.require_digest
    for image, path in _all_images(m):
        if "{{" in image:
            continue
        problem = image_tag_problem(image)
        if problem:
            yield Problem(m, f"image {image!r} {problem}", path)
        elif need_digest and not _DIGEST.search(image):
            yield Problem(m, f"image {image!r} is not pinned by digest, which environment {env!r} requires", path)


argo_rule("ARGO-IMAGE-TAG", "image-tag", Severity.ERROR,
          "Every image carries a pinned tag: no :latest and no missing tag. Environments listed in "
          "`require-digest` must pin by digest (@sha256:...). A container whose image an OpenShift image trigger "
          "(annotation image.openshift.io/triggers) sets from an ImageStreamTag is not checked.",
          "Pin the image to a release tag (python:3.11.9-slim) or a digest; set it per environment with kustomize "
          "`images:`.",
          """
container: {image: "python:3.11.9-slim"}
""", """
container: {image: "python"}
""", scope=WORKFLOW_KINDS + POD_KINDS, check=check_image_tag)
