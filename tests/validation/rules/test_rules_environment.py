"""Environment family beyond the fixtures: credential patterns, other overlays' bucket files, label values."""

from __future__ import annotations

import json

import pytest
from rules_helpers import context, rendered, run_rule

from validation.config import Config, External
from validation.rules.environment import credential_kind

WT = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: t
  labels: {app.kubernetes.io/name: a, app.kubernetes.io/part-of: a, environment: dev}
spec:
  arguments:
    parameters:
      - {name: dvc-s3-bucket, value: %s}
      - {name: dvc-s3-region, value: us-east-1}
"""


@pytest.mark.parametrize("text,kind", [
    ("key AKIAIOSFODNN7EXAMPLE here", "an AWS access key id"),
    ("ASIAY34FZKBOKMUTVV7A", "an AWS access key id"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    ('"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', "an AWS secret access key"),
    ("aws-secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    ("awsSecretAccessKey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
    ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PRIVATE KEY-----", "a private key"),
    ("token ghp_" + "a" * 36, "a GitHub token"),
    ("glpat-" + "x" * 20, "a GitLab token"),
    ("xoxb-1234567890-abcdef", "a Slack token"),
    ("slack_api_url: https://hooks.slack.com/services/T0A1B2C3D/B4E5F6G7H/" + "aB3" * 8, "a Slack webhook URL"),
])
def test_credentials_are_recognised(text, kind):
    assert credential_kind(text) == kind


@pytest.mark.parametrize("text", ["AKIA is a prefix", "mlops-data-bucket-1754148674-amaslovs",
                                  "-----BEGIN CERTIFICATE-----", "ghp_short", "aws_secret_access_key: {{secret}}",
                                  "sha256:" + "a" * 64, "https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24,
                                  "https://hooks.slack.com/services/T.../B.../..."])
def test_ordinary_text_is_not_a_credential(text):
    assert credential_kind(text) is None


def test_other_overlays_bucket_files_are_read_when_only_one_environment_is_rendered(tmp_path):
    (tmp_path / "overlays" / "prod").mkdir(parents=True)
    (tmp_path / "overlays" / "prod" / "bucket.yaml").write_text(
        "- {op: test, path: /spec/arguments/parameters/4/name, value: dvc-s3-bucket}\n"
        "- {op: replace, path: /spec/arguments/parameters/4/value, value: shared-bucket-123}\n")
    rt = rendered(WT % "shared-bucket-123", "dev", path=tmp_path / "overlays" / "dev")
    hits = run_rule("ENV-BUCKET-SHARED", context(rt, config=Config(root=tmp_path), repo_root=tmp_path))
    assert hits and "prod" in hits[0].message
    rt = rendered(WT % "dev-bucket-123", "dev", path=tmp_path / "overlays" / "dev")
    assert run_rule("ENV-BUCKET-SHARED", context(rt, config=Config(root=tmp_path), repo_root=tmp_path)) == []


def test_environment_label_must_name_the_environment():
    rt = rendered(WT % "b-123", "prod", environment="prod")
    hits = run_rule("ENV-LABELS", context(rt))
    assert hits and "environment='dev'" in hits[0].message


def test_environment_label_name_comes_from_config():
    rt = rendered(WT % "b-123", "dev")
    assert run_rule("ENV-LABELS", context(rt, config=Config(environment_label="env")))


def test_objects_outside_any_environment_need_only_the_app_labels():
    text = "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: p\n  labels: {app.kubernetes.io/name: a, app.kubernetes.io/part-of: a}\n"
    assert run_rule("ENV-LABELS", context(rendered(text, "argocd", environment=None))) == []


def test_credentials_in_source_comments_are_found(tmp_path):
    src = tmp_path / "sa.yaml"
    src.write_text("# aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\napiVersion: v1\nkind: ServiceAccount\n"
                   "metadata: {name: sa}\n")
    rt = rendered(src.read_text(), "dev")
    rt.manifests[0] = rt.manifests[0]._replace(source="sa.yaml")
    hits = run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))
    assert hits and "line 1" in hits[0].message


def test_secrets_with_inline_data_are_flagged():
    text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: aHVudGVyMg==}\n"
    hits = run_rule("ENV-CREDENTIALS", context(rendered(text, "dev")))
    assert hits and hits[0].path == "data.password"


def test_a_secrets_database_name_is_not_a_credential():
    """mlflow's Postgres Secret in the wild: the database's name sits beside its user and password."""
    text = ("apiVersion: v1\nkind: Secret\nmetadata: {name: postgres-secret}\nstringData:\n"
            "  POSTGRES_DB: mlflow\n  MYSQL_DATABASE: mlflow\n  dbname: mlflow\n  POSTGRES_USER: mlflowuser\n"
            "  POSTGRES_PASSWORD: password\n  db-secret: abc123\n")
    hits = run_rule("ENV-CREDENTIALS", context(rendered(text, "dev")))
    assert [h.path for h in hits] == ["stringData.POSTGRES_PASSWORD", "stringData.db-secret"]


ENV_WT = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: t}
spec:
  templates:
    - name: c
      container:
        image: "alpine:3.20"
        env: [{name: %s, value: "%s"}]
"""


