"""Environment policy: each environment's bucket and region, no credentials in the repo, the labels every object needs."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from pathlib import Path
from typing import Any, Iterator

import yaml

from pipeline.s3 import bucket_name_problems, is_valid_region
from validation.model import JsonPath, Manifest, Severity
from validation.placeholders import is_placeholder
from validation.rules import Check, Context, Problem, Rule, register
from validation.rules.argo.secret_refs import names_a_secret
from validation.rules.argo.spec_walk import WORKFLOW_KINDS, as_dict, as_list, templates, walk_strings, workflow_spec

FAMILY = "env"
BUCKET_PARAM = "dvc-s3-bucket"
REGION_PARAM = "dvc-s3-region"


def _rule(id: str, name: str, severity: Severity, scope: tuple[str, ...], summary: str, remediation: str,
          passing: str, failing: str, policy: bool = True, *, check: Check) -> None:
    """Environment rules are this repository's policy (policy=True) unless they catch a mistake anywhere."""
    register(Rule(id=id, name=name, severity=severity, scope=scope, summary=summary, remediation=remediation,
                  passing=passing.strip("\n"), failing=failing.strip("\n"), check=check, family=FAMILY,
                  policy=policy))


def parameter_values(m: Manifest, name: str) -> Iterator[tuple[str, JsonPath]]:
    """Literal values of parameter `name` in spec.arguments and in template inputs (value or default)."""
    spec, base = workflow_spec(m)
    for i, p in enumerate(as_list(as_dict(spec.get("arguments")).get("parameters"))):
        if isinstance(p, dict) and p.get("name") == name:
            for key in ("value", "default"):
                if isinstance(p.get(key), str) and "{{" not in p[key]:
                    yield p[key], (*base, "arguments", "parameters", i, key)
    for ti, t in templates(spec):
        for i, p in enumerate(as_list(as_dict(t.get("inputs")).get("parameters"))):
            if isinstance(p, dict) and p.get("name") == name:
                for key in ("value", "default"):
                    if isinstance(p.get(key), str) and "{{" not in p[key]:
                        yield p[key], (*base, "templates", ti, "inputs", "parameters", i, key)


