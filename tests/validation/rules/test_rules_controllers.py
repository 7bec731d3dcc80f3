"""What controllers declared in the tree create: the Secret, ServiceAccount or Role each one writes, and where."""

from __future__ import annotations

import pytest
from rules_helpers import manifests, rendered

from validation.rules.controllers import argo_workflow_defaults, produced, with_workflow_defaults

OBJECTS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-producer, namespace: app}
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: sealed, namespace: app}
spec: {template: {metadata: {name: unsealed}}}
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata: {name: same-name, namespace: app}
spec: {encryptedData: {}}
---
apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
metadata: {name: external, namespace: app}
spec: {secretStoreRef: {name: vault}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: app
  annotations: {service.beta.openshift.io/serving-cert-secret-name: web-tls}
---
apiVersion: argoproj.io/v1beta1
kind: ArgoCD
metadata: {name: gitops, namespace: app}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: le, namespace: app}
spec: {acme: {privateKeySecretRef: {name: le-account}}}
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: le-cluster}
spec: {acme: {privateKeySecretRef: {name: le-cluster-account}}}
"""


@pytest.mark.parametrize("kind,name,producer", [
    ("Secret", "unsealed", "sealed"),  # a SealedSecret's template names the Secret
    ("Secret", "same-name", "same-name"),  # else the Secret has the SealedSecret's name
    ("Secret", "external", "external"),  # an ExternalSecret without target.name: its own name
    ("Secret", "web-tls", "web"),
    ("ServiceAccount", "gitops-argocd-server", "gitops"),
    ("Role", "gitops-argocd-application-controller", "gitops"),
    ("Secret", "le-account", "le"),
])
def test_a_controller_writes_its_object_in_its_own_namespace(kind, name, producer):
    world = manifests(OBJECTS)
    found = produced(world, kind, name, "app")
    assert found is not None and found.name == producer
    assert produced(world, kind, name, "elsewhere") is None
    assert produced(world, kind, name, None) is found  # no namespace asked: any


def test_a_cluster_issuer_keeps_its_account_key_outside_any_one_namespace():
    world = manifests(OBJECTS)
    assert produced(world, "Secret", "le-cluster-account", "cert-manager").name == "le-cluster"
    assert produced(world, "Secret", "sealed", "app") is None  # the SealedSecret's own name is not its Secret's


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_workflow_defaults_come_from_the_local_files_of_a_target_rendered_offline(tmp_path, suffix):
    (tmp_path / "kustomization.yaml").write_text(
        f"resources: [configmap{suffix}]\nconfigMapGenerator: [{{name: notes, files: [notes.txt]}}]\n", encoding="utf-8")
    configmap = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: workflow-controller-configmap}
data:
  workflowDefaults: |
    spec: {activeDeadlineSeconds: %d}
"""
    (tmp_path / "notes.txt").write_text(configmap % 1, encoding="utf-8")  # a generator's data, not an object
    (tmp_path / f"configmap{suffix}").write_text("- a list, not an object\n---\n" + configmap % 3600,
                                                 encoding="utf-8")
    offline = rendered("", path=tmp_path, offline="the remote base cannot be fetched")
    assert argo_workflow_defaults([offline]) == {"activeDeadlineSeconds": 3600}
    assert argo_workflow_defaults([rendered("", path=tmp_path)]) == {}  # rendered: its manifests say it all


CONTROLLER = """
apiVersion: v1
kind: ConfigMap
metadata: {name: workflow-controller-configmap}
data:
  workflowDefaults: |
    spec:
      activeDeadlineSeconds: 3600
      serviceAccountName: runner
      templateDefaults: {timeout: 10m, retryStrategy: {limit: 1}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: another-configmap}
data:
  workflowDefaults: |
    spec: {activeDeadlineSeconds: 1}
"""


def test_a_workflow_keeps_its_own_fields_and_takes_the_rest_from_the_controllers_defaults_key_by_key():
    targets = [rendered(CONTROLLER)]
    spec = {"serviceAccountName": "own", "templateDefaults": {"timeout": "1h"}}
    assert with_workflow_defaults(spec, targets) == {
        "activeDeadlineSeconds": 3600, "serviceAccountName": "own",
        "templateDefaults": {"timeout": "1h", "retryStrategy": {"limit": 1}}}
    assert with_workflow_defaults({"templateDefaults": None}, targets)["templateDefaults"] == {
        "timeout": "10m", "retryStrategy": {"limit": 1}}


def test_workflow_defaults_of_an_offline_target_count_its_rendered_objects_too(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: []\n", encoding="utf-8")
    assert argo_workflow_defaults([rendered(CONTROLLER, path=tmp_path, offline="remote base")])[
        "activeDeadlineSeconds"] == 3600


def test_workflow_defaults_that_are_not_text_are_none():
    text = CONTROLLER.replace("workflowDefaults: |\n    spec:\n", "workflowDefaults: 3\n  other: |\n    spec:\n", 1)
    assert argo_workflow_defaults([rendered(text)]) == {}
