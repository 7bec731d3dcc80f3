"""ARGO-SERVICE-ACCOUNT-MISSING and ARGO-DANGLING-REFERENCE (objects.py): every place a workflow or pod names an
object, what counts as having it, and what the finding says."""

from __future__ import annotations

from rules_helpers import context, rendered, run_rule

from validation.config import Config, from_table


def _hits(rule_id: str, text: str, **config) -> list[tuple[str, str]]:
    cfg = from_table(config, Config(root=context(rendered("")).repo_root)) if config else None
    return [(h.path, h.message) for h in run_rule(rule_id, context(rendered(text), config=cfg))]


SA = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: %s, namespace: %s}
---
"""

EXECUTORS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  executor: {serviceAccountName: spec-executor}
  templates:
    - name: main
      executor: {serviceAccountName: template-executor}
      container: {image: "busybox:1.36"}
"""


def test_the_executor_service_accounts_of_the_spec_and_of_a_template_are_checked():
    said = "ServiceAccount %r is neither rendered in this environment nor declared external"
    assert _hits("ARGO-SERVICE-ACCOUNT-MISSING", EXECUTORS) == [
        ("spec.executor.serviceAccountName", said % "spec-executor"),
        ("spec.templates[0].executor.serviceAccountName", said % "template-executor")]
    rendered_both = SA % ("spec-executor", "ml-dev") + SA % ("template-executor", "ml-dev") + EXECUTORS
    assert _hits("ARGO-SERVICE-ACCOUNT-MISSING", rendered_both) == []


def test_a_service_account_counts_in_the_workflows_namespace_or_when_declared_external():
    elsewhere = SA % ("spec-executor", "ml-prod") + SA % ("template-executor", "ml-dev") + EXECUTORS
    assert [p for p, _ in _hits("ARGO-SERVICE-ACCOUNT-MISSING", elsewhere)] == ["spec.executor.serviceAccountName"]
    assert _hits("ARGO-SERVICE-ACCOUNT-MISSING", EXECUTORS,
                 external={"serviceaccounts": ["spec-executor", "template-executor"]}) == []


def test_a_templated_or_default_service_account_is_not_looked_up():
    templated = EXECUTORS.replace("spec-executor", "'{{workflow.parameters.sa}}'").replace(
        "template-executor", "default")
    assert _hits("ARGO-SERVICE-ACCOUNT-MISSING", templated) == []


def test_a_missing_service_account_names_the_renamed_one_kustomize_rendered():
    prefixed = SA % ("dev-spec-executor", "ml-dev") + SA % ("template-executor", "ml-dev") + EXECUTORS
    assert _hits("ARGO-SERVICE-ACCOUNT-MISSING", prefixed) == [
        ("spec.executor.serviceAccountName",
         "ServiceAccount 'spec-executor' is neither rendered in this environment nor declared external; a "
         "ServiceAccount 'dev-spec-executor' is rendered: kustomize renamed it (prefix/suffix) but not this reference")]


def test_a_pods_service_account_is_found_in_its_namespace_only():
    pod = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ml-dev}
spec:
  serviceAccountName: runner
  containers: [{name: c, image: "busybox:1.36"}]
"""
    assert _hits("ARGO-DANGLING-REFERENCE", SA % ("runner", "ml-dev") + pod) == []
    assert _hits("ARGO-DANGLING-REFERENCE", SA % ("runner", "ml-prod") + pod) == [
        ("spec.serviceAccountName", "ServiceAccount 'runner' is neither rendered nor declared external")]


def test_a_claim_of_the_workflows_volume_claim_templates_is_its_own_and_only_a_claim():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  volumeClaimTemplates:
    - metadata: {name: work}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
  volumes:
    - {name: a, persistentVolumeClaim: {claimName: work}}
    - {name: b, secret: {secretName: work}}
  templates:
    - {name: main, container: {image: "busybox:1.36"}}
"""
    assert _hits("ARGO-DANGLING-REFERENCE", wf) == [
        ("spec.volumes[1].secret.secretName", "Secret 'work' is neither rendered in this environment nor declared "
                                              "external")]


def test_a_templated_or_optional_reference_is_passed_over_and_the_next_one_still_checked():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  volumes:
    - {name: a, configMap: {name: "{{workflow.parameters.settings}}"}}
    - {name: b, configMap: {name: extra, optional: true}}
    - {name: c, configMap: {name: code}}
  templates:
    - name: main
      container: {image: "busybox:1.36"}
    - name: apply
      resource: {action: create, manifest: "apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: made}\\n"}
"""
    assert _hits("ARGO-DANGLING-REFERENCE", wf) == [
        ("spec.volumes[2].configMap.name", "ConfigMap 'code' is neither rendered in this environment nor declared "
                                           "external")]


def test_a_reference_in_a_template_is_reported_once_and_a_stray_template_entry_is_passed_over():
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: main
  templates:
    - not-a-template
    - name: main
      container:
        image: busybox:1.36
        env: [{name: T, valueFrom: {secretKeyRef: {name: token, key: t}}}]
"""
    assert _hits("ARGO-DANGLING-REFERENCE", wf) == [
        ("spec.templates[1].container.env[0].valueFrom.secretKeyRef.name",
         "Secret 'token' is neither rendered in this environment nor declared external")]


def test_a_resource_templates_manifest_from_artifact_needs_its_credentials_secret():
    # The executor fetches manifestFrom's artifact in the workflow's namespace, with that Secret; the manifest string
    # beside it names another object's references, which are not this pod's.
    wf = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w, namespace: ml-dev}
spec:
  entrypoint: apply
  templates:
    - name: apply
      resource:
        action: create
        manifestFrom:
          artifact:
            name: manifest
            s3: {bucket: b, key: k, accessKeySecret: {name: s3-creds, key: id}, secretKeySecret: {name: s3-creds, key: s}}
    - name: inline
      resource: {action: create, manifest: "kind: Pod\\nspec: {volumes: [{secret: {secretName: other}}]}\\n"}
"""
    found = "Secret 's3-creds' is neither rendered in this environment nor declared external"
    art = "spec.templates[0].resource.manifestFrom.artifact.s3"
    assert _hits("ARGO-DANGLING-REFERENCE", wf) == [(f"{art}.accessKeySecret.name", found),
                                                    (f"{art}.secretKeySecret.name", found)]