@pytest.mark.parametrize("name,value,fires", [
    ("MLFLOW_TRACKING_PASSWORD", "hunter2", True),
    ("GITHUB_TOKEN", "abc123abc123", True),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
    ("TOKEN_FILE", "/var/run/secrets/token", False),
    ("CREDENTIALS_SECRET_NAME", "aws-credentials", False),
    ("PASSWORD", "{{inputs.parameters.password}}", False),
    ("MODEL_NAME", "bert-classifier", False),
    ("db-password", "hunter2", True),
    ("apiKey", "abc123abc123", True),
    ("private.key", "abc123abc123", True),
    ("authToken", "abc123abc123", True),
    ("MAX_TOKENS", "512", False),
    ("TOKENIZER", "bert-base-uncased", False),
    ("api-token", "", False),
    ("USE_TOKEN", "true", False),
    ("secretName", "aws-credentials", False),
    ("MAX_TOKEN_LENGTH", "512", False),  # a credential word inside a name is not enough: it must end the name
    ("token-limit", "4096", False),
    ("PASSWORD_MIN_LENGTH", "8", False),
    ("NUM_SECRETS", "3", False),
    ("HF_TOKEN", "12345678", False),  # all digits: a count or a limit, never flagged by name alone
    ("DJANGO_SECRET_KEY", "abc123abc123", True),
    ("clientSecret", "abc123abc123", True),
    ("TLS_SECRET", "web-tls", False),  # a Secret's name, as Helm charts' tlsSecret and existingSecret are
    ("existingSecret", "db-auth", False),
    ("tlsSecretKey", "abc123abc123", True),
])
def test_literal_values_in_secret_looking_env_vars(name, value, fires):
    hits = run_rule("ENV-CREDENTIALS", context(rendered(ENV_WT % (name, value), "dev")))
    assert bool(hits) is fires, hits


PARAM_WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
spec:
  arguments:
    parameters: [{name: %s, value: "%s"}]
