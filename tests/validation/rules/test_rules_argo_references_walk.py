"""objects.references: every ConfigMap, Secret and PVC reference a pod or workflow spec makes, with the path of its
name and whether it is optional (ARGO-DANGLING-REFERENCE and the RBAC and ENV rules read it)."""

from __future__ import annotations

import yaml

from validation.rules.argo.objects import references

SPEC = """
containers:
  - env:
      - {name: A, valueFrom: {configMapKeyRef: {name: cm-key, key: k, optional: true}}}
      - {name: B, valueFrom: {secretKeyRef: {name: s-key, key: k}}}
      - {name: C, valueFrom: {configMapKeyRef: {key: no-name}}}
    imagePullSecrets: [{name: pull}, just-text, {}]
    envFrom: [{configMapRef: {name: cm-from}}, {secretRef: {name: s-from, optional: true}}]
volumes:
  - {name: v1, configMap: {name: cm-vol, optional: true}}
  - {name: v2, secret: {secretName: s-vol, optional: true}}
  - {name: v3, secret: {items: []}}
  - {name: v4, persistentVolumeClaim: {claimName: claim}}
  - name: v5
    projected:
      sources:
        - {configMap: {name: cm-proj}}
        - {secret: {name: s-proj, optional: true}}
        - {downwardAPI: {items: []}}
        - {secret: {}}
    configMap: {name: cm-beside-projected}
  - {name: v6, persistentVolumeClaim: {readOnly: true}}
memoize: {cache: {configMap: {name: memo-cache}}}
artifacts:
  s3:
    accessKeySecret: {name: ak}
    secretKeySecret: {name: sk}
    sessionTokenSecret: {name: st}
  git:
    passwordSecret: {name: pw}
    usernameSecret: {name: un}
    sshPrivateKeySecret: {name: ssh}
  oss: {tokenSecret: {name: tok}}
  http:
    auth:
      bearerToken: {name: bearer}
      clientCert: {clientCertSecret: {name: ccert}, clientKeySecret: {name: ckey}}
"""


def test_every_kind_of_reference_is_found_with_its_path_and_whether_it_is_optional() -> None:
    found = list(references(yaml.safe_load(SPEC), ("spec",)))
    c0, v = "spec.containers.0", "spec.volumes"
    assert [(kind, name, ".".join(map(str, path)), optional) for kind, name, path, optional in found] == [
        ("ConfigMap", "cm-key", f"{c0}.env.0.valueFrom.configMapKeyRef.name", True),
        ("Secret", "s-key", f"{c0}.env.1.valueFrom.secretKeyRef.name", False),
        ("Secret", "pull", f"{c0}.imagePullSecrets.0.name", False),
        ("ConfigMap", "cm-from", f"{c0}.envFrom.0.configMapRef.name", False),
        ("Secret", "s-from", f"{c0}.envFrom.1.secretRef.name", True),
        ("ConfigMap", "cm-vol", f"{v}.0.configMap.name", True),
        ("Secret", "s-vol", f"{v}.1.secret.secretName", True),
        ("PersistentVolumeClaim", "claim", f"{v}.3.persistentVolumeClaim.claimName", False),
        ("ConfigMap", "cm-proj", f"{v}.4.projected.sources.0.configMap.name", False),
        ("Secret", "s-proj", f"{v}.4.projected.sources.1.secret.name", True),
        ("ConfigMap", "cm-beside-projected", f"{v}.4.configMap.name", False),
        ("Secret", "ak", "spec.artifacts.s3.accessKeySecret.name", False),
        ("Secret", "sk", "spec.artifacts.s3.secretKeySecret.name", False),
        ("Secret", "st", "spec.artifacts.s3.sessionTokenSecret.name", False),
        ("Secret", "pw", "spec.artifacts.git.passwordSecret.name", False),
        ("Secret", "un", "spec.artifacts.git.usernameSecret.name", False),
        ("Secret", "ssh", "spec.artifacts.git.sshPrivateKeySecret.name", False),
        ("Secret", "tok", "spec.artifacts.oss.tokenSecret.name", False),
        ("Secret", "bearer", "spec.artifacts.http.auth.bearerToken.name", False),
        ("Secret", "ccert", "spec.artifacts.http.auth.clientCert.clientCertSecret.name", False),
        ("Secret", "ckey", "spec.artifacts.http.auth.clientCert.clientKeySecret.name", False),
    ]


def test_a_name_is_text_even_when_yaml_reads_a_number() -> None:
    found = list(references({"volumes": [{"configMap": {"name": 42}}, {"persistentVolumeClaim": {"claimName": 7}}]}, ()))
    assert [(kind, name) for kind, name, _, _ in found] == [("ConfigMap", "42"), ("PersistentVolumeClaim", "7")]