def check_bucket_name(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for value, path in parameter_values(m, BUCKET_PARAM):
        problems = bucket_name_problems(value)
        if problems:
            yield Problem(m, f"bucket {value!r}: {'; '.join(problems)}", path)


_rule("ENV-BUCKET-NAME", "bucket-name", Severity.ERROR, WORKFLOW_KINDS,
      "The dvc-s3-bucket parameter follows the S3 naming rules: 3-63 characters, lower-case letters, digits, dots "
      "and hyphens, starting and ending with a letter or digit, not an IP address, no xn--/sthree- prefix, no "
      "-s3alias/--ol-s3 suffix, no two adjacent dots.",
      "Fix the bucket name in overlays/<env>/bucket.yaml (`python -m validation update-bucket NAME --env ENV`).",
      """
- {name: dvc-s3-bucket, value: mlops-data-bucket-1754148674-amaslovs}
""", """
- {name: dvc-s3-bucket, value: MLOps_Data_Bucket}
""", check=check_bucket_name)


def check_region(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for value, path in parameter_values(m, REGION_PARAM):
        if not is_valid_region(value):
            yield Problem(m, f"{value!r} is not an AWS region code", path)


_rule("ENV-REGION", "region", Severity.ERROR, WORKFLOW_KINDS,
      "The dvc-s3-region parameter is a valid AWS region code.",
      "Use a region code such as us-east-1 or eu-west-2.",
      """
- {name: dvc-s3-region, value: us-east-1}
""", """
- {name: dvc-s3-region, value: us-east1}
""", check=check_region)


def _buckets_of_target(rt_manifests: list[Manifest]) -> set[str]:
    out: set[str] = set()
    for m in rt_manifests:
        if m.kind in WORKFLOW_KINDS:
            spec, _ = workflow_spec(m)
            for p in as_list(as_dict(spec.get("arguments")).get("parameters")):
                if isinstance(p, dict) and p.get("name") == BUCKET_PARAM and isinstance(p.get("value"), str):
                    out.add(p["value"])
    return out


@functools.lru_cache(maxsize=64)
def _bucket_file_value(path: str, mtime: float) -> str | None:
    """The bucket an overlays/<env>/bucket.yaml patch sets (the replace op that follows the dvc-s3-bucket test)."""
    try:
        ops = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(ops, list):
        return None
    target_path = None
    for op in ops:
        if not isinstance(op, dict):
            continue
        if op.get("op") == "test" and op.get("value") == BUCKET_PARAM:
            target_path = str(op.get("path", "")).rsplit("/", 1)[0] + "/value"
        elif op.get("op") in ("replace", "add") and target_path and op.get("path") == target_path:
            return str(op.get("value"))
    return None


def environment_buckets(ctx: Context) -> dict[str, set[str]]:
    """environment -> buckets, from every rendered target, plus overlays/*/bucket.yaml for environments not rendered."""
    out: dict[str, set[str]] = {}
    for rt in [ctx.target, *ctx.targets]:
        env = rt.target.environment
        if env:
            out.setdefault(env, set()).update(_buckets_of_target(rt.manifests))
    overlays = ctx.repo_root / ctx.config.overlays_dir
    if overlays.is_dir():
        for f in sorted(overlays.glob("*/bucket.yaml")):
            env = f.parent.name
            if env.startswith(".") or (env in out and out[env]):  # a dot-directory is nobody's environment
                continue
            value = _bucket_file_value(str(f), f.stat().st_mtime)
            if value:
                out.setdefault(env, set()).add(value)
    return out


def check_bucket_shared(m: Manifest, ctx: Context) -> Iterator[Problem]:
    env = ctx.target.target.environment
    if ctx.config.allow_shared_buckets or not env:
        return
    others = {e: b for e, b in environment_buckets(ctx).items() if e != env}
    spec, base = workflow_spec(m)
    for i, p in enumerate(as_list(as_dict(spec.get("arguments")).get("parameters"))):
        if isinstance(p, dict) and p.get("name") == BUCKET_PARAM and isinstance(p.get("value"), str):
            sharing = sorted(e for e, b in others.items() if p["value"] in b)
            if sharing:
                yield Problem(m, f"bucket {p['value']!r} of environment {env!r} is also used by "
                                 f"{', '.join(sharing)}", (*base, "arguments", "parameters", i, "value"))


_rule("ENV-BUCKET-SHARED", "bucket-shared", Severity.ERROR, WORKFLOW_KINDS,
      "Each environment has its own bucket: dev writing into prod's DVC remote is how data gets lost. Allowed only "
      "with `allow-shared-buckets`.",
      "Give each environment its own bucket in overlays/<env>/bucket.yaml.",
      """
# dev: mlops-data-dev-1754148674   prod: mlops-data-prod-1754148674
""", """
# dev: mlops-data-1754148674   prod: mlops-data-1754148674
""", check=check_bucket_shared)


def check_bucket_consistent(m: Manifest, ctx: Context) -> Iterator[Problem]:
    for param in (BUCKET_PARAM, REGION_PARAM):
        values: dict[str, list[str]] = {}
        for other in ctx.of_kind(*WORKFLOW_KINDS):
            for v, _ in _argument_values(other, param):
                values.setdefault(v, []).append(other.name)
        if len(values) < 2:
            continue
        top = max(len(v) for v in values.values())
        majority = sorted(v for v, names in values.items() if len(names) == top)[0]
        for v, path in _argument_values(m, param):
            if v != majority:
                yield Problem(m, f"{param} is {v!r} here but {majority!r} in {', '.join(sorted(set(values[majority])))}",
                              path)


_rule("ENV-BUCKET-INCONSISTENT", "bucket-inconsistent", Severity.ERROR, WORKFLOW_KINDS,
      "Within one environment, every template's dvc-s3-bucket and dvc-s3-region agree (a patch that misses one "
      "WorkflowTemplate leaves it writing elsewhere).",
      "Target the bucket patch at every WorkflowTemplate (`target: {kind: WorkflowTemplate}`).",
      """
# ml-pipeline and ml-pipeline-git: dvc-s3-bucket = mlops-data-dev-1754148674
""", """
# ml-pipeline: mlops-data-dev-1754148674   ml-pipeline-git: mlops-data-bucket-1754148674-amaslovs
""", check=check_bucket_consistent)


def _argument_values(m: Manifest, name: str) -> Iterator[tuple[str, JsonPath]]:
    spec, base = workflow_spec(m)
    for i, p in enumerate(as_list(as_dict(spec.get("arguments")).get("parameters"))):
        if isinstance(p, dict) and p.get("name") == name and isinstance(p.get("value"), str) and "{{" not in p["value"]:
            yield p["value"], (*base, "arguments", "parameters", i, "value")


# ---------------------------------------------------------------------------------------------------------------------
# Credentials.

CREDENTIAL_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("an AWS secret access key", re.compile(r"(?i:aws[-_]?secret[-_]?access[-_]?key)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    # Whoever has the URL posts to the channel. Slack's documented example ends in X...X.
    ("a Slack webhook URL", re.compile(r"\bhooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/(?!X+\b)[A-Za-z0-9]{16,}")),
]
_AWS_SECRET_VALUE = re.compile(r"^[A-Za-z0-9/+=]{40}$")
# A setting holds a credential when its name ends in a credential word, whatever the separator or case
# (DB_PASSWORD, api-token, apiKey, private.key). Ending, not containing: max-token-length, password-min-length,
# NUM_SECRETS and TOKEN_FILE name numbers and pointers, not credentials.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_LAST_WORDS = {"password", "passwd", "pwd", "secret", "token", "credential", "credentials"}
_KEY_KINDS = {"api", "access", "private", "secret", "signing", "encryption"}


# A Secret's key that says where or who, not what proves it: a bucket, an endpoint, a user name, a database's name
# (POSTGRES_DB), a public certificate (ca.crt, tls.crt, Docker's ca.pem and cert.pem; tls.key and key.pem are the
# private halves); or when (argocd-secret's admin.passwordMtime, the time the password was set).
_PLAIN_LAST_WORDS = {"region", "endpoint", "bucket", "url", "uri", "host", "hostname", "smarthost", "port", "name",
                     "namespace",
                     "path", "domain", "email", "user", "username", "login", "id", "crt", "cert", "certificate",
                     "ca", "db", "database", "dbname", "mtime", "timestamp"}
# The keys of Argo CD's repository and cluster Secrets that are settings, as its declarative setup documents them
# (argocd-repositories.yaml, argocd-repo-creds.yaml, cluster secrets): `type: helm` is no credential. Their
# credentials (password, sshPrivateKey, githubAppPrivateKey, bearerToken, config...) are still reported.
ARGOCD_SECRET_TYPE = "argocd.argoproj.io/secret-type"
_REPO_SETTINGS = frozenset({
    "url", "name", "type", "project", "insecure", "insecureIgnoreHostKey", "forceHttpBasicAuth", "enableLfs",
    "enableOCI", "proxy", "noProxy", "githubAppID", "githubAppInstallationID", "githubAppEnterpriseBaseUrl",
    "useAzureWorkloadIdentity"})
ARGOCD_SECRET_SETTINGS = {
    "repository": _REPO_SETTINGS, "repo-creds": _REPO_SETTINGS,
    "cluster": frozenset({"name", "server", "project", "namespaces", "clusterResources"})}
# A file's encoding, not what it holds: cert.pem is judged by cert.
_ENCODING_WORDS = {"pem", "der"}
# A web page: OpenShift reads its login, provider selection and error page templates (login.html, providers.html,
# errors.html) from Secrets in openshift-config. A credential pasted into one is still found by the pattern scan.
_PAGE_WORDS = {"html", "htm"}


# Who is written to or from (an alert's recipients EMAIL_DBA_TEAM, a sender SMTP_FROM), whatever the key is called.
_ADDRESSES = re.compile(r"\s*[\w.%+-]+@[\w-]+(?:\.[\w-]+)+(?:\s*[,;]\s*[\w.%+-]+@[\w-]+(?:\.[\w-]+)+)*\s*\Z")


# How a key is made or kept, not the key: Longhorn's encryption Secret beside CRYPTO_KEY_VALUE (its passphrase) holds
# CRYPTO_KEY_PROVIDER: secret, CRYPTO_KEY_CIPHER: aes-xts-plain64, CRYPTO_KEY_HASH: sha256, CRYPTO_KEY_SIZE: 256,
# CRYPTO_PBKDF: argon2i. Only a short name or number: a password's hash ($2a$..., 64 hex digits) is no such setting.
_KEY_SETTING_WORDS = {"provider", "cipher", "hash", "size", "pbkdf", "algorithm"}
_SETTING_VALUE = re.compile(r"\s*[A-Za-z0-9][\w.-]{0,31}\s*\Z")


def _how_a_key_is_made(key: str, text: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(key)]
    return bool(words) and words[-1] in _KEY_SETTING_WORDS and not set(words) & _SECRET_LAST_WORDS \
        and bool(_SETTING_VALUE.match(text))


def plainly_not_a_credential(key: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(key)]
    if len(words) > 1 and words[-1] in _PAGE_WORDS:
        return words[-2] not in _SECRET_LAST_WORDS
    if len(words) > 1 and words[-1] in _ENCODING_WORDS:
        words = words[:-1]
    return bool(words) and words[-1] in _PLAIN_LAST_WORDS and not secret_looking_name(key) \
        and not (words[-1] == "id" and "key" in words)  # AWS_ACCESS_KEY_ID names half a key pair


# tlsSecret, existingSecret, TLS_SECRET: the name of a Secret that holds it (TLS material inline is a PEM block, which
# the pattern scan finds), as Helm charts' values name them.
_NAMED_SECRETS = {"tls", "existing"}


def secret_looking_name(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words:
        return False
    if len(words) > 1 and words[-1] == "secret" and words[-2] in _NAMED_SECRETS:
        return False
    return words[-1] in _SECRET_LAST_WORDS or (words[-1] == "key" and len(words) > 1 and words[-2] in _KEY_KINDS)


_ANY_CREDENTIAL = re.compile("|".join(f"(?:{p.pattern})" for _, p in CREDENTIAL_PATTERNS))


@functools.lru_cache(maxsize=8192)
def credential_kind(text: str) -> str | None:
    """What kind of credential the text holds, or None. One combined scan first: most text holds none."""
    if not _ANY_CREDENTIAL.search(text):
        return None
    for what, pattern in CREDENTIAL_PATTERNS:
        if pattern.search(text):
            return what
    return None


def _named_values(obj: Any, path: JsonPath) -> Iterator[tuple[str, str, Any, JsonPath]]:
    """(what, name, value, path-of-the-value) for every name/value pair: container env entries and parameters (Argo
    arguments, inputs and their defaults; Helm parameters of an Application)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("env", "parameters") and isinstance(v, list):
                for i, e in enumerate(v):
                    if isinstance(e, dict):
                        for field in ("value", "default"):
                            if field in e:
                                yield ("env" if k == "env" else "parameter", str(e.get("name", "")), e[field],
                                       (*path, k, i, field))
                        yield from _named_values(e, (*path, k, i))
            else:
                yield from _named_values(v, (*path, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _named_values(v, (*path, i))


def _literal_secret(name: str, value: Any, secret_names: set[str]) -> bool:
    """A literal value under a secret-looking name. Argo expressions, empty values, switches and the name of a
    Secret (credentials-secret: aws-credentials) only refer to a credential."""
    if not isinstance(value, str) or not value.strip() or "{{" in value or value.strip().lower() in _SWITCHES:
        return False
    if value in secret_names or credential_kind(value) is not None:  # the second is reported by the pattern scan
        return False
    if value.isdigit() or is_placeholder(value) or _WHERE.match(value.strip()):
        return False  # a length, a limit, a count; a blank to fill in; where the credential is, not what it is
    if secret_looking_name(name):
        return True
    return bool(_AWS_SECRET_VALUE.match(value)) and "AWS" in name.upper()


# A file path (GOOGLE_APPLICATION_CREDENTIALS: /var/run/secrets/gcp/key.json) or a URL without a user's password.
_WHERE = re.compile(r"(?:~?/|\./)[\w.@+=,/-]*\Z|[a-z][a-z0-9+.-]*://[^\s@]+\Z")


# MYSQL_RANDOM_ROOT_PASSWORD: "yes", MYSQL_ALLOW_EMPTY_PASSWORD: "true": a setting about a password, not one.
_SWITCHES = {"true", "false", "yes", "no", "y", "n", "on", "off", "enabled", "disabled"}

_FIX = {"env": "read it from a Secret (valueFrom.secretKeyRef)",
        "parameter": "keep it in a Secret and have the template read it with env valueFrom.secretKeyRef",
        "ConfigMap key": "a ConfigMap is not secret: keep it in a Secret created outside the repository"}


@functools.lru_cache(maxsize=256)
def _source_lines(path: str, mtime: float) -> list[tuple[int, str, str]]:
    """(line number, what, the line's text) of each line that holds a credential."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        what = credential_kind(line)
        if what:
            out.append((n, what, line.strip()))
    return out


# A Secret's key that names a YAML or JSON file (values.yaml, hardened.yaml) holds settings, judged by what is in them.
_SETTINGS_FILE_WORDS = {"yaml", "yml", "json"}


def _settings_file_credential(key: str, text: str, secret_names: set[str]) -> str | None:
    """For a Secret's YAML or JSON file of settings: the first setting in it with a literal credential (a Helm chart's
    harborAdminPassword), or "" when it holds none. None when the key names no such file or the text is not one
    (a credentials.json, a value that does not parse, a plain string): the whole value is then the credential."""
    words = [w.lower() for w in _WORDS.findall(key)]
    if len(words) < 2 or words[-1] not in _SETTINGS_FILE_WORDS or secret_looking_name(".".join(words[:-1])):
        return None
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]  # comments only, or `---` and `...`: empty
    except yaml.YAMLError:
        return None
    if not all(isinstance(d, (dict, list)) for d in docs):
        return None
    for name, value in _settings(docs):
        if _literal_secret(name, value, secret_names):
            return name
    return ""


def _cluster_config_credential(text: str, secret_names: set[str]) -> str | None:
    """For an Argo CD cluster Secret's config: its credential (bearerToken, password, tlsClientConfig.keyData, an
    exec provider's env), or "" when it holds none (the in-cluster Secret's {"tlsClientConfig": {"insecure": false}}).
    None when it is not a mapping: the whole value is then the credential."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(doc, dict):
        return None
    if as_dict(doc.get("tlsClientConfig")).get("keyData"):
        return "keyData"  # a client certificate's private key, base64: no pattern finds it
    if as_dict(doc.get("execProviderConfig")).get("env"):
        return "env"
    for name, value in _settings([doc]):
        if _literal_secret(name, value, secret_names):
            return name
    return ""


def _settings(node: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) of every scalar setting in a parsed file, at any depth."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                yield from _settings(v)
            else:
                yield str(k), v
    elif isinstance(node, list):
        for v in node:
            yield from _settings(v)


def check_credentials(m: Manifest, ctx: Context) -> Iterator[Problem]:
    found_in_object = False
    found_at: set[JsonPath] = set()
    for path, text in walk_strings(m.obj, ()):
        what = credential_kind(text)
        if what:
            found_in_object = True
            found_at.add(path)
            yield Problem(m, f"{what} in a rendered value", path)
    pairs = list(_named_values(m.obj, ()))
    if m.kind == "ConfigMap" and isinstance(m.obj.get("data"), dict):
        # Single-line values only: a multi-line value is a file, whose secrets the pattern scan looks for.
        pairs += [("ConfigMap key", str(k), v, ("data", str(k))) for k, v in m.obj["data"].items()
                  if isinstance(v, str) and "\n" not in v.strip()]
    secret_names = {str(s.metadata.get("name")) for s in ctx.of_kind("Secret")} | set(ctx.config.external.secrets)
    for what, name, value, path in pairs:
        if _literal_secret(name, value, secret_names) and not (what == "parameter" and names_a_secret(m, ctx, path)):
            found_in_object = True
            yield Problem(m, f"{what} {name!r} has a literal value; {_FIX[what]}", path)
    if m.kind == "Secret":
        labels = m.metadata.get("labels")
        kind = labels.get(ARGOCD_SECRET_TYPE) if isinstance(labels, dict) else None
        settings = ARGOCD_SECRET_SETTINGS.get(str(kind), frozenset())
        for key in ("data", "stringData"):
            data = m.obj.get(key)
            if isinstance(data, dict) and data:
                for k, v in data.items():
                    text = str(v)
                    if key == "data":
                        try:
                            text = base64.b64decode(text, validate=False).decode("utf-8", "replace")
                        except (binascii.Error, ValueError):
                            pass
                    if (key, str(k)) in found_at or str(k) in settings:
                        continue  # said above, with what it holds; or a setting of Argo CD's, not a credential
                    if text.strip() and not is_placeholder(text) and not plainly_not_a_credential(str(k)) \
                            and not (_ADDRESSES.match(text) and not secret_looking_name(str(k))) \
                            and not _how_a_key_is_made(str(k), text):
                        inside = (_cluster_config_credential(text, secret_names) if kind == "cluster" and k == "config"
                                  else _settings_file_credential(str(k), text, secret_names))
                        if inside == "":
                            continue  # a file of settings (Helm values for Flux's valuesFrom) that holds none
                        whose = f", whose {inside!r} has a literal value" if inside else ""
                        yield Problem(m, f"Secret holds inline {key} {k!r}{whose}; keep Secrets out of the repository "
                                         "(create them in the cluster, or use a sealed/external secret)", (key, str(k)))
    # Comments and other text in the source file that did not survive rendering.
    if m.source and not found_in_object and _first_of_source(ctx, m):
        f = (ctx.repo_root / m.source)
        lines = _source_lines(str(f), f.stat().st_mtime) if f.is_file() else []
        if lines:
            # A line inside another object's value is reported with that object.
            values = [v for o in ctx.target.manifests if o.source == m.source for _, v in walk_strings(o.obj, ())]
            for line, what, text in lines:
                if not any(text in v for v in values):
                    yield Problem(m, f"{what} in source file {m.source} line {line}", ())


_rule("ENV-CREDENTIALS", "credentials", Severity.ERROR, (),
      "No credentials in any rendered object or its source file: AWS access key ids and secret keys, private keys, "
      "GitHub/GitLab/Slack tokens, Slack webhook URLs, literal values under names that end in a credential word (password, secret, "
      "token, api-key, access-key...) in container env, Argo parameters (arguments, inputs and their defaults) and "
      "ConfigMap data, and Secrets with inline data (but not their keys that name a place, a user, a database or a "
      "public certificate or a web page, or a time: a bucket, an endpoint, POSTGRES_DB, ca.crt, OpenShift's "
      "login.html, admin.passwordMtime; nor "
      "the settings of Argo CD's repository and cluster Secrets: type, project, server, a cluster's config without "
      "bearerToken, password or keyData; nor a value that is only "
      "e-mail addresses, an alert's recipients, nor how a key is made: Longhorn's CRYPTO_KEY_CIPHER, _HASH, _SIZE). "
      "A Secret's YAML or JSON "
      "file of settings (Helm values.yaml for Flux's valuesFrom) is judged by the settings in it. Blanks to fill in (<password>, ${TOKEN}, Your passphrase, YOUR_..., UPDATE_..., "
      "changeme, redacted xxxxxx) are not credentials. Argo expressions, empty values, plain numbers, switches "
      "(MYSQL_RANDOM_ROOT_PASSWORD: \"yes\") and secretKeyRef references are fine, and so is an Argo parameter "
      "whose every use, followed through the steps that pass it on, names a Secret or a key in one "
      "(GITHUB_TOKEN_SECRET_KEY: token, read with secretKeyRef: {key: '{{inputs.parameters.GITHUB_TOKEN_SECRET_KEY}}'"
      "}). On in every tree, unlike the other ENV rules.",
      "Remove the credential (and rotate it: it is in git history). Reference the external `aws-credentials` Secret "
      "with secretKeyRef instead.",
      """
env:
  - name: AWS_SECRET_ACCESS_KEY
    valueFrom: {secretKeyRef: {name: aws-credentials, key: AWS_SECRET_ACCESS_KEY}}
""", """
env:
  - {name: AWS_ACCESS_KEY_ID, value: AKIAIOSFODNN7EXAMPLE}
""", policy=False, check=check_credentials)


def _first_of_source(ctx: Context, m: Manifest) -> bool:
    """Report source-file text once per file and target: on the first object rendered from it."""
    for other in ctx.target.manifests:
        if other.source == m.source:
            return other is m
    return True


# ---------------------------------------------------------------------------------------------------------------------
# Labels.

REQUIRED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/part-of")


def check_labels(m: Manifest, ctx: Context) -> Iterator[Problem]:
    labels = m.metadata.get("labels")
    labels = labels if isinstance(labels, dict) else {}
    env_label = ctx.config.environment_label
    env = ctx.target.target.environment
    # Objects outside any environment (the AppProject, the root app) need only the app labels.
    wanted = (*REQUIRED_LABELS, env_label) if env else REQUIRED_LABELS
    missing = [k for k in wanted if not labels.get(k)]
    path = ("metadata", "labels") if m.metadata.get("labels") is not None else ("metadata",)
    if missing:
        yield Problem(m, f"missing label(s) {', '.join(missing)}", path)
    if env and labels.get(env_label) and str(labels[env_label]) != env:
        yield Problem(m, f"label {env_label}={labels[env_label]!r} but this is environment {env!r}",
                      ("metadata", "labels", env_label))


_rule("ENV-LABELS", "labels", Severity.ERROR, (),
      "Every object carries app.kubernetes.io/name, app.kubernetes.io/part-of and the environment label "
      "(`environment-label`, default `environment`), whose value is the target's environment.",
      "Add the labels through kustomize `labels:` in base/ and the overlay.",
      """
metadata:
  labels: {app.kubernetes.io/name: ml-pipeline, app.kubernetes.io/part-of: ml-pipeline, environment: dev}
""", """
metadata:
  labels: {app.kubernetes.io/name: ml-pipeline}
""", check=check_labels)