"""


@pytest.mark.parametrize("name,value,fires", [
    ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
    ("AWSSECRETACCESSKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),
    ("api-token", "sk-live-abc123abc123", True),
    ("api-token", "{{workflow.parameters.token}}", False),
    ("aws-credentials-secret", "aws-credentials", False),  # names the external Secret
    ("model-name", "bert-classifier", False),
])
def test_literal_values_in_secret_looking_parameters(name, value, fires):
    cfg = Config(external=External(secrets=["aws-credentials"]))
    hits = run_rule("ENV-CREDENTIALS", context(rendered(PARAM_WF % (name, value), "dev"), config=cfg))
    assert bool(hits) is fires, hits


def test_a_source_files_credential_is_reported_once_on_its_first_object(tmp_path):
    (tmp_path / "sa.yaml").write_text("# aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                                      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n---\n"
                                      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\n")
    rt = rendered("kind: ServiceAccount\nmetadata: {name: other}\n---\n" + (tmp_path / "sa.yaml").read_text(), "dev")
    rt.manifests = [m._replace(source=source)
                    for m, source in zip(rt.manifests, ("other.yaml", "sa.yaml", "sa.yaml"), strict=True)]
    hits = run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))
    assert [(h.ref, h.message) for h in hits] == [
        (rt.manifests[1].ref, "an AWS secret access key in source file sa.yaml line 1")]


def test_a_credential_reported_in_the_object_is_not_reported_again_from_its_source_line(tmp_path):
    src = tmp_path / "cm.yaml"
    src.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"
                   "data: {aws-secret-access-key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}\n")
    rt = rendered(src.read_text(), "dev")
    rt.manifests[0] = rt.manifests[0]._replace(source="cm.yaml")
    hits = run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))
    assert [h.path for h in hits] == ["data.aws-secret-access-key"], hits


KEY = "-----BEGIN PRIVATE KEY-----\n    MIIJQgIBADANBgkqhkiG9w0BAQEFAASCCSwwggkoAgEAAoICAQDB0\n    -----END PRIVATE KEY-----"


def test_a_private_key_in_a_later_object_of_the_file_is_reported_once_at_its_value(tmp_path):
    # The first object of the file holds no credential, so its source lines are scanned; the key's lines belong to
    # the second object's value, which is where it is reported, once (not also as "inline stringData").
    src = tmp_path / "install.yaml"
    src.write_text("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: argo}\n---\n"
                   "apiVersion: v1\nkind: Secret\nmetadata: {name: sso}\nstringData:\n"
                   f"  key.pem: |\n    {KEY}\n")
    rt = rendered(src.read_text(), "dev")
    rt.manifests = [m._replace(source="install.yaml") for m in rt.manifests]
    hits = run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))
    assert [(h.path, h.message) for h in hits] == [("stringData.key.pem", "a private key in a rendered value")]


def test_a_private_key_only_in_a_comment_is_reported_at_its_source_line(tmp_path):
    src = tmp_path / "install.yaml"
    comment = KEY.replace("\n    ", "\n# ")
    src.write_text(f"# {comment}\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: argo}}\n")
    rt = rendered(src.read_text(), "dev")
    rt.manifests[0] = rt.manifests[0]._replace(source="install.yaml")
    hits = run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))
    assert [h.message for h in hits] == ["a private key in source file install.yaml line 1"]


def _dvc_repo(tmp_path, config: bytes):
    (tmp_path / ".dvc").mkdir()
    (tmp_path / ".dvc" / "config").write_bytes(config)
    return tmp_path


DVC_DEV = b"['remote \"dev\"']\n    url = s3://mlops-data-dev-1754148674/dvc\n    region = us-east-1\n"


def test_dvc_remote_agreeing_with_the_overlay_is_quiet(tmp_path):
    root = _dvc_repo(tmp_path, DVC_DEV)
    ctx = context(rendered(WT % "mlops-data-dev-1754148674"), repo_root=root)
    assert run_rule("ENV-DVC-REMOTE", ctx) == []


def test_dvc_remote_on_another_bucket_is_reported_at_the_bucket_parameter(tmp_path):
    root = _dvc_repo(tmp_path, DVC_DEV)
    hits = run_rule("ENV-DVC-REMOTE", context(rendered(WT % "mlops-data-dev-new"), repo_root=root))
    assert [h.path for h in hits] == ["spec.arguments.parameters[0].value"]
    assert "remote 'dev' (.dvc/config line 2) is s3://mlops-data-dev-1754148674/dvc" in hits[0].message


def test_a_dvc_config_dvc_cannot_read_is_a_finding_not_a_crash(tmp_path):
    root = _dvc_repo(tmp_path, b"# caf\xe9\n" + DVC_DEV)
    hits = run_rule("ENV-DVC-REMOTE", context(rendered(WT % "mlops-data-dev-1754148674"), repo_root=root))
    assert len(hits) == 1
    assert ".dvc/config line 1: not UTF-8 (byte 0xe9); DVC refuses it too" in hits[0].message


def test_no_dvc_config_means_nothing_to_compare(tmp_path):
    assert run_rule("ENV-DVC-REMOTE", context(rendered(WT % "any-bucket-1"), repo_root=tmp_path)) == []


def test_a_dvc_config_symlinked_out_of_the_repository_is_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.write_bytes(DVC_DEV)
    root = tmp_path / "repo"
    (root / ".dvc").mkdir(parents=True)
    (root / ".dvc" / "config").symlink_to(outside)
    hits = run_rule("ENV-DVC-REMOTE", context(rendered(WT % "mlops-data-dev-1754148674"), repo_root=root))
    assert len(hits) == 1 and "outside the repository" in hits[0].message


def _dvc_hits(root, bucket="mlops-data-dev-1754148674"):
    return [(h.path, h.message) for h in run_rule("ENV-DVC-REMOTE", context(rendered(WT % bucket), repo_root=root))]


def test_a_dvc_config_dvc_cannot_read_is_reported_at_the_bucket_parameter(tmp_path):
    assert [p for p, _ in _dvc_hits(_dvc_repo(tmp_path, b"# caf\xe9\n" + DVC_DEV))] == [
        "spec.arguments.parameters[0].value"]


def test_a_templated_bucket_is_not_compared(tmp_path):
    assert _dvc_hits(_dvc_repo(tmp_path, DVC_DEV), "'{{workflow.parameters.bucket}}'") == []


def test_a_remote_named_for_the_environment_on_its_bucket_is_the_one_compared(tmp_path):
    archive = b"['remote \"dev-archive\"']\n    url = s3://mlops-data-archive/dvc\n"
    shared = b"['remote \"prod\"']\n    url = s3://mlops-data-dev-1754148674/prod\n    region = eu-west-1\n"
    assert _dvc_hits(_dvc_repo(tmp_path, DVC_DEV + archive + shared)) == []


def test_an_unnamed_remote_on_the_environments_bucket_is_its_remote(tmp_path):
    storage = b"['remote \"storage\"']\n    url = s3://mlops-data-dev-1754148674/dvc\n    region = eu-west-1\n"
    assert _dvc_hits(_dvc_repo(tmp_path, storage)) == [
        ("spec.arguments.parameters[1].value",
         "dev uses region 'us-east-1', but its DVC remote 'storage' (.dvc/config) has region = eu-west-1")]


def test_an_edited_dvc_config_is_read_again(tmp_path):
    import os

    root = _dvc_repo(tmp_path, DVC_DEV)
    config = root / ".dvc" / "config"
    assert _dvc_hits(root) == []
    before = config.stat()
    config.write_bytes(DVC_DEV.replace(b"1754148674", b"1754148675"))  # the same size
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    assert len(_dvc_hits(root)) == 1
    same_time = config.stat().st_mtime_ns
    config.write_bytes(DVC_DEV.replace(b"/dvc\n", b"/dvc/data\n"))  # another size, the same mtime
    os.utime(config, ns=(before.st_atime_ns, same_time))
    assert _dvc_hits(root) == []


# ---------------------------------------------------------------------------------------------------------------------
# What the mutation run of environment.py (tests/README.md, [^s4]) found untested.

def env_hits(rule_id: str, text: str, environment: str = "dev", **kw):
    rt = rendered(text, environment, environment=environment, path=kw.pop("path", None))
    return [(h.ref, h.path, h.message) for h in run_rule(rule_id, context(rt, **kw))]


PARAMS_WT = """apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: t, namespace: ns}
spec:
  arguments:
    parameters: %s
  templates:
    - name: main
      inputs:
        parameters: %s
    - name: other
