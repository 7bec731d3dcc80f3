"""ARGO-RESOURCES-MISSING, ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT and ARGO-IMAGE-TAG (pods.py): which containers
they judge, which values they leave alone, and the finding's words and place."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

FULL = "{requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: 500m, memory: 1Gi}}"


def _hits(rule_id: str, templates: str) -> list[tuple[str, str]]:
    wf = f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: w, namespace: ml-dev}}
spec:
  entrypoint: main
  templates:
{templates}"""
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(wf)))]


def test_init_containers_and_sidecars_need_no_resources_of_their_own_and_do_not_stop_the_check():
    templates = f"""
    - name: main
      container: {{image: "python:3.11", resources: {FULL}}}
      initContainers: [{{name: fetch, image: "busybox:1.36"}}]
      sidecars: [{{name: proxy, image: "envoy:1.30"}}]
    - name: after
      container: {{image: "python:3.11"}}
"""
    assert _hits("ARGO-RESOURCES-MISSING", templates) == [
        ("spec.templates[1].container", "template 'after' container sets no resources (cpu and memory requests and "
                                        "limits)")]


def test_missing_resources_are_listed_and_reported_where_they_would_go():
    only_limits = """
    - name: main
      container: {image: "python:3.11", resources: {limits: {cpu: "1", memory: ""}}}
"""
    assert _hits("ARGO-RESOURCES-MISSING", only_limits) == [
        ("spec.templates[0].container.resources",
         "template 'main' container is missing resources requests.cpu, requests.memory, limits.memory")]
    empty = """
    - name: main
      podResources: {requests: {cpu: "1"}}
      container: {image: "python:3.11", resources: {}}
"""
    assert _hits("ARGO-RESOURCES-MISSING", empty) == [
        ("spec.templates[0].container",
         "template 'main' container is missing resources requests.memory, limits.cpu, limits.memory")]


def test_a_request_or_limit_that_is_not_a_quantity_is_reported_at_it_even_without_the_other():
    templates = """
    - name: main
      container: {image: "python:3.11", resources: {requests: {cpu: lots}}}
"""
    assert _hits("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", templates) == [
        ("spec.templates[0].container.resources.requests.cpu",
         "template 'main' container: requests.cpu 'lots' is not a Kubernetes quantity")]


def test_a_templated_quantity_is_left_alone_and_the_other_section_still_checked():
    templates = """
    - name: main
      container:
        image: python:3.11
        resources: {requests: {cpu: "{{inputs.parameters.cpu}}"}, limits: {cpu: abc}}
"""
    assert _hits("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", templates) == [
        ("spec.templates[0].container.resources.limits.cpu",
         "template 'main' container: limits.cpu 'abc' is not a Kubernetes quantity")]


def test_a_request_equal_to_its_limit_is_fine_and_a_larger_one_is_named():
    equal = """
    - name: main
      container: {image: "python:3.11", resources: {requests: {cpu: "1"}, limits: {cpu: 1000m}}}
"""
    assert _hits("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", equal) == []
    larger = equal.replace('cpu: "1"', 'cpu: 1500m')
    assert _hits("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", larger) == [
        ("spec.templates[0].container.resources.requests.cpu",
         "template 'main' container: cpu request 1500m is larger than its limit 1000m")]


def test_a_templated_image_is_skipped_and_the_next_one_still_checked():
    templates = """
    - name: main
      container: {image: "{{inputs.parameters.image}}"}
    - name: other
      container: {image: python}
"""
    assert _hits("ARGO-IMAGE-TAG", templates) == [
        ("spec.templates[1].container.image", "image 'python' has no tag (it means :latest, which moves)")]


def test_every_container_of_a_template_is_judged_and_reported_at_its_own_path():
    templates = """
    - name: main
      containerSet:
        containers:
          - {name: first, image: "python:3.11", resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}}
      initContainers: [{name: fetch, image: "busybox:1.36", resources: {requests: {memory: 2Gi}, limits: {memory: 1Gi}}}]
      sidecars: [{name: proxy, image: "envoy:1.30", resources: {requests: {cpu: 500m}, limits: {cpu: 250m}}}]
"""
    assert _hits("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", templates) == [
        ("spec.templates[0].containerSet.containers[0].resources.requests.cpu",
         "template 'main' container 'first': cpu request 2 is larger than its limit 1"),
        ("spec.templates[0].initContainers[0].resources.requests.memory",
         "template 'main' init: memory request 2Gi is larger than its limit 1Gi"),
        ("spec.templates[0].sidecars[0].resources.requests.cpu",
         "template 'main' sidecar: cpu request 500m is larger than its limit 250m"),
    ]
