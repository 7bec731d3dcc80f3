"""What controllers declared in the tree create: the Secret, ServiceAccount or Role each one writes, and where."""

from __future__ import annotations

import pytest
from rules_helpers import manifests, rendered

from validation.rules.controllers import argo_workflow_defaults, produced

OBJECTS = """
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


def test_workflow_defaults_come_from_the_local_files_of_a_target_rendered_offline(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [configmap.yaml, notes.txt]\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not yaml: [\n", encoding="utf-8")
    (tmp_path / "configmap.yaml").write_text("""\
- a list, not an object
---
apiVersion: v1
kind: ConfigMap
metadata: {name: workflow-controller-configmap}
data:
  workflowDefaults: |
    spec: {activeDeadlineSeconds: 3600}
""", encoding="utf-8")
    offline = rendered("", path=tmp_path, offline="the remote base cannot be fetched")
    assert argo_workflow_defaults([offline]) == {"activeDeadlineSeconds": 3600}
    assert argo_workflow_defaults([rendered("", path=tmp_path)]) == {}  # rendered: its manifests say it all
