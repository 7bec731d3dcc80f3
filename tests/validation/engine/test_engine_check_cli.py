"""`python -m validation check`: formats and outputs, GitHub mode, --changed, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .helpers import write


def test_clean_repo_exits_0_and_says_what_it_rendered(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML,SCHEMA,RENDER,SUPPRESS")
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith("passed: 0 errors, 0 warnings, 0 info")
    assert "rendered: dev, prod, app/demo-dev" in out


def test_findings_exit_1_and_fail_on_moves_the_threshold(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML,SCHEMA", str(tmp_path / "x.yaml"))
    assert code == 0 and "info YAML-EMPTY-DOCUMENT" in out
    code, _, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML,SCHEMA", "--fail-on", "info",
                         str(tmp_path / "x.yaml"))
    assert code == 1


def test_formats_and_outputs_pair_up(repo: Path, tmp_path: Path, run_cli) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML", "--format", "sarif", "--output",
                             str(sarif), "--format", "junit", "--output", str(junit), "--format", "json")
    assert code == 0, err
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert json.loads(out)["exit_code"] == 0  # the unpaired format goes to stdout


def test_file_only_outputs_still_print_a_summary(repo: Path, tmp_path: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--output", str(tmp_path / "r.json"))
    assert json.loads((tmp_path / "r.json").read_text())["exit_code"] == 0  # format from the suffix
    assert out.startswith("passed:")


def test_github_actions_gets_annotations(tmp_path: Path, run_cli, monkeypatch) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "a: 1\na: 2\n"})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML", str(tmp_path / "x.yaml"))
    assert code == 1
    assert "::error file=x.yaml,line=2,col=1,title=YAML-DUPLICATE-KEY::" in out


def test_usage_errors_exit_2_without_traceback(repo: Path, run_cli) -> None:
    for argv, message in [
        (["--select", "BOGUS"], "'BOGUS' is not a rule ID"),
        (["--env", "qa"], "unknown target 'qa'"),
        (["--kubernetes-version", "0.1"], "--kubernetes-version 0.1"),
        (["--argo-version", "3.4"], "argo-version 3.4: argo-workflows 3.4 has no vendored schemas (vendored: 3.6"),
        (["--output", "/nonexistent/dir/x.json"], "does not exist"),
        (["--output", "report.weird"], "no --format for it"),
        ([str(repo / "missing.yaml")], "no such file"),
    ]:
        code, out, err = run_cli("check", "--root", str(repo), *argv)
        assert code == 2, argv
        assert message in err, (argv, err)
        assert "Traceback" not in out + err


def test_env_selects_one_environment(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--env", "prod")
    assert code == 0 and "rendered: prod (" in out


def test_changed_overlay_file_renders_only_that_environment(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML", "--verbose",
                             "--changed", "overlays/prod/bucket.yaml")
    assert code == 0, err
    assert "rendered: prod (" in out
    assert "rendered prod (overlay)" in err and "rendered dev" not in err


def test_changed_unrelated_file_renders_nothing(repo: Path, run_cli) -> None:
    write(repo, {"docs/notes.md": "hello\n"})
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML", "--changed", "docs/notes.md")
    assert code == 0 and "rendered: none" in out


def test_real_process_prints_no_traceback_on_bad_input(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "bad.yaml": b"\xff\xfe\x00garbage: [\n"})
    proc = subprocess.run([sys.executable, "-m", "validation", "check", "--root", str(tmp_path),
                           str(tmp_path / "bad.yaml")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "YAML-ENCODING" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_path_with_a_kustomization_is_rendered_and_mapped(repo: Path, run_cli) -> None:
    code, out, err = run_cli("check", "--root", str(repo), "--format", "json", "--select", "YAML,SCHEMA",
                             str(repo / "overlays/dev"), str(repo / "base/serviceaccount.yaml"))
    assert code == 0, err
    data = json.loads(out)
    assert [(t["kind"], t["objects"]) for t in data["targets"]] == [("path", 3), ("path", 1)]


def test_application_of_a_plain_directory_reads_it_as_argo_cd_does(repo: Path) -> None:
    from validation import config, engine

    write(repo, {
        "argocd/apps/raw.yaml": """\
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: raw}
            spec:
              project: default
              source: {repoURL: https://example.com/repo.git, targetRevision: main, path: raw}
              destination: {server: https://kubernetes.default.svc, namespace: raw}
            """,
        "raw/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        "raw/sub/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
    })
    result = engine.run(config.load(repo), targets=["raw"], select=["YAML"])
    [rt] = result.rendered
    assert [m.name for m in rt.manifests] == ["a"]  # no recurse unless spec.source.directory.recurse
    assert rt.manifests[0].source == "raw/a.yaml"
    text = (repo / "argocd/apps/raw.yaml").read_text().replace("path: raw}", "path: raw, directory: {recurse: true}}")
    write(repo, {"argocd/apps/raw.yaml": text})
    [rt] = engine.run(config.load(repo), targets=["raw"], select=["YAML"]).rendered
    assert sorted(m.name for m in rt.manifests) == ["a", "b"]


def test_progress_appears_only_on_a_terminal_after_a_while(capsys, monkeypatch) -> None:
    from validation.commands import check

    quiet = check._Progress(enabled=False)
    quiet("render", 1, 3, "dev")
    fresh = check._Progress(enabled=True)
    fresh("render", 1, 3, "dev")  # under a second in: nothing yet
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(check, "PROGRESS_AFTER", 0.0)
    slow = check._Progress(enabled=True)
    slow("render", 2, 3, "prod")
    slow.clear()
    err = capsys.readouterr().err
    assert "render 2/3: prod" in err and err.endswith("\r\033[K")


def test_summary_counts_shared_objects_once(repo: Path, run_cli) -> None:
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "YAML")
    assert "in 6 objects; rendered: dev, prod, app/demo-dev" in out  # app/demo-dev reuses dev's 3 objects


def test_two_formats_for_stdout_or_one_output_twice_are_usage_errors(repo: Path, tmp_path: Path, run_cli) -> None:
    report = tmp_path / "r.json"
    for argv, message in [
        (["--format", "json", "--format", "sarif"], "only one report can go to stdout"),
        (["--format", "json", "--output", str(report), "--format", "sarif", "--format", "text"],
         "--format sarif --format text: only one report can go to stdout"),
        (["--output", str(report), "--output", str(tmp_path / "sub/../r.json")], "given twice"),
        (["--format", "json", "--output", str(report), "--format", "sarif", "--output", str(report)], "given twice"),
    ]:
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, out, err = run_cli("check", "--root", str(repo), "--select", "YAML", *argv)
        assert code == 2, argv
        assert message in err, (argv, err)
        assert out == "" and not report.exists()


def test_file_only_outputs_print_just_the_summary_line(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "x.yaml": "apiVersion: v1\nkind: ConfigMap\nkind: ConfigMap\n"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "YAML", "--output",
                           str(tmp_path / "r.json"), str(tmp_path / "x.yaml"))
    assert code == 1
    assert [f["rule_id"] for f in json.loads((tmp_path / "r.json").read_text())["findings"]] == ["YAML-DUPLICATE-KEY"]
    assert out.splitlines() == [out.strip()] and out.startswith("failed: 1 error")  # no finding lines


def test_summary_lists_targets_that_failed_to_render_apart(repo: Path, run_cli) -> None:
    write(repo, {"overlays/prod/kustomization.yaml": "resources:\n  - ../../base-typo\n"})
    code, out, _ = run_cli("check", "--root", str(repo), "--select", "RENDER")
    assert code == 1  # kustomize refusing the input is a finding about the input
    summary = out.splitlines()[-1]
    assert "; rendered: dev, app/demo-dev; failed to render: prod (" in summary


def test_config_rule_ids_must_exist(repo: Path, run_cli) -> None:
    for table, message in [
        ('severity = {BOGUS-RULE = "error"}', "pyproject.toml [tool.validation] severity: 'BOGUS-RULE' is not a rule ID"),
        ('ignore = ["ARGO-RETRY-STRATEGY-MISSNG"]',
         "pyproject.toml [tool.validation] ignore: 'ARGO-RETRY-STRATEGY-MISSNG' is not a rule ID"),
        ('select = ["SCHEMAX"]', "pyproject.toml [tool.validation] select: 'SCHEMAX' is not a rule ID"),
        ('severity = {YAML-PARSE = "warning"}', "YAML-PARSE means the input could not be read"),
    ]:
        write(repo, {"pyproject.toml": f"[tool.validation]\n{table}\n"})
        code, out, err = run_cli("check", "--root", str(repo))
        assert code == 2, table
        assert message in err, (table, err)
        assert "--ignore" not in err and "Traceback" not in out + err


API_LIFECYCLE = """\
apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata: {name: x}
spec:
  priorityLevelConfiguration: {name: global-default}
  matchingPrecedence: 1000
---
apiVersion: v1
kind: Endpoints
metadata: {name: e}
"""


def test_kubernetes_version_decides_deprecated_and_removed_apis(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "api.yaml": API_LIFECYCLE})

    def findings(*argv: str) -> tuple[int, list[tuple[str, str, int]]]:
        code, out, err = run_cli("check", "--root", str(tmp_path), "--format", "json", "--select", "schema",
                                 *argv, str(tmp_path / "api.yaml"))
        return code, [(f["rule_id"], f["severity"], f["line"]) for f in json.loads(out)["findings"]]

    assert findings("--kubernetes-version", "1.28") == (0, [])
    assert findings("--kubernetes-version", "1.29") == (0, [("SCHEMA-DEPRECATED-API", "warning", 1)])
    assert findings("--kubernetes-version", "1.32") == (1, [("SCHEMA-REMOVED-API", "error", 1)])
    # the default, 1.37: FlowSchema v1beta3 is gone, and v1 Endpoints deprecated since 1.33
    assert findings() == (1, [("SCHEMA-REMOVED-API", "error", 1), ("SCHEMA-DEPRECATED-API", "warning", 8)])
    write(tmp_path, {"pyproject.toml": '[tool.validation]\nkubernetes-version = "1.29"\n'})
    assert findings() == (0, [("SCHEMA-DEPRECATED-API", "warning", 1)])  # config, when the flag is absent


def test_ignore_missing_schemas_flag(tmp_path: Path, run_cli) -> None:
    write(tmp_path, {"pyproject.toml": "", "w.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"})
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "schema", str(tmp_path / "w.yaml"))
    assert code == 1 and "w.yaml:1:1: error SCHEMA-MISSING Widget/w: no schema for example.com/v1 Widget" in out
    code, out, _ = run_cli("check", "--root", str(tmp_path), "--select", "schema", "--ignore-missing-schemas",
                           str(tmp_path / "w.yaml"))
    assert code == 0 and "SCHEMA-MISSING" not in out
