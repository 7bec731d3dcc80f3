"""Suppress family: the `ignore-check.argo-ml.io/<RULE-ID>` annotations themselves. The engine emits these."""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

register(Rule(
    id="SUPPRESS-NO-REASON", name="suppression-without-reason", severity=Severity.ERROR, scope=(), family="suppress",
    summary="An object skips a rule with `ignore-check.argo-ml.io/<RULE-ID>` but gives no reason; "
            "the suppression is not honoured until it says why.",
    remediation="Put the reason in the annotation's value.",
    passing="metadata:\n  annotations:\n    ignore-check.argo-ml.io/ARGO-RETRY-STRATEGY-MISSING: "
            "\"one-shot job, a retry would double-write the model\"\n",
    failing="metadata:\n  annotations:\n    ignore-check.argo-ml.io/ARGO-RETRY-STRATEGY-MISSING: \"\"\n",
))
register(Rule(
    id="SUPPRESS-UNKNOWN-RULE", name="suppression-of-unknown-rule", severity=Severity.WARNING, scope=(),
    family="suppress",
    summary="An `ignore-check.argo-ml.io/<RULE-ID>` annotation names a rule that does not exist (a typo, "
            "or a rule that was renamed), so it suppresses nothing.",
    remediation="Use an ID from `python -m validation rules`, or delete the annotation.",
    passing="metadata:\n  annotations:\n    ignore-check.argo-ml.io/RBAC-WILDCARD: \"reason\"\n",
    failing="metadata:\n  annotations:\n    ignore-check.argo-ml.io/RBAC-WILDCARDS: \"reason\"\n",
))