"""


def test_a_bucket_name_finding_says_every_problem():
    assert env_hits("ENV-BUCKET-NAME", PARAMS_WT % ("[{name: dvc-s3-bucket, value: Ab..c}]", "[]")) == [
        ("WorkflowTemplate/ns/t", "spec.arguments.parameters[0].value",
         "bucket 'Ab..c': may contain only lowercase letters, digits, dots and hyphens (found 'A'); must not "
         "contain two adjacent dots")]


def test_a_region_finding_names_the_value():
    assert env_hits("ENV-REGION", PARAMS_WT % ("[{name: dvc-s3-region, value: us-east1}]", "[]")) == [
        ("WorkflowTemplate/ns/t", "spec.arguments.parameters[0].value", "'us-east1' is not an AWS region code")]


def test_bucket_values_and_defaults_are_checked_in_arguments_and_inputs_but_not_templated_ones():
    arguments = "[{name: dvc-s3-bucket, value: A_1, default: B_1}, {name: dvc-s3-bucket, value: '{{x}}'}, " \
                "{name: other, value: C_1}]"
    inputs = "[x, {name: dvc-s3-bucket, value: D_1}, {name: dvc-s3-bucket, default: E_1}, " \
             "{name: dvc-s3-bucket, default: '{{workflow.parameters.dvc-s3-bucket}}'}, {name: other, value: F_1}]"
    assert [(p, m.split(":")[0]) for _, p, m in env_hits("ENV-BUCKET-NAME", PARAMS_WT % (arguments, inputs))] == [
        ("spec.arguments.parameters[0].value", "bucket 'A_1'"),
        ("spec.arguments.parameters[0].default", "bucket 'B_1'"),
        ("spec.templates[0].inputs.parameters[1].value", "bucket 'D_1'"),
        ("spec.templates[0].inputs.parameters[2].default", "bucket 'E_1'"),
    ]


def _overlay(root, env: str, bucket: str) -> None:
    (root / "overlays" / env).mkdir(parents=True, exist_ok=True)
    (root / "overlays" / env / "bucket.yaml").write_text(
        "- {op: test, path: /spec/arguments/parameters/0/name, value: dvc-s3-bucket}\n"
        f"- {{op: replace, path: /spec/arguments/parameters/0/value, value: {bucket}}}\n")


def shared(root, text: str):
    return env_hits("ENV-BUCKET-SHARED", text, config=Config(root=root), repo_root=root, path=root / "overlays" / "dev")


def test_only_the_bucket_parameter_of_another_environment_is_its_bucket(tmp_path):
    """prod reads dev's bucket under another name (a source to copy from): dev's bucket is still dev's own."""
    prod = rendered(PARAMS_WT % ("[{name: dvc-s3-bucket, value: prod-b}, {name: source, value: dev-b}, x, "
                                 "{name: dvc-s3-bucket, value: 7}]", "[]"), "prod", environment="prod")
    text = PARAMS_WT % ("[{name: dvc-s3-bucket, value: dev-b}]", "[]")
    rt = rendered(text, "dev", path=tmp_path / "overlays" / "dev")
    assert run_rule("ENV-BUCKET-SHARED", context(rt, config=Config(root=tmp_path), repo_root=tmp_path,
                                                 others=[prod])) == []


