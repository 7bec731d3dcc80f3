"""Argo CD kinds: schemas this project writes for Application, AppProject and ApplicationSet (argoproj.io/v1alpha1).

They cover the fields Argo CD documents in its declarative-setup reference (application.yaml, project.yaml,
applicationset.yaml) and reject unknown fields. `status` and `operation` are written by Argo CD and left free-form;
three ApplicationSet generators whose options are provider-specific (scmProvider, pullRequest,
clusterDecisionResource) are checked only for being objects.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "argoproj.io/v1alpha1"
KINDS = ("Application", "AppProject", "ApplicationSet")
SOURCE = "project"


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": ["object", "null"], "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return out


def _arr(items: Any) -> dict[str, Any]:
    return {"type": ["array", "null"], "items": items}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


STR = {"type": ["string", "null"]}
BOOL = {"type": ["boolean", "null"]}
INT = {"type": ["integer", "null"]}
INT_OR_STR = {"type": ["integer", "string", "null"]}
STR_MAP = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
ANY_OBJ = {"type": ["object", "null"]}
STR_LIST = _arr({"type": "string"})

_DEFS: dict[str, Any] = {
    "ObjectMeta": _obj(
        {
            "name": STR,
            "generateName": STR,
            "namespace": STR,
            "labels": STR_MAP,
            "annotations": STR_MAP,
            "finalizers": STR_LIST,
            "ownerReferences": _arr({"type": "object"}),
            "uid": STR,
            "resourceVersion": STR,
            "generation": INT,
            "creationTimestamp": STR,
            "deletionTimestamp": STR,
            "deletionGracePeriodSeconds": INT,
            "managedFields": _arr({"type": "object"}),
        }
    ),
    "LabelSelector": _obj(
        {
            "matchLabels": STR_MAP,
            "matchExpressions": _arr(
                _obj({"key": {"type": "string"}, "operator": {"type": "string"}, "values": STR_LIST}, ("key", "operator"))
            ),
        }
    ),
    "HelmSource": _obj(
        {
            "valueFiles": STR_LIST,
            "parameters": _arr(_obj({"name": STR, "value": STR, "forceString": BOOL})),
            "fileParameters": _arr(_obj({"name": STR, "path": STR})),
            "releaseName": STR,
            "values": STR,
            "valuesObject": ANY_OBJ,
            "version": STR,
            "passCredentials": BOOL,
            "ignoreMissingValueFiles": BOOL,
            "skipCrds": BOOL,
            "skipSchemaValidation": BOOL,
            "skipTests": BOOL,
            "namespace": STR,
            "kubeVersion": STR,
            "apiVersions": STR_LIST,
        }
    ),
    "KustomizeSource": _obj(
        {
            "namePrefix": STR,
            "nameSuffix": STR,
            "images": STR_LIST,
            "commonLabels": STR_MAP,
            "commonAnnotations": STR_MAP,
            "commonAnnotationsEnvsubst": BOOL,
            "forceCommonLabels": BOOL,
            "forceCommonAnnotations": BOOL,
            "labelWithoutSelector": BOOL,
            "labelIncludeTemplates": BOOL,
            "namespace": STR,
            "version": STR,
            "replicas": _arr(_obj({"name": {"type": "string"}, "count": {"type": ["integer", "string"]}}, ("name", "count"))),
            "patches": _arr(
                _obj(
                    {
                        "path": STR,
                        "patch": STR,
                        "target": _obj(
                            {
                                "group": STR,
                                "version": STR,
                                "kind": STR,
                                "name": STR,
                                "namespace": STR,
                                "labelSelector": STR,
                                "annotationSelector": STR,
                            }
                        ),
                        "options": {"type": ["object", "null"], "additionalProperties": {"type": "boolean"}},
                    }
                )
            ),
            "components": STR_LIST,
            "ignoreMissingComponents": BOOL,
            "kubeVersion": STR,
            "apiVersions": STR_LIST,
        }
    ),
    "DirectorySource": _obj(
        {
            "recurse": BOOL,
            "exclude": STR,
            "include": STR,
            "jsonnet": _obj(
                {
                    "extVars": _arr(_obj({"name": {"type": "string"}, "value": STR, "code": BOOL}, ("name",))),
                    "tlas": _arr(_obj({"name": {"type": "string"}, "value": STR, "code": BOOL}, ("name",))),
                    "libs": STR_LIST,
                }
            ),
        }
    ),
    "PluginSource": _obj(
        {
            "name": STR,
            "env": _arr(_obj({"name": {"type": "string"}, "value": {"type": "string"}}, ("name", "value"))),
            "parameters": _arr(
                _obj({"name": STR, "string": STR, "array": STR_LIST, "map": STR_MAP})
            ),
        }
    ),
    "ApplicationSource": _obj(
        {
            "repoURL": {"type": "string"},
            "path": STR,
            "targetRevision": STR,
            "chart": STR,
            "ref": STR,
            "name": STR,
            "helm": _ref("HelmSource"),
            "kustomize": _ref("KustomizeSource"),
            "directory": _ref("DirectorySource"),
            "plugin": _ref("PluginSource"),
        },
        ("repoURL",),
    ),
    "Destination": _obj({"server": STR, "namespace": STR, "name": STR}),
    "Backoff": _obj({"duration": STR, "factor": INT, "maxDuration": STR}),
    "SyncPolicy": _obj(
        {
            "automated": _obj({"prune": BOOL, "selfHeal": BOOL, "allowEmpty": BOOL, "enabled": BOOL}),
            "syncOptions": STR_LIST,
            "retry": _obj({"limit": INT, "backoff": _ref("Backoff"), "refresh": BOOL}),
            "managedNamespaceMetadata": _obj({"labels": STR_MAP, "annotations": STR_MAP}),
        }
    ),
    "ResourceIgnoreDifferences": _obj(
        {
            "group": STR,
            "kind": {"type": "string"},
            "name": STR,
            "namespace": STR,
            "jsonPointers": STR_LIST,
            "jqPathExpressions": STR_LIST,
            "managedFieldsManagers": STR_LIST,
        },
        ("kind",),
    ),
    "ApplicationSpec": _obj(
        {
            "project": {"type": "string"},
            "source": _ref("ApplicationSource"),
            "sources": _arr(_ref("ApplicationSource")),
            "destination": _ref("Destination"),
            "syncPolicy": _ref("SyncPolicy"),
            "ignoreDifferences": _arr(_ref("ResourceIgnoreDifferences")),
            "info": _arr(_obj({"name": {"type": "string"}, "value": {"type": "string"}}, ("name", "value"))),
            "revisionHistoryLimit": INT,
            "sourceHydrator": _obj(
                {
                    "drySource": _obj({"repoURL": {"type": "string"}, "targetRevision": {"type": "string"}, "path": {"type": "string"}},
                                      ("repoURL", "targetRevision", "path")),
                    "syncSource": _obj({"targetBranch": {"type": "string"}, "path": {"type": "string"}}, ("targetBranch", "path")),
                    "hydrateTo": _obj({"targetBranch": {"type": "string"}}, ("targetBranch",)),
                },
                ("drySource", "syncSource"),
            ),
        },
        ("project", "destination"),
    ),
    "GroupKind": _obj({"group": {"type": "string"}, "kind": {"type": "string"}, "name": STR}, ("group", "kind")),
    "AppProjectSpec": _obj(
        {
            "description": STR,
            "sourceRepos": STR_LIST,
            "sourceNamespaces": STR_LIST,
            "destinations": _arr(_ref("Destination")),
            "destinationServiceAccounts": _arr(
                _obj({"server": {"type": "string"}, "namespace": STR, "defaultServiceAccount": {"type": "string"}},
                     ("server", "defaultServiceAccount"))
            ),
            "roles": _arr(
                _obj(
                    {
                        "name": {"type": "string"},
                        "description": STR,
                        "policies": STR_LIST,
                        "groups": STR_LIST,
                        "jwtTokens": _arr(_obj({"iat": {"type": "integer"}, "exp": INT, "id": STR}, ("iat",))),
                    },
                    ("name",),
                )
            ),
            "clusterResourceWhitelist": _arr(_ref("GroupKind")),
            "clusterResourceBlacklist": _arr(_ref("GroupKind")),
            "namespaceResourceWhitelist": _arr(_ref("GroupKind")),
            "namespaceResourceBlacklist": _arr(_ref("GroupKind")),
            "orphanedResources": _obj(
                {
                    "warn": BOOL,
                    "ignore": _arr(_obj({"group": STR, "kind": STR, "name": STR})),
                }
            ),
            "syncWindows": _arr(
                _obj(
                    {
                        "kind": {"type": "string", "enum": ["allow", "deny"]},
                        "schedule": {"type": "string"},
                        "duration": {"type": "string"},
                        "applications": STR_LIST,
                        "namespaces": STR_LIST,
                        "clusters": STR_LIST,
                        "manualSync": BOOL,
                        "timeZone": STR,
                        "andOperator": BOOL,
                        "description": STR,
                    },
                    ("kind", "schedule", "duration"),
                )
            ),
            "signatureKeys": _arr(_obj({"keyID": {"type": "string"}}, ("keyID",))),
            "permitOnlyProjectScopedClusters": BOOL,
        }
    ),
    "ApplicationTemplate": _obj(
        {
            "metadata": _obj(
                {"name": STR, "namespace": STR, "labels": STR_MAP, "annotations": STR_MAP, "finalizers": STR_LIST}
            ),
            "spec": _ref("ApplicationSpec"),
        },
        ("metadata", "spec"),
    ),
    "Generator": _obj(
        {
            "list": _obj(
                {"elements": _arr({}), "elementsYaml": STR, "template": _ref("ApplicationTemplate")}
            ),
            "clusters": _obj(
                {
                    "selector": _ref("LabelSelector"),
                    "template": _ref("ApplicationTemplate"),
                    "values": STR_MAP,
                    "flatList": BOOL,
                }
            ),
            "git": _obj(
                {
                    "repoURL": {"type": "string"},
                    "revision": {"type": "string"},
                    "directories": _arr(_obj({"path": {"type": "string"}, "exclude": BOOL}, ("path",))),
                    "files": _arr(_obj({"path": {"type": "string"}, "exclude": BOOL}, ("path",))),
                    "template": _ref("ApplicationTemplate"),
                    "pathParamPrefix": STR,
                    "requeueAfterSeconds": INT,
                    "values": STR_MAP,
                },
                ("repoURL", "revision"),
            ),
            "matrix": _obj(
                {"generators": _arr(_ref("Generator")), "template": _ref("ApplicationTemplate")}, ("generators",)
            ),
            "merge": _obj(
                {
                    "generators": _arr(_ref("Generator")),
                    "mergeKeys": STR_LIST,
                    "template": _ref("ApplicationTemplate"),
                },
                ("generators", "mergeKeys"),
            ),
            "plugin": _obj(
                {
                    "configMapRef": _obj({"name": {"type": "string"}}, ("name",)),
                    "input": _obj({"parameters": ANY_OBJ}),
                    "template": _ref("ApplicationTemplate"),
                    "values": STR_MAP,
                    "requeueAfterSeconds": INT,
                },
                ("configMapRef",),
            ),
            # provider-specific option sets: only their shape (an object) is checked
            "scmProvider": ANY_OBJ,
            "pullRequest": ANY_OBJ,
            "clusterDecisionResource": ANY_OBJ,
            "selector": _ref("LabelSelector"),
        }
    ),
    "ApplicationSetSpec": _obj(
        {
            "generators": _arr(_ref("Generator")),
            "template": _ref("ApplicationTemplate"),
            "templatePatch": STR,
            "goTemplate": BOOL,
            "goTemplateOptions": STR_LIST,
            "syncPolicy": _obj(
                {
                    "preserveResourcesOnDeletion": BOOL,
                    "applicationsSync": {
                        "type": ["string", "null"],
                        "enum": ["create-only", "create-update", "create-delete", "sync", None],
                    },
                }
            ),
            "strategy": _obj(
                {
                    "type": {"type": ["string", "null"], "enum": ["AllAtOnce", "RollingSync", None]},
                    "rollingSync": _obj(
                        {
                            "steps": _arr(
                                _obj(
                                    {
                                        "matchExpressions": _arr(
                                            _obj({"key": STR, "operator": STR, "values": STR_LIST})
                                        ),
                                        "maxUpdate": INT_OR_STR,
                                    }
                                )
                            )
                        }
                    ),
                    "deletionOrder": {"type": ["string", "null"], "enum": ["AllAtOnce", "Reverse", None]},
                }
            ),
            "preservedFields": _obj({"annotations": STR_LIST, "labels": STR_LIST}),
            "ignoreApplicationDifferences": _arr(
                _obj({"name": STR, "jsonPointers": STR_LIST, "jqPathExpressions": STR_LIST})
            ),
            "applyNestedSelectors": BOOL,
        },
        ("generators", "template"),
    ),
}

_SPEC = {"Application": "ApplicationSpec", "AppProject": "AppProjectSpec", "ApplicationSet": "ApplicationSetSpec"}


def build() -> dict[str, dict[str, Any]]:
    """kind -> self-contained strict JSON schema."""
    out = {}
    for kind in KINDS:
        props: dict[str, Any] = {
            "apiVersion": {"type": "string", "enum": [API_VERSION]},
            "kind": {"type": "string", "enum": [kind]},
            "metadata": _ref("ObjectMeta"),
            "spec": _ref(_SPEC[kind]),
            "status": ANY_OBJ,
        }
        if kind == "Application":
            props["operation"] = ANY_OBJ
        out[kind] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": props,
            "required": ["apiVersion", "kind", "metadata", "spec"],
            "additionalProperties": False,
            "$defs": _DEFS,
        }
    return out
