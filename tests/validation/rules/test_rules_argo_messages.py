"""Argo family: what the findings say, word for word, where the words carry the diagnosis (which container, which
rendered name kustomize made), and the small decisions behind them."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

from validation.rules import Context
from validation.rules.argo.argocd_sync import synced_by_argocd
from validation.rules.argo.robustness import _has_deadline

POD = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ml-dev}
spec:
  containers: [{name: c, image: "python:3.11"}]
  volumes:
    - {name: a, configMap: {name: pipeline-code}}
---
"""


def _dangling(rendered_objects: str) -> list[str]:
    return [h.message for h in run_rule("ARGO-DANGLING-REFERENCE", context(rendered(POD + rendered_objects)))]


def test_a_dangling_reference_names_the_hash_suffixed_object_kustomize_rendered():
    (msg,) = _dangling("""
apiVersion: v1
kind: ConfigMap
metadata: {name: pipeline-code-7c9fmh2k5d, namespace: ml-dev}
""")
    assert msg == ("ConfigMap 'pipeline-code' is neither rendered in this environment nor declared external; the "
                   "rendered ConfigMap is 'pipeline-code-7c9fmh2k5d': kustomize added a hash suffix but did not rewrite "
                   "this reference inside the Argo object (add a nameReference configuration for it, or set "
                   "generatorOptions.disableNameSuffixHash)")


def test_a_dangling_reference_names_a_prefixed_or_suffixed_object_of_its_kind_only():
    prefixed = """
apiVersion: v1
kind: ConfigMap
metadata: {name: dev-pipeline-code, namespace: ml-dev}
"""
    assert _dangling(prefixed) == ["ConfigMap 'pipeline-code' is neither rendered in this environment nor declared "
                                   "external; a ConfigMap 'dev-pipeline-code' is rendered: kustomize renamed it "
                                   "(prefix/suffix) but not this reference"]
    suffixed = prefixed.replace("dev-pipeline-code", "pipeline-code-dev")
    assert _dangling(suffixed)[0].endswith("; a ConfigMap 'pipeline-code-dev' is rendered: kustomize renamed it "
                                           "(prefix/suffix) but not this reference")
    plain = "ConfigMap 'pipeline-code' is neither rendered in this environment nor declared external"
    # Neither a name that merely contains it in the middle, nor another name, nor another kind is a near miss.
    assert _dangling(prefixed.replace("dev-pipeline-code", "a-pipeline-code-b")) == [plain]
    assert _dangling(prefixed.replace("dev-pipeline-code", "settings")) == [plain]
    assert _dangling(prefixed.replace("ConfigMap", "Secret")) == [plain]


WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - name: main
      container: {image: "python:3.11"}
    - name: set
      containerSet:
        containers: [{name: first, image: "python:3.11"}, {image: "python:3.11"}]
    - script: {image: "python:3.11", source: "print(1)"}
