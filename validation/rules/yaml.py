"""YAML family: problems in the source files themselves, found before kustomize reads them.

kustomize accepts some of these silently (a duplicate key: the last one wins), so they are caught here.
The engine emits these findings (check=None); this module holds their metadata.
"""

from __future__ import annotations

from validation.model import Severity
from validation.rules import Rule, register

FAMILY = "yaml"
register(Rule(
    id="YAML-PARSE", name="parse-error", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="The file is not valid YAML. A local tag (Authentik's `!Env VAR`) is valid: it is read as the value it "
            "tags, as kubectl and Argo CD read it; a Python tag (`!!python/object`) is not.",
    remediation="Fix the syntax at the line and column given; `python -c 'import yaml,sys; "
                "yaml.safe_load(open(sys.argv[1]))' FILE` shows the same error.",
    passing="metadata:\n  name: ml-pipeline\n",
    failing="metadata:\n  name: ml-pipeline\n   labels: {}\n",
))
register(Rule(
    id="YAML-DUPLICATE-KEY", name="duplicate-key", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="A mapping has the same key twice; kustomize and kubectl keep the last one without a word.",
    remediation="Delete one of the two keys, or merge their contents.",
    passing="spec:\n  entrypoint: main\n",
    failing="spec:\n  entrypoint: main\n  entrypoint: train\n",
))
register(Rule(
    id="YAML-TAB", name="tab-indentation", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="A line is indented with a tab; YAML allows only spaces for indentation.",
    remediation="Replace the tabs with spaces (two per level in this repository).",
    passing="metadata:\n  name: x\n",
    failing="metadata:\n\tname: x\n",
))
register(Rule(
    id="YAML-ENCODING", name="not-utf8", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="The file is not UTF-8 (or is git-crypt's ciphertext, in a checkout that is not unlocked).",
    remediation="Re-save the file as UTF-8 (`iconv -f latin1 -t utf-8`); for a git-crypt file, `git-crypt unlock`.",
    passing="# saved as UTF-8\nkind: ConfigMap\n",
    failing="# a Latin-1 byte: \\xff\nkind: ConfigMap\n",
))
register(Rule(
    id="YAML-EMPTY-DOCUMENT", name="empty-document", severity=Severity.INFO, scope=(), family=FAMILY,
    summary="A document (or the whole file) is empty; kustomize skips it, which may hide a lost object. A `---` that "
            "closes the file is not one: nothing after it could be lost.",
    remediation="Remove the stray `---` separator or the empty file.",
    passing="kind: ConfigMap\n---\nkind: Secret\n",
    failing="kind: ConfigMap\n---\n---\nkind: Secret\n",
))
register(Rule(
    id="YAML-NOT-OBJECT", name="not-an-object", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="A document in a resource file is a list or a scalar, not a Kubernetes object.",
    remediation="Each document must be a mapping with apiVersion, kind and metadata; "
                "a JSON6902 patch (a list) must be referenced from a kustomization's `patches:`.",
    passing="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    failing="- apiVersion: v1\n  kind: ConfigMap\n",
))
register(Rule(
    id="YAML-MISSING-KIND", name="missing-kind", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="A resource document has no `kind` or no `apiVersion`.",
    remediation="Add the missing field; kustomize cannot place an object without both.",
    passing="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    failing="kind: ConfigMap\nmetadata: {name: x}\n",
))
register(Rule(
    id="YAML-TOO-LARGE", name="file-too-large", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="The file is larger than the validator reads (40 MiB); it is skipped, not half-checked.",
    remediation="Split the file; no GitOps source file should be this big.",
    passing="# a few KiB of manifests\n",
    failing="# a 50 MiB generated dump\n",
))
register(Rule(
    id="YAML-ALIAS-BOMB", name="alias-bomb", severity=Severity.ERROR, scope=(), family=FAMILY,
    summary="YAML aliases expand the document beyond a million nodes, or an alias contains itself "
            "(a \"billion laughs\" attack). Nothing that would walk it is run.",
    remediation="Remove the nested anchors and aliases; write the values out.",
    passing="a: &x [1, 2]\nb: *x\n",
    failing="a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n# ... and so on, nine levels deep\n",
))