def test_only_this_environments_bucket_parameter_is_compared(tmp_path):
    _overlay(tmp_path, "prod", "prod-b")
    text = PARAMS_WT % ("[x, {name: dvc-s3-bucket, value: dev-b}, {name: backup, value: prod-b}, {name: n}]", "[]")
    assert shared(tmp_path, text) == []


def test_a_bucket_shared_with_several_environments_names_them_all_and_dot_directories_are_none(tmp_path):
    for env in ("prod", "staging", ".template", "dev"):
        _overlay(tmp_path, env, "one-b")
    assert shared(tmp_path, PARAMS_WT % ("[{name: dvc-s3-bucket, value: one-b}]", "[]")) == [
        ("WorkflowTemplate/ns/t", "spec.arguments.parameters[0].value",
         "bucket 'one-b' of environment 'dev' is also used by prod, staging")]


def test_an_edited_bucket_file_is_read_again(tmp_path):
    import os

    _overlay(tmp_path, "prod", "one-b")
    text = PARAMS_WT % ("[{name: dvc-s3-bucket, value: one-b}]", "[]")
    assert len(shared(tmp_path, text)) == 1
    _overlay(tmp_path, "prod", "two-b")
    stat = (tmp_path / "overlays" / "prod" / "bucket.yaml").stat()
    os.utime(tmp_path / "overlays" / "prod" / "bucket.yaml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert shared(tmp_path, text) == []


def _wt(name: str, bucket: str, region: str = "us-east-1") -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {{name: {name}, namespace: ns}}\n"
            f"spec:\n  arguments:\n    parameters:\n      - {{name: dvc-s3-bucket, value: '{bucket}'}}\n"
            f"      - {{name: dvc-s3-region, value: {region}}}\n---\n")


def test_the_majority_bucket_is_the_one_others_are_compared_with():
    text = _wt("a", "b-1") + _wt("b", "b-1") + _wt("c", "b-2") + _wt("d", "{{workflow.parameters.x}}")
    assert env_hits("ENV-BUCKET-INCONSISTENT", text) == [
        ("WorkflowTemplate/ns/c", "spec.arguments.parameters[0].value",
         "dvc-s3-bucket is 'b-2' here but 'b-1' in a, b")]


def test_regions_are_compared_when_the_buckets_agree():
    text = _wt("a", "b-1") + _wt("b", "b-1", "eu-west-1") + _wt("c", "b-1")
    assert env_hits("ENV-BUCKET-INCONSISTENT", text) == [
        ("WorkflowTemplate/ns/b", "spec.arguments.parameters[1].value",
         "dvc-s3-region is 'eu-west-1' here but 'us-east-1' in a, c")]


def secret(data: str, key: str = "stringData") -> str:
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: ns}}\n{key}: {data}\n"


def creds(text: str, **kw):
    return [(p, m) for _, p, m in env_hits("ENV-CREDENTIALS", text, **kw)]


INLINE = "keep Secrets out of the repository (create them in the cluster, or use a sealed/external secret)"


