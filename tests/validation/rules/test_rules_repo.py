"""This repository's own environments are clean, and single mistakes in its source files are caught.

The mutation test copies the repository's GitOps tree to a temporary directory, applies one mistake to one source
file, runs the real engine (`validation.engine.run`: kustomize render, source mapping, every rule) and asserts that a
finding with the expected rule ID points at the expected source file.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[3]
engine = pytest.importorskip("validation.engine")
from validation import config as config_mod  # noqa: E402

RULE_FAMILIES = ("ARGO-", "RBAC-", "ARGOCD-", "ENV-")
TREE = ("base", "overlays", "argocd", "pipeline", "repository", "mlflow-server", "pyproject.toml", ".dvc")

MP = "base/workflowtemplates/ml-pipeline.yaml"
MPG = "base/workflowtemplates/ml-pipeline-git.yaml"
POST = "overlays/dev/post-sync-run.yaml"
ROLE = "base/rbac/role.yaml"
BINDING = "base/rbac/rolebinding.yaml"


@dataclass(frozen=True)
class Mutation:
    rule_id: str
    file: str  # the source file the mistake is made in
    old: str  # text to replace (the first occurrence), or a regular expression when regex=True
    new: str | Callable[[Path], str]  # replacement; a callable gets the repository copy's root
    expect: tuple[str, ...] = ()  # files a finding may point at; default: the mutated file
    regex: bool = False
    also: tuple[tuple[str, str, str], ...] = ()  # (file, old, new): the same mistake's other half, elsewhere

    @property
    def files(self) -> tuple[str, ...]:
        return self.expect or (self.file,)

    def apply(self, text: str, repo: Path) -> str:
        new = self.new(repo) if callable(self.new) else self.new
        if self.regex:
            out, n = re.subn(self.old, new, text, count=1, flags=re.S)
            assert n == 1, f"mutation pattern matches nothing in {self.file}: {self.old!r}"
            return out
        assert self.old in text, f"mutation anchor missing from {self.file}: {self.old!r}"
        return text.replace(self.old, new, 1)


OWN_URL = r"  annotations: \{argo-ml.io/source: this-repository\}[^\n]*\n"


def _repo_url(repo: Path) -> str:
    return re.search(r"url: (\S+)", (repo / "repository" / "repository.yaml").read_text()).group(1)


def _bucket_of(env: str) -> Callable[[Path], str]:
    """The replacement that gives an overlay the bucket another environment uses."""
    def new(repo: Path) -> str:
        text = (repo / "overlays" / env / "bucket.yaml").read_text(encoding="utf-8")
        m = re.search(BUCKET_VALUE, text, re.S)
        assert m, f"no bucket value in overlays/{env}/bucket.yaml"
        return r"\g<1>" + m.group(2)
    return new


BUCKET_VALUE = r"(path: /spec/arguments/parameters/4/value\s+value: )([^\s#]+)"
REGION_VALUE = r"(path: /spec/arguments/parameters/5/value\s+value: )([^\s#]+)"


MUTATIONS = [
    # --- Argo references and DAGs (resource files: mapped to the exact line)
    Mutation("ARGO-ENTRYPOINT-MISSING", MP, "entrypoint: pipeline", "entrypoint: pipelines"),
    Mutation("ARGO-TEMPLATE-MISSING", MP, "            template: feature-eng\n", "            template: feature-engineering\n"),
    Mutation("ARGO-DAG-DEPENDENCY-MISSING", MP, "depends: data-prep\n", "depends: data-prepp\n"),
    Mutation("ARGO-DAG-DEPENDS-SYNTAX", MP, "depends: evaluate-model.Succeeded", "depends: evaluate-model.Suceeded"),
    Mutation("ARGO-DAG-CYCLE", MP, "depends: data-prep\n", "depends: data-prep && evaluate-model\n"),
    Mutation("ARGO-DAG-SELF-DEPENDENCY", MPG, "depends: fetch-code\n", "depends: data-prep\n"),
    Mutation("ARGO-TEMPLATEREF-UNRESOLVED", MPG, "{name: fetch-code, template: fetch-code}",
             "{name: fetch-code, templateRef: {name: ml-pipeline, template: fetch-code}}"),
    # --- expressions
    Mutation("ARGO-VAR-OUTPUT-REF", MP, "{{tasks.evaluate-model.outputs.parameters.gate}}",
             "{{tasks.evaluate-model.outputs.parameters.verdict}}"),
    Mutation("ARGO-VAR-OUTPUT-REF", MPG, "{{tasks.evaluate-model.outputs.parameters.gate}}",
             "{{tasks.train-model.outputs.parameters.gate}}"),
    Mutation("ARGO-VAR-WORKFLOW-PARAMETER", MP, '{name: git-commit, value: "{{workflow.parameters.git-commit}}"}',
             '{name: git-commit, value: "{{workflow.parameters.git-sha}}"}'),
    Mutation("ARGO-VAR-UNKNOWN", MPG, '{name: git-commit, value: "{{tasks.fetch-code.outputs.parameters.commit}}"}',
             '{name: git-commit, value: "{{workflow.revision}}"}'),
    Mutation("ARGO-VAR-OUTPUT-REF", MPG, '{name: git-commit, value: "{{tasks.fetch-code.outputs.parameters.commit}}"}',
             '{name: git-commit, value: "{{tasks.fetch-code.outputs.parameters.sha}}"}'),
    Mutation("ARGO-VAR-ITEM-OUTSIDE-LOOP", MP, '{name: git-commit, value: "{{workflow.parameters.git-commit}}"}',
             '{name: git-commit, value: "{{item}}"}'),
    Mutation("ARGO-VAR-UNDECLARED", "base/steps/data-prep.yaml", r"\{\{inputs\.parameters\.([\w-]+)\}\}",
             r"{{inputs.parameters.\g<1>-typo}}", expect=("base/steps/data-prep.yaml", MP, MPG), regex=True),
    # --- inputs and arguments
    Mutation("ARGO-INPUT-MISSING", MP, "arguments: {parameters: [{name: code-dir, value: /opt/ml/code}, ",
             "arguments: {parameters: ["),
    Mutation("ARGO-ARGUMENT-UNKNOWN", MPG, r"(arguments: \{parameters: \[\{name: )([\w-]+)", r"\g<1>\g<2>-typo",
             regex=True),
    # --- service account and dangling references
    Mutation("ARGO-SERVICE-ACCOUNT-MISSING", POST, "spec:\n  workflowTemplateRef:",
             "spec:\n  serviceAccountName: ml-runner\n  workflowTemplateRef:"),
    Mutation("ARGO-DANGLING-REFERENCE", POST, "spec:\n  workflowTemplateRef:",
             "spec:\n  imagePullSecrets: [{name: regcred}]\n  workflowTemplateRef:"),
    Mutation("ARGO-DANGLING-REFERENCE", "base/workflowtemplates/common-spec.yaml", "  volumes:\n",
             "  volumes:\n    - {name: extra, configMap: {name: ml-extra}}\n",
             expect=(MP, MPG, "base/workflowtemplates/common-spec.yaml")),
    # --- resources and robustness (step files are JSON6902 appends)
    Mutation("ARGO-RESOURCES-REQUEST-EXCEEDS-LIMIT", "base/steps/evaluate-model.yaml",
             r"(limits: \{cpu: [^,]+, memory: )[^}]+\}", r"\g<1>1Mi}", expect=("base/steps/evaluate-model.yaml", MP, MPG),
             regex=True),
    Mutation("ARGO-RESOURCES-MISSING", "base/workflowtemplates/fetch-code.yaml", r"\n +limits: \{[^}]*\}", "",
             expect=("base/workflowtemplates/fetch-code.yaml", MPG), regex=True),
    # The overlays pin `ml-pipeline` by digest; a step that names another image escapes the pin.
    Mutation("ARGO-IMAGE-TAG", "base/steps/train-model.yaml", r"image: ml-pipeline\b", "image: python",
             expect=("base/steps/train-model.yaml", MP, MPG), regex=True),
    Mutation("ARGO-RETRY-STRATEGY-MISSING", "base/workflowtemplates/fetch-code.yaml",
             r"\n    retryStrategy:.*?(?=\n    [a-zA-Z])", "", expect=("base/workflowtemplates/fetch-code.yaml", MPG),
             regex=True),
    # The workflow-wide deadline also bounds every step, so the step's own goes with it.
    Mutation("ARGO-ACTIVE-DEADLINE-MISSING", "base/workflowtemplates/fetch-code.yaml",
             r"\n    activeDeadlineSeconds: [^\n]*", "", expect=("base/workflowtemplates/fetch-code.yaml", MPG),
             regex=True, also=(("base/workflowtemplates/common-spec.yaml", "  activeDeadlineSeconds: 7200", ""),)),
    Mutation("ARGO-CLEANUP-MISSING", POST, "  workflowTemplateRef:\n    name: ml-pipeline-git\n",
             "  entrypoint: wait\n  templates: [{name: wait, suspend: {duration: '1m'}}]\n"),
    Mutation("ARGO-SYNCED-WORKFLOW-NAME", POST,
             "    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation\n", ""),
    Mutation("ARGO-SYNCED-WORKFLOW-HOOK", POST, "    argocd.argoproj.io/hook: PostSync\n", ""),
    # --- RBAC
    Mutation("RBAC-WILDCARD", ROLE, "verbs: [create, patch]", 'verbs: ["*"]'),
    Mutation("RBAC-PRIVILEGE-ESCALATION", ROLE, r"verbs: \[", "verbs: [escalate, ", regex=True),
    Mutation("RBAC-SECRETS-ACCESS", ROLE, "    resourceNames: [aws-credentials]\n", ""),
    Mutation("RBAC-CLUSTER-ADMIN-BINDING", BINDING, "  kind: Role\n  name: argo-workflow-role",
             "  kind: ClusterRole\n  name: cluster-admin"),
    Mutation("RBAC-BINDING-ROLE-MISSING", BINDING, "  name: argo-workflow-role\n", "  name: argo-workflows-role\n"),
    Mutation("RBAC-BINDING-SUBJECT-MISSING", BINDING, "name: argo-workflow-sa", "name: argo-workflows-sa"),
    Mutation("RBAC-EXECUTOR-PERMISSIONS", ROLE, "verbs: [create, patch]", "verbs: [create]"),
    # --- environment policy
    Mutation("ENV-BUCKET-NAME", "overlays/staging/bucket.yaml", BUCKET_VALUE, r"\g<1>MLOps_Data_Bucket", regex=True),
    Mutation("ENV-REGION", "overlays/prod/bucket.yaml", REGION_VALUE, r"\g<1>us-west2", regex=True),
    Mutation("ENV-BUCKET-SHARED", "overlays/staging/bucket.yaml", BUCKET_VALUE, _bucket_of("prod"), regex=True),
    Mutation("ENV-BUCKET-INCONSISTENT", POST, "  workflowTemplateRef:\n",
             "  arguments: {parameters: [{name: dvc-s3-bucket, value: mlops-scratch-1754148674}]}\n"
             "  workflowTemplateRef:\n"),
    Mutation("ENV-CREDENTIALS", POST, "  workflowTemplateRef:\n",
             "  arguments: {parameters: [{name: s3-endpoint-url, value: 'https://AKIAIOSFODNN7EXAMPLE@minio:9000'}]}\n"
             "  workflowTemplateRef:\n"),
    Mutation("ENV-CREDENTIALS", "base/rbac/serviceaccount.yaml", "apiVersion: v1\n",
             "# aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\napiVersion: v1\n"),
    Mutation("ENV-LABELS", POST, "    app.kubernetes.io/part-of: ml-pipeline\n", ""),
    # --- Argo CD
    Mutation("ARGOCD-SOURCE-PATH-MISSING", "argocd/apps/staging.yaml", "path: overlays/staging", "path: overlays/stage"),
    # The repository URL is set once (repository/) for everything annotated argo-ml.io/source: this-repository;
    # these mistakes take one object out of that and give it a URL of its own.
    Mutation("ARGOCD-REPO-URL-MISMATCH", "argocd/apps/prod.yaml", OWN_URL + r"(.*?)  source:\n",
             # a letter dropped: a typo (a word added would name a sibling repository)
             lambda repo: rf"\1  source:\n    repoURL: {_repo_url(repo).removesuffix('.git')[:-1]}.git\n", regex=True),
    Mutation("ARGOCD-REPO-NOT-ALLOWED", "argocd/project.yaml", OWN_URL + r"(.*?)  sourceRepos: \[\][^\n]*\n",
             r"\1  sourceRepos: [https://example.com/other.git]\n",
             # the Application's repoURL is set by the replacement from repository/repository.yaml: that value's line
             expect=("argocd/apps/dev.yaml", "repository/repository.yaml"), regex=True),
    Mutation("ARGOCD-PROJECT-MISSING", "argocd/apps/dev.yaml", "project: ml-pipeline\n", "project: ml-pipelines\n"),
    Mutation("ARGOCD-PROJECT-DESTINATION", "argocd/project.yaml",
             "    - {server: https://kubernetes.default.svc, namespace: ml-staging}\n", "",
             expect=("argocd/apps/staging.yaml",)),
    Mutation("ARGOCD-PROJECT-CLUSTER-RESOURCE", "argocd/project.yaml", "    - {group: argoproj.io, kind: Workflow}", "",
             expect=("argocd/apps/dev.yaml",)),
    Mutation("ARGOCD-DESTINATION-NAMESPACE", "overlays/staging/kustomization.yaml", "namespace: ml-staging",
             "namespace: ml-stage", expect=("argocd/apps/staging.yaml",)),
    Mutation("ARGOCD-TARGET-REVISION", "argocd/apps/prod.yaml", "    targetRevision: main\n", ""),
    Mutation("ENV-DVC-REMOTE", ".dvc/config", "s3://mlops-data-bucket-staging-1754148674/dvc",
             "s3://mlops-data-bucket-staging-retired/dvc", expect=("overlays/staging/bucket.yaml",)),
    Mutation("ARGOCD-PROD-AUTO-PRUNE", "argocd/apps/prod.yaml", "  syncPolicy:\n",
             "  syncPolicy:\n    automated: {prune: true}\n"),
    # --- schema, through an overlay's targeted strategic-merge patch (its own metadata.name is a placeholder)
    Mutation("SCHEMA-UNKNOWN-FIELD", "overlays/prod/retention.yaml", "  ttlStrategy:\n",
             "  ttlStrategee: {}\n  ttlStrategy:\n"),
]


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    dst = tmp_path_factory.mktemp("repo")
    for name in TREE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.is_file():
            shutil.copy2(src, dst / name)
    return dst


def ours(findings):
    return [f for f in findings if f.rule_id.startswith(RULE_FAMILIES)]


def test_this_repository_has_no_findings():
    result = engine.run(config_mod.load(ROOT))
    assert result.rendered, "nothing was rendered"
    bad = [f for f in result.findings if f.rule_id.startswith(RULE_FAMILIES)]
    assert bad == [], "\n".join(f"{f.rule_id} {f.target} {f.file}:{f.line} {f.message}" for f in bad)


def test_the_copy_is_clean_before_mutating(repo_copy):
    result = engine.run(config_mod.load(repo_copy))
    assert ours(result.findings) == []


def test_mutations_are_many_and_cover_every_family():
    assert len(MUTATIONS) >= 30
    for family in RULE_FAMILIES:
        assert sum(m.rule_id.startswith(family) for m in MUTATIONS) >= 5, family


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[f"{m.rule_id}@{m.file}" for m in MUTATIONS])
def test_a_single_mistake_is_caught_in_the_right_file(repo_copy, mutation):
    path = repo_copy / mutation.file
    original = path.read_text(encoding="utf-8")
    # A suppression of the very rule under test would hide the mistake by design: drop it from the copy.
    mutated = "".join(line for line in mutation.apply(original, repo_copy).splitlines(keepends=True)
                      if f"ignore-check.argo-ml.io/{mutation.rule_id}:" not in line)
    others = {repo_copy / f: (repo_copy / f).read_text(encoding="utf-8") for f, _, _ in mutation.also}
    try:
        for f, old, new in mutation.also:
            assert old in others[repo_copy / f], f"mutation anchor missing from {f}: {old!r}"
            (repo_copy / f).write_text(others[repo_copy / f].replace(old, new, 1), encoding="utf-8")
        path.write_text(mutated, encoding="utf-8")
        from validation import sourcemap

        sourcemap.clear_cache()
        result = engine.run(config_mod.load(repo_copy))
    finally:
        path.write_text(original, encoding="utf-8")
        for other, text in others.items():
            other.write_text(text, encoding="utf-8")
    hits = [f for f in result.findings if f.rule_id == mutation.rule_id]
    shown = "\n".join(f"{f.rule_id} {f.target} {f.file}:{f.line} {f.message}" for f in ours(result.findings))
    assert hits, f"{mutation.rule_id} not raised; findings:\n{shown}\nerrors: {result.errors}"
    assert any(f.file in mutation.files for f in hits), f"wrong file; findings:\n{shown}"
