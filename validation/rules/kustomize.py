"""Kustomize family: kustomization files and patches, checked as kustomize reads them, before it runs.

The engine emits these findings from validation.kustomize (check=None); this module holds their metadata. Each is at
the line to edit; kustomize's own message for the same mistake names no line (or no file), and when kustomize then
refuses the build, that RENDER-FAILED is folded into the finding here.
"""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

FAMILY = "kustomize"
_SCHEMA = ("kustomization.yaml is checked against kustomize's own schema, generated from its Go types at the "
           "release kubectl embeds (validation/kustomize/kustomization.schema.json, `python -m "
           "validation.kustomize.regen`). Field names match case-insensitively and null is accepted anywhere, "
           "as kustomize's decoder does.")


def _rule(rule_id: str, name: str, summary: str, remediation: str, passing: str, failing: str) -> None:
    register(Rule(id=rule_id, name=name, severity=Severity.ERROR, scope=(), family=FAMILY, summary=summary,
                  remediation=remediation, passing=passing, failing=failing))


_rule("KUSTOMIZE-UNKNOWN-FIELD", "kustomization-unknown-field",
      "A kustomization field kustomize does not have (`patchs:`, a selector's `nmae:`); kustomize refuses the whole "
      "build. " + _SCHEMA,
      "Fix the spelling; the message suggests the field meant.",
      "patches:\n  - path: bucket.yaml\n    target: {kind: WorkflowTemplate}\n",
      "patchs:\n  - path: bucket.yaml\n    target: {kind: WorkflowTemplate}\n")
_rule("KUSTOMIZE-TYPE", "kustomization-type",
      "A kustomization value of the wrong type (`resources: ../base` instead of a list, `namespace: 3`, "
      "`includeSelectors: \"no\"`); kustomize refuses the build. " + _SCHEMA,
      "Write the type named in the message: a list, a quoted string, true or false.",
      "resources:\n  - ../../base\n",
      "resources: ../../base\n")
_rule("KUSTOMIZE-KIND", "kustomization-kind",
      "A kustomization's kind is Kustomization (apiVersion kustomize.config.k8s.io/v1beta1) or Component "
      "(kustomize.config.k8s.io/v1alpha1); anything else is refused.",
      "Fix kind or apiVersion, or leave both out (kustomize then assumes a Kustomization).",
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomisation\n")
_rule("KUSTOMIZE-PATCH-OP", "patch-op",
      "A JSON6902 operation whose `op` is not add, remove, replace, move, copy or test; kustomize stops with "
      "\"Unexpected kind\" and no file name.",
      "Use one of the six operations; the message suggests the one meant.",
      "- op: replace\n  path: /spec/arguments/parameters/7/value\n  value: \"0.8\"\n",
      "- op: replcae\n  path: /spec/arguments/parameters/7/value\n  value: \"0.8\"\n")
_rule("KUSTOMIZE-PATCH-REQUIRED", "patch-required",
      "A JSON6902 operation without a field its op needs: `op` and `path` always, `value` for add, replace and test, "
      "`from` for move and copy. Without `value`, kustomize writes null where the value should be.",
      "Add the field; a misspelt one is reported as KUSTOMIZE-PATCH-UNKNOWN-FIELD instead, with the fix.",
      "- op: copy\n  from: /spec/arguments/parameters/4/value\n  path: /metadata/annotations/bucket\n",
      "- op: copy\n  path: /metadata/annotations/bucket\n")
_rule("KUSTOMIZE-PATCH-UNKNOWN-FIELD", "patch-unknown-field",
      "A key in a JSON6902 operation other than op, path, value and from (`vaule:`, `paht:`). kustomize ignores it "
      "without a word, so a misspelt `value` renders as null and the run breaks at submit.",
      "Fix the spelling; the message suggests the field meant and says what the mistake does.",
      "- op: replace\n  path: /spec/arguments/parameters/7/value\n  value: \"0.7\"\n",
      "- op: replace\n  path: /spec/arguments/parameters/7/value\n  vaule: \"0.7\"\n")
_rule("KUSTOMIZE-PATCH-POINTER", "patch-pointer",
      "A JSON6902 `path` or `from` that is not a JSON pointer (RFC 6901): it must start with `/`, escape `~` and "
      "`/` as `~0` and `~1`, and use `-` (the end of a list) only as the last segment of an add, move or copy "
      "target. kustomize applies `spec/x` somewhere else than meant, without an error.",
      "Write the pointer from the document root: `/spec/templates/-`.",
      "- op: add\n  path: /spec/templates/-\n  value: {name: extra}\n",
      "- op: add\n  path: spec/templates/-\n  value: {name: extra}\n")
_rule("KUSTOMIZE-PATCH-SHAPE", "patch-shape",
      "A patch that is neither a list of JSON6902 operations nor a strategic-merge patch (a mapping): an operation "
      "written as a mapping without `- `, a list item that is not a mapping, a scalar, or an inline patch that does "
      "not parse.",
      "Make a JSON6902 patch a list (`- op: ...`), or write a strategic-merge patch with apiVersion, kind and "
      "metadata.",
      "- op: remove\n  path: /spec/ttlStrategy\n",
      "op: remove\npath: /spec/ttlStrategy\n")