def test_a_secrets_keys_are_each_judged_by_their_last_word():
    data = "{config: x, AWS_ACCESS_KEY_ID: not-a-real-id, user-id: u, ca.crt: c, a: AKIAIOSFODNN7EXAMPLE, b: y}"
    assert creds(secret(data)) == [
        ("stringData.a", "an AWS access key id in a rendered value"),
        ("stringData.config", f"Secret holds inline stringData 'config'; {INLINE}"),
        ("stringData.AWS_ACCESS_KEY_ID", f"Secret holds inline stringData 'AWS_ACCESS_KEY_ID'; {INLINE}"),
        ("stringData.b", f"Secret holds inline stringData 'b'; {INLINE}"),
    ]


def test_a_pem_files_key_is_judged_by_its_name_not_its_encoding():
    # Argo Workflows' quick-start my-httpbin-cred and Docker's TLS files: the certificates are public, the key is not.
    data = "{ca.pem: c, cert.pem: c, tls-ca.pem: c, key.pem: k, client.der: d, pem: p}"
    assert creds(secret(data)) == [
        ("stringData.key.pem", f"Secret holds inline stringData 'key.pem'; {INLINE}"),
        ("stringData.client.der", f"Secret holds inline stringData 'client.der'; {INLINE}"),
        ("stringData.pem", f"Secret holds inline stringData 'pem'; {INLINE}"),
    ]


def test_when_a_password_was_set_is_not_a_credential():
    # Argo CD's argocd-secret (mahdikhashan/argo-mlops-pipeline-kubeflow-mlflow): the bcrypt hash is reported, the
    # time it was set is not.
    data = "{admin.password: '$2a$12$abc', admin.passwordMtime: '2024-12-26T11:00:06CET', token_timestamp: t}"
    assert creds(secret(data)) == [
        ("stringData.admin.password", f"Secret holds inline stringData 'admin.password'; {INLINE}")]


def test_a_web_page_in_a_secret_is_not_a_credential_but_a_key_in_it_is_found():
    # OpenShift's login, provider selection and error page templates live in Secrets in openshift-config
    # (Enterprise-Neurosystem/cluster-bootstrap: login.html). A password.html is still a password, and a private key
    # pasted into a page is found by the pattern scan.
    key = "-----BEGIN RSA PRIVATE KEY-----"
    data = "{login.html: '<html>x</html>', providers.htm: p, errors.html: e, password.html: s, page.html: '%s'}" % key
    assert creds(secret(data)) == [
        ("stringData.page.html", "a private key in a rendered value"),
        ("stringData.password.html", f"Secret holds inline stringData 'password.html'; {INLINE}"),
    ]


def test_an_smtp_host_and_e_mail_addresses_in_a_secret_are_not_credentials():
    # ADORSYS-GIS/fineract-gitops' Alertmanager Secret: its SMTP smarthost, sender and recipients were each reported.
    # A password that looks like an address is still a password.
    data = ("{SMTP_SMARTHOST: 'smtp.example.com:587', SMTP_FROM: alertmanager@example.com, EMAIL_DBA_TEAM: dba@example.com,"
            " EMAIL_ONCALL: 'a@example.com, b.c+d@mail.example.org', SMTP_PASSWORD: me@example.com,"
            " NOTE: 'mail me@example.com', AUTH: 'user:pw@example.com'}")
    assert creds(secret(data)) == [
        ("stringData.SMTP_PASSWORD", f"Secret holds inline stringData 'SMTP_PASSWORD'; {INLINE}"),
        ("stringData.NOTE", f"Secret holds inline stringData 'NOTE'; {INLINE}"),
        ("stringData.AUTH", f"Secret holds inline stringData 'AUTH'; {INLINE}"),
    ]


def test_how_an_encryption_key_is_made_is_not_a_credential_but_the_key_and_a_passwords_hash_are():
    # Longhorn's volume encryption Secret (opencenter-cloud/openCenter-gitops-base): only the passphrase is secret.
    data = ("{CRYPTO_KEY_VALUE: s3cr3t-passphrase, CRYPTO_KEY_PROVIDER: secret, CRYPTO_KEY_CIPHER: aes-xts-plain64,"
            " CRYPTO_KEY_HASH: sha256, CRYPTO_KEY_SIZE: '256', CRYPTO_PBKDF: argon2i, ADMIN_HASH: '$2a$10$abcdefgh',"
            " PASSWORD_HASH: md5, SESSION_HASH: %s}" % ("a1" * 32))
    assert creds(secret(data)) == [
        ("stringData.CRYPTO_KEY_VALUE", f"Secret holds inline stringData 'CRYPTO_KEY_VALUE'; {INLINE}"),
        ("stringData.ADMIN_HASH", f"Secret holds inline stringData 'ADMIN_HASH'; {INLINE}"),
        ("stringData.PASSWORD_HASH", f"Secret holds inline stringData 'PASSWORD_HASH'; {INLINE}"),
        ("stringData.SESSION_HASH", f"Secret holds inline stringData 'SESSION_HASH'; {INLINE}"),
    ]