"""


def test_resources_missing_names_the_template_and_the_container():
    messages = [h.message for h in run_rule("ARGO-RESOURCES-MISSING", context(rendered(WF)))]
    assert messages == [
        "template 'main' container sets no resources (cpu and memory requests and limits)",
        "template 'set' container 'first' sets no resources (cpu and memory requests and limits)",
        "template 'set' container '?' sets no resources (cpu and memory requests and limits)",
        "template '?' script sets no resources (cpu and memory requests and limits)",
    ]


def test_template_defaults_pod_resources_is_the_budget_of_every_pod():
    wf = WF.replace("  entrypoint: main\n", "  entrypoint: main\n  templateDefaults:\n    podResources: "
                                            "{limits: {cpu: '1', memory: 1Gi}}\n")
    assert run_rule("ARGO-RESOURCES-MISSING", context(rendered(wf))) == []


def test_an_empty_timeout_or_deadline_is_no_deadline():
    assert not _has_deadline({"timeout": "", "activeDeadlineSeconds": None})
    assert not _has_deadline({"activeDeadlineSeconds": ""})
    assert _has_deadline({"timeout": "30s"}) and _has_deadline({"activeDeadlineSeconds": 60})


def test_an_application_target_is_synced_by_argocd_even_as_the_only_target():
    rt = rendered("", kind="application", application={"metadata": {"name": "app"}})
    ctx = context(rt)
    assert synced_by_argocd(Context(target=rt, config=ctx.config, repo_root=ctx.repo_root, targets=[]))
    overlay = rendered("")
    assert not synced_by_argocd(Context(target=overlay, config=ctx.config, repo_root=ctx.repo_root, targets=[]))


def test_image_tag_checks_every_container_of_a_pod_controller():
    deployment = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: ml-dev}
spec:
  template:
    spec:
      containers: [{name: a, image: "python:3.11"}, {name: b, image: python}, {name: no-image}]
      initContainers: [{name: c, image: "busybox:latest"}]
      ephemeralContainers: [{name: e, image: "reg.example:5000/debug:"}]
"""
    hits = run_rule("ARGO-IMAGE-TAG", context(rendered(deployment)))
    assert [(h.path, h.message) for h in hits] == [
        ("spec.template.spec.containers[1].image", "image 'python' has no tag (it means :latest, which moves)"),
        ("spec.template.spec.initContainers[0].image", "image 'busybox:latest' uses the :latest tag, which moves"),
        ("spec.template.spec.ephemeralContainers[0].image",
         "image 'reg.example:5000/debug:' uses the :latest tag, which moves"),
    ]


def test_image_tag_leaves_the_containers_an_openshift_image_trigger_sets():
    # Enterprise-Neurosystem/cluster-bootstrap's pgadmin4: image ' ', which OpenShift fills in from pgadmin4:patch.
    trigger = ('[{"from": {"kind": "ImageStreamTag", "name": "pgadmin4:patch"}, '
               '"fieldPath": "spec.template.spec.containers[?(@.name==\\"web\\")].image"}, '
               '{"from": {"kind": "ImageStreamTag", "name": "tools:v1"}, '
               '"fieldPath": "spec.template.spec.initContainers[0].image"}, '
               '{"from": {"kind": "ImageStreamTag", "name": "x:1"}, "paused": true, '
               '"fieldPath": "spec.template.spec.containers[?(@.name==\\"paused\\")].image"}]')
    deployment = f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
  namespace: ml-dev
  annotations: {{image.openshift.io/triggers: '{trigger}'}}
spec:
  template:
    spec:
      containers: [{{name: web, image: ' '}}, {{name: side, image: python}}, {{name: paused, image: ' '}}]
      initContainers: [{{name: init, image: ' '}}, {{name: web, image: busybox}}]
"""
    hits = run_rule("ARGO-IMAGE-TAG", context(rendered(deployment)))
    assert [h.path for h in hits] == [
        "spec.template.spec.containers[1].image", "spec.template.spec.containers[2].image",
        "spec.template.spec.initContainers[1].image"]
    broken = deployment.replace("'[{", "'not json [{")
    assert len(run_rule("ARGO-IMAGE-TAG", context(rendered(broken)))) == 5


def test_pod_resources_requests_count_and_an_empty_value_does_not():
    budget = WF.replace("  entrypoint: main\n", "  entrypoint: main\n  podResources: {requests: {cpu: '1', memory: 1Gi}}\n")
    limits_only = budget.replace('container: {image: "python:3.11"}',
                                 'container: {image: "python:3.11", resources: {limits: {cpu: "1", memory: 1Gi}}}')
    assert not [h for h in run_rule("ARGO-RESOURCES-MISSING", context(rendered(limits_only)))
                if "'main'" in h.message]
    empty = limits_only.replace("requests: {cpu: '1', memory: 1Gi}", "requests: {cpu: '', memory: 1Gi}")
    assert [h.message for h in run_rule("ARGO-RESOURCES-MISSING", context(rendered(empty)))
            if "'main'" in h.message] == ["template 'main' container is missing resources requests.cpu"]
