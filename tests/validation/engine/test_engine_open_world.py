"""Files given as PATHs are an open world: they are not a deployment unit, so the closed-world rules do not claim that
what they refer to is missing. `--closed-world` (or `closed-world = true`) makes the given files one world; a
kustomization, an overlay, an Application and a configured target stay closed-world as they are."""

from __future__ import annotations

from pathlib import Path

from validation import config, engine

from .helpers import write

CLOSED_WORLD_RULES = ["ARGO-DANGLING-REFERENCE", "ARGO-SERVICE-ACCOUNT-MISSING", "ARGO-TEMPLATEREF-UNRESOLVED",
                      "RBAC-EXECUTOR-PERMISSIONS", "RBAC-BINDING-SUBJECT-MISSING", "RBAC-BINDING-ROLE-MISSING"]

# As Argo's examples are written: the default ServiceAccount (its RBAC comes with the install), a Secret made by
# hand, a WorkflowTemplate submitted separately.
WORKFLOW = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: hello, namespace: demo}  # kustomize cannot build generateName
    spec:
      entrypoint: main
      templates:
        - name: main
          steps:
            - - {name: shared, templateRef: {name: library, template: say}}
            - - {name: own, template: say}
        - name: say
          container:
            image: busybox:1.36
            env:
              - name: TOKEN
                valueFrom: {secretKeyRef: {name: my-secret, key: token}}
    """
BINDING = """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: runner, namespace: demo}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner}
    subjects: [{kind: ServiceAccount, name: runner, namespace: demo}]
    """
# What the files above refer to, as another file of the same run.
SUPPLIES = """\
    apiVersion: v1
    kind: Secret
    metadata: {name: my-secret, namespace: demo}
    type: Opaque
    ---
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: runner, namespace: demo}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: runner, namespace: demo}
    rules:
      - {apiGroups: [argoproj.io], resources: [workflowtaskresults], verbs: [create, patch]}
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: default-executor, namespace: demo}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner}
    subjects: [{kind: ServiceAccount, name: default, namespace: demo}]
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: WorkflowTemplate
    metadata: {name: library, namespace: demo}
    spec:
      templates:
        - name: say
          container: {image: "busybox:1.36"}
    """
NOTE = "closed-world rules skipped: PATHs are not a deployment unit"


def _check(root: Path, *paths: str, closed: bool | None = None, full: bool = False):
    cfg = config.load(root)
    if closed is not None:
        cfg.closed_world = closed
    return engine.run(cfg, paths=None if full else [root / p for p in paths], select=CLOSED_WORLD_RULES)


def _rules(result) -> list[str]:
    return sorted({f.rule_id for f in result.findings})


def test_files_given_as_paths_are_an_open_world_and_a_note_says_so_once(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "examples/hello.yaml": WORKFLOW, "rbac/binding.yaml": BINDING})
    result = _check(tmp_path, "examples", "rbac/binding.yaml")
    assert result.findings == [] and result.errors == []
    assert [n for n in result.notes if NOTE in n] == [n for n in result.notes if "closed-world" in n]
    assert len([n for n in result.notes if NOTE in n]) == 1
    assert all(rt.incomplete for rt in result.rendered)


def test_closed_world_holds_the_given_files_to_what_they_refer_to(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "examples/hello.yaml": WORKFLOW, "rbac/binding.yaml": BINDING})
    result = _check(tmp_path, "examples", "rbac/binding.yaml", closed=True)
    assert _rules(result) == ["ARGO-DANGLING-REFERENCE", "ARGO-TEMPLATEREF-UNRESOLVED", "RBAC-BINDING-ROLE-MISSING",
                              "RBAC-BINDING-SUBJECT-MISSING", "RBAC-EXECUTOR-PERMISSIONS"]
    assert not any(NOTE in n for n in result.notes)


def test_closed_world_checks_references_among_all_the_given_files(tmp_path: Path) -> None:
    """An object in one PATH satisfies a reference from another: the given files are one world."""
    write(tmp_path, {"pyproject.toml": "", "examples/hello.yaml": WORKFLOW, "rbac/binding.yaml": BINDING,
                     "cluster/supplies.yaml": SUPPLIES})
    result = _check(tmp_path, "examples", "rbac/binding.yaml", "cluster/supplies.yaml", closed=True)
    assert result.findings == []
    # Without the file that supplies them, the same references dangle again.
    assert "ARGO-DANGLING-REFERENCE" in _rules(_check(tmp_path, "examples", "rbac/binding.yaml", closed=True))


def test_closed_world_is_a_config_key(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.validation]\nclosed-world = true\n", "examples/hello.yaml": WORKFLOW})
    assert "ARGO-DANGLING-REFERENCE" in _rules(_check(tmp_path, "examples"))


def test_a_kustomization_given_as_a_path_is_a_deployment_unit_and_stays_closed(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "app/hello.yaml": WORKFLOW,
                     "app/kustomization.yaml": "resources: [hello.yaml]\n"})
    result = _check(tmp_path, "app")
    assert _rules(result) == ["ARGO-DANGLING-REFERENCE", "ARGO-TEMPLATEREF-UNRESOLVED", "RBAC-EXECUTOR-PERMISSIONS"]
    assert not any(NOTE in n for n in result.notes)


def test_a_kustomization_and_files_in_one_run_each_keep_their_world(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "app/hello.yaml": WORKFLOW,
                     "app/kustomization.yaml": "resources: [hello.yaml]\n", "examples/hello.yaml": WORKFLOW})
    result = _check(tmp_path, "app", "examples")
    assert {f.target for f in result.findings} == {str(tmp_path / "app")}
    assert any(NOTE in n for n in result.notes)


def test_a_configured_target_is_a_deployment_unit_and_honours_external(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    pyproject = '[tool.validation]\ntargets = ["examples"]\n'
    write(tmp_path, {"pyproject.toml": pyproject, "examples/hello.yaml": WORKFLOW})
    assert "ARGO-DANGLING-REFERENCE" in _rules(_check(tmp_path, full=True))
    write(tmp_path, {"pyproject.toml": pyproject + """\
        [tool.validation.external]
        secrets = ["my-secret"]
        serviceaccounts = ["default"]
        workflowtemplates = ["library"]
        """})
    assert _check(tmp_path, full=True).findings == []


def test_the_cli_opts_in_with_closed_world_and_out_with_no_closed_world(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "examples/hello.yaml": WORKFLOW})
    code, out, _ = run_cli("check", "examples", "--select", "ARGO-DANGLING-REFERENCE", cwd=tmp_path)
    assert code == 0 and NOTE in out
    code, out, _ = run_cli("check", "examples", "--select", "ARGO-DANGLING-REFERENCE", "--closed-world")
    assert code == 1 and "my-secret" in out
    write(tmp_path, {"pyproject.toml": "[tool.validation]\nclosed-world = true\n"})
    code, _, _ = run_cli("check", "examples", "--select", "ARGO-DANGLING-REFERENCE", "--no-closed-world")
    assert code == 0