def test_an_argo_cd_cluster_secrets_config_is_judged_by_what_it_holds():
    # juanroldan1989/platform declares the in-cluster Secret with config {"tlsClientConfig": {"insecure": false}}:
    # reported as an inline credential. A config with a token, a password, a client key or an exec provider's env
    # still is, and names it.
    def cluster(name: str, config: str) -> str:
        return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: argocd\n"
                f"  labels: {{argocd.argoproj.io/secret-type: cluster}}\nstringData:\n  name: {name}\n"
                f"  server: https://k.example.com\n  config: '{config}'\n---\n")
    text = (cluster("plain", '{"tlsClientConfig": {"insecure": false, "caData": "LS0tLS1CRUdJTiBDRVJU"}}')
            + cluster("token", '{"bearerToken": "eyJhbGciOi", "tlsClientConfig": {"insecure": false}}')
            + cluster("key", '{"tlsClientConfig": {"certData": "Y2VydA==", "keyData": "a2V5"}}')
            + cluster("exec", '{"execProviderConfig": {"command": "aws", "env": {"AWS_PROFILE": "p"}}}')
            + cluster("aws", '{"awsAuthConfig": {"clusterName": "c", "roleARN": "arn:aws:iam::1:role/r"}}')
            + cluster("text", "not a mapping"))
    assert [(name, p, m.split(";")[0]) for name, p, m in env_hits("ENV-CREDENTIALS", text)] == [
        ("Secret/argocd/token", "stringData.config",
         "Secret holds inline stringData 'config', whose 'bearerToken' has a literal value"),
        ("Secret/argocd/key", "stringData.config", "Secret holds inline stringData 'config', whose 'keyData' has a literal value"),
        ("Secret/argocd/exec", "stringData.config", "Secret holds inline stringData 'config', whose 'env' has a literal value"),
        ("Secret/argocd/text", "stringData.config", "Secret holds inline stringData 'config'"),
    ]


def test_a_settings_file_in_a_secret_is_judged_by_what_it_holds():
    # openCenter-gitops-base hands Flux's HelmReleases their values from Secrets a secretGenerator makes of
    # values.yaml files: reported as a whole, as if each were a password (also one of comments only, or of several
    # documents). Only a file that holds a literal
    # credential is (Harbor's chart defaults harborAdminPassword); a file whose name is a credential's, a value that
    # is no file of settings, and a Slack webhook in an Alertmanager config still are.
    hook = "https://hooks.slack.com/services/T0A1B2C3D/B4E5F6G7H/" + "aB3" * 8
    files = {"values-base.yaml": "installCRDs: true\nsecretName: tls\nauth: {existingSecret: s, password: ''}\n"
                            "ingress: {tlsSecret: longhorn.local-tls}",
             "many.yaml": "---\na: 1\n---\nb: [2]\n...\n", "notes.yaml": "# all commented out\n# x: 1\n",
             "hardened.yaml": "core: {replicas: 2, harborAdminPassword: Harbor12345}",
             "override.yml": "[{token: '{{x}}'}]", "credentials.json": '{"type": "service_account"}',
             "api-key.json": "{}", "app.conf": "port: 5432",
             "plain.yaml": "hunter2", "alertmanager.yaml": f"global: {{slack_api_url: '{hook}'}}"}
    data = json.dumps(files)
    assert creds(secret(data)) == [
        ("stringData.alertmanager.yaml", "a Slack webhook URL in a rendered value"),
        ("stringData.hardened.yaml",
         f"Secret holds inline stringData 'hardened.yaml', whose 'harborAdminPassword' has a literal value; {INLINE}"),
        ("stringData.credentials.json", f"Secret holds inline stringData 'credentials.json'; {INLINE}"),
        ("stringData.api-key.json", f"Secret holds inline stringData 'api-key.json'; {INLINE}"),
        ("stringData.app.conf", f"Secret holds inline stringData 'app.conf'; {INLINE}"),
        ("stringData.plain.yaml", f"Secret holds inline stringData 'plain.yaml'; {INLINE}"),
    ]


