"""The schema family: findings the engine emits from validation.schema_check (check=None here)."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import register
from validation.rules.base import Rule

_DOCS = ("Schemas: Kubernetes from kubernetes-validate; Argo Workflows (per `argo-version`), Argo CD, Argo Events, "
         "Argo Rollouts and Crossplane vendored from their releases (docs/schemas.md).")


def _schema_rule(rule_id: str, name: str, severity: Severity, summary: str, remediation: str,
                 passing: str, failing: str) -> Rule:
    return register(
        Rule(
            id=rule_id,
            name=name,
            severity=severity,
            scope=(),
            summary=summary,
            remediation=remediation,
            passing=passing,
            failing=failing,
            check=None,
            family="schema",
        )
    )


UNKNOWN_FIELD = _schema_rule(
    "SCHEMA-UNKNOWN-FIELD",
    "unknown-field",
    Severity.ERROR,
    "A field the kind's schema does not define (usually a typo or wrong nesting); the API server would drop "
    "or reject it. " + _DOCS,
    "Fix the spelling or move the field to where the schema defines it; the message suggests a close match.",
    "spec:\n  containers:\n  - name: app\n    imagePullPolicy: IfNotPresent\n",
    "spec:\n  containers:\n  - name: app\n    imagePullPolicee: IfNotPresent\n",
)

REQUIRED = _schema_rule(
    "SCHEMA-REQUIRED",
    "required-field",
    Severity.ERROR,
    "A field the schema requires is missing (including apiVersion and kind on every document).",
    "Add the named field at the reported path.",
    "templates:\n- name: main\n  container: {image: alpine:3.20}\n",
    "templates:\n- container: {image: alpine:3.20}\n",
)

TYPE = _schema_rule(
    "SCHEMA-TYPE",
    "wrong-type",
    Severity.ERROR,
    "A value has the wrong JSON type (a string where an integer is expected, a map where a list is expected ...).",
    "Change the value to the expected type; quote numbers that must be strings, unquote those that must be numbers.",
    "spec:\n  replicas: 2\n",
    "spec:\n  replicas: \"two\"\n",
)

ENUM = _schema_rule(
    "SCHEMA-ENUM",
    "bad-enum",
    Severity.ERROR,
    "A value is not one of the values the field allows.",
    "Use one of the values listed in the message.",
    "podGC:\n  strategy: OnPodSuccess\n",
    "podGC:\n  strategy: WhenDone\n",
)

INVALID = _schema_rule(
    "SCHEMA-INVALID",
    "schema-constraint",
    Severity.ERROR,
    "A value breaks another schema constraint (minimum, pattern, length, item count ...).",
    "Change the value so that it meets the constraint named in the message.",
    "metadata:\n  name: web\n",
    "(any value outside a schema's minimum, maximum, pattern or size limits)\n",
)

MISSING = _schema_rule(
    "SCHEMA-MISSING",
    "missing-schema",
    Severity.ERROR,
    "No schema is known for the object's apiVersion/kind, so it cannot be checked (a typo in kind or apiVersion, "
    "or a custom resource the project has no schema for and whose CustomResourceDefinition, or Crossplane "
    "CompositeResourceDefinition serving its version, is not among the checked objects).",
    "Fix the apiVersion/kind, or list the kind in [tool.validation] missing-schema-kinds, or pass "
    "--ignore-missing-schemas.",
    "apiVersion: apps/v1\nkind: Deployment\n",
    "apiVersion: apps/v1\nkind: Deploymnet\n",
)

DEPRECATED_API = _schema_rule(
    "SCHEMA-DEPRECATED-API",
    "deprecated-api",
    Severity.WARNING,
    "The apiVersion is deprecated in the selected Kubernetes version (--kubernetes-version) and will be removed.",
    "Move to the replacement API named in the message (see the Kubernetes deprecated API migration guide).",
    "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n",
    "apiVersion: v1\nkind: Endpoints\n",
)

REMOVED_API = _schema_rule(
    "SCHEMA-REMOVED-API",
    "removed-api",
    Severity.ERROR,
    "The apiVersion is no longer served by the selected Kubernetes version; the API server rejects the object.",
    "Move to the replacement API named in the message (see the Kubernetes deprecated API migration guide).",
    "apiVersion: batch/v1\nkind: CronJob\n",
    "apiVersion: batch/v1beta1\nkind: CronJob\n",
)