def test_a_secrets_data_is_read_as_base64_and_a_blank_in_it_is_not_a_credential():
    import base64

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    wrapped = b64(b"<" + b"p" * 60 + b">")
    data = (f"{{blank: {b64(b'<password>')}, wrapped: '{wrapped[:40]} {wrapped[40:]}', "
            f"redacted: {b64(b'xxxxxx' + bytes([255]))}, real: {b64(b'hunter2')}}}")
    assert creds(secret(data, key="data")) == [("data.real", f"Secret holds inline data 'real'; {INLINE}")]


def test_odd_secret_and_config_map_data_is_passed_over():
    assert creds(secret("[a, b]")) == []
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata: {retries_token: 5}\n"
    assert creds(cm) == []


def test_a_config_maps_multi_line_value_is_a_file_not_a_setting():
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\ndata:\n  db_password: |\n    a\n    b\n"
    assert creds(cm) == []


def test_a_secrets_keys_are_not_read_as_a_config_maps():
    assert creds(secret("{password: aHVudGVyMg==}", key="data")) == [
        ("data.password", f"Secret holds inline data 'password'; {INLINE}")]


ENV_C = """apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
    - name: c
      env: %s
"""


def test_a_value_naming_a_rendered_secret_refers_to_a_credential():
    text = ENV_C % "[{name: API_TOKEN, value: my-token}]" + "---\n" + secret("{}")
    assert creds(text) == [("spec.containers[0].env[0].value", "env 'API_TOKEN' has a literal value; read it from a "
                                                                "Secret (valueFrom.secretKeyRef)")]
    assert creds(text.replace("my-token", "s")) == []


@pytest.mark.parametrize("entry,fires", [
    ("{name: AWS_REGION, value: us-east-1}", False),
    ("{name: AWS_THING, value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY}", True),
    ("{name: key, value: abc}", False),  # one word: what kind of key is not said
    ("{name: '-', value: abc}", False),  # no word at all
])
def test_which_names_make_a_literal_value_a_credential(entry, fires):
    assert bool(creds(ENV_C % f"[{entry}]")) is fires


def test_a_credential_nested_in_a_parameters_value_is_found():
    text = ("apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t, namespace: ns}\n"
            "spec:\n  parameters:\n    - name: config\n      value:\n"
            "        env: [{name: DB_PASSWORD, value: hunter2}]\n")
    assert [p for p, _ in creds(text)] == ["spec.parameters[0].value.env[0].value"]


def test_a_credential_found_in_a_value_is_not_reported_again_from_its_line(tmp_path):
    src = tmp_path / "cm.yaml"
    src.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n"
                   "data: {note: key AKIAIOSFODNN7EXAMPLE}\n")
    rt = rendered(src.read_text(), "dev")
    rt.manifests[0] = rt.manifests[0]._replace(source="cm.yaml")
    assert [h.path for h in run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))] == ["data.note"]


def test_an_edited_source_file_is_read_again(tmp_path):
    import os

    src = tmp_path / "sa.yaml"
    src.write_text("# aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                   "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n")

    def hits():
        rt = rendered(src.read_text(), "dev")
        rt.manifests[0] = rt.manifests[0]._replace(source="sa.yaml")
        return [(h.path, h.message) for h in run_rule("ENV-CREDENTIALS", context(rt, repo_root=tmp_path))]

    assert hits() == [("", "an AWS secret access key in source file sa.yaml line 1")]
    src.write_text("# rotated\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n")
    stat = src.stat()
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert hits() == []


def labels(text: str, environment: str = "dev"):
    return env_hits("ENV-LABELS", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: ns\n" + text,
                    environment)


def test_a_missing_label_is_reported_where_the_labels_are_or_would_be():
    assert labels("") == [("ConfigMap/ns/c", "metadata", "missing label(s) app.kubernetes.io/name, "
                                                         "app.kubernetes.io/part-of, environment")]
    assert labels("  labels: [a]\n") == [("ConfigMap/ns/c", "metadata.labels", "missing label(s) "
                                          "app.kubernetes.io/name, app.kubernetes.io/part-of, environment")]


def test_a_wrong_environment_label_is_reported_at_the_label():
    text = "  labels: {app.kubernetes.io/name: a, app.kubernetes.io/part-of: a, environment: prod}\n"
    assert labels(text) == [("ConfigMap/ns/c", "metadata.labels.environment",
                             "label environment='prod' but this is environment 'dev'")]
